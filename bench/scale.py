"""The scale-out shape at a size this machine allows, measured so that the 5,000 partners x
200 contacts (1,000,000 emails) run in docs/deploy.md can be extrapolated from it.

    .venv/bin/python bench/scale.py [--partners 200] [--contacts 50] [--workers 2] [--kill-worker]
        [--keep-db]
    .venv/bin/python bench/scale.py --time-report CONFIG CAMPAIGN   (a kept run's report)

PostgreSQL, Celery on Redis, `campaign-engine scheduler` + `campaign-engine worker`, the
maildir outbox. Prints, per stage: contact import and planning (rows per second), sending
(deliveries per second, first to last send), and the CPU each kind of process used while
sending (workers, scheduler, PostgreSQL, Redis), which names the bottleneck.

Naive baseline, same run: the same plan for a sample of ten partners, written the
straightforward way: the planner itself (services/campaigns/planner.plan_deliveries: the
audience, consent, suppressions, tracked links, the ledger's not-planned rows) on a second
campaign of the same kit, with every row it writes (deliveries, tracked links, ledger
rows) added as its own ORM object and flushed as its own INSERT instead of the planner's
set-based inserts; rolled back afterwards. Fair because it plans the same rows for those
partners (the script stops if their count differs from the launch's): the ratio measures
the set-based inserts alone. The launch's figure also holds its two status changes; the
baseline's does not.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from launch import celery_config, same_day_kit  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from campaign_engine import bootstrap, migrate  # noqa: E402
from campaign_engine.db import Campaign, Delivery  # noqa: E402
from campaign_engine.demo.programme import write_sample_programme  # noqa: E402
from campaign_engine.domain.consent import ConsentMode, ConsentRules  # noqa: E402
from campaign_engine.services.assets.kits import load_kit  # noqa: E402
from campaign_engine.services.attribution import links  # noqa: E402
from campaign_engine.services.campaigns import planner  # noqa: E402
from campaign_engine.services.campaigns.lifecycle import create_campaign, get_campaign  # noqa: E402
from campaign_engine.services.partners.contacts import import_contacts  # noqa: E402
from campaign_engine.services.partners.directory import import_partners, list_partners  # noqa: E402
from campaign_engine.settings import load_settings  # noqa: E402

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")
REPORTS = 7  # campaign reports timed after the send, one after another


def cpu_seconds(names: tuple[str, ...]) -> dict[str, float]:
    """CPU seconds so far of every process on this machine whose command is one of `names`
    (live ones: take a reading before and after)."""
    seen: dict[str, float] = dict.fromkeys(names, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / TICKS
        for name in names:
            if name in cmdline or stat.split("(", 1)[1].startswith(name):
                seen[name] += used
                break
    return seen


def contacts_csv(folder: Path, slugs: list[str], per_partner: int) -> Path:
    path = folder / "contacts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner", "email", "first_name", "last_name", "company"])
        for slug in slugs:
            for n in range(per_partner):
                writer.writerow([slug, f"b{n}@{slug}.example", f"B{n}", "Example", slug])
    return path


def one_insert_per_row(session, model, rows) -> None:
    """What the planner's set-based insert is replaced by for the baseline."""
    for row in rows:
        session.add(model(**row))
        session.flush()


def naive_plan_rate(runtime, campaign_id: int, sample: int) -> float:
    """Rows per second when the planner writes each row as its own ORM object and INSERT,
    for `sample` partners, on a second campaign of the same kit (rolled back)."""
    with runtime.sessions() as session:
        version = get_campaign(session, campaign_id).kit_version
        partners = [p.id for p in list_partners(session)[:sample]]
        launched = session.scalar(
            select(func.count()).where(
                Delivery.campaign_id == campaign_id, Delivery.partner_id.in_(partners)
            )
        )
        naive = create_campaign(session, version, "Naive plan", {}, None)
        session.flush()
        with (
            mock.patch.object(planner, "insert_ignoring_conflicts", one_insert_per_row),
            mock.patch.object(links, "insert_ignoring_conflicts", one_insert_per_row),
        ):
            start = time.perf_counter()
            planner.plan_deliveries(session, naive, runtime.clock(), RULES, partner_ids=partners)
            elapsed = time.perf_counter() - start
        rows = session.scalar(select(func.count()).where(Delivery.campaign_id == naive.id))
        session.rollback()
    if rows != launched:
        raise SystemExit(
            f"the baseline planned {rows} rows for {sample} partners, launch {launched}"
        )
    return rows / elapsed


def rss_mb(names: tuple[str, ...]) -> dict[str, dict[int, float]]:
    """Resident memory (MB) of every live process whose command is one of `names`, by pid."""
    seen: dict[str, dict[int, float]] = {name: {} for name in names}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (entry / "status").read_text()
        except OSError:
            continue
        name = status.split("\n", 1)[0].split(":", 1)[1].strip()
        rss = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "")
        if not rss:
            continue
        for kind in names:
            if kind in cmdline or name.startswith(kind):
                seen[kind][int(entry.name)] = int(rss.split()[1]) / 1024
                break
    return seen


