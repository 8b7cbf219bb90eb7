#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, builds, tests.
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter UserSyncCoreTests).
#
# The PostgreSQL tests need a server: this script starts a throwaway cluster on loopback in
# a temporary directory (scripts/pg-cluster.sh), hands its address to the tests through
# USERSYNC_TEST_POSTGRES_* and removes it on exit. With CI=true a server that cannot start
# fails the run; elsewhere the PostgreSQL tests are skipped, and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The end-to-end tests start the real binaries: build them first.
swift build --product usersync
swift build --product usersync-sandbox
# The unit file: systemd-analyze verify and the security exposure gate (skipped, and said so,
# where systemd-analyze is not installed). First, so that the test summary is the last line.
if [ $# -eq 0 ]; then bash scripts/check-systemd-unit.sh; fi

pg_dir=$(mktemp -d /tmp/usersync-pg.XXXXXX)
cleanup() {
  bash scripts/pg-cluster.sh stop "$pg_dir" || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT
if port=$(bash scripts/pg-cluster.sh start "$pg_dir"); then
  # The superuser's URL, the cluster's directory and control script, the TLS CA, the password role.
  eval "$(bash scripts/pg-cluster.sh env "$pg_dir")"
  echo "PostgreSQL test server on 127.0.0.1:$port ($pg_dir)"
elif [ "${CI:-}" = "true" ]; then
  echo "cannot start the PostgreSQL test server (see $pg_dir/log); CI needs it" >&2
  cat "$pg_dir/log" >&2 2>/dev/null || true
  exit 1
else
  echo "no PostgreSQL test server: the PostgreSQL tests are skipped (install postgresql to run them)" >&2
fi
swift test "$@"
