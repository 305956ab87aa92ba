"""A JSON-RPC proxy that behaves like a public node's limits, in front of a real one (anvil):
it refuses ``eth_getLogs`` spans above ``max_range`` blocks (as providers do: "query exceeds
max block range 10000") or answers with more than ``max_results`` logs, and counts HTTP
requests, methods and bytes both ways. Loopback only; stops with the ``with`` block.

``empty_below``: the chain behind starts at that block (anvil's ``--number``); the blocks below
it are modelled as the empty past of an account that did not exist yet: balance, nonce and code
probes there answer 0 (what an archive node says of a fresh address), ``eth_call`` answers
nothing, and ``eth_getLogs`` is anvil's own answer (no logs there). Without it, anvil refuses
those blocks ("BlockOutOfRangeError"), like a node without archive state.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_STATE_METHODS = {"eth_getBalance": "0x0", "eth_getTransactionCount": "0x0", "eth_getCode": "0x",
                  "eth_call": "0x", "eth_getStorageAt": "0x" + "0" * 64}


class LimitedNode:
    def __init__(self, upstream: str, max_range: int | None = 10_000, max_results: int | None = None,
                 empty_below: int | None = None):
        self.upstream = upstream
        self.max_range, self.max_results, self.empty_below = max_range, max_results, empty_below
        self.requests = 0                     # HTTP round trips
        self.methods: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()  # eth_getLogs refused, by reason
        self.bytes_in = self.bytes_out = 0      # request / response bodies
        self._lock = threading.Lock()
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = json.dumps(node._answer(json.loads(body))).encode()
                with node._lock:
                    node.requests += 1
                    node.bytes_in += len(body)
                    node.bytes_out += len(answer)
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

    def __enter__(self) -> LimitedNode:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = self.bytes_in = self.bytes_out = 0
            self.methods.clear()
            self.refused.clear()

    def counts(self) -> dict:
        with self._lock:
            return {"http_requests": self.requests, "methods": dict(sorted(self.methods.items())),
                    "get_logs_refused": dict(self.refused), "bytes_sent": self.bytes_in,
                    "bytes_received": self.bytes_out}

    # --- answering --------------------------------------------------------------------------
    def _answer(self, payload):
        items = payload if isinstance(payload, list) else [payload]
        with self._lock:
            for item in items:
                self.methods[item["method"]] += 1
        answers: dict[int, dict] = {}
        forward = []
        for position, item in enumerate(items):
            local = self._local(item)
            if local is None:
                forward.append((position, item))
            else:
                answers[position] = local
        if forward:
            upstream = self._upstream([item for _p, item in forward])
            for (position, item), answer in zip(forward, upstream, strict=True):
                answers[position] = self._limit_results(item, answer)
        ordered = [answers[p] for p in range(len(items))]
        return ordered if isinstance(payload, list) else ordered[0]

    def _local(self, item: dict) -> dict | None:
        """An answer made here (a refusal, or the modelled empty past), or None: ask the node."""
        method, params = item["method"], item.get("params") or []
        if method == "eth_getLogs" and self.max_range is not None:
            query = params[0]
            low = self._number(query.get("fromBlock", "latest"))
            high = self._number(query.get("toBlock", "latest"))
            if high - low + 1 > self.max_range:
                with self._lock:
                    self.refused["block range"] += 1
                return _error(item, -32005, f"query exceeds max block range {self.max_range}")
        if method in _STATE_METHODS and self.empty_below is not None and params:
            block = params[-1]
            if isinstance(block, str) and block.startswith("0x") and int(block, 16) < self.empty_below:
                return {"jsonrpc": "2.0", "id": item.get("id"), "result": _STATE_METHODS[method]}
        return None

    def _limit_results(self, item: dict, answer: dict) -> dict:
        if item["method"] == "eth_getLogs" and self.max_results is not None \
                and len(answer.get("result") or []) > self.max_results:
            with self._lock:
                self.refused["results"] += 1
            return _error(item, -32005, f"query returned more than {self.max_results} results")
        return answer

    def _number(self, tag) -> int:
        if isinstance(tag, str) and tag.startswith("0x"):
            return int(tag, 16)
        if tag == "earliest":
            return 0
        return int(self._upstream([{"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber",
                                    "params": []}])[0]["result"], 16)

    def _upstream(self, items: list[dict]) -> list[dict]:
        request = urllib.request.Request(self.upstream, data=json.dumps(items).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answers = json.loads(response.read())
        by_id = {a.get("id"): a for a in answers}
        if len(by_id) == len(items) and all(i.get("id") in by_id for i in items):
            return [by_id[i.get("id")] for i in items]
        return answers  # ids not unique: anvil answers a batch in order


def _error(item: dict, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": item.get("id"), "error": {"code": code, "message": message}}