class Sampler(threading.Thread):
    """Every `every` seconds: deliveries final so far, and the RSS of each process."""

    def __init__(self, runtime, campaign_id: int, kinds: tuple[str, ...], every: float) -> None:
        super().__init__(daemon=True)
        self.runtime, self.campaign_id, self.kinds, self.every = runtime, campaign_id, kinds, every
        self.timeline: list[tuple[float, int]] = []  # (seconds since start, final so far)
        self.peak: dict[str, float] = dict.fromkeys(kinds, 0.0)  # largest one process of a kind
        self.done = threading.Event()
        self.total = 0
        self.status = ""
        self.live_at: float | None = None  # when the plan was written (the campaign live)

    def run(self) -> None:
        start = time.perf_counter()
        with self.runtime.sessions() as session:
            while not self.done.is_set():
                final = session.scalar(
                    select(func.count()).where(
                        Delivery.campaign_id == self.campaign_id,
                        Delivery.status.in_(("sent", "failed", "skipped")),
                    )
                )
                self.total = session.scalar(
                    select(func.count()).where(Delivery.campaign_id == self.campaign_id)
                )
                self.status = session.scalar(
                    select(Campaign.status).where(Campaign.id == self.campaign_id)
                )
                session.rollback()
                moment = time.perf_counter() - start
                if self.live_at is None and self.status in ("live", "completed"):
                    self.live_at = moment
                self.timeline.append((moment, final or 0))
                for kind, pids in rss_mb(self.kinds).items():
                    if pids:
                        self.peak[kind] = max(self.peak[kind], max(pids.values()))
                if self.status == "completed" or (
                    self.status == "live" and self.total and final >= self.total
                ):
                    self.done.set()
                    break
                self.done.wait(self.every)


def kill_worker_at_half(
    sampler: Sampler, processes: list, worker_cmd, env, quiet, lost: dict[str, float]
) -> str:
    """SIGKILL the worker's process group once half the deliveries are final, start a new
    one; returns what happened. The killed processes' CPU so far goes into `lost`, which
    the CPU figures add back (a dead process's CPU can no longer be read)."""
    while not sampler.done.is_set():
        if sampler.total and sampler.timeline and sampler.timeline[-1][1] >= sampler.total / 2:
            lost.update(cpu_seconds(("campaign_engine worker",)))
            os.killpg(processes[0].pid, signal.SIGKILL)
            processes[0].wait()
            killed_at = sampler.timeline[-1][1]
            processes[0] = subprocess.Popen(worker_cmd, env=env, start_new_session=True, **quiet)
            return f"worker killed with -9 at {killed_at} final deliveries, restarted"
        time.sleep(1)
    return "the send ended before half"


