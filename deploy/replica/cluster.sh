#!/usr/bin/env bash
# A throwaway streaming replica of the local PostgreSQL cluster, made with Debian's
# PostgreSQL tools (pg_createcluster, pg_basebackup -R, pg_ctlcluster; no containers).
#
#   deploy/replica/cluster.sh up       make it on port $REPLICA_PORT (18432) and start it
#   deploy/replica/cluster.sh stop     stop it as a crash would (-m immediate)
#   deploy/replica/cluster.sh start    start it again: it recovers and streams on
#   deploy/replica/cluster.sh down     remove it, and the pg_hba line `up` added
#
# The primary is the cluster on $PG_HOST:$PG_PORT (127.0.0.1:5432). Needs root.
set -euo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-18432}
CLUSTER=newsdesk_replica
PG_ADMIN="postgres://postgres@${PG_HOST}:${PG_PORT}/postgres?sslmode=disable"
PG_VERSION=$(pg_lsclusters -h | awk -v port="$PG_PORT" '$3 == port { print $1; exit }')
[ -n "$PG_VERSION" ] || { echo "no PostgreSQL cluster on port $PG_PORT" >&2; exit 1; }
DATA="/var/lib/postgresql/${PG_VERSION}/${CLUSTER}"
HBA=$(psql -qtA "$PG_ADMIN" -c 'SHOW hba_file')
HBA_LINE="host replication all 127.0.0.1/32 trust # newsdesk replica"

wait_ready() {
  for _ in $(seq 1 150); do pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT" && return; sleep 0.1; done
  echo "the replica on port $REPLICA_PORT does not answer" >&2
  exit 1
}

case "${1:-}" in
  up)
    pg_dropcluster --stop "$PG_VERSION" "$CLUSTER" >/dev/null 2>&1 || true
    if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
      echo "$HBA_LINE" >> "$HBA"
      psql -qtA "$PG_ADMIN" -c 'SELECT pg_reload_conf()' >/dev/null
    fi
    pg_createcluster "$PG_VERSION" "$CLUSTER" -p "$REPLICA_PORT" >/dev/null
    # Loopback only, trusted as the primary here is.
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' \
      > "/etc/postgresql/${PG_VERSION}/${CLUSTER}/pg_hba.conf"
    rm -rf "$DATA"
    install -d -o postgres -g postgres -m 700 "$DATA"
    runuser -u postgres -- pg_basebackup -h "$PG_HOST" -p "$PG_PORT" -U postgres -D "$DATA" -R -X stream -c fast
    pg_ctlcluster "$PG_VERSION" "$CLUSTER" start
    wait_ready
    [ "$(psql -qtA "postgres://postgres@127.0.0.1:${REPLICA_PORT}/postgres" -c 'SELECT pg_is_in_recovery()')" = t ] ||
      { echo "the new cluster is not a standby" >&2; exit 1; }
    ;;
  stop) pg_ctlcluster "$PG_VERSION" "$CLUSTER" stop -m immediate ;;
  start)
    pg_ctlcluster "$PG_VERSION" "$CLUSTER" start
    wait_ready
    ;;
  down)
    pg_dropcluster --stop "$PG_VERSION" "$CLUSTER" >/dev/null 2>&1 || true
    rm -rf "$DATA"
    if grep -qxF "$HBA_LINE" "$HBA"; then
      kept=$(grep -vxF "$HBA_LINE" "$HBA")
      printf '%s\n' "$kept" > "$HBA"
      psql -qtA "$PG_ADMIN" -c 'SELECT pg_reload_conf()' >/dev/null || true
    fi
    ;;
  *) echo "usage: $0 up|stop|start|down" >&2; exit 2 ;;
esac
