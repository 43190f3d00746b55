#!/usr/bin/env python3
"""Time from an Alertmanager webhook arriving at Mend to the remediation script starting.

Starts a real mend-server (SQLite in a temp dir, a rules file with one rule)
and one real mend-agent on 127.0.0.1, then POSTs N Alertmanager (version 4)
webhook payloads to /api/v1/alerts/alertmanager one after another. Each alert
has its own fingerprint and names the agent in `instance` (with a port), so
every one is decided `ran`. The template's script prints `date +%s%N` first;
the latency is that time minus the wall clock just before the POST. Also
reports how long the webhook's HTTP answer took (the sender's view). Prints
one JSON object with p50/p99/max in milliseconds.

  bench/alert_latency.py [--bin DIR] [--runs 200]
"""
import argparse, getpass, json, os, platform, subprocess, tempfile, time, urllib.request

RULES = """templates:
  stamp:
    title: Stamp
    account: {account}
    timeout: 10
    script: |
      #!/bin/sh
      date +%s%N
rules:
  - name: bench
    matchers: ['alertname="BenchAlert"']
    template: stamp
"""


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def webhook(i):
    labels = {"alertname": "BenchAlert", "instance": "bench-host:9100", "severity": "critical", "run": str(i)}
    return {"version": "4", "status": "firing", "receiver": "mend", "groupKey": "{}:{alertname=\"BenchAlert\"}",
            "truncatedAlerts": 0, "groupLabels": {"alertname": "BenchAlert"}, "commonLabels": labels,
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
            "alerts": [{"status": "firing", "labels": labels, "annotations": {"summary": "bench"},
                        "startsAt": "2024-05-01T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                        "generatorURL": "", "fingerprint": "bench%012d" % i}]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build")
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mend-bench-alert-")
    ready = os.path.join(tmp, "ready")
    rules = os.path.join(tmp, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES.format(account=getpass.getuser()))
    server = subprocess.Popen([os.path.join(args.bin, "mend-server"), "--http", "127.0.0.1:0", "--no-tls", "--ready-file", ready,
                               "--db", "sqlite:" + os.path.join(tmp, "mend.db"), "--agent-token", "t",
                               "--rules", rules, "--log-level", "warn"])
    agent = None
    try:
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)
        base = "http://" + open(ready).read().split()[0]
        agent = subprocess.Popen([os.path.join(args.bin, "mend-agent"), "--server", base, "--ident", "bench-host",
                                  "--token", "t", "--spool", os.path.join(tmp, "spool"), "--log-level", "warn"])
        for _ in range(200):
            if any(a["ident"] == "bench-host" for a in get(base + "/api/v1/agents")["dat"]):
                break
            time.sleep(0.05)
        start, answer = [], []
        for i in range(args.runs):
            t0 = time.time_ns()
            dat = post(base + "/api/v1/alerts/alertmanager", webhook(i))["dat"]
            answer.append((time.time_ns() - t0) / 1e6)
            d = dat["decisions"][0]
            if d["decision"] != "ran":
                raise SystemExit("run %d: decision %s (%s)" % (i, d["decision"], d["reason"]))
            tid = d["task_id"]
            while True:
                out = get(f"{base}/ibex/v1/task/{tid}/host/bench-host/output")["dat"]
                if out["status"] not in ("waiting", "running"):
                    break
                time.sleep(0.005)
            if out["status"] != "success":
                raise SystemExit("run %d: script %s: %s" % (i, out["status"], out.get("stderr", "")))
            start.append((int(out["stdout"].strip()) - t0) / 1e6)

        def stats(v):
            v = sorted(v)
            pick = lambda q: round(v[min(len(v) - 1, int(q * len(v)))], 2)
            return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(v[-1], 2), "min_ms": round(v[0], 2)}

        print(json.dumps({"scenario": "alertmanager_webhook_to_script_start", "runs": len(start),
                          "cores": os.cpu_count(), "machine": platform.machine(),
                          "load_avg_1m": round(os.getloadavg()[0], 2),
                          "webhook_to_script_start": stats(start), "webhook_answer": stats(answer)}))
    finally:
        for p in (agent, server):
            if p:
                p.terminate()
                p.wait(timeout=10)


if __name__ == "__main__":
    main()
