# Shell functions shared by .ci/postgres-setup.sh and .ci/postgres-newer.sh (sourced, not run).

# server_knows_setting BIN SETTING: whether the PostgreSQL server binary in the bin folder BIN
# knows the setting; a server refuses to start with a setting it does not know. The binary is
# asked (--describe-config lists every setting and needs no data directory), not its version; the
# server refuses to run as root, hence postgres (from /, a folder postgres may enter: from root's
# working folder it warns on every call that it cannot change to it).
server_knows_setting() {
  local settings
  # (read whole before matching: grep -q would close the pipe early, and pipefail would count that)
  settings=$(cd / && runuser -u postgres -- "$1/postgres" --describe-config | cut -f1) \
    || { echo "could not ask $1/postgres for the settings it knows" >&2; exit 1; }
  grep -qx "$2" <<< "$settings"
}
