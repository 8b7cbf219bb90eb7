#!/usr/bin/env bash
# Delivery benchmark: how many users per second reach a provider answering in 50 ms with
# its rate limit lifted, for 4, 16 and 64 requests in flight, beside the bound
# min(rate limit, concurrency / latency); then the same with 20 % of requests answered 503
# and 5 % of connections dropped. Release build, the real binaries, perform.chat's
# emulation. Prints the machine, its load and the size with every figure. About 3 minutes.
#
# What is measured, for one `sync --once` that has N changes to deliver (after warm-up
# rounds that learn the ids and make the push-only list read, due once per pull_interval):
#   delivery: N / (last PUT answered - first PUT arrived), both seen at the provider. This is
#             the steady-state rate the dispatcher keeps, the figure compared with the bound.
#   run:      N / the whole process (start-up, reading the source, planning, delivery, exit).
# Under faults one `sync --once` does not deliver everything: runs repeat until all is in,
# and the figure is N / the wall time of all the runs (start-ups and retry waits included).
#
# usage: scripts/bench-delivery.sh [USERS=4000] [LATENCY_MS=50]
#   BENCH_SCENARIOS="4 16 64 faults"  which scenarios (a concurrency, or faults: 16 in flight)
#   BENCH_RUNS=1                      measured rounds per scenario; the median is printed
#   USERSYNC_BIN_DIR=dir              use these usersync and usersync-sandbox, build nothing
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-4000}"
LATENCY="${2:-50}"
SCENARIOS="${BENCH_SCENARIOS:-4 16 64 faults}"
RUNS="${BENCH_RUNS:-1}"
bash scripts/setup.sh
if [ -n "${USERSYNC_BIN_DIR:-}" ]; then
  BIN="$USERSYNC_BIN_DIR"
else
  SCRATCH=(--scratch-path .build-release)
  echo "== building (release)"
  swift build -c release "${SCRATCH[@]}" --product usersync 2>&1 | tail -1
  swift build -c release "${SCRATCH[@]}" --product usersync-sandbox 2>&1 | tail -1
  BIN="$(swift build -c release "${SCRATCH[@]}" --show-bin-path)"
fi
WORK="$(mktemp -d -t usersync-bench-delivery.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
python3 scripts/generate_users.py "$N" "$WORK/users.jsonl"
python3 - "$BIN" "$WORK" "$N" "$LATENCY" "$SCENARIOS" "$RUNS" <<'PY'
import json, os, platform, shutil, statistics, subprocess, sys, threading, time, urllib.request
from datetime import datetime
bin_dir, work, n, latency, scenarios, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(), int(sys.argv[6])
users = [json.loads(line) for line in open(f"{work}/users.jsonl")]
json.dump({"performchat": [{"external_id": u["id"], "name": "old", "email": u["email"]} for u in users]}, open(f"{work}/seed.json", "w"))
PUT = "PUT /customer-users/:id"
cpu = "?"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.machine()}")
print(f"size: {n} users, each one PUT; the provider answers in {latency} ms, no rate limit; median of {runs} round(s)")

def sandbox(extra):
    out = open(f"{work}/sandbox.out", "w")
    proc = subprocess.Popen([f"{bin_dir}/usersync-sandbox", "--port", "0", "--performchat-rpm=-1",
                             "--performchat-latency-ms", str(latency), "--seed", "7", "--seed-file", f"{work}/seed.json"] + extra,
                            stdout=out, stderr=open(f"{work}/sandbox.err", "w"))
    for _ in range(400):
        text = open(f"{work}/sandbox.out").read()
        if "listening on" in text:
            return proc, text.split("listening on ", 1)[1].strip()
        time.sleep(0.05)
    proc.kill()
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

def seconds(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

class Provider:
    """The sandbox's admin API: how many PUTs it answered, and when the first new one arrived."""
    def __init__(self, url):
        self.url = url
    def puts(self, tail=0):
        data = json.load(urllib.request.urlopen(f"{self.url}/_admin/requests?tail={tail}"))
        return data["performchat"]["byRoute"].get(PUT, 0), [e for e in data["log"] if e["route"] == PUT]
    def watch_first_put(self, before, stop):
        """Polls until a PUT beyond `before` arrives; returns its arrival time (the log keeps
        the last 1,000 requests, far more than arrive between two polls)."""
        found = {}
        def poll():
            while not stop.is_set():
                count, _ = self.puts()
                if count > before:
                    _, log = self.puts(count - before)
                    found["at"] = seconds(log[-(count - before)]["time"])
                    return
                time.sleep(0.01)
        thread = threading.Thread(target=poll)
        thread.start()
        return thread, found

def scenario(concurrency, faults, label):
    proc, url = sandbox(faults)
    try:
        provider = Provider(url)
        state = f"{work}/state-{label}-{concurrency}/state.db"
        # Warm-up at 64 in flight whatever is measured (it only prepares the state): ids learned,
        # everyone in sync, then a first round of changes, which makes push-only mode's list
        # read (once per pull_interval; a service pays it once, not per round).
        cfg = config(url, 64, state)
        for plan in ("a", "b"):
            write_source(plan)
            while sync(cfg).returncode != 0:
                pass
        cfg = config(url, concurrency, state)
        delivery, whole, counts = [], [], []
        for r in range(runs):
            write_source(f"c{r}")              # every user changes again: n PUTs to deliver
            before, _ = provider.puts()
            stop = threading.Event()
            watcher, first = provider.watch_first_put(before, stop)
            start = time.monotonic(); count = 0
            while True:
                run = sync(cfg); count += 1
                if run.returncode == 0 or time.monotonic() - start > 300:
                    break
            whole.append(n / (time.monotonic() - start))
            stop.set(); watcher.join()
            after, log = provider.puts(1)
            if after - before >= n and "at" in first:
                delivery.append((after - before) / (seconds(log[-1]["time"]) + latency / 1000 - first["at"]))
            counts.append(count)
    finally:
        proc.terminate(); proc.wait()
    shutil.rmtree(os.path.dirname(state), ignore_errors=True)
    bound = concurrency / (latency / 1000)
    load = os.getloadavg()[0]
    runs_text = f"{statistics.median(counts):.0f} sync --once run{'s' if max(counts) > 1 else ''}"
    if faults:
        rate = statistics.median(whole)
        print(f"{label:>22}: concurrency {concurrency:>2}: {rate:6.0f} users/s until all {n} are in ({runs_text}); bound {bound:5.0f}/s; {rate / bound * 100:5.1f} %; load {load:.1f}")
    else:
        rate = statistics.median(delivery)
        print(f"{label:>22}: concurrency {concurrency:>2}: delivery {rate:6.0f} users/s; bound {bound:5.0f}/s; {rate / bound * 100:5.1f} %"
              f" (whole run {statistics.median(whole):5.0f}/s; {runs_text}; load {load:.1f}; rounds: {', '.join(f'{d:.0f}' for d in delivery)})")

for s in scenarios:
    if s == "faults":
        scenario(16, ["--performchat-failure-rate", "0.2", "--performchat-failure-status", "503", "--performchat-drop-rate", "0.05"], "20 % 503 + 5 % drops")
    else:
        scenario(int(s), [], "no faults")
PY
