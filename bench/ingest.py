"""Attribution under load, against Granian on PostgreSQL: signed events per second, their
p50/p99 latency and lost events; tracked-redirect p50/p99; the campaign report's time with
a million events stored. Beside a naive baseline from the same run.

    .venv/bin/python bench/ingest.py [--events 20000] [--web-workers 2] [--threads 32]
        [--connections 160] [--million]

Naive baseline: the same requests through the same Granian command (workers, threads) and
the same clients, answered by the app as it would be without the two layers in front of
Flask (bench/ingest_naive.py): POST /api/v1/events as a plain Flask view over the same
signature check and validation that stores each event with one INSERT and one commit of
its own (no group commit), and GET /r/<token> through Flask's own view (a database lookup
per click). The same number of events, the same signing, the same keep-alive client with
the same connections, the same 2,000 clicks on one connection. Fair because both paths
answer the same requests with the same statuses and store the same rows: the script stops
if either loses an event or a click, or if the baseline refuses one.

Targets (issue 6): >= 2,000 events/s on 2 cores with none lost, redirect p99 <= 10 ms,
the campaign report in <= 200 ms with 1,000,000 events stored.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import psycopg
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from standardwebhooks.webhooks import Webhook  # noqa: E402

from campaign_engine import bootstrap, migrate  # noqa: E402
from campaign_engine.db import Event, TrackedLink  # noqa: E402
from campaign_engine.demo.programme import write_sample_programme  # noqa: E402
from campaign_engine.domain.consent import ConsentMode, ConsentRules  # noqa: E402
from campaign_engine.services.assets.kits import load_kit  # noqa: E402
from campaign_engine.services.attribution.tallies import rebuild_tallies  # noqa: E402
from campaign_engine.services.campaigns.launch import launch_campaign  # noqa: E402
from campaign_engine.services.campaigns.lifecycle import create_campaign  # noqa: E402
from campaign_engine.services.insights.reports import campaign_report  # noqa: E402
from campaign_engine.services.partners.directory import import_partners  # noqa: E402
from campaign_engine.settings import load_settings  # noqa: E402
from tests import processes  # noqa: E402

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()  # this run's own


def setup(work: Path, name: str) -> tuple[Path, int, list[str]]:
    config = work / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database_url": f"postgresql://postgres@127.0.0.1:5432/{name}",
                "storage_dir": str(work / "storage"),
                "webhooks": {"inbound_secret": SECRET},
            }
        )
    )
    os.environ["CAMPAIGN_ENGINE_CONFIG"] = str(config)
    runtime = bootstrap.build_runtime(load_settings())
    migrate.upgrade(runtime.engine)
    partners_csv, _ = write_sample_programme(work / "data", 200)
    with runtime.sessions.begin() as session:
        import_partners(session, partners_csv)
        version = load_kit(session, ROOT / "kits" / "secure-cloud-q3", bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Ingest", {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="bench", rules=RULES)
        campaign_id = campaign.id
    with runtime.sessions() as session:
        tokens = list(session.scalars(select(TrackedLink.token)))
    runtime.close()
    return config, campaign_id, tokens


PRODUCT = "campaign_engine.app:create_app"
NAIVE = "ingest_naive:create_app"  # bench/ingest_naive.py


def serve(
    config: Path, port: int, workers: int, threads: int, target: str = PRODUCT
) -> subprocess.Popen[bytes]:
    """The web as docs/deploy.md runs it (the tests' own command), its log beside the
    config. The baseline's app is served by that very command, its target swapped: the
    command is taken from tests/processes.serve_web rather than written out again, so the
    two cannot drift apart."""
    log = config.parent / "web.log"
    if target == PRODUCT:
        process = processes.serve_web(config, log, port, workers=workers, threads=threads)
    else:
        with mock.patch.object(processes.subprocess, "Popen") as popen:
            processes.serve_web(config, log, port, workers=workers, threads=threads)
        argv, kwargs = list(popen.call_args.args[0]), dict(popen.call_args.kwargs)
        assert argv[-1] == PRODUCT, argv
        argv[-1] = target
        path = os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")]))
        kwargs["env"] = {**kwargs["env"], "PYTHONPATH": path}
        process = subprocess.Popen(argv, **kwargs)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("granian did not start")


def signed_events(count: int, tokens: list[str], run: str) -> list[tuple[bytes, dict]]:
    signer = Webhook(SECRET)
    out = []
    for i in range(count):
        body = json.dumps(
            {
                "type": "lead.created",
                "external_id": f"{run}-{i}",
                "occurred_at": datetime.now(UTC).isoformat(),
                "tracking_token": tokens[i % len(tokens)],
            }
        )
        msg_id, now = f"msg_{run}_{i}", datetime.now(UTC)
        out.append(
            (
                body.encode(),
                {
                    "content-type": "application/json",
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(now.timestamp())),
                    "webhook-signature": signer.sign(msg_id, now, body),
                },
            )
        )
    return out


def _request(body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        f"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _connection(port: int, requests_: list[bytes], latencies: list[float]) -> int:
    """One keep-alive connection sending its share in turn; returns how many failed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    failed = 0
    for raw in requests_:
        start = time.perf_counter()
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        if head[9:12] in (b"200", b"202"):
            latencies.append(time.perf_counter() - start)
        else:
            failed += 1
    writer.close()
    return failed


def blast(port: int, events: list[tuple[bytes, dict]], connections: int):
    """The load generator: requests built (and signed) beforehand, sent over keep-alive
    connections from one asyncio loop. Written by hand because the client shares the two
    cores with the server it measures: requests costs ~0.4 ms of CPU per call, this ~0.07.
    """
    raw = [_request(body, headers) for body, headers in events]
    latencies: list[float] = []

    async def run() -> list[int]:
        return await asyncio.gather(
            *(_connection(port, raw[i::connections], latencies) for i in range(connections))
        )

    start = time.perf_counter()
    failed = sum(asyncio.run(run()))
    return time.perf_counter() - start, sorted(latencies), failed


def stored(config: Path, prefix: str) -> int:
    runtime = bootstrap.build_runtime(load_settings(config))
    with runtime.sessions() as session:
        count = session.scalar(select(func.count()).where(Event.external_id.like(f"{prefix}-%")))
    runtime.close()
    return count or 0


def clicks(config: Path) -> int:
    """Clicks stored so far (a server writes its last ones when it stops)."""
    runtime = bootstrap.build_runtime(load_settings(config))
    with runtime.sessions() as session:
        count = session.scalar(select(func.count()).where(Event.type == "click"))
    runtime.close()
    return count or 0


def phase(config: Path, port: int, args: argparse.Namespace, target: str, run: str, tokens):
    """One server, the events then the clicks; (events, seconds, latencies, failed,
    redirect times). The baseline must store every event (else the script stops: its rate
    would be for less work); the product's lost events are a figure of their own. Clicks
    go through the same event recorder on both paths, so a click not stored (written when
    the server stops) is the recorder's, not the baseline's: it gets a line, either path."""
    events = signed_events(args.events, tokens, run)
    before = clicks(config)
    web = serve(config, port, args.web_workers, args.threads, target)
    try:
        elapsed, latencies, failed = blast(port, events, args.connections)
        redirect_times = redirects(port, tokens, 2000)
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait()
    lost = len(events) - failed - stored(config, run)
    clicked = clicks(config) - before
    if target != PRODUCT and (lost or failed):
        raise SystemExit(f"naive baseline: {failed} events refused, {lost} lost")
    if clicked != len(redirect_times):
        who = "" if target == PRODUCT else "naive baseline "
        print(f"{who}clicks not stored: {len(redirect_times) - clicked} of {len(redirect_times)}")
    return events, elapsed, latencies, failed, redirect_times


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


def redirects(port: int, tokens: list[str], count: int) -> list[float]:
    """A visitor's wait, one click after another on a keep-alive connection. A raw socket
    rather than `requests`, whose own CPU (1-5 ms a call here) would be most of the figure."""
    times = []
    with socket.create_connection(("127.0.0.1", port)) as sock, sock.makefile("rb") as answer:
        for i in range(count):
            raw = (
                f"GET /r/{tokens[i % len(tokens)]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "User-Agent: Mozilla/5.0 bench\r\n\r\n"
            ).encode()
            start = time.perf_counter()
            sock.sendall(raw)
            status, length = answer.readline(), 0
            while (line := answer.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            answer.read(length)
            times.append(time.perf_counter() - start)
            assert status.split()[1] == b"302", status
    return sorted(times)


def million(config: Path, campaign_id: int, tokens: list[str]) -> float:
    """Bulk-load 1,000,000 events with COPY, then time the campaign report (median of 5)."""
    runtime = bootstrap.build_runtime(load_settings(config))
    with runtime.sessions() as session:
        links = session.execute(
            select(TrackedLink.id, TrackedLink.partner_id, TrackedLink.channel)
        ).all()
    url = load_settings(config).database_url
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY events (type, campaign_id, partner_id, channel, link_id, is_bot, "
            "data, occurred_at, received_at, external_id, amount) FROM STDIN"
        ) as copy:
            now = datetime.now(UTC)
            kinds = ["click"] * 8 + ["open", "lead.created"]
            for i in range(1_000_000):
                link_id, partner_id, channel = links[i % len(links)]
                kind = kinds[i % len(kinds)]
                copy.write_row(
                    (
                        kind,
                        campaign_id,
                        partner_id,
                        channel,
                        link_id,
                        False,
                        "{}",
                        now,
                        now,
                        f"m-{i}" if kind != "click" else None,
                        None,
                    )
                )
        conn.commit()
        cur.execute("ANALYZE events")
    # COPY bypasses the app, so the report's tallies are rebuilt the way an operator would
    # after a bulk load (`campaign-engine events recount`).
    started = time.perf_counter()
    with runtime.sessions.begin() as session:
        rebuild_tallies(session)
    print(f"tallies rebuilt from 1,000,000 events in {time.perf_counter() - started:.1f} s")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        with runtime.sessions() as session:
            campaign_report(session, campaign_id)
        times.append(time.perf_counter() - start)
    runtime.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--connections", type=int, default=160)
    parser.add_argument("--million", action="store_true")
    args = parser.parse_args()
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        config, campaign_id, tokens = setup(work, name)
        port = 18000 + os.getpid() % 1000
        naive_events, naive_elapsed, _, _, naive_redirect_times = phase(
            config, port, args, NAIVE, "naive", tokens
        )
        naive_rate = len(naive_events) / naive_elapsed
        events, elapsed, latencies, failed, redirect_times = phase(
            config, port, args, PRODUCT, "load", tokens
        )
        kept = stored(config, "load")
        print(
            f"signed events: {len(events)} in {elapsed:.1f} s = {len(events) / elapsed:.0f}/s "
            f"(target >= 2,000/s); naive baseline {naive_rate:.0f}/s"
        )
        print(
            f"  latency p50 {pct(latencies, 0.5):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms; "
            f"refused/failed {failed}; lost {len(events) - failed - kept} (target 0)"
        )
        print(
            f"redirects: p50 {pct(redirect_times, 0.5):.2f} ms, "
            f"p99 {pct(redirect_times, 0.99):.2f} ms (target p99 <= 10 ms); naive baseline "
            f"p50 {pct(naive_redirect_times, 0.5):.2f} ms, "
            f"p99 {pct(naive_redirect_times, 0.99):.2f} ms"
        )
        if args.million:
            print(
                f"campaign report with 1,000,000 events: "
                f"{million(config, campaign_id, tokens) * 1000:.0f} ms (target <= 200 ms)"
            )
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
