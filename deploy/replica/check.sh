#!/usr/bin/env bash
# Makes a second PostgreSQL cluster on another port a streaming replica of the first
# (deploy/replica/cluster.sh: pg_basebackup -R, Debian's pg_createcluster and
# pg_ctlcluster, no containers), starts two newsdesk processes (the debug build) on the
# primary with NEWSDESK_REPLICA_URLS naming the replica, and shows: anonymous reads are answered by the replica (counted in /metrics) and staff
# reads are not; an edit through one process reaches anonymous readers of the other once
# replicated; stopping the replica with `-m immediate` under load costs no failed request;
# starting it again brings reads back to it. Tears everything down afterwards. Used by
# .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_ADMIN="postgres://postgres@${PG_HOST}:${PG_PORT}/postgres?sslmode=disable"
REPLICA_PORT=18432
CLUSTER_SH=deploy/replica/cluster.sh
DB_NAME="newsdesk_replica_check_$$"
PRIMARY_URL="postgres://postgres@${PG_HOST}:${PG_PORT}/${DB_NAME}?sslmode=disable"
REPLICA_URL="postgres://postgres@127.0.0.1:${REPLICA_PORT}/${DB_NAME}?sslmode=disable"
PORT_A=18492
PORT_B=18493
PASSWORD=replica-check-password
WORK=$(mktemp -d)

