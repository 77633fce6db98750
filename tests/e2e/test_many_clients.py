"""The embedded server (`serve`) with a thousand keep-alive clients: each idle connection
is held open, and a new client is still answered at once (waitress's default of 100
connections left 202 of 300 clients unanswered for 30 s)."""

from __future__ import annotations

import socket
import time

from tests.conftest import free_port
from tests.processes import spawn, stop, wait_until

CLIENTS = 1000


def ask(conn: socket.socket, path: str) -> bytes:
    """One request on a keep-alive connection; the status line and headers of the answer."""
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {answer!r}")
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)
    return head


def connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def test_a_thousand_idle_keep_alive_clients_do_not_starve_a_new_one(tmp_path, make_cli):
    cli = make_cli(f"sqlite:///{tmp_path / 'many.db'}")
    port = free_port()
    serve = spawn(["serve", "--port", str(port)], cli.config, tmp_path / "serve.log")
    held: list[socket.socket] = []
    try:
        wait_until(lambda: _answers(port), 60, "serve to listen")
        for _ in range(CLIENTS):
            conn = connect(port)
            assert ask(conn, "/healthz").startswith(b"HTTP/1.1 200"), "every client answered"
            held.append(conn)  # kept open and idle, as a browser's keep-alive connection
        started = time.monotonic()
        fresh = connect(port)
        head = ask(fresh, "/r/not-a-link")  # a tracked redirect's path, through clicks.py
        waited = time.monotonic() - started
        fresh.close()
        assert head.startswith(b"HTTP/1.1 404"), head
        assert waited < 5, f"a new client waited {waited:.1f} s behind {CLIENTS} idle ones"
        for conn in held[:: CLIENTS // 10]:  # the idle ones are still served on their connection
            assert ask(conn, "/healthz").startswith(b"HTTP/1.1 200")
        print(f"{CLIENTS} keep-alive clients held; a new client answered in {waited * 1000:.0f} ms")
    finally:
        for conn in held:
            conn.close()
        stop(serve)


def _answers(port: int) -> bool:
    try:
        with connect(port) as conn:
            return ask(conn, "/healthz").startswith(b"HTTP/1.1")
    except OSError:
        return False
