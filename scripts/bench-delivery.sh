#!/usr/bin/env bash
# Delivery benchmark: how many users per second reach a provider answering in 50 ms with
# its rate limit lifted, for 4, 16 and 64 requests in flight, beside the bound
# min(rate limit, concurrency / latency); then the same with 20 % of requests answered 503
# and 5 % of connections dropped. Release build, the real binaries, perform.chat's
# emulation. Prints the machine and the size with every figure. Takes about 3 minutes.
# Measured: one `sync --once` delivering N changes, after a warm-up round (see below).
# usage: scripts/bench-delivery.sh [USERS=2000] [LATENCY_MS=50]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
LATENCY="${2:-50}"
bash scripts/setup.sh
SCRATCH=(--scratch-path .build-release)
echo "== building (release)"
swift build -c release "${SCRATCH[@]}" --product usersync 2>&1 | tail -1
swift build -c release "${SCRATCH[@]}" --product usersync-sandbox 2>&1 | tail -1
BIN="$(swift build -c release "${SCRATCH[@]}" --show-bin-path)"
WORK="$(mktemp -d -t usersync-bench-delivery.XXXXXX)"
trap 'pkill -P $$ usersync-sandbox 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 scripts/generate_users.py "$N" "$WORK/users.jsonl"
python3 - "$BIN" "$WORK" "$N" "$LATENCY" <<'PY'
import json, os, platform, shutil, subprocess, sys, time, urllib.request
bin_dir, work, n, latency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
users = [json.loads(line) for line in open(f"{work}/users.jsonl")]
json.dump({"performchat": [{"external_id": u["id"], "name": "old", "email": u["email"]} for u in users]}, open(f"{work}/seed.json", "w"))
cpu = "?"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.machine()}")
print(f"size: {n} users, each one PUT; the provider answers in {latency} ms, no rate limit")

def sandbox(extra):
    out = open(f"{work}/sandbox.out", "w")
    proc = subprocess.Popen([f"{bin_dir}/usersync-sandbox", "--port", "0", "--performchat-rpm=-1",
                             "--performchat-latency-ms", str(latency), "--seed", "7", "--seed-file", f"{work}/seed.json"] + extra,
                            stdout=out, stderr=open(f"{work}/sandbox.err", "w"))
    for _ in range(200):
        text = open(f"{work}/sandbox.out").read()
        if "listening on" in text:
            return proc, text.split("listening on ", 1)[1].strip()
        time.sleep(0.05)
    sys.exit("the sandbox did not start: " + open(f"{work}/sandbox.err").read()[-2000:])

def config(url, concurrency, state):
    path = f"{work}/usersync.yaml"
    open(path, "w").write(f"""state: {{ path: {state} }}
source:
  kind: jsonl
  path: {work}/source.jsonl
  settle_time: 0s
  fields: {{ external_id: id, name: name, email: email, metadata: metadata }}
sync: {{ direction: push, guard: {{ max_changed: 100%, max_cleared: 100% }} }}  # every user changes on purpose
retry: {{ base_delay: 100ms, max_delay: 2s }}
log: {{ level: warning, format: logfmt }}
providers:
  performchat:
    base_url: "{url}/performchat/rest/v1"
    key_id: demo-key-id
    key_secret_env: BENCH_PERFORMCHAT_SECRET
    requests_per_minute: 6000000
    concurrency: {concurrency}
""")
    return path

def write_source(plan):
    with open(f"{work}/source.jsonl", "w") as f:
        for u in users:
            u = dict(u); u["metadata"] = dict(u.get("metadata") or {}); u["metadata"]["bench_plan"] = plan
            f.write(json.dumps(u) + "\n")

def sync(cfg):
    env = dict(os.environ, BENCH_PERFORMCHAT_SECRET="demo-key-secret")
    return subprocess.run([f"{bin_dir}/usersync", "sync", "--once", "--json", "--config", cfg], capture_output=True, text=True, env=env)

def scenario(concurrency, faults, label):
    proc, url = sandbox(faults)
    state = f"{work}/state-{label}-{concurrency}/state.db"
    cfg = config(url, concurrency, state)
    write_source("a")
    while sync(cfg).returncode != 0:   # ids learned, everyone in sync
        pass
    # A first round of changes as warm-up: push-only mode reads the provider's list once per
    # pull_interval to notice edits a push overwrites; a service pays it once, not per round.
    write_source("b")
    while sync(cfg).returncode != 0:
        pass
    write_source("c")                  # then every user changes again: n PUTs to deliver
    start = time.monotonic(); runs = 0; pushed = 0
    while True:
        run = sync(cfg); runs += 1
        pushed += json.loads(run.stdout)["pushed"] if run.stdout.strip().startswith("{") else 0
        if run.returncode == 0 or time.monotonic() - start > 300:
            break
    wall = time.monotonic() - start
    proc.terminate(); proc.wait()
    shutil.rmtree(os.path.dirname(state), ignore_errors=True)
    bound = concurrency / (latency / 1000)
    rate = n / wall
    print(f"{label:>28}: concurrency {concurrency:>2}: {n} users in {wall:5.1f} s = {rate:6.0f} users/s; bound {bound:5.0f}/s; {rate / bound * 100:5.1f} % ({runs} sync --once run{'s' if runs > 1 else ''})")

for c in (4, 16, 64):
    scenario(c, [], "no faults")
scenario(16, ["--performchat-failure-rate", "0.2", "--performchat-failure-status", "503", "--performchat-drop-rate", "0.05"], "20 % 503 + 5 % drops")
PY
