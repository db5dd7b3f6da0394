"""A small door in front of llama-server: it says "busy, try again in N s" instead of letting a room wait forever.

llama-server answers ``slots`` requests at once and queues the rest first come,
first served (so no trainee starves), but its queue has no end: past a few
dozen requests the last one would wait minutes and then time out. This gate
passes every request through unchanged (streamed answers too) and counts the
generation requests in flight; once ``slots + max_waiting`` are in flight, a
new one gets HTTP 503 with ``Retry-After`` and an OpenAI-style error at once.

It runs in threads of the launcher (:mod:`campaign_lab.ai.llama_server`), one
per connection, so ``/health`` (``campaign-lab model status``) answers at once
however busy the model is.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GENERATION_PATHS = ("/chat/completions", "/completions")
SECONDS_PER_ANSWER = 10  # a 256-token answer in a busy room, for the "try again in N s" estimate
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class Counter:
    """Requests in flight, with a bound."""

    def __init__(self, bound: int):
        self.bound, self.count, self._lock = bound, 0, threading.Lock()

    def try_enter(self) -> bool:
        with self._lock:
            if self.count >= self.bound:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


def retry_after_seconds(waiting: int, slots: int) -> int:
    """About how long until a slot is free for a new request."""
    return max(1, math.ceil((waiting + 1) / max(slots, 1)) * SECONDS_PER_ANSWER)


def make_handler(upstream_port: int, counter: Counter, slots: int):
    class Gate(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # llama-server logs the requests already
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            generation = self.command == "POST" and self.path.split("?")[0].endswith(GENERATION_PATHS)
            if generation and not counter.try_enter():
                self._busy()
                return
            try:
                self._relay(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client left: closing upstream frees its slot
            finally:
                if generation:
                    counter.leave()

        def _relay(self, body: bytes) -> None:
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port)
            try:
                headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_HEADERS}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                reply = upstream.getresponse()
                self.send_response_only(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() not in _HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while piece := reply.read1(65536):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (ConnectionRefusedError, http.client.HTTPException):
                self.close_connection = True  # llama-server is gone: the client sees the connection drop
            finally:
                upstream.close()

        def _busy(self) -> None:
            retry = retry_after_seconds(counter.count - slots, slots)
            message = f"The model is busy answering other trainees, try again in {retry} s."
            payload = json.dumps({"error": {"code": 503, "message": message, "type": "unavailable_error"}}).encode()
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Retry-After", str(retry))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _forward

    return Gate


def serve_gate(host: str, port: int, upstream_port: int, slots: int, max_waiting: int) -> ThreadingHTTPServer:
    """Start the gate on ``host:port`` in a background thread and return its server."""
    server = ThreadingHTTPServer((host, port), make_handler(upstream_port, Counter(slots + max_waiting), slots))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="gate", daemon=True).start()
    return server
