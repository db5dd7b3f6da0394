"""The gate in front of llama-server: passes requests through, streams, and says "busy" past its bound.

A small stand-in upstream (a real HTTP server on a free 127.0.0.1 port) streams
answers slowly, so these tests run without the model; tests/test_ai_server.py
exercises the gate in front of the real llama-server.
"""

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from campaign_lab.ai import gate, server


class SlowUpstream(BaseHTTPRequestHandler):
    """Streams ten pieces, one every 50 ms, for POST; answers GET /health at once."""

    protocol_version = "HTTP/1.1"
    finished = []  # paths of streams that were written to the end

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for number in range(10):
                piece = f"data: {number}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
            SlowUpstream.finished.append(self.path)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def gated():
    """An upstream and a gate with one slot and one waiting place; yields the gate's port."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), SlowUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = server.free_port()
    door = gate.serve_gate("127.0.0.1", port, upstream.server_address[1], slots=1, max_waiting=1)
    SlowUpstream.finished.clear()
    yield port
    door.shutdown()
    upstream.shutdown()


def post(port, path="/v1/chat/completions"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
    return connection, connection.getresponse()


def test_a_streamed_answer_passes_through_whole(gated):
    connection, reply = post(gated)
    assert reply.status == 200 and reply.read().decode().count("data:") == 10
    connection.close()


def test_past_slots_and_waiting_places_a_request_is_told_to_retry_at_once(gated):
    held = [post(gated) for _ in range(2)]  # one answering, one waiting
    start = time.perf_counter()
    connection, reply = post(gated)
    body = json.loads(reply.read())
    assert reply.status == 503 and time.perf_counter() - start < 1.0
    assert "try again in" in body["error"]["message"] and int(reply.getheader("Retry-After")) > 0
    for other, answer in held:
        assert answer.read().decode().count("data:") == 10
        other.close()
    connection.close()
    again, reply = post(gated)  # the places are free again
    assert reply.status == 200
    again.close()


def test_health_answers_while_every_place_is_taken(gated):
    held = [post(gated) for _ in range(2)]
    connection = http.client.HTTPConnection("127.0.0.1", gated, timeout=5)
    connection.request("GET", "/health")
    assert json.loads(connection.getresponse().read()) == {"status": "ok"}
    for other, answer in held:
        answer.read()
        other.close()


def test_a_client_that_leaves_mid_stream_stops_the_upstream_answer(gated):
    connection, reply = post(gated, "/v1/chat/completions?leaves")
    reply.read1(16)
    connection.sock.close()
    connection.close()
    time.sleep(1.0)  # the rest of the stream would have taken 0.5 s
    assert "/v1/chat/completions?leaves" not in SlowUpstream.finished


def test_retry_estimate_grows_with_the_queue():
    assert gate.retry_after_seconds(0, 4) < gate.retry_after_seconds(8, 4)