cleanup() {
  for pid in "${PID_A:-}" "${PID_B:-}" "${LOAD_PID:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null; done
  wait 2>/dev/null || true
  PG_HOST="$PG_HOST" PG_PORT="$PG_PORT" REPLICA_PORT="$REPLICA_PORT" bash "$CLUSTER_SH" down || true
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "replica check failed: $*" >&2; tail -n 30 "$WORK"/*.log >&2 || true; exit 1; }

cargo build --quiet --locked --bin newsdesk

# The replica: a base backup of the primary, streaming from it.
export PG_HOST PG_PORT REPLICA_PORT
bash "$CLUSTER_SH" up
echo "replica: a second cluster on port ${REPLICA_PORT}, streaming from port ${PG_PORT}"

psql -q "$PG_ADMIN" -c "CREATE DATABASE ${DB_NAME}"
start() {
  DATABASE_URL="$PRIMARY_URL" NEWSDESK_REPLICA_URLS="$REPLICA_URL" NEWSDESK_REPLICA_MAX_LAG=5 \
    NEWSDESK_BIND="127.0.0.1:$1" NEWSDESK_ADMIN_PASSWORD="$PASSWORD" NEWSDESK_MEDIA_STORE="$WORK/media" \
    RUST_LOG=info,newsdesk::access=warn target/debug/newsdesk serve > "$WORK/newsdesk-$1.log" 2>&1 &
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  fail "newsdesk on port $1 is not ready"
}
# One at a time: the first applies the migrations.
start "$PORT_A"; PID_A=$!
start "$PORT_B"; PID_B=$!
A="http://127.0.0.1:$PORT_A"
B="http://127.0.0.1:$PORT_B"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
replica_state() { curl -fs "$1/readyz" | json '["replicas"][0]["state"]'; }
replica_reads() { curl -fs "$1/metrics" | awk '/^newsdesk_db_replica_reads_total\{/ { print $2 }'; }
wait_for_state() {
  for _ in $(seq 1 100); do [ "$(replica_state "$1")" = "$2" ] && return; sleep 0.2; done
  fail "the replica did not become $2 for $1 (it is $(replica_state "$1"))"
}
wait_for_state "$A" healthy
wait_for_state "$B" healthy
echo "both processes see the replica healthy"

TOKEN=$(curl -fs "$A/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | json '["access_token"]')
AUTH=(-H "Authorization: Bearer $TOKEN" -H 'content-type: application/json')
for n in 1 2 3; do
  curl -fs "${AUTH[@]}" "$A/api/v1/articles" -d "{\"title\":\"Tin bản sao $n\",\"status\":\"published\"}" > "$WORK/article-$n.json"
done
ID=$(json '["id"]' < "$WORK/article-1.json")
SLUG=$(json '["slug"]' < "$WORK/article-1.json")

# Anonymous reads go to the replica (once the articles are there); staff reads do not.
for _ in $(seq 1 50); do curl -fs "$B/api/v1/articles/by-slug/$SLUG" >/dev/null 2>&1 && break; sleep 0.1; done
BEFORE=$(replica_reads "$B")
for page in $(seq 1 20); do
  curl -fs -H 'Cache-Control: no-cache' "$B/api/v1/articles?per_page=2&page=$((page % 2 + 1))" >/dev/null
  curl -fs -H 'Cache-Control: no-cache' "$B/api/v1/articles/by-slug/$SLUG" >/dev/null
done
AFTER=$(replica_reads "$B")
[ $((AFTER - BEFORE)) -ge 40 ] || fail "40 anonymous reads gave the replica $((AFTER - BEFORE)) reads"
for _ in $(seq 1 10); do curl -fs -H "Authorization: Bearer $TOKEN" "$B/api/v1/articles?status=draft" >/dev/null; done
curl -fs -H "Authorization: Bearer $TOKEN" "$B/api/v1/articles/$ID" >/dev/null
[ "$(replica_reads "$B")" = "$AFTER" ] || fail "staff reads were answered by the replica"
echo "anonymous reads: $((AFTER - BEFORE)) of 40 answered by the replica; staff reads: none"

# An edit through A reaches B's anonymous readers once replicated (and B's cache expires).
EDITED_AT=$(date +%s.%N)
curl -fs -X PATCH "${AUTH[@]}" "$A/api/v1/articles/$ID" -d '{"title":"Tin bản sao đã sửa"}' >/dev/null
SEEN=""
for _ in $(seq 1 50); do
  if curl -fs "$B/api/v1/articles/by-slug/$SLUG" | grep -q "Tin bản sao đã sửa"; then SEEN=yes; break; fi
  sleep 0.1
done
[ -n "$SEEN" ] || fail "the edit did not reach anonymous readers of the other process in 5 s"
echo "edit through A seen by B's anonymous readers after $(python3 -c "import time; print(f'{time.time() - $EDITED_AT:.2f}')") s"

# Readers keep reading while the replica is stopped, and come back to it once it starts again.
python3 - "$B" 14 > "$WORK/load.json" <<'PY' &
import http.client, json, sys, threading, time
base, seconds = sys.argv[1], float(sys.argv[2])
host, port = base.removeprefix("http://").split(":")
paths = ["/api/v1/articles?per_page=5", "/api/v1/articles?per_page=5&page=2", "/api/v1/categories",
         "/api/v1/stats/summary", "/api/v1/sources"]
results = {"ok": 0, "failed": 0, "failures": []}
lock = threading.Lock()
def reader(n):
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    end = time.time() + seconds
    i = n
    while time.time() < end:
        path = paths[i % len(paths)]
        i += 1
        try:
            conn.request("GET", path, headers={"Cache-Control": "no-cache"})
            response = conn.getresponse()
            response.read()
            good = response.status == 200
            failure = f"{path}: {response.status}"
        except Exception as e:
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            good, failure = False, f"{path}: {e!r}"
        with lock:
            if good:
                results["ok"] += 1
            else:
                results["failed"] += 1
                results["failures"].append(failure)
threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
results["failures"] = results["failures"][:10]
print(json.dumps(results))
PY
LOAD_PID=$!
sleep 3
bash "$CLUSTER_SH" stop
sleep 2
STATE=$(replica_state "$B")
[ "$STATE" = down ] || fail "the stopped replica is reported $STATE"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/readyz")" = 200 ] || fail "a stopped replica made the process not ready"
DOWN_READS=$(replica_reads "$B")
sleep 2
[ "$(replica_reads "$B")" = "$DOWN_READS" ] || fail "reads were counted for a stopped replica"
echo "replica stopped (-m immediate) under load: reported down, the process stays ready"
bash "$CLUSTER_SH" start
wait_for_state "$B" healthy
RETURNED_READS=$(replica_reads "$B")
wait "$LOAD_PID"; LOAD_PID=""
python3 - "$WORK/load.json" <<'PY' || fail "readers saw failures while the replica was stopped"
import json, sys
results = json.load(open(sys.argv[1]))
print(f"load: {results['ok']} reads answered, {results['failed']} failed {results['failures']}")
sys.exit(1 if results["failed"] or results["ok"] < 200 else 0)
PY
for _ in $(seq 1 20); do curl -fs -H 'Cache-Control: no-cache' "$B/api/v1/articles?per_page=3" >/dev/null; done
BACK=$(replica_reads "$B")
[ $((BACK - RETURNED_READS)) -ge 20 ] || fail "reads did not come back to the restarted replica ($((BACK - RETURNED_READS)) of 20)"
FALLBACKS=$(curl -fs "$B/metrics" | awk '/^newsdesk_db_replica_fallbacks_total\{/ { print $2 }')
echo "replica started again: healthy, reads back on it; $FALLBACKS reads it failed were answered by the primary"
echo "replica check passed"
