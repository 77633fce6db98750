"""The scale-out shape at a size this machine allows, measured so that the 5,000 partners x
200 contacts (1,000,000 emails) run in docs/deploy.md can be extrapolated from it.

    .venv/bin/python bench/scale.py [--partners 200] [--contacts 50] [--workers 2]

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
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from launch import celery_config, same_day_kit  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from campaign_engine import bootstrap, migrate  # noqa: E402
from campaign_engine.db import Delivery  # noqa: E402
from campaign_engine.demo.programme import write_sample_programme  # noqa: E402
from campaign_engine.domain.consent import ConsentMode, ConsentRules  # noqa: E402
from campaign_engine.services.assets.kits import load_kit  # noqa: E402
from campaign_engine.services.attribution import links  # noqa: E402
from campaign_engine.services.campaigns import planner  # noqa: E402
from campaign_engine.services.campaigns.launch import launch_campaign  # noqa: E402
from campaign_engine.services.campaigns.lifecycle import create_campaign, get_campaign  # noqa: E402
from campaign_engine.services.partners.contacts import import_contacts  # noqa: E402
from campaign_engine.services.partners.directory import import_partners, list_partners  # noqa: E402
from campaign_engine.settings import load_settings  # noqa: E402

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    args = parser.parse_args()
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
        with runtime.sessions.begin() as session:
            version = load_kit(session, same_day_kit(work), bootstrap.make_renderers)
            campaign_id = create_campaign(session, version, "Scale", {}, None).id
        start = time.perf_counter()
        with runtime.sessions.begin() as session:
            campaign = get_campaign(session, campaign_id)
            launch_campaign(session, campaign, now=runtime.clock(), actor="bench", rules=RULES)
        planned = time.perf_counter() - start
        with runtime.sessions() as session:
            total = session.scalar(select(func.count()).where(Delivery.campaign_id == campaign_id))
        naive_rate = naive_plan_rate(runtime, campaign_id, sample=10)
        contacts = args.partners * args.contacts
        print(f"{args.partners} partners x {args.contacts} contacts: {total} deliveries")
        print(f"  import contacts       {contacts / imported:10.0f} rows/s")
        print(
            f"  plan (launch)         {total / planned:10.0f} rows/s ({planned:.1f} s); "
            f"naive one-INSERT-per-row baseline {naive_rate:.0f} rows/s "
            f"-> {total / planned / naive_rate:.0f}x"
        )
        env = {**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config)}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        worker = [sys.executable, "-m", "campaign_engine", "worker"]
        worker += ["--concurrency", str(args.workers)]
        processes.append(subprocess.Popen(worker, env=env, start_new_session=True, **quiet))
        time.sleep(3)
        kinds = ("campaign_engine worker", "campaign_engine scheduler", "postgres", "redis-server")
        before = cpu_seconds(kinds)
        start = time.perf_counter()
        scheduler = [sys.executable, "-m", "campaign_engine", "scheduler"]
        processes.append(subprocess.Popen(scheduler, env=env, start_new_session=True, **quiet))
        with runtime.sessions() as session:
            while True:
                # every delivery final (a preflight hold or a refusal is final too: a
                # wait for "sent" alone never ended when one failed)
                done = session.scalar(
                    select(func.count()).where(
                        Delivery.campaign_id == campaign_id,
                        Delivery.status.in_(("sent", "failed", "skipped")),
                    )
                )
                session.rollback()
                if done >= total:
                    break
                time.sleep(1)
        elapsed = time.perf_counter() - start
        after = cpu_seconds(kinds)
        print(f"  send                  {total / elapsed:10.1f} deliveries/s ({elapsed:.1f} s)")
        print("  CPU while sending (share of the 2 cores over the send):")
        for kind in after:
            used = after[kind] - before[kind]
            print(f"    {kind:<28} {used:7.1f} s = {used / elapsed / 2 * 100:5.1f}%")
        runtime.close()
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
