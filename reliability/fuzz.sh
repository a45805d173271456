#!/usr/bin/env bash
# Runs one cargo-fuzz target for a bounded time: reliability/fuzz.sh <target> <seconds>.
# Targets: slug, sanitize, cursor, search_query (fuzz/fuzz_targets). A failing input is
# saved under fuzz/artifacts/<target>/ and `cargo fuzz run <target> <file>` replays it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=$1
seconds=${2:-60}
# libFuzzer's instrumentation needs unstable compiler flags; the toolchain here is stable.
# No sanitizer: the fuzzed code has no unsafe blocks, and panics are what is sought.
export RUSTC_BOOTSTRAP=1
# The instrumented build of newsdesk and all its dependencies takes a cold machine's two
# cores about twenty minutes and none of it is shared with the normal build; it is kept
# outside the checkout, so fresh clones of the repository (CI's) build it once per
# machine and then only what changed. NEWSDESK_FUZZ_TARGET_DIR moves it.
target_dir=${NEWSDESK_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/newsdesk/fuzz-target}
mkdir -p "$target_dir"
exec cargo fuzz run --sanitizer none --target-dir "$target_dir" "$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048
