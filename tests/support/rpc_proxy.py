"""A tiny JSON-RPC proxy for tests: counts requests and methods, and can drop connections
or add latency, in front of a real node. Loopback only; stops with the test."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RpcProxy:
    def __init__(self, upstream: str, latency: float = 0.0):
        self.upstream = upstream
        self.latency = latency
        self.requests = 0           # HTTP round trips
        self.methods: Counter[str] = Counter()
        self.drop_next = 0          # close this many connections without answering
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                with proxy._lock:
                    proxy.requests += 1
                    for item in payload if isinstance(payload, list) else [payload]:
                        proxy.methods[item["method"]] += 1
                    drop = proxy.drop_next > 0
                    proxy.drop_next -= 1 if drop else 0
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if proxy.latency:
                    time.sleep(proxy.latency)
                request = urllib.request.Request(proxy.upstream, data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RpcProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            self.methods.clear()
