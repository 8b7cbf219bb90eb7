#!/usr/bin/env python3
"""Writes N synthetic users as JSONL (for the benchmark and load tests).

usage: generate_users.py N OUT.jsonl [--mutate PERCENT --from IN.jsonl]
With --mutate, copies IN.jsonl changing PERCENT % of the users (name, e-mail or metadata).
"""
import json
import random
import sys

def user(i):
    return {
        "id": f"user-{i:07d}",
        "name": f"First{i} Last{i % 997}",
        "email": f"user{i}@example.com",
        "metadata": {"plan": ["free", "pro", "team"][i % 3], "seats": i % 50, "region": "eu-west"},
    }

def main():
    args = sys.argv[1:]
    n, out = int(args[0]), args[1]
    rng = random.Random(42)
    if "--mutate" in args:
        percent = float(args[args.index("--mutate") + 1])
        source = args[args.index("--from") + 1]
        with open(source) as f, open(out, "w") as o:
            for line in f:
                if rng.random() * 100 < percent:
                    u = json.loads(line)
                    choice = rng.randrange(3)
                    if choice == 0:
                        u["name"] += " Jr"
                    elif choice == 1:
                        u["email"] = "changed." + u["email"]
                    else:
                        u["metadata"]["plan"] = "enterprise"
                    line = json.dumps(u, separators=(",", ":")) + "\n"
                o.write(line)
        return
    with open(out, "w") as o:
        for i in range(1, n + 1):
            o.write(json.dumps(user(i), separators=(",", ":")) + "\n")

if __name__ == "__main__":
    main()
