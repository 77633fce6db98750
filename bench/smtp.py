"""Email throughput to a loopback SMTP sink (aiosmtpd, two processes on one port), whole
path: render, personalise, MIME, send. Pooled connections, one render and one MIME skeleton
per partner, beside the naive baseline in the same run.

Naive baseline: the same messages (the first tenth of the partners, each with the same 50
recipients, the same links and idempotency keys), sent the straightforward way: one
thread; each partner's email rendered once (the renderer takes no recipient, so there is
nothing to render per message), each message personalised the same way, then built with
the standard library's email package (connectors/mime.build_email, the reference the fast
MIME path is held equal to) and sent with smtplib's sendmail over one connection kept open
for the run (no pool, no pipelining). Fair because both paths send the same messages to
the same sink: the sinks count what they accept and the script stops if either path's
count differs from the messages it sent. The ratio measures the connection pool and its
threads, pipelining and the MIME skeleton.

    .venv/bin/python bench/smtp.py [--messages 5000] [--connections 6] [--sinks 2]

Each run twice: against aiosmtpd, and against a lean sink that costs little CPU a message
(what a C MTA costs), since on two cores the sink shares the machine with the sender.
Both sinks offer PIPELINING, which the connector then uses (RFC 2920).

Targets (issues 5 and 17): >= 1,000 messages/s and >= 3x the baseline.
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
from campaign_engine.ports import Endpoint, Recipient  # noqa: E402
from campaign_engine.services.assets.kits import read_kit  # noqa: E402
from campaign_engine.services.assets.sample_partner import sample_brand  # noqa: E402
from campaign_engine.services.delivery.messages import PreparedChannel, email_message  # noqa: E402
from connectors.mime import build_email, wire_bytes  # noqa: E402
from connectors.smtp import SmtpConfig, SmtpConnector  # noqa: E402

KIT, _ = read_kit(ROOT / "kits" / "secure-cloud-q3")
LINKS = {name: f"https://t.example/r/{name}" for name in KIT.spec.links}
PER_PARTNER = 50


def sink(port: int, ready: multiprocessing.Event, lean: bool = False, accepted=None) -> None:
    """One sink process that accepts everything and offers PIPELINING, as Postfix and Exim
    do. Several share the port (SO_REUSEPORT), as an MTA runs several smtpd processes.
    aiosmtpd by default; `lean` is LeanSink, which spends far less CPU a message. Every
    message accepted counts in `accepted` (shared by the sink processes)."""
    from aiosmtpd.smtp import SMTP

    class Discard:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope):
            tally(accepted)
            return "250 OK"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        factory = (
            (lambda: LeanSink(accepted)) if lean else (lambda: SMTP(Discard(), hostname="sink"))
        )
        server = await loop.create_server(factory, "127.0.0.1", port, reuse_port=True)
        ready.set()
        await server.serve_forever()

    asyncio.run(serve())


class LeanSink(asyncio.Protocol):
    """The least an SMTP server can do: reply to each command line, swallow DATA up to the
    final dot. It measures what the sending side can do when the server costs little (a C
    MTA costs a fraction of aiosmtpd's ~2.5 ms of CPU a message on this machine)."""

    REPLIES = {b"EHLO": b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n"}

    def __init__(self, accepted=None) -> None:
        self.accepted = accepted

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport, self.buffer, self.in_data = transport, b"", False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    break
                self.buffer, self.in_data = self.buffer[end + 5 :], False
                tally(self.accepted)
                out.append(b"250 OK\r\n")
                continue
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                break
            self.buffer, verb = rest, line[:4].upper()
            if verb == b"DATA":
                self.in_data, self.buffer = True, b"\r\n" + self.buffer
                out.append(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                out.append(b"221 bye\r\n")
                self.transport.write(b"".join(out))
                self.transport.close()
                return
            else:
                out.append(self.REPLIES.get(verb, b"250 OK\r\n"))
        if out:
            self.transport.write(b"".join(out))


def tally(accepted) -> None:
    if accepted is not None:
        with accepted.get_lock():
            accepted.value += 1


def warm(renderer):
    """The renderer after one render of a partner not sent to: its templates compiled (and
    the process's first-render costs paid), so neither path's timing holds them."""
    prepared(-1, renderer)
    return renderer


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
    renderer = warm(make_renderers(KIT).email)
    jobs = []
    start, cpu = time.perf_counter(), time.process_time()  # the renders count, as naive()'s
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


def naive(port: int, partners: int) -> tuple[float, int]:
    """(messages per second, messages sent) for the first `partners` partners' messages
    of pooled(), sent the straightforward way (see the module's docstring)."""
    renderer = warm(make_renderers(KIT).email)
    sent = 0
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for partner in range(partners):
            prep = prepared(partner, renderer)  # rendered once per partner, as pooled() does
            for n in range(PER_PARTNER):
                message = email_message(
                    prep,
                    Recipient(f"r{n}@c{partner}.example", "Sam"),
                    "https://t.example/u/x",
                    "mailto:u@v.example",
                    "https://t.example/o/x.gif",
                )
                mail = build_email(message, "campaigns@vendor.example", f"{partner}-{n}")
                data = wire_bytes(mail, smtp=True)
                conn.sendmail("campaigns@vendor.example", [message.recipient], data)
                sent += 1
    return sent / (time.perf_counter() - start), sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--sinks", type=int, default=2, help="sink processes")
    args = parser.parse_args()
    for lean in (False, True):
        label = "lean sink" if lean else "aiosmtpd sink"
        base, fast = run_against(args, lean)
        print(
            f"{label}: pooled and pipelined ({args.connections} connections, one render per "
            f"partner): {fast:8.0f} messages/s (target >= 1,000)"
        )
        print(
            f"{label}: naive (render per partner, email-package MIME, one connection, "
            "no pipelining): "
            f"{base:8.0f} messages/s -> {fast / base:.1f}x (target >= 3x)"
        )


def run_against(args: argparse.Namespace, lean: bool) -> tuple[float, float]:
    from tests.conftest import free_port

    port = free_port()
    sinks = []
    accepted = multiprocessing.Value("q", 0)
    for _ in range(args.sinks):
        ready = multiprocessing.Event()
        process = multiprocessing.Process(
            target=sink, args=(port, ready, lean, accepted), daemon=True
        )
        process.start()
        ready.wait(30)
        sinks.append(process)
    try:
        base, sent = naive(port, max(2, args.messages // PER_PARTNER // 10))
        received, accepted.value = accepted.value, 0
        fast = pooled(port, args.messages, args.connections)
        expected = args.messages // PER_PARTNER * PER_PARTNER
        if received != sent or accepted.value != expected:
            raise SystemExit(
                f"the sink accepted {received} of the baseline's {sent} messages and "
                f"{accepted.value} of the pooled path's {expected}"
            )
        return base, fast
    finally:
        for process in sinks:
            process.terminate()


if __name__ == "__main__":
    main()
