"""The embedded server (`campaign-engine serve`, waitress) with a thousand keep-alive
clients: tracked redirects and signed callbacks, their p50/p99, first with no other
client, then with 1,000 connections held open and idle (as browsers keep them), then with
those 1,000 all clicking at once.

    .venv/bin/python bench/clients.py [--clients 1000] [--requests 2000] [--rounds 5]

PostgreSQL, the sample kit launched to 200 partners (paused, so the dispatcher in `serve`
stays idle and the figures are the web's alone), the server's default settings.

Naive baseline, same run, same server process: the same redirects and callbacks with no
other client connected. Fair because the requests, tokens, connection and server are the
same; only the 1,000 other connections differ, so the ratio is what they cost a visitor.
Target (issue 31): at least 1,000 concurrent keep-alive connections without starving new
ones, redirects and callbacks kept fast under that load (waitress's default of 100
connections left 202 of 300 clients with no answer for 30 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import selectors
import signal
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import ADMIN, blast, pct, redirects, setup, signed_events  # noqa: E402

from campaign_engine import bootstrap  # noqa: E402
from campaign_engine.services.campaigns.launch import run_action  # noqa: E402
from campaign_engine.services.campaigns.lifecycle import get_campaign  # noqa: E402
from campaign_engine.settings import load_settings  # noqa: E402
from tests import processes  # noqa: E402


def pause(config: Path, campaign_id: int) -> None:
    """Hold the launched campaign so `serve`'s dispatcher sends nothing while we measure."""
    from campaign_engine.domain.consent import ConsentMode, ConsentRules

    runtime = bootstrap.build_runtime(load_settings(config))
    with runtime.sessions.begin() as session:
        campaign = get_campaign(session, campaign_id)
        run_action(
            session,
            campaign,
            "pause",
            now=runtime.clock(),
            actor="bench",
            rules=ConsentRules(ConsentMode.AUTO, 48.0),
        )
    runtime.close()


def request(path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Mozilla/5.0 bench\r\n\r\n".encode()
    )


def answer_done(buffer: bytes) -> bool:
    """Whether `buffer` holds one whole HTTP answer (headers and Content-Length body)."""
    head, found, body = buffer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def round_trip(socks: list[socket.socket], raw: list[bytes], limit: float = 60) -> list[float]:
    """Send one request on every socket at once, then wait for every answer: each one's
    time from the first send. Sockets not answered within `limit` count as `limit`."""
    selector = selectors.DefaultSelector()
    buffers = {sock.fileno(): b"" for sock in socks}
    start = time.perf_counter()
    for sock, data in zip(socks, raw, strict=True):
        sock.sendall(data)
        selector.register(sock, selectors.EVENT_READ)
    times: list[float] = []
    while buffers and time.perf_counter() - start < limit:
        for key, _ in selector.select(timeout=1):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            buffers[sock.fileno()] += sock.recv(65536)
            if answer_done(buffers[sock.fileno()]):
                assert buffers[sock.fileno()].split()[1] in (b"200", b"302"), buffers
                times.append(time.perf_counter() - start)
                del buffers[sock.fileno()]
                selector.unregister(sock)
    selector.close()
    return sorted(times + [limit] * len(buffers))


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def new_clients(port: int, token: str, count: int = 50) -> list[float]:
    """A visitor arriving now: connect, click, read the answer; `count` of them in turn."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with connect(port) as sock:
            assert round_trip([sock], [request(f"/r/{token}")])[0] < 60
        times.append(time.perf_counter() - start)
    return sorted(times)


def measure(port: int, tokens: list[str], count: int, run: str) -> dict[str, list[float]]:
    """Clicks one after another on a keep-alive connection, a new visitor's first click,
    and signed callbacks over 8 keep-alive connections."""
    _, events, failed = blast(port, signed_events(count, tokens, run), 8)
    if failed:
        raise SystemExit(f"{run}: {failed} callbacks refused")
    return {
        "redirect": redirects(port, tokens, count),
        "new client": new_clients(port, tokens[0]),
        "callback": events,
    }


def show(label: str, got: dict[str, list[float]], baseline: dict[str, list[float]]) -> None:
    print(label)
    for kind, times in got.items():
        base = baseline[kind]
        print(
            f"  {kind:<11} p50 {pct(times, 0.5):6.2f} ms  p99 {pct(times, 0.99):6.2f} ms"
            f"   (no other client: p50 {pct(base, 0.5):5.2f}, p99 {pct(base, 0.99):5.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.clients + 500), hard))
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    work = Path(tempfile.mkdtemp(prefix="bench-clients-"))
    held: list[socket.socket] = []
    server = None
    try:
        config, campaign_id, tokens = setup(work, name)
        pause(config, campaign_id)
        port = 19000 + os.getpid() % 1000
        server = processes.spawn(["serve", "--port", str(port)], config, work / "serve.log")
        processes.wait_until(lambda: _answers(port), 60, "serve to listen")
        measure(port, tokens, args.requests // 4, "warm")  # caches filled, code paths run
        alone = measure(port, tokens, args.requests, "alone")
        started = time.perf_counter()
        for i in range(args.clients):
            held.append(connect(port))
            round_trip([held[-1]], [request(f"/r/{tokens[i % len(tokens)]}")])
        opened = time.perf_counter() - started
        print(
            f"{args.clients} keep-alive clients connected and answered in {opened:.1f} s; "
            "held open and idle for what follows"
        )
        show(
            f"with {args.clients} idle keep-alive connections held:",
            measure(port, tokens, args.requests, "held"),
            alone,
        )
        bursts: list[float] = []
        started = time.perf_counter()
        for r in range(args.rounds):
            raw = [request(f"/r/{tokens[(i + r) % len(tokens)]}") for i in range(len(held))]
            bursts += round_trip(held, raw)
        elapsed = time.perf_counter() - started
        bursts.sort()
        print(
            f"all {args.clients} clicking at once, {args.rounds} rounds: "
            f"{len(bursts) / elapsed:.0f} redirects/s; a click's wait p50 "
            f"{pct(bursts, 0.5):.0f} ms, p99 {pct(bursts, 0.99):.0f} ms, "
            f"slowest {bursts[-1] * 1000:.0f} ms"
        )
    finally:
        for sock in held:
            sock.close()
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _answers(port: int) -> bool:
    try:
        with connect(port) as sock:
            return round_trip([sock], [request("/healthz")], limit=5)[0] < 5
    except (OSError, AssertionError):
        return False


if __name__ == "__main__":
    main()
