#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, builds, tests.
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter UserSyncCoreTests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The end-to-end tests start the real binaries: build them first.
swift build --product usersync
swift build --product usersync-sandbox
# The unit file: systemd-analyze verify and the security exposure gate (skipped, and said so,
# where systemd-analyze is not installed). First, so that the test summary is the last line.
if [ $# -eq 0 ]; then bash scripts/check-systemd-unit.sh; fi
swift test "$@"