def report_times(config: Path, campaign_id: int) -> list[float]:
    """The campaign report's time in ms, REPORTS times one after another, in a fresh
    process of its own as a web worker would serve it: not in this one, whose heap holds
    the whole run's samples (the same report took 206-214 ms here, 175-185 there)."""
    code = (
        "import json, sys, time; sys.path.insert(0, sys.argv[1]); "
        "from campaign_engine import bootstrap; "
        "from campaign_engine.settings import load_settings; "
        "from campaign_engine.services.insights.reports import campaign_report; "
        "rt = bootstrap.build_runtime(load_settings()); out = []\n"
        f"for _ in range({REPORTS}):\n"
        "    with rt.sessions() as s:\n"
        "        t = time.perf_counter(); campaign_report(s, int(sys.argv[2]))\n"
        "        out.append((time.perf_counter() - t) * 1000)\n"
        "print(json.dumps(out))"
    )
    env = {**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(campaign_id)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [float(m) for m in json.loads(done.stdout.splitlines()[-1])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--kill-worker", action="store_true", help="kill -9 the worker at half")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--time-report",
        nargs=2,
        metavar=("CONFIG", "CAMPAIGN"),
        help="only time the report of a kept run (its config and campaign id)",
    )
    args = parser.parse_args()
    if args.time_report:
        times = report_times(Path(args.time_report[0]), int(args.time_report[1]))
        print(
            f"campaign report {statistics.median(times):.0f} ms (median of {REPORTS} in a "
            f"fresh process: {', '.join(f'{m:.0f}' for m in times)})"
        )
        return
    import psycopg

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    name = f"bench_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    processes: list[subprocess.Popen] = []
    try:
        config = celery_config(work, name)
        os.environ["CAMPAIGN_ENGINE_CONFIG"] = str(config)
        runtime = bootstrap.build_runtime(load_settings())
        migrate.upgrade(runtime.engine)
        partners_csv, _ = write_sample_programme(work / "data", args.partners)
        slugs = [row["slug"] for row in csv.DictReader(partners_csv.open(encoding="utf-8"))]
        start = time.perf_counter()
        with runtime.sessions.begin() as session:
            import_partners(session, partners_csv)
            import_contacts(session, contacts_csv(work, slugs, args.contacts))
        imported = time.perf_counter() - start
        contacts = args.partners * args.contacts
        print(f"{args.partners} partners x {args.contacts} contacts")
        print(f"  import contacts       {contacts / imported:10.0f} rows/s ({imported:.0f} s)")
        # Launched by the scheduler, as in production: its launch job plans (a chunk at a
        # time) while the workers already send what is planned.
        launch_at = runtime.clock() + timedelta(seconds=8)
        with runtime.sessions.begin() as session:
            version = load_kit(session, same_day_kit(work), bootstrap.make_renderers)
            campaign = create_campaign(session, version, "Scale", {}, launch_at)
            campaign.preview_days = 0  # no preview notices: the launch alone is measured
            campaign_id = campaign.id
        env = {**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config)}
        # The worker and scheduler logs are kept: the outbox logs every repeat it absorbs
        # (an email published again because a killed worker never recorded it).
        logs = work / "engine.log"
        quiet = {"stdout": logs.open("ab"), "stderr": subprocess.STDOUT}
        worker = [sys.executable, "-m", "campaign_engine", "worker"]
        worker += ["--concurrency", str(args.workers)]
        processes.append(subprocess.Popen(worker, env=env, start_new_session=True, **quiet))
        scheduler = [sys.executable, "-m", "campaign_engine", "scheduler"]
        processes.append(subprocess.Popen(scheduler, env=env, start_new_session=True, **quiet))
        kinds = ("campaign_engine worker", "campaign_engine scheduler", "postgres", "redis-server")
        wait = (launch_at - runtime.clock()).total_seconds()
        time.sleep(max(0.0, wait))
        before = cpu_seconds(kinds)
        start = time.perf_counter()
        sampler = Sampler(runtime, campaign_id, kinds, args.every)
        sampler.start()
        lost: dict[str, float] = {}
        killed = (
            kill_worker_at_half(sampler, processes, worker, env, quiet, lost)
            if args.kill_worker
            else ""
        )
        sampler.join()
        elapsed = time.perf_counter() - start
        after = cpu_seconds(kinds)
        for kind, used in lost.items():  # the killed worker's, read just before the kill
            after[kind] += used
        total = sampler.total
        with psycopg.connect(ADMIN.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
            autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
            if autovacuum == "off":  # as autovacuum would have, on a server that runs it
                conn.execute("VACUUM ANALYZE deliveries")
            conn.execute("CHECKPOINT")  # the vacuum's writes flushed before timing reads
        report_ms = report_times(config, campaign_id)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            size = conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]
        outbox = sum(1 for _ in (work / "outbox" / "new").iterdir())
        emails = total - (total // (args.contacts + 6)) * 6 if args.contacts else 0
        naive_rate = naive_plan_rate(runtime, campaign_id, sample=10)
        print(f"  deliveries            {total:10d} ({outbox} emails in the outbox)")
        plan_s = sampler.live_at or elapsed  # launching -> live: the plan written
        print(
            f"  plan (scheduler)      {total / max(plan_s, 0.001):10.0f} rows/s ({plan_s:.0f} s, "
            f"to the campaign live, while sending); naive one-INSERT-per-row baseline "
            f"{naive_rate:.0f} rows/s"
        )
        print(
            f"  launch to last send   {elapsed:10.0f} s = {elapsed / 60:.1f} min: "
            f"{total / elapsed:.1f} deliveries/s"
        )
        if killed:
            print(f"  {killed}; outbox {outbox}, emails planned about {emails}")
        repeats = logs.read_text(errors="replace").count("kept once (a repeat)")
        print(
            f"  repeats               {repeats:10d} emails published twice (absorbed by the "
            "outbox, which an MTA would not do): at most the killed worker's in-flight batches"
        )
        print("  deliveries/s over time (per sample interval):")
        previous = (0.0, 0)
        for moment, final in sampler.timeline[1:]:
            rate = (final - previous[1]) / max(moment - previous[0], 0.001)
            if int(moment // 60) != int(previous[0] // 60) or moment == sampler.timeline[-1][0]:
                print(f"    {moment / 60:5.1f} min  {final:9d} final  {rate:7.1f}/s")
            previous = (moment, final)
        print("  CPU while sending (share of the 2 cores), and per delivery:")
        for kind in after:
            used = after[kind] - before[kind]
            print(
                f"    {kind:<28} {used:8.1f} s = {used / elapsed / 2 * 100:5.1f}%  "
                f"{used / total * 1000:5.2f} ms/delivery"
            )
        print("  largest RSS of one process of each kind (MB), sampled throughout:")
        for kind, peak in sampler.peak.items():
            print(f"    {kind:<28} {peak:8.0f}")
        print(f"  database size         {size / 1e9:10.2f} GB")
        if autovacuum == "off":
            print(
                "  autovacuum is off on this server: "
                "VACUUM ANALYZE deliveries ran before the report"
            )
        print(
            f"  campaign report       {statistics.median(report_ms):10.0f} ms (median of "
            f"{REPORTS} in a fresh process, as a web worker: "
            f"{', '.join(f'{m:.0f}' for m in report_ms)})"
        )
        runtime.close()
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except ProcessLookupError:
                pass
        if args.keep_db:
            print(f"  kept: database {name}, config {work / 'config.yaml'}")
        else:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
