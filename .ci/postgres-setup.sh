#!/usr/bin/env bash
# CI: a PostgreSQL 15 with wal2json for the end-to-end suite (src/test/java/io/walmetrics/postgres/).
#
# Runs as root on Debian 12, fresh or not, and is idempotent:
#   1. installs postgresql-15 and postgresql-15-wal2json with apt-get if they are missing;
#   2. creates a cluster of its own, 15/walmetrics (the machine's 15/main is left alone), listening
#      on 127.0.0.1 only, with wal_level = logical and room for replication slots; on a server that
#      knows output_plugin_libraries (15.19 and later minor releases: CVE-2026-6471) it adds wal2json
#      to that allow-list, and on an older one it leaves the setting out, since an older postmaster
#      refuses to start with a setting it does not know. The server binary is asked, not its version;
#   3. starts it (pg_ctlcluster; there may be no systemd), restarting it when its settings changed;
#   4. creates a login role with REPLICATION and CREATEDB (the suite creates a throwaway database
#      and temporary replication slots of its own) and a database it owns.
#
# The connection it sets up (fixed, override with the same environment variables), printed at the end
# in the form the tests read (see PostgresConnection.java):
#   WALMETRICS_POSTGRES_URL=jdbc:postgresql://127.0.0.1:5433/walmetrics
#   WALMETRICS_POSTGRES_USER=walmetrics
#   WALMETRICS_POSTGRES_PASSWORD=walmetrics
#
# This cluster holds test data only: it runs with fsync off, for speed on a slow shared machine.
set -euo pipefail

PG_VERSION=15
CLUSTER=walmetrics
PORT="${WALMETRICS_POSTGRES_PORT:-5433}"
ROLE="${WALMETRICS_POSTGRES_USER:-walmetrics}"
PASSWORD="${WALMETRICS_POSTGRES_PASSWORD:-walmetrics}"
DATABASE="${WALMETRICS_POSTGRES_DATABASE:-walmetrics}"

say() { echo "postgres-setup: $*"; }

# --- 1. packages ---------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
for package in "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-wal2json"; do
  installed "$package" || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
test -f "/usr/lib/postgresql/$PG_VERSION/lib/wal2json.so" || { say "wal2json.so missing"; exit 1; }

# --- 2. the cluster ------------------------------------------------------------------------------
if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
  say "creating cluster $PG_VERSION/$CLUSTER on port $PORT"
  pg_createcluster --port "$PORT" --start-conf manual "$PG_VERSION" "$CLUSTER" >/dev/null
fi

# conf.d is read after postgresql.conf, so these win. Rewritten only when different, so that a
# running cluster is restarted only when a setting really changed.
conf="/etc/postgresql/$PG_VERSION/$CLUSTER/conf.d/walmetrics.conf"
wanted=$(cat <<EOF
# Written by .ci/postgres-setup.sh of wal-metrics-loader: a throwaway cluster for its tests.
port = $PORT
listen_addresses = '127.0.0.1'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
# Test data only: trade durability for speed. (Not synchronous_commit = off: the SQL functions of
# logical decoding read WAL only up to the flushed position, so a commit not yet flushed would be
# missing from pg_logical_slot_get_changes right after it.)
fsync = off
full_page_writes = off
EOF
)
# Ask the binary that will run whether it has the allow-list of output plugins.
# shellcheck source=postgres-lib.sh
source "$(dirname "$0")/postgres-lib.sh"
server="/usr/lib/postgresql/$PG_VERSION/bin/postgres"
if server_knows_setting "$(dirname "$server")" output_plugin_libraries; then
  say "$("$server" --version) knows output_plugin_libraries: allowing wal2json beside pgoutput and test_decoding"
  wanted=$(printf '%s\n%s\n%s' "$wanted" \
    "# This server restricts logical-decoding output plugins to this list; wal2json must be on it." \
    "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'")
else
  say "$("$server" --version) does not know output_plugin_libraries: it allows every output plugin; the setting is left out"
fi
changed=no
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
  printf '%s\n' "$wanted" > "$conf"
  chown postgres:postgres "$conf"
  changed=yes
fi

# --- 3. running ----------------------------------------------------------------------------------
status=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $4 }')
if [ "$status" != online ]; then
  say "starting cluster $PG_VERSION/$CLUSTER"
  pg_ctlcluster "$PG_VERSION" "$CLUSTER" start
elif [ "$changed" = yes ]; then
  say "settings changed: restarting cluster $PG_VERSION/$CLUSTER"
  pg_ctlcluster "$PG_VERSION" "$CLUSTER" restart
fi

psql_admin() { (cd / && runuser -u postgres -- psql --cluster "$PG_VERSION/$CLUSTER" -X -q -v ON_ERROR_STOP=1 -tA "$@"); }
for _ in $(seq 1 30); do
  psql_admin -c 'select 1' >/dev/null 2>&1 && break
  sleep 1
done
[ "$(psql_admin -c 'show wal_level')" = logical ] || { say "wal_level is not logical"; exit 1; }

# --- 4. role and database ------------------------------------------------------------------------
# Values go in through psql variables (:'name' quotes them), never spliced into the SQL text.
psql_admin -v role="$ROLE" -v password="$PASSWORD" <<'SQL'
select format('create role %I', :'role')
where not exists (select 1 from pg_roles where rolname = :'role') \gexec
select format('alter role %I with login replication createdb password %L', :'role', :'password') \gexec
SQL
psql_admin -v role="$ROLE" -v database="$DATABASE" <<'SQL'
select format('create database %I owner %I', :'database', :'role')
where not exists (select 1 from pg_database where datname = :'database') \gexec
SQL

# The proof: log in over TCP with the password, and decode with wal2json in a temporary slot.
if ! check=$(PGPASSWORD="$PASSWORD" psql -X -tA -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" -c \
  "select count(*) from pg_create_logical_replication_slot('walmetrics_setup_check_' || pg_backend_pid(), 'wal2json', true)" 2>&1) \
  || [ "$check" != 1 ]; then
  say "could not create a wal2json slot as $ROLE: $check"
  exit 1
fi

allowed=$(psql_admin -c "select coalesce((select setting from pg_settings where name = 'output_plugin_libraries'), 'any (no allow-list on this server)')")
say "ready: PostgreSQL $(psql_admin -c 'show server_version'), cluster $PG_VERSION/$CLUSTER, wal2json, wal_level logical, output plugins allowed: $allowed"
echo "WALMETRICS_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$PORT/$DATABASE"
echo "WALMETRICS_POSTGRES_USER=$ROLE"
echo "WALMETRICS_POSTGRES_PASSWORD=$PASSWORD"
