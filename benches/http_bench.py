#!/usr/bin/env python3
"""invokeurl throughput: `dlg run` vs Python `requests.Session`.

Starts a local keep-alive HTTP/1.1 server (fake Zoho accounts + Books API),
then runs, in one go:

  1. `dlg run bench.dg`: a Deluge script making N sequential `invokeurl` GETs
     through the named Zoho connection `bench_books` (one token refresh for
     the whole run; the server is reached through the connections file's
     [hosts] table, the script keeps its real Zoho URL);
  2. the same loop in Python with `requests.Session` (skipped if `requests`
     is not installed).

and prints a Markdown table for the README.

Usage:  python3 benches/http_bench.py [--requests 2000] [--dlg target/release/dlg]
                                      [--no-build]
Target: dlg at least 3x Python's request rate, one token request per run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
API_PATH = "/books/v3/invoices"
SCRIPT_URL = "https://www.zohoapis.com/books/v3/invoices?organization_id=60012345"
ACCESS_TOKEN = "1000.bench-access-token"

STATS_LOCK = threading.Lock()
STATS = {"token": 0, "api": 0, "connections": 0, "bad_auth": 0}

API_BODY = json.dumps(
    {
        "code": 0,
        "message": "success",
        "invoices": [
            {"invoice_id": "4000000012345678901", "total": 125.5, "status": "paid"}
        ],
        "page_context": {"page": 1, "per_page": 200, "has_more_page": False},
    }
).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body are separate writes

    def setup(self):
        super().setup()
        with STATS_LOCK:
            STATS["connections"] += 1

    def log_message(self, *args):
        pass

    def _send(self, status, body, ctype="application/json;charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        # one write for headers + body
        self._headers_buffer.append(b"\r\n")
        self.wfile.write(b"".join(self._headers_buffer) + body)
        self._headers_buffer = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path.startswith("/oauth/v2/token"):
            with STATS_LOCK:
                STATS["token"] += 1
            body = json.dumps(
                {
                    "access_token": ACCESS_TOKEN,
                    "api_domain": "https://www.zohoapis.com",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                }
            ).encode()
            self._send(200, body)
        else:
            self._send(404, b'{"code":404}')

    def do_GET(self):
        if self.path.startswith(API_PATH):
            with STATS_LOCK:
                STATS["api"] += 1
            if self.headers.get("Authorization") != "Zoho-oauthtoken " + ACCESS_TOKEN:
                with STATS_LOCK:
                    STATS["bad_auth"] += 1
                self._send(401, b'{"code":57,"message":"You are not authorized to perform this operation"}')
                return
            self._send(200, API_BODY)
        else:
            self._send(404, b'{"code":404}')


def reset_stats():
    with STATS_LOCK:
        for k in STATS:
            STATS[k] = 0


def snapshot():
    with STATS_LOCK:
        return dict(STATS)


def deluge_script(n):
    """N sequential invokeurl GETs using only list literals and `for each`
    (Deluge has no counting loop): outer x inner = n."""
    inner = 50 if n % 50 == 0 else 1
    outer = n // inner
    outer_list = ",".join(str(i) for i in range(1, outer + 1))
    inner_list = ",".join(str(i) for i in range(1, inner + 1))
    return f"""total = 0;
outer = {{{outer_list}}};
inner = {{{inner_list}}};
for each a in outer
{{
\tfor each b in inner
\t{{
\t\tresp = invokeurl
\t\t[
\t\t\turl :"{SCRIPT_URL}"
\t\t\ttype :GET
\t\t\tconnection :"bench_books"
\t\t];
\t\ttotal = total + resp.get("code") + 1;
\t}}
}}
info total;
"""


def connections_toml(base):
    return f"""[hosts]
"accounts.zoho.com" = "{base}"
"www.zohoapis.com" = "{base}"

