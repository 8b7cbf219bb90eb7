#!/usr/bin/env bash
# Benchmark of the PostgreSQL source (release build, a throwaway cluster on loopback):
#   (a) the full-scan plan of N users (default 1,000,000, 1 % changed) with the real
#       `usersync sync --once --dry-run`, wall time and peak RSS, beside the same plan of the
#       same users read from JSONL: JSONL and PostgreSQL back to back, REPEAT times (default
#       3), then the median ratio and the load average (the ratio is what a busy machine keeps);
#   (b) the cost of one cycle with change_column when 1 row and when 10,000 rows changed.
# usage: scripts/bench-postgres.sh [N] [REPEAT]   (BENCH_CONFIGURATION=debug measures a debug build instead)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
REPEAT="${2:-3}"
bash scripts/setup.sh
CONFIGURATION="${BENCH_CONFIGURATION:-release}"
SCRATCH=(--scratch-path .build-release)
[ "$CONFIGURATION" = debug ] && SCRATCH=()
swift build -c "$CONFIGURATION" "${SCRATCH[@]}" --product usersync >/dev/null
swift build -c "$CONFIGURATION" "${SCRATCH[@]}" --product usersync-bench >/dev/null
BIN="$(swift build -c "$CONFIGURATION" "${SCRATCH[@]}" --show-bin-path)"
echo "build: $CONFIGURATION"
DIR="$(pwd)/.build-bench"
mkdir -p "$DIR"
if [ ! -f "$DIR/v1-$N.jsonl" ]; then
  python3 scripts/generate_users.py "$N" "$DIR/v1-$N.jsonl"
  python3 scripts/generate_users.py "$N" "$DIR/v2-$N.jsonl" --mutate 1 --from "$DIR/v1-$N.jsonl"
fi

PG_DIR=$(mktemp -d /tmp/usersync-bench-pg.XXXXXX)
cleanup() { bash scripts/pg-cluster.sh stop "$PG_DIR" || true; rm -rf "$PG_DIR"; }
trap cleanup EXIT
PORT=$(bash scripts/pg-cluster.sh start "$PG_DIR")
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE bench"
"${PSQL[@]}" -d bench <<'SQL'
CREATE TABLE users (id text PRIMARY KEY, name text, email text, metadata jsonb,
                    updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE INDEX users_updated_at ON users (updated_at);
SQL
echo "loading version 2 ($N users) into PostgreSQL..."
python3 - "$DIR/v2-$N.jsonl" <<'PY' | "${PSQL[@]}" -d bench -c "COPY users (id, name, email, metadata) FROM STDIN"
import json, sys
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
out = sys.stdout
for line in open(sys.argv[1]):
    u = json.loads(line)
    out.write("\t".join([esc(u["id"]), esc(u.get("name") or ""), esc(u.get("email") or ""), esc(json.dumps(u.get("metadata", {})))]) + "\n")
PY
"${PSQL[@]}" -d bench -c "VACUUM ANALYZE users"

write_config() {  # FILE KIND-LINES...
  local file=$1; shift
  {
    echo "state: { path: $DIR/pg-state.db }"
    echo "source:"
    for line in "$@"; do echo "  $line"; done
    echo "  fields: { external_id: id, name: name, email: email, metadata: metadata }"
    echo "sync: { direction: push }"
    echo "providers:"
    echo "  performchat: { enabled: true, base_url: \"https://api.perform.chat/rest/v1\", key_id: bench, key_secret: bench-secret }"
    echo "  commbox: { enabled: true, base_url: \"https://api.commbox.io\", token: bench-token, content: { plan: Plan, seats: Seats } }"
    echo "log: { level: error }"
  } > "$file"
}
URL="postgres://postgres@127.0.0.1:$PORT/bench"
write_config "$DIR/pg-jsonl.yaml" "kind: jsonl" "path: $DIR/v2-$N.jsonl"
write_config "$DIR/pg-full.yaml" "kind: postgres" "url: $URL" "table: users" "statement_timeout: 0s"
write_config "$DIR/pg-incremental.yaml" "kind: postgres" "url: $URL" "table: users" "statement_timeout: 0s" \
  "change_column: updated_at" "change_overlap: 0s"

rm -f "$DIR"/pg-state.db*
echo "seeding the state with version 1..."
"$BIN/usersync-bench" seed "$DIR/pg-jsonl.yaml" "$DIR/v1-$N.jsonl"

python3 - "$BIN" "$DIR" "$N" "$PORT" "$REPEAT" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
bin_dir, d, n, port, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])

def timed(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    out = subprocess.run(args, capture_output=True, text=True)
    wall = time.monotonic() - start
    if out.returncode != 0:
        sys.exit(f"{args[0]} failed ({out.returncode}): {out.stderr[-2000:]}")
    return wall, out.stdout

def dry_run(config):
    # Each run in a fresh child process of its own, so ru_maxrss is that run's peak.
    probe = ("import resource, subprocess, sys, time, json\n"
             "s = time.monotonic(); o = subprocess.run(sys.argv[1:], capture_output=True, text=True); w = time.monotonic() - s\n"
             "print(json.dumps({'wall': w, 'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 'rc': o.returncode, 'out': o.stdout, 'err': o.stderr[-2000:]}))\n")
    out = subprocess.run([sys.executable, "-c", probe, f"{bin_dir}/usersync", "sync", "--once", "--dry-run", "--json", "--config", config],
                         capture_output=True, text=True)
    r = json.loads(out.stdout)
    if r["rc"] != 0:
        sys.exit(f"dry-run failed: {r['err']}")
    return r["wall"], r["rss"], json.loads(r["out"])

def psql(sql):
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "bench", "-c", sql], check=True)

print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, {os.uname().sysname}; {n} users, 1 % changed")
print("(a) full-scan plan, real `usersync sync --once --dry-run`:")
ratios = []
for round in range(1, repeat + 1):
    walls = {}
    for label, config in [("jsonl", "pg-jsonl.yaml"), ("postgres", "pg-full.yaml")]:
        wall, rss, summary = dry_run(f"{d}/{config}")
        walls[label] = wall
        changes = sum(summary['changes'].values()) if isinstance(summary['changes'], dict) else summary['changes']
        print(f"    #{round} {label:9} wall {wall:6.2f} s   peak RSS {rss:5.0f} MB   rows/s {n / wall:10,.0f}   changes {changes}")
    ratios.append(walls["postgres"] / walls["jsonl"])
    print(f"    #{round} postgres / jsonl {ratios[-1]:.2f}   load average {os.getloadavg()[0]:.2f}")
print(f"    median ratio {statistics.median(ratios):.2f} over {repeat} rounds")

print("(b) one cycle with change_column (plan into the outbox, no push):")
def cycle():
    wall, out = timed([f"{bin_dir}/usersync-bench", "cycle", f"{d}/pg-incremental.yaml"])
    return json.loads(out)
first = cycle()
print(f"    first (full, sets the watermark): {first['wall_ms']} ms, {first['rows']} rows")
for changed in [1, 10000]:
    psql(f"UPDATE users SET name = name || ' x', updated_at = clock_timestamp() WHERE id IN (SELECT id FROM users ORDER BY id LIMIT {changed})")
    r = cycle()
    print(f"    {changed:6} rows changed: plan {r['plan_ms']} ms, cycle {r['wall_ms']} ms (in-process), "
          f"rows read {r['rows']}, changes {r['changes']}, incremental {r['incremental']}")
PY
