#!/usr/bin/env bash
# Starts Debian's varnishd with default.vcl in front of a newsdesk (the debug build) and
# shows: the second anonymous read of an article is a cache hit; after an edit, the next
# read through Varnish shows it within 2 s (newsdesk purges by xkey); drafts, previews
# and authenticated reads never come from the cache. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v varnishd >/dev/null 2>&1 || [ ! -e /usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so ]; then
  apt-get update -qq && apt-get install -y -qq varnish varnish-modules curl
fi
cargo build --quiet --locked --bin newsdesk

WORK=$(mktemp -d)
# varnishd drops its privileges; its files must be readable by its own user.
chmod 755 "$WORK"
NEWSDESK_PORT=18291
VARNISH_PORT=18292
PASSWORD=varnish-check-password
cleanup() {
  [ -n "${NEWSDESK_PID:-}" ] && kill "$NEWSDESK_PID" 2>/dev/null || true
  [ -n "${VARNISH_PID:-}" ] && kill "$VARNISH_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "varnish check failed: $*" >&2; exit 1; }

DATABASE_URL="$WORK/newsdesk.db" NEWSDESK_BIND="127.0.0.1:$NEWSDESK_PORT" NEWSDESK_ADMIN_PASSWORD="$PASSWORD" \
  NEWSDESK_PURGE_URLS="http://127.0.0.1:$VARNISH_PORT/" NEWSDESK_CACHE_MAX_AGE=300 RUST_LOG=warn \
  target/debug/newsdesk serve > "$WORK/newsdesk.log" 2>&1 &
NEWSDESK_PID=$!
sed -e "s/\"newsdesk\";/\"127.0.0.1\";/" -e "s/\.host = \"newsdesk\"/.host = \"127.0.0.1\"/" \
  -e "s/\.port = \"8080\"/.port = \"$NEWSDESK_PORT\"/" deploy/varnish/default.vcl > "$WORK/default.vcl"
varnishd -F -f "$WORK/default.vcl" -a "127.0.0.1:$VARNISH_PORT" -n "$WORK/varnish" -s malloc,64m \
  > "$WORK/varnish.log" 2>&1 &
VARNISH_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$NEWSDESK_PORT/healthz" >/dev/null 2>&1 &&
    curl -s -o /dev/null "http://127.0.0.1:$VARNISH_PORT/healthz" 2>/dev/null && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$VARNISH_PORT/healthz" >/dev/null || { cat "$WORK/varnish.log"; fail "Varnish does not answer"; }

API="http://127.0.0.1:$NEWSDESK_PORT/api/v1"
CACHE="http://127.0.0.1:$VARNISH_PORT/api/v1"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -fs "$API/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | json '["access_token"]')
AUTH=(-H "Authorization: Bearer $TOKEN" -H 'content-type: application/json')
ID=$(curl -fs "${AUTH[@]}" "$API/articles" -d '{"title":"Qua bộ đệm","status":"published"}' | json '["id"]')
x_cache() { curl -s -o /dev/null -D - "$@" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}'; }

[ "$(x_cache "$CACHE/articles/$ID")" = MISS ] || fail "the first read should be a miss"
[ "$(x_cache "$CACHE/articles/$ID")" = HIT ] || fail "the second anonymous read should be a cache hit"
echo "second anonymous read: HIT"

curl -fs -X PATCH "${AUTH[@]}" "$API/articles/$ID" -d '{"title":"Đã sửa qua bộ đệm"}' >/dev/null
SEEN=""
for _ in $(seq 1 20); do
  if curl -fs "$CACHE/articles/$ID" | grep -q "Đã sửa qua bộ đệm"; then SEEN=yes; break; fi
  sleep 0.1
done
[ -n "$SEEN" ] || fail "the edit did not reach readers through Varnish within 2 s"
echo "edit visible through Varnish after the purge"

DRAFT=$(curl -fs "${AUTH[@]}" "$API/articles" -d '{"title":"Bản nháp","status":"draft"}' | json '["id"]')
for _ in 1 2; do
  [ "$(x_cache -H "Authorization: Bearer $TOKEN" "$CACHE/articles/$DRAFT")" = MISS ] || fail "an authenticated read came from the cache"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$CACHE/articles/$DRAFT")" = 404 ] || fail "a draft reached an anonymous reader"
PREVIEW=$(curl -fs "${AUTH[@]}" "$API/articles/$DRAFT/preview-links" -d '{}' | json '["token"]')
for _ in 1 2; do
  [ "$(x_cache "$CACHE/articles/$DRAFT?preview=$PREVIEW")" = MISS ] || fail "a preview came from the cache"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$CACHE/articles/$DRAFT")" = 404 ] || fail "a preview was kept for readers"
echo "drafts, previews and authenticated reads pass the cache"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PURGE "http://127.0.0.1:$VARNISH_PORT/")" = 400 ] || fail "PURGE without xkey"
echo "varnish check passed"
