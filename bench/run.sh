#!/usr/bin/env bash
# The benchmark: builds newsdesk and the baseline server, seeds SQLite and PostgreSQL,
# drives both with wrk, and writes BENCHMARKS.md.
#
#   bench/run.sh           the full run (100k articles, 10 s per scenario; about 30 minutes)
#   bench/run.sh --smoke   a tiny data set, 1 s per scenario, debug build (CI: the harness runs)
#   bench/run.sh --only-webhooks   just the cost of an edit with three webhook subscriptions
#   bench/run.sh --only-media      just uploads and media files, beside the baseline
#   bench/run.sh --only-replica    just by-slug and list reads on PostgreSQL, without and with a streaming replica
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/tools.sh

if [ "${1:-}" = "--smoke" ]; then
  cargo build --quiet --locked --bin newsdesk --example baseline --example photos
  exec python3 bench/run.py --smoke --target-dir target/debug "${@:2}"
else
  cargo build --quiet --locked --release --bin newsdesk --example baseline --example photos
  exec python3 bench/run.py --target-dir target/release "$@"
fi