[connections.bench_books]
datacenter = "us"
client_id = "1000.BENCHCLIENT"
client_secret = "bench-client-secret"
refresh_token = "1000.bench-refresh-token"
scopes = ["ZohoBooks.fullaccess.all"]
"""


def find_dlg(args):
    if args.dlg:
        return args.dlg
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    path = os.path.join(target, "release", "dlg")
    if not args.no_build:
        print("building dlg (release)...", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return path


def run_dlg(dlg, n, base, work):
    script = os.path.join(work, "bench.dg")
    with open(script, "w") as f:
        f.write(deluge_script(n))
    conns = os.path.join(work, "connections.toml")
    with open(conns, "w") as f:
        f.write(connections_toml(base))
    cache = os.path.join(work, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ)
    env.update(
        {
            "DLG_CONNECTIONS": conns,  # also found as ./connections.toml (cwd)
            "DLG_CACHE_DIR": cache,
            "XDG_CACHE_HOME": cache,
            "NO_COLOR": "1",
        }
    )
    reset_stats()
    t0 = time.perf_counter()
    p = subprocess.run(
        [dlg, "run", script], cwd=work, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - t0
    stats = snapshot()
    out = p.stdout.strip()
    ok = p.returncode == 0 and out.splitlines()[-1:] == [str(n)]
    if not ok:
        print(
            f"dlg run failed (exit {p.returncode}); expected last line {n}\n"
            f"stdout:\n{p.stdout[-2000:]}\nstderr:\n{p.stderr[-2000:]}",
            file=sys.stderr,
        )
    return {"name": "dlg run (invokeurl)", "elapsed": elapsed, "ok": ok, **stats}


def run_python(n, base):
    try:
        import requests  # noqa: PLC0415
    except ImportError:
        return None
    reset_stats()
    t0 = time.perf_counter()
    s = requests.Session()
    tok = s.post(
        base + "/oauth/v2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "1000.BENCHCLIENT",
            "client_secret": "bench-client-secret",
            "refresh_token": "1000.bench-refresh-token",
        },
    ).json()["access_token"]
    headers = {"Authorization": "Zoho-oauthtoken " + tok}
    total = 0
    url = base + API_PATH
    for _ in range(n):
        r = s.get(url, params={"organization_id": "60012345"}, headers=headers, timeout=40)
        total += r.json()["code"] + 1
    elapsed = time.perf_counter() - t0
    stats = snapshot()
    return {
        "name": "Python requests.Session",
        "elapsed": elapsed,
        "ok": total == n,
        **stats,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", "-n", type=int, default=2000)
    ap.add_argument("--dlg", help="path to the dlg binary (default: <target>/release/dlg)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build --release")
    args = ap.parse_args()
    n = args.requests

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    rows = []
    with tempfile.TemporaryDirectory(prefix="dlg-bench-") as work:
        dlg = find_dlg(args)
        if not os.path.exists(dlg):
            print(f"no dlg binary at {dlg}", file=sys.stderr)
            return 2
        rows.append(run_dlg(dlg, n, base, work))
    py = run_python(n, base)
    if py is None:
        print("python `requests` is not installed: skipping the Python column", file=sys.stderr)
    else:
        rows.append(py)
    server.shutdown()

    print(f"\n{n} sequential GETs against a local keep-alive HTTP/1.1 server\n")
    print("| client | time (s) | requests/s | token requests | TCP connections | ok |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        rate = n / r["elapsed"] if r["elapsed"] > 0 else float("inf")
        r["rate"] = rate
        print(
            f"| {r['name']} | {r['elapsed']:.3f} | {rate:,.0f} | {r['token']} | "
            f"{r['connections']} | {'yes' if r['ok'] and r['bad_auth'] == 0 else 'NO'} |"
        )
    if len(rows) == 2 and rows[1]["rate"] > 0:
        ratio = rows[0]["rate"] / rows[1]["rate"]
        verdict = "meets" if ratio >= 3 else "misses"
        print(f"\ndlg / Python request rate: {ratio:.2f}x ({verdict} the 3x target)")
    failed = [r for r in rows if not r["ok"] or r["bad_auth"]]
    if rows[0]["token"] != 1:
        print(f"expected exactly one token request from dlg, saw {rows[0]['token']}", file=sys.stderr)
        failed.append(rows[0])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
