"""One scheduler at a time: two processes, the leader killed, the standby takes over and
launches the scheduled campaign on time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from tests.conftest import SAMPLE_KIT, _pg_database
from tests.factories import partner_row, write_contacts, write_partners
from tests.processes import kill_hard, spawn, stop, wait_until


def test_a_standby_takes_over_and_the_scheduled_launch_still_happens(
    tmp_path, postgres_server, make_cli, request
):
    database = _pg_database(postgres_server)
    database_url = next(database)
    request.addfinalizer(lambda: next(database, None))
    cli = make_cli(
        database_url, scheduler_lease_seconds=6, dispatch={"tick_seconds": 0.3, "workers": 2}
    )
    rows = [partner_row(i) for i in range(3)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], 2)))
    launch_at = datetime.now(UTC) + timedelta(seconds=25)
    created = cli(
        "campaigns",
        "create",
        "--kit",
        str(SAMPLE_KIT),
        "--name",
        "Timed",
        "--launch-at",
        launch_at.isoformat(),
        "--preview-days",
        "0",
        "--json",
    )
    campaign_id = json.loads(created.output)["id"]
    assert json.loads(created.output)["status"] == "scheduled"

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))

    def holder() -> str | None:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT holder FROM leases WHERE name = 'scheduler' AND expires_at > now() "
                    "AT TIME ZONE 'utc'"
                )
            ).scalar()

    def campaign_status() -> str:
        return json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)["status"]

    log = tmp_path / "schedulers.log"
    first = spawn(["scheduler"], cli.config, log)
    second = None
    try:
        wait_until(lambda: holder() is not None, 30, "a scheduler to take the lease")
        leader = holder()
        second = spawn(["scheduler"], cli.config, log)
        wait_until(lambda: second.poll() is None, 5, "the standby to start")
        assert holder() == leader, "the standby must not steal a live lease"
        assert str(first.pid) in leader
        kill_hard(first)
        killed_at = datetime.now(UTC)
        assert campaign_status() == "scheduled", "killed before launch time"
        wait_until(lambda: holder() not in (None, leader), 60, "the standby to take over")
        assert str(second.pid) in holder()
        assert datetime.now(UTC) - killed_at < timedelta(seconds=60)
        wait_until(lambda: campaign_status() in ("live", "completed"), 60, "the launch")
        wait_until(
            lambda: (
                json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)[
                    "deliveries"
                ]["email"]["sent"]
                == 6
            ),
            60,
            "the emails",
        )
    finally:
        stop(first)
        if second is not None:
            stop(second)
        engine.dispose()
    with create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://")
    ).connect() as c:
        launched = c.execute(
            text("SELECT launched_at FROM campaigns WHERE id = :id"), {"id": campaign_id}
        ).scalar()
    assert launched.replace(tzinfo=UTC) >= launch_at - timedelta(seconds=1)
