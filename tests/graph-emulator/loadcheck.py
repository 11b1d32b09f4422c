#!/usr/bin/env python3
"""Measure the emulator's request rate over keep-alive TLS connections.

    python3 tests/graph-emulator/loadcheck.py [--connections 8] [--seconds 5]
        [--path /v1.0/policies/authorizationPolicy] [--min-rps 1000]
        [--state DIR] [--log FILE] | [--port N --ca ca.pem]

Starts the emulator on the sample tenant (or uses --port/--ca of a running
one), takes a token, then runs N threads that each reuse one http.client
HTTPSConnection for GET requests until the time is up.  Prints requests/s and
exits 1 when the rate is below --min-rps.
"""

import argparse
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TENANT = "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
CLIENT = "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e"
SECRET = "demo-secret-not-real"


def start_emulator(work, args):
    port_file = os.path.join(work, "port")
    cmd = [sys.executable, os.path.join(HERE, "emulator.py"), "--state", args.state,
           "--port-file", port_file, "--ca-dir", work]
    if args.log:
        cmd += ["--log", args.log]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file):
            with open(port_file) as f:
                return proc, int(f.read())
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("emulator did not start")


def get_token(ctx, port):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": CLIENT,
                                   "client_secret": SECRET,
                                   "scope": "https://graph.microsoft.com/.default"})
    conn.request("POST", "/%s/oauth2/v2.0/token" % TENANT, form,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(conn.getresponse().read())["access_token"]


def worker(ctx, port, token, path, deadline, counts, index):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    done = 0
    while time.monotonic() < deadline:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit("unexpected status %d" % resp.status)
        done += 1
    counts[index] = done
    conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--path", default="/v1.0/policies/authorizationPolicy")
    p.add_argument("--port", type=int)
    p.add_argument("--ca")
    p.add_argument("--min-rps", type=float, default=1000.0)
    p.add_argument("--state", default=os.path.join(HERE, "sample"),
                   help="state directory for the emulator this script starts")
    p.add_argument("--log", help="let the emulator write its request log here")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="graph-loadcheck-")
    proc = None
    if args.port:
        port, ca = args.port, args.ca
    else:
        proc, port = start_emulator(work, args)
        ca = os.path.join(work, "ca.pem")
    try:
        ctx = ssl.create_default_context(cafile=ca)
        token = get_token(ctx, port)
        counts = [0] * args.connections
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=worker, args=(ctx, port, token, args.path, deadline,
                                                         counts, i))
                   for i in range(args.connections)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
    rps = sum(counts) / elapsed
    print("%d requests in %.2f s over %d keep-alive TLS connections: %.0f requests/s (%s)"
          % (sum(counts), elapsed, args.connections, rps, args.path))
    return 0 if rps >= args.min_rps else 1


if __name__ == "__main__":
    sys.exit(main())
