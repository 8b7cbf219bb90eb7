#!/usr/bin/env bash
# Checks systemd/usersync.service without installing or starting anything:
#   1. `systemd-analyze verify`: syntax, known keys, valid values, executables exist;
#   2. `systemd-analyze security --offline=true`: the exposure score must be <= 1.5.
# Works where systemd is not PID 1 (containers, CI): both commands read the file only.
# Exit 0 when both pass, 1 when either fails. Without systemd-analyze: prints SKIPPED, exit 0.
#
# Usage: scripts/check-systemd-unit.sh [UNIT_FILE]   (default: systemd/usersync.service)
set -euo pipefail
cd "$(dirname "$0")/.."

unit=${1:-systemd/usersync.service}
max_exposure=1.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIPPED: systemd-analyze not installed"
    exit 0
fi
if [[ ! -f $unit ]]; then
    echo "error: $unit not found" >&2
    exit 1
fi

version=$(systemd-analyze --version | awk 'NR == 1 { print $2 }')
echo "systemd-analyze $version, unit $unit"
status=0

# --- 1. verify ---------------------------------------------------------------------------
# verify insists that every Exec*= binary exists and is executable. /usr/local/bin/usersync is
# not installed on a build machine, so we verify a copy in a temporary directory where that
# path is rewritten to a stub script. Nothing else in the copy changes: same file name (the
# unit name matters), same keys, same values.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexit 0\n' >"$tmp/usersync"
chmod 0755 "$tmp/usersync"
sed "s#/usr/local/bin/usersync#$tmp/usersync#g" "$unit" >"$tmp/usersync.service"

set +e
verify_out=$(systemd-analyze verify --man=no "$tmp/usersync.service" 2>&1)
verify_rc=$?
set -e
# verify exits 0 even for unknown keys or invalid values (it only warns "…, ignoring"), so
# any message about our unit is a failure too. Messages about other units on this host (the
# targets we are ordered after) are shown but do not fail the check.
ours=$(grep -F -e "$tmp/usersync.service" -e "usersync.service" <<<"$verify_out" || true)
others=$(grep -v -F -e "$tmp/usersync.service" -e "usersync.service" <<<"$verify_out" || true)
if [[ -n $others ]]; then
    echo "note: systemd-analyze verify reported about other units (not ours):"
    sed 's/^/  /' <<<"$others"
fi
if [[ $verify_rc -ne 0 || -n $ours ]]; then
    echo "FAIL: systemd-analyze verify (exit $verify_rc):"
    sed "s#$tmp/##g; s/^/  /" <<<"${ours:-$verify_out}"
    status=1
else
    echo "ok: systemd-analyze verify: no warnings"
fi

# --- 2. security -------------------------------------------------------------------------
# --offline=true (systemd >= 250) analyses the file itself instead of asking a running
# manager over D-Bus, so it works without systemd as PID 1. --threshold is in tenths:
# exposure 1.5 is 15.
if [[ $version =~ ^[0-9]+$ ]] && ((version < 250)); then
    echo "SKIPPED: systemd-analyze security --offline needs systemd >= 250 (this is $version)"
    exit "$status"
fi
threshold=$(awk -v m="$max_exposure" 'BEGIN { printf "%d", m * 10 + 0.5 }')
set +e
security_out=$(systemd-analyze security --offline=true --no-pager --threshold="$threshold" "$unit" 2>&1)
security_rc=$?
set -e
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' <<<"$security_out" | tail -n 1)
if [[ -z $score ]]; then
    echo "FAIL: systemd-analyze security printed no exposure level (exit $security_rc):"
    sed 's/^/  /' <<<"$security_out"
    exit 1
fi
# Show what still counts against the unit.
grep '✗' <<<"$security_out" | sed 's/^/  /' || true
if [[ $security_rc -ne 0 ]] || awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s > m) }'; then
    echo "FAIL: exposure $score > $max_exposure (systemd-analyze security exit $security_rc)"
    status=1
else
    echo "ok: exposure $score <= $max_exposure"
fi
exit "$status"
