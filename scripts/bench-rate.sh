#!/usr/bin/env bash
# Rate-limit benchmark, the issue's figure: 2,000 queued perform.chat updates, the sandbox
# enforcing 600 requests per minute (sliding 60 s window, like perform.chat's throttler),
# usersync configured 10 % below at 540 per minute. Release build, the real binaries.
# Prints the achieved request rate against the configured one, the 429s the provider sent,
# the machine and the size. Takes about 4 minutes.
# usage: scripts/bench-rate.sh [USERS=2000] [SANDBOX_RPM=600] [USERSYNC_RPM=540]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
LIMIT="${2:-600}"
RPM="${3:-540}"
bash scripts/setup.sh
SCRATCH=(--scratch-path .build-release)
echo "== building (release)"
swift build -c release "${SCRATCH[@]}" --product usersync 2>&1 | tail -1
swift build -c release "${SCRATCH[@]}" --product usersync-sandbox 2>&1 | tail -1
BIN="$(swift build -c release "${SCRATCH[@]}" --show-bin-path)"

WORK="$(mktemp -d -t usersync-bench-rate.XXXXXX)"
SANDBOX_PID=""
cleanup() {
  [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 scripts/generate_users.py "$N" "$WORK/users.jsonl"
# Every user already exists at perform.chat under a stale name: each one needs exactly one PUT.
python3 - "$WORK/users.jsonl" "$WORK/seed.json" <<'PY'
import json, sys
users = [json.loads(line) for line in open(sys.argv[1])]
seed = {"performchat": [{"external_id": u["id"], "name": "old", "email": u["email"]} for u in users]}
json.dump(seed, open(sys.argv[2], "w"))
PY

"$BIN/usersync-sandbox" --port 0 --performchat-rpm "$LIMIT" --rate-window sliding --rate-window-seconds 60 \
  --seed-file "$WORK/seed.json" >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/sandbox.out" 2>/dev/null && break
  sleep 0.1
done
URL="$(sed -n 's/^usersync-sandbox listening on //p' "$WORK/sandbox.out")"
[ -n "$URL" ] || { echo "the sandbox did not start:"; cat "$WORK/sandbox.err"; exit 1; }

cat >"$WORK/usersync.yaml" <<YAML
state: { path: $WORK/state/state.db }
source:
  kind: jsonl
  path: $WORK/users.jsonl
  settle_time: 0s  # generated before the run, never written during it: no wait in the timings
  fields: { external_id: id, name: name, email: email, metadata: metadata }
sync: { direction: push }
log: { level: warning, format: logfmt }
providers:
  performchat:
    base_url: "$URL/performchat/rest/v1"
    key_id: demo-key-id
    key_secret_env: BENCH_PERFORMCHAT_SECRET
    requests_per_minute: $RPM
    concurrency: 4
YAML
export BENCH_PERFORMCHAT_SECRET=demo-key-secret

echo "== usersync sync --once: $N updates, usersync at $RPM/min, the sandbox allows $LIMIT/min (about $(( (N + 20) * 60 / RPM )) s)"
python3 - "$BIN/usersync" "$WORK/usersync.yaml" "$URL" "$N" "$RPM" "$LIMIT" <<'PY'
import json, os, platform, subprocess, sys, time, urllib.request
from datetime import datetime
binary, config, url, n, rpm, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
start = time.monotonic()
run = subprocess.run([binary, "sync", "--once", "--json", "--config", config], capture_output=True, text=True)
wall = time.monotonic() - start
if run.returncode != 0:
    print(run.stderr[-3000:])
    sys.exit(f"sync --once exited {run.returncode}")
summary = json.loads(run.stdout)
stats = json.load(urllib.request.urlopen(url + "/_admin/requests"))
pc = stats["performchat"]
log = [e for e in stats["log"] if e["provider"] == "performchat"]   # the most recent 1,000
def t(e): return datetime.strptime(e["time"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
cpu = "?"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.machine()}")
print(f"size: {n} users, {summary['pushed']} pushed, {pc['total']} requests to perform.chat ({json.dumps(pc['byRoute'])})")
print(f"429 from the provider: {pc['byStatus'].get('429', 0)}")
overall = pc["total"] / wall * 60
print(f"overall: {pc['total']} requests in {wall:.1f} s (process start to exit) = {overall:.0f}/min, {overall / rpm * 100:.1f} % of the configured {rpm}/min")
if len(log) > 1:
    steady = (len(log) - 1) / (t(log[-1]) - t(log[0])) * 60
    print(f"steady state (last {len(log)} requests): {steady:.0f}/min, {steady / rpm * 100:.1f} % of the configured {rpm}/min; the provider allows {limit}/min")
PY
