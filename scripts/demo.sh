#!/usr/bin/env bash
# The demo: builds usersync, starts the provider sandbox on loopback, seeds it, syncs the
# example users in config/demo/ to both emulated providers, shows what each now holds, syncs
# again (nothing to send), and stops the sandbox. No credentials, nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== building (the first build takes a few minutes)"
swift build --product usersync 2>&1 | tail -1
swift build --product usersync-sandbox 2>&1 | tail -1
BIN="$(swift build --show-bin-path)"

WORK="$(mktemp -d -t usersync-demo.XXXXXX)"
SANDBOX_PID=""
cleanup() {
  [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/usersync-sandbox" --port 0 --seed-file config/demo/seed.json >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/sandbox.out" 2>/dev/null && break
  sleep 0.1
done
URL="$(sed -n 's/^usersync-sandbox listening on //p' "$WORK/sandbox.out")"
[ -n "$URL" ] || { echo "the sandbox did not start:"; cat "$WORK/sandbox.err"; exit 1; }
echo "== sandbox listening on $URL (perform.chat and CommBox emulations)"

cp config/demo/users.jsonl "$WORK/users.jsonl"
sed "s#SANDBOX_URL#$URL#g" config/demo/usersync.demo.yaml >"$WORK/usersync.yaml"
# The sandbox's demo credentials, handed over the way an operator would: environment variables.
export DEMO_PERFORMCHAT_KEY_SECRET=demo-key-secret DEMO_COMMBOX_TOKEN=demo-commbox-token

echo; echo "== usersync check"
"$BIN/usersync" check --config "$WORK/usersync.yaml" | sed -n '1,3p'

echo; echo "== usersync sync --once --dry-run (plans, writes nothing)"
"$BIN/usersync" sync --once --dry-run --config "$WORK/usersync.yaml" 2>/dev/null

echo; echo "== usersync sync --once (log lines on stderr, summary on stdout)"
set +e
"$BIN/usersync" sync --once --config "$WORK/usersync.yaml"
status=$?
set -e
echo "exit status: $status"

show() {
  curl -fsS "$URL/_admin/$1/users" | python3 -c '
import json, sys
keys = sys.argv[1].split(",")
for u in json.load(sys.stdin):
    print("   ", json.dumps({k: u.get(k) for k in keys}, ensure_ascii=False))' "$2"
}
echo; echo "== perform.chat now holds"; show performchat external_id,name,email,metadata
echo; echo "== CommBox now holds"; show commbox id,uniqueId,firstName,lastName,email,content
echo; echo "== requests the sandbox received"
curl -fsS "$URL/_admin/requests" | python3 -c '
import json, sys
r = json.load(sys.stdin)
for p in ("performchat", "commbox"):
    print("    %s: %d requests %s" % (p, r[p]["total"], json.dumps(r[p]["byRoute"])))'

echo; echo "== second sync: the source did not change, so nothing is pushed (the pull still reads the providers' side)"
curl -fsS -X POST "$URL/_admin/requests/reset" >/dev/null
"$BIN/usersync" sync --once --config "$WORK/usersync.yaml" 2>/dev/null || true
curl -fsS "$URL/_admin/requests" | python3 -c '
import json, sys
r = json.load(sys.stdin)
pushes = sum(n for p in ("performchat", "commbox") for route, n in r[p]["byRoute"].items() if not route.startswith("GET"))
reads = sum(n for p in ("performchat", "commbox") for route, n in r[p]["byRoute"].items() if route.startswith("GET"))
print("    pushes: %d, pull reads: %d" % (pushes, reads))'
echo; echo "== an agent edits Alan's profile on perform.chat; the next sync pulls it back"
curl -fsS -X POST "$URL/_admin/performchat/users/1002/edit" \
  -d '{"name": "Alan M. Turing", "metadata": {"plan": "team", "seats": 12, "tags": ["beta"], "country": "UK"}}' >/dev/null
"$BIN/usersync" sync --once --config "$WORK/usersync.yaml" 2>/dev/null | grep -E "Pulled back|commbox:" || true
echo "    inbound changes file (the demo's source is a file: it is never rewritten):"
sed 's/^/      /' "$WORK/state/inbound.jsonl"
echo "    ...and on to CommBox:"
show commbox uniqueId,firstName,lastName,content | grep '"1002"'
echo; echo "== usersync explain 1002"
"$BIN/usersync" explain 1002 --config "$WORK/usersync.yaml" | sed 's/^/    /'

echo; echo "demo finished (exit status of the first sync: $status)"
