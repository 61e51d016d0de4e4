#!/usr/bin/env python3
"""receiver.py: a webhook receiver for the scenario tests (loopback only).

Verifies the Standard Webhooks signature on its own (hmac + base64 of
Python's standard library, not logward's code), and appends one JSON line
per request to --out: {"id", "timestamp", "signature_ok", "status",
"time" (receipt, unix float), "body" (parsed JSON or null)}.

  receiver.py serve --port-file F --out F [--port P] [--secret-file F] [--tls CERT KEY]
              [--fail N] [--fail-status 503] [--retry-after S]
  receiver.py summary OUT     one JSON object: requests, ok (2xx answered),
                              ids (distinct ids answered 2xx), dup_ok (2xx
                              answers beyond the first per id), bad_sig,
                              names (user.target.name of each distinct id),
                              latency_ms (median, p99, max: event.created of
                              the alert to the first 2xx receipt)
  receiver.py metric URL NAME [LABEL=VALUE ...]
                              the value of one sample of a Prometheus
                              scrape of URL (prints "absent" when missing)

--fail N answers --fail-status (with Retry-After when given) to the first
N requests.  Exits after --max-seconds (default 600) whatever happens.
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import ssl
import sys
import threading
import time


def load_secret(path):
    raw = open(path, "rb").read().rstrip(b"\r\n")
    if raw.startswith(b"whsec_"):
        return base64.b64decode(raw[6:])
    return raw


def parse_time(s):
    # "2026-11-27T18:36:11.666264Z" (UTC)
    import calendar
    base, _, frac = s.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


def summary(path):
    reqs = ok = bad = dup = 0
    first = {}
    names = {}
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        r = json.loads(line)
        reqs += 1
        if r["signature_ok"] is False:
            bad += 1
        if r["status"] // 100 != 2:
            continue
        ok += 1
        if r["id"] in first:
            dup += 1
            continue
        first[r["id"]] = r
        data = (r["body"] or {}).get("data", {})
        names[r["id"]] = data.get("user", {}).get("target", {}).get("name")
    lat = []
    for r in first.values():
        created = ((r["body"] or {}).get("data", {}).get("event", {}) or {}).get("created")
        if created:
            lat.append((r["time"] - parse_time(created)) * 1000)
    lat.sort()
    pct = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else None
    print(json.dumps({"requests": reqs, "ok": ok, "ids": len(first), "dup_ok": dup,
                      "bad_sig": bad, "names": sorted(n for n in names.values() if n),
                      "latency_ms": {"median": pct(0.5), "p99": pct(0.99),
                                     "max": round(lat[-1], 1) if lat else None}}))


def metric(url, name, labels):
    import urllib.request
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    want = dict(l.split("=", 1) for l in labels)
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        got = {}
        if "{" in series:
            if series[:series.index("{")] != name:
                continue
            for pair in series[series.index("{") + 1:-1].split(","):
                k, _, v = pair.partition("=")
                got[k] = v.strip('"')
        elif series != name:
            continue
        if all(got.get(k) == v for k, v in want.items()):
            print(value)
            return 0
    print("absent")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "summary":
        return summary(sys.argv[2])
    if len(sys.argv) >= 4 and sys.argv[1] == "metric":
        return metric(sys.argv[2], sys.argv[3], sys.argv[4:])
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        del sys.argv[1]
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--secret-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--retry-after")
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    key = load_secret(args.secret_file) if args.secret_file else None
    lock = threading.Lock()
    state = {"n": 0}
    out = open(args.out, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: without this, Nagle holds
        # the body for the client's delayed ACK (40 ms a request)
        disable_nagle_algorithm = True

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            now = time.time()
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n) if n > 0 else b""
            wid = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            sig_ok = None
            if key is not None:
                mac = hmac.new(key, wid.encode() + b"." + ts.encode() + b"." + body,
                               hashlib.sha256).digest()
                want = "v1," + base64.b64encode(mac).decode()
                got = self.headers.get("webhook-signature", "").split(" ")
                sig_ok = any(hmac.compare_digest(want, g) for g in got)
            with lock:
                state["n"] += 1
                failing = state["n"] <= args.fail
            status = args.fail_status if failing else (200 if sig_ok is not False else 401)
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            with lock:
                out.write(json.dumps({"id": wid, "timestamp": ts, "signature_ok": sig_ok,
                                      "status": status, "time": now, "body": parsed}) + "\n")
            self.send_response(status)
            if failing and args.retry_after:
                self.send_header("Retry-After", args.retry_after)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    threading.Timer(args.max_seconds, lambda: os._exit(3)).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
