#!/usr/bin/env bash
# Starts an S3-protocol server (moto in server mode, from PyPI) and two newsdesk processes
# (the debug build) on one PostgreSQL database, both keeping media in the same bucket, and
# shows: an upload through one process is stored in the bucket, its variant asked of the
# other process is made from the bucket and kept there, a refused upload leaves nothing in
# the bucket, and deleting the item through either process removes its files. Used by
# .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VERSION=5.2.5
VENV=target/s3-venv
if [ ! -x "$VENV/bin/moto_server" ] || [ "$("$VENV/bin/pip" show moto 2>/dev/null | sed -n 's/^Version: //p')" != "$MOTO_VERSION" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "moto[server]==${MOTO_VERSION}"
fi
cargo build --quiet --locked --bin newsdesk

PG_ADMIN=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
DB_NAME="newsdesk_s3_check_$$"
DB_URL="${PG_ADMIN%%/postgres\?*}/${DB_NAME}?sslmode=disable"
WORK=$(mktemp -d)
S3_PORT=18391
PORT_A=18392
PORT_B=18393
PASSWORD=s3-check-password
BUCKET=newsdesk-media
cleanup() {
  for pid in "${MOTO_PID:-}" "${PID_A:-}" "${PID_B:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null; done
  wait 2>/dev/null || true
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "S3 check failed: $*" >&2; tail -n 20 "$WORK"/*.log >&2 || true; exit 1; }

"$VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" > "$WORK/moto.log" 2>&1 &
MOTO_PID=$!
export AWS_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=newsdesk AWS_SECRET_ACCESS_KEY=newsdesk-secret
bucket() { "$VENV/bin/python" - "$@" <<'PY'
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT"], region_name="us-east-1")
if sys.argv[1] == "create":
    s3.create_bucket(Bucket=sys.argv[2])
else:
    for item in s3.list_objects_v2(Bucket=sys.argv[2]).get("Contents", []):
        print(item["Key"])
PY
}
# Listed whole before it is searched: `grep -q` leaving early would break the pipe.
stored() { local listing; listing=$(bucket list "$BUCKET"); grep -qx "$1" <<< "$listing"; }
for _ in $(seq 1 100); do curl -s -o /dev/null "$AWS_ENDPOINT" && break; sleep 0.1; done
bucket create "$BUCKET"
psql -q "$PG_ADMIN" -c "CREATE DATABASE ${DB_NAME}"

start() {
  DATABASE_URL="$DB_URL" NEWSDESK_BIND="127.0.0.1:$1" NEWSDESK_ADMIN_PASSWORD="$PASSWORD" \
    NEWSDESK_MEDIA_STORE="s3://$BUCKET/portal" RUST_LOG=warn target/debug/newsdesk serve > "$WORK/newsdesk-$1.log" 2>&1 &
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  fail "newsdesk on port $1 is not ready"
}
# One at a time: the first applies the migrations.
start "$PORT_A"; PID_A=$!
start "$PORT_B"; PID_B=$!

A="http://127.0.0.1:$PORT_A"
B="http://127.0.0.1:$PORT_B"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -fs "$A/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | json '["access_token"]')

# A real image: a 1600 x 1000 PNG gradient, and the same file cut in half.
python3 - "$WORK" <<'PY'
import struct, sys, zlib
width, height = 1600, 1000
rows = b"".join(b"\0" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 140))
                for y in range(height))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))
open(sys.argv[1] + "/photo.png", "wb").write(png)
open(sys.argv[1] + "/cut.png", "wb").write(png[: len(png) // 2])
PY

STATUS=$(curl -s -o "$WORK/refused.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: image/png' --data-binary "@$WORK/cut.png" "$A/api/v1/media")
[ "$STATUS" = 422 ] || fail "a truncated PNG answered $STATUS"
[ -z "$(bucket list "$BUCKET")" ] || fail "a refused upload left files in the bucket"
echo "refused upload: 422, nothing in the bucket"

curl -fs -o "$WORK/item.json" -H "Authorization: Bearer $TOKEN" -H 'content-type: image/png' \
  -H 'content-disposition: attachment; filename="toan-canh.png"' --data-binary "@$WORK/photo.png" "$A/api/v1/media" ||
  fail "the upload through the first process"
ID=$(json '["id"]' < "$WORK/item.json")
SHA=$(json '["sha256"]' < "$WORK/item.json")
stored "portal/$SHA/original.png" || fail "the original is not in the bucket"
echo "uploaded through process A: portal/$SHA/original.png in the bucket"

VARIANT="/media/$ID/${SHA:0:8}/960.webp"
curl -fs -D "$WORK/variant.headers" -o "$WORK/variant.webp" "$B$VARIANT" || fail "the variant through the second process"
grep -qi '^content-type: image/webp' "$WORK/variant.headers" || fail "the variant is not WebP"
[ "$(head -c 4 "$WORK/variant.webp")" = RIFF ] || fail "the variant is not a WebP file"
stored "portal/$SHA/960.webp" || fail "the variant made by process B is not kept in the bucket"
cmp -s "$WORK/variant.webp" <(curl -fs "$A$VARIANT") || fail "process A serves other bytes for the variant"
echo "variant made by process B from the bucket, kept there, the same through process A"

[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $TOKEN" "$B/api/v1/media/$ID")" = 204 ] ||
  fail "the delete through the second process"
[ -z "$(bucket list "$BUCKET")" ] || fail "the files stay in the bucket after the delete"
# The other process keeps the item it read for a second.
GONE=""
for _ in $(seq 1 30); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$A$VARIANT")" = 404 ] && { GONE=yes; break; }
  sleep 0.1
done
[ -n "$GONE" ] || fail "the deleted variant is still served by the other process after 3 s"
echo "S3 check passed"
