"""A tiny JSON-RPC proxy for tests: counts requests and methods, records the raw transactions
sent through it, and can drop connections, add latency or refuse sends, in front of a real
node. Loopback only; stops with the test. As a private submission relay (Flashbots Protect
style) it forwards ``eth_sendRawTransaction`` to the node like any other request."""

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
        self.raw_transactions: list[str] = []  # eth_sendRawTransaction's params, in order
        self.refuse_sends: str | None = None   # answer sends with this JSON-RPC error, not forwarded
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
                        if item["method"] == "eth_sendRawTransaction":
                            proxy.raw_transactions.append(item["params"][0])
                    refuse = proxy.refuse_sends if not isinstance(payload, list) and \
                        payload["method"] == "eth_sendRawTransaction" else None
                    drop = proxy.drop_next > 0
                    proxy.drop_next -= 1 if drop else 0
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if proxy.latency:
                    time.sleep(proxy.latency)
                if refuse is not None:
                    answer = json.dumps({"jsonrpc": "2.0", "id": payload.get("id"),
                                         "error": {"code": -32000, "message": refuse}}).encode()
                else:
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
            self.raw_transactions.clear()
