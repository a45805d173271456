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
exec cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
