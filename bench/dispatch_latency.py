#!/usr/bin/env python3
"""Time from POST /ibex/v1/tasks to the script starting on a connected agent.

Starts a real mend-server (SQLite in a temp dir) and one real mend-agent on
127.0.0.1, creates N one-host tasks one after another, and compares the wall
clock just before each POST with the first thing each script does (print
`date +%s%N`). Prints one JSON object with p50/p99/max in milliseconds.

  bench/dispatch_latency.py [--bin DIR] [--runs 100]
"""
import argparse, json, os, platform, subprocess, tempfile, time, urllib.request


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--gap-ms", type=int, default=0,
                    help="pause between tasks (alerts rarely come back to back; lets the agent's spare supervisor start)")
    ap.add_argument("--agent-arg", action="append", default=[], help="extra mend-agent flag (e.g. --in-process)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mend-bench-")
    ready = os.path.join(tmp, "ready")
    server = subprocess.Popen([os.path.join(args.bin, "mend-server"), "--http", "127.0.0.1:0", "--no-tls", "--ready-file", ready,
                               "--db", "sqlite:" + os.path.join(tmp, "mend.db"), "--agent-token", "t",
                               "--log-level", "warn"])
    agent = None
    try:
        for _ in range(100):
            if os.path.exists(ready):
                break
            time.sleep(0.05)
        base = "http://" + open(ready).read().split()[0]
        agent = subprocess.Popen([os.path.join(args.bin, "mend-agent"), "--server", base, "--ident", "bench-host",
                                  "--token", "t", "--spool", os.path.join(tmp, "spool"), "--log-level", "warn"] + args.agent_arg)
        for _ in range(100):
            if any(a["ident"] == "bench-host" for a in get(base + "/api/v1/agents")["dat"]):
                break
            time.sleep(0.05)
        lat = []
        for i in range(args.runs):
            time.sleep(args.gap_ms / 1000)
            t0 = time.time_ns()
            tid = post(base + "/ibex/v1/tasks", {"title": "bench", "account": "root", "creator": "bench",
                                                 "action": "start", "hosts": ["bench-host"],
                                                 "script": "#!/bin/sh\ndate +%s%N\n"})["dat"]
            while True:
                out = get(f"{base}/ibex/v1/task/{tid}/host/bench-host/output")["dat"]
                if out["status"] not in ("waiting", "running"):
                    break
                time.sleep(0.005)
            lat.append((int(out["stdout"].strip()) - t0) / 1e6)
        lat.sort()
        pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 2)
        print(json.dumps({"scenario": "post_to_script_start", "runs": len(lat), "cores": os.cpu_count(),
                          "machine": platform.machine(), "gap_ms": args.gap_ms, "agent_args": args.agent_arg, "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                          "max_ms": round(lat[-1], 2), "min_ms": round(lat[0], 2)}))
    finally:
        for p in (agent, server):
            if p:
                p.terminate()
                p.wait(timeout=10)


if __name__ == "__main__":
    main()
