#!/usr/bin/env bash
# Benchmark: plan a 1 % change of N users (default 1,000,000) against a state holding the
# previous version, with the real `usersync sync --once --dry-run` in a release build.
# Prints wall time, rows/s and peak RSS. usage: scripts/bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
bash scripts/setup.sh
SCRATCH=(--scratch-path .build-release)
swift build -c release "${SCRATCH[@]}" --product usersync >/dev/null
swift build -c release "${SCRATCH[@]}" --product usersync-bench >/dev/null
BIN="$(swift build -c release "${SCRATCH[@]}" --show-bin-path)"
DIR="$(pwd)/.build-bench"
mkdir -p "$DIR"
rm -f "$DIR"/state.db*
if [ ! -f "$DIR/v1-$N.jsonl" ]; then
  python3 scripts/generate_users.py "$N" "$DIR/v1-$N.jsonl"
  python3 scripts/generate_users.py "$N" "$DIR/v2-$N.jsonl" --mutate 1 --from "$DIR/v1-$N.jsonl"
fi
cat > "$DIR/bench.yaml" <<YAML
state: { path: $DIR/state.db }
source:
  kind: jsonl
  path: $DIR/v2-$N.jsonl
  settle_time: 0s  # generated before the run, never written during it: no wait in the timings
  fields: { external_id: id, name: name, email: email, metadata: metadata }
providers:
  performchat: { enabled: true, base_url: "https://api.perform.chat/rest/v1", key_id: bench, key_secret: bench-secret }
  commbox: { enabled: true, base_url: "https://api.commbox.io", token: bench-token, content: { plan: Plan, seats: Seats } }
log: { level: error }
YAML
echo "seeding the state with version 1 ($N users)..."
"$BIN/usersync-bench" seed "$DIR/bench.yaml" "$DIR/v1-$N.jsonl"
echo "planning version 2 (1 % changed) with the real binary..."
python3 - "$BIN/usersync" "$DIR/bench.yaml" "$N" <<'PY'
import json, os, resource, subprocess, sys, time
binary, config, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = time.monotonic()
out = subprocess.run([binary, "sync", "--once", "--dry-run", "--json", "--config", config], capture_output=True, text=True)
wall = time.monotonic() - start
if out.returncode != 0:
    sys.exit(f"dry-run failed ({out.returncode}): {out.stderr[-2000:]}")
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
summary = json.loads(out.stdout)
cpu = os.cpu_count()
print(f"machine: {cpu} cores, {os.uname().machine}, {os.uname().sysname}")
print(f"users: {n}, changed: {summary['changes']}, unchanged: {summary['unchanged']}, rejected: {summary['rejected']}")
print(f"wall time: {wall:.2f} s")
print(f"rows/s: {n / wall:,.0f}")
print(f"peak RSS: {rss_mb:.0f} MB")
PY
