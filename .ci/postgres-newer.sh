#!/usr/bin/env bash
# CI: the server binaries of a PostgreSQL 15 that has the allow-list of output plugins
# (output_plugin_libraries, 15.19 and later minor releases), for FollowServerSetupTest, which starts
# a scratch cluster of it to see what follow says when wal2json is not on that list.
#
# Runs as root on Debian 12 after .ci/postgres-setup.sh (which installs postgresql-15 and so the
# libraries the server links to), and is idempotent. The installed package is never upgraded: the
# suite's cluster 15/walmetrics keeps running on it. Instead:
#   1. if the installed server binary knows output_plugin_libraries, that binary will do;
#   2. else the newest postgresql-15 and postgresql-15-wal2json of the apt repositories are
#      downloaded (apt-get download) into /var/cache/walmetrics-pg and unpacked (dpkg-deb -x) into
#      /opt/walmetrics-pg/VERSION, unless already there. The unpacked server finds its share/ and
#      lib/ (wal2json.so included) relative to its own bin folder.
# The server binary is asked whether it knows the setting (--describe-config), not its version.
#
# Prints, in the form .ci/run exports:
#   WALMETRICS_POSTGRES_NEWER_BIN=/opt/walmetrics-pg/15.20-0+deb12u1/usr/lib/postgresql/15/bin
set -euo pipefail

PG_VERSION=15
CACHE=/var/cache/walmetrics-pg
PREFIXES=/opt/walmetrics-pg
RELATIVE_BIN="usr/lib/postgresql/$PG_VERSION/bin"

say() { echo "postgres-newer: $*"; }

# shellcheck source=postgres-lib.sh
source "$(dirname "$0")/postgres-lib.sh"
knows_allow_list() { server_knows_setting "$1" output_plugin_libraries; }

report() {
  say "$("$1/postgres" --version) at $1 knows output_plugin_libraries"
  echo "WALMETRICS_POSTGRES_NEWER_BIN=$1"
  exit 0
}

# --- 1. the installed server ---------------------------------------------------------------------
installed_bin="/$RELATIVE_BIN"
if knows_allow_list "$installed_bin"; then
  report "$installed_bin"
fi

# --- 2. a newer one, unpacked beside it ----------------------------------------------------------
candidate() { apt-cache policy "$1" | awk '/Candidate:/ { print $2 }'; }
version=$(candidate "postgresql-$PG_VERSION")
bin="$PREFIXES/$version/$RELATIVE_BIN"
if [ -x "$bin/postgres" ] && knows_allow_list "$bin"; then
  report "$bin"
fi

# Stale package lists may offer nothing newer than the installed release: refresh them once.
if [ "$version" = "$(dpkg-query -W -f='${Version}' "postgresql-$PG_VERSION")" ]; then
  say "no postgresql-$PG_VERSION newer than the installed $version in the package lists: apt-get update"
  apt-get update -qq
  version=$(candidate "postgresql-$PG_VERSION")
  bin="$PREFIXES/$version/$RELATIVE_BIN"
fi

say "unpacking postgresql-$PG_VERSION $version and postgresql-$PG_VERSION-wal2json into $PREFIXES/$version"
mkdir -p "$CACHE" "$PREFIXES"
# apt-get download fetches as the user _apt, which must be able to write there
if id _apt >/dev/null 2>&1; then chown _apt "$CACHE"; fi
wal2json_version=$(candidate "postgresql-$PG_VERSION-wal2json")
(cd "$CACHE" && apt-get download -qq "postgresql-$PG_VERSION=$version" "postgresql-$PG_VERSION-wal2json=$wal2json_version")
# Unpacked aside and renamed in one step, so that a run cut short leaves no half prefix behind.
staging=$(mktemp -d "$PREFIXES/.unpacking.XXXXXX")
trap 'rm -rf "$staging"' EXIT
architecture=$(dpkg --print-architecture)
# (apt names the files package_version_architecture.deb, an epoch's colon written %3a)
for deb in "postgresql-${PG_VERSION}_${version//:/%3a}_$architecture.deb" \
           "postgresql-$PG_VERSION-wal2json_${wal2json_version//:/%3a}_$architecture.deb"; do
  dpkg-deb -x "$CACHE/$deb" "$staging"
done
chmod 755 "$staging"
missing=$(ldd "$staging/$RELATIVE_BIN/postgres" "$staging/$RELATIVE_BIN/initdb" | grep 'not found' || true)
if [ -n "$missing" ]; then
  say "the unpacked server needs libraries this machine lacks: $missing"
  exit 1
fi
test -f "$staging/usr/lib/postgresql/$PG_VERSION/lib/wal2json.so" || { say "wal2json.so missing from the unpacked packages"; exit 1; }
rm -rf "${PREFIXES:?}/$version"
mv "$staging" "$PREFIXES/$version"
trap - EXIT

if ! knows_allow_list "$bin"; then
  say "postgresql-$PG_VERSION $version, the newest in the repositories, does not know output_plugin_libraries either"
  exit 1
fi
report "$bin"
