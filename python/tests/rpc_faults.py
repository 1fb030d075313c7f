"""A fault-injecting JSON-RPC proxy on 127.0.0.1, in front of a real node, for tests.

Every fault a deployer meets on a real network, by seeded chance per request:
dropped connections (closed before any answer), HTTP 429/503 answers with
``Retry-After``, latency, and lost answers to ``eth_sendRawTransaction`` (the
node gets the transaction, the client never hears back). A send can also be
made to never reach the node at all (``swallow``), which leaves a nonce gap, and the
answers to chosen sends can be lost (``lose_answer_if``: by the send's number and
its signed bytes, e.g. every answer to the model's creation).

It only listens on the loopback address and forwards to one upstream URL; it
stops with :meth:`FaultyRpcProxy.stop` (or as a context manager).
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eth_utils import keccak


@dataclass
class Faults:
    """Chances per request (0 to 1) and delays (seconds) of each fault."""

    drop: float = 0.0  # close the connection before forwarding
    http_error: float = 0.0  # answer with one of ``status_codes`` before forwarding
    status_codes: tuple[int, ...] = (429, 503)
    retry_after: int | None = None  # whole seconds (as HTTP has it), sent as Retry-After with ``http_error``
    lost_send_answer: float = 0.0  # forward eth_sendRawTransaction, then close without answering
    latency: tuple[float, float] = (0.0, 0.0)  # uniform delay before forwarding
    swallow: set[int] = field(default_factory=set)  # these sends (0-based count) never reach the node
    lose_answer_if: Callable[[int, bytes], bool] | None = None  # (send number, raw transaction): lose its answer


@dataclass
class Counts:
    requests: int = 0
    dropped: int = 0
    http_errors: int = 0
    lost_send_answers: int = 0
    swallowed: int = 0
    sends: int = 0


class FaultyRpcProxy:
    """``FaultyRpcProxy(upstream, Faults(drop=0.2), seed=1)``; its ``url`` goes where a node's would."""

    def __init__(self, upstream: str, faults: Faults | None = None, seed: int = 0):
        self.upstream = upstream
        self.faults = faults or Faults()
        self.counts = Counts()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (the http.server hook name)
                proxy._serve(self)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> "FaultyRpcProxy":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FaultyRpcProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _chance(self, probability: float) -> bool:
        with self._lock:
            return probability > 0 and self._random.random() < probability

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        faults = self.faults
        with self._lock:
            self.counts.requests += 1
            delay = self._random.uniform(*faults.latency) if faults.latency[1] > 0 else 0.0
        if delay:
            time.sleep(delay)
        if self._chance(faults.drop):
            self.counts.dropped += 1
            return _close(handler)
        if self._chance(faults.http_error):
            self.counts.http_errors += 1
            with self._lock:
                status = self._random.choice(faults.status_codes)
            headers = {} if faults.retry_after is None else {"Retry-After": str(faults.retry_after)}
            return _answer(handler, status, b"busy", headers)
        request = _parse(body)
        sends = [r for r in _calls(request) if r.get("method") == "eth_sendRawTransaction"]
        lose = False
        if sends and not isinstance(request, list):
            with self._lock:
                number = self.counts.sends
                self.counts.sends += 1
            raw = bytes.fromhex(request["params"][0].removeprefix("0x"))
            if number in faults.swallow:
                self.counts.swallowed += 1
                answer = {"jsonrpc": "2.0", "id": request.get("id"), "result": "0x" + keccak(raw).hex()}
                return _answer(handler, 200, json.dumps(answer).encode())
            lose = faults.lose_answer_if is not None and faults.lose_answer_if(number, raw)
        status, answer = _forward(self.upstream, body)
        if sends and (lose or self._chance(faults.lost_send_answer)):
            with self._lock:
                self.counts.lost_send_answers += 1
            return _close(handler)
        _answer(handler, status, answer)


def _parse(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return {}


def _calls(request) -> list[dict]:
    items = request if isinstance(request, list) else [request]
    return [item for item in items if isinstance(item, dict)]


def _forward(upstream: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(upstream, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _close(handler: BaseHTTPRequestHandler) -> None:
    """Ends the connection with no answer at all: the client sees it reset or closed."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(2)
    except OSError:
        pass
