#!/usr/bin/env bash
# newsdesk beside Directus in one run (optional, not in CI): installs Directus from npm,
# loads the same synthetic articles into both (SQLite), and measures an article by slug,
# a list page and a search on each. Prints a Markdown table; BENCHMARKS.md quotes it.
#
#   bench/peers.sh                      100,000 articles, 10 s per scenario (about 10 minutes)
#   bench/peers.sh --articles 10000 --seconds 5
set -euo pipefail
cd "$(dirname "$0")/.."

# Directus 12.4.1 names an @directus/app release the registry does not have; 12.4.0 installs.
DIRECTUS_VERSION=12.4.0
PEERS=target/peers
source bench/tools.sh
installed=$(node -p "JSON.parse(require('fs').readFileSync('$PEERS/node_modules/directus/package.json')).version" 2>/dev/null || true)
if [ "$installed" != "$DIRECTUS_VERSION" ]; then
  npm install --silent --no-audit --no-fund --prefix "$PEERS" "directus@${DIRECTUS_VERSION}"
fi
cargo build --quiet --locked --release --bin newsdesk
exec python3 bench/peers.py --newsdesk target/release/newsdesk --directus "$PEERS/node_modules/.bin/directus" "$@"
