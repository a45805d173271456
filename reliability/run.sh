#!/usr/bin/env bash
# The reliability suite (see RELIABILITY.md): schemathesis against the served OpenAPI
# document, SIGKILL/SIGTERM durability on SQLite and PostgreSQL, 1,000 connections and
# slow clients, and the cargo-fuzz targets. Installs what it needs first.
#
#   reliability/run.sh                 the CI run (bounded: a few minutes)
#   reliability/run.sh --full          more examples, kills and fuzzing time
#   reliability/run.sh --write         also record the figures in RELIABILITY.md
#   reliability/run.sh --only crash    one part: contract, crash, load or fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1 || ! command -v ss >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk iproute2
fi
VENV=target/reliability-venv
if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/python" -c "import prometheus_client" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==4.32.5" "prometheus-client==0.21.1"
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz@0.13.2
fi
cargo build --quiet --locked --bin newsdesk
exec python3 reliability/run.py "$@"
