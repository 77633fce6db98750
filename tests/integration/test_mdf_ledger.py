"""Issue 29: MDF as a ledger. Funds are allocated, requested, committed, claimed, paid and
expire as entries; the balance is derived and never negative, also when two requests race
for the last of it on PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from campaign_engine import bootstrap
from campaign_engine.db import Campaign, Event, MdfEntry, Partner
from campaign_engine.domain.mdf import Period
from campaign_engine.errors import InvalidInput
from campaign_engine.services.mdf.ledger import Funds, balance
from campaign_engine.services.mdf.requests import Ask, create_request
from campaign_engine.settings import load_settings
from tests.factories import partner_row, write_partners

NOW = datetime.now(UTC)
PERIOD = str(Period.of(NOW.date()))


@pytest.fixture
def world(database_url, make_cli, tmp_path):
    cli = make_cli(database_url)
    rows = [partner_row(i) for i in range(2)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("kits", "load", "kits/secure-cloud-q3")
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    yield cli, runtime
    runtime.close()


def ask(amount: str, **changes: str) -> Ask:
    start = (NOW + timedelta(days=2)).date().isoformat()
    end = (NOW + timedelta(days=20)).date().isoformat()
    values = dict(amount=amount, currency="EUR", activity="email", starts_on=start, ends_on=end)
    values.update(expected_outcome="20 meetings with IT directors", kit="secure-cloud-q3")
    values.update(changes)
    return Ask(**values)


def request(runtime, slug: str, amount: str, **changes: str) -> int:
    with runtime.sessions.begin() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        made = create_request(
            session, partner, ask(amount, **changes), actor="p@x", now=NOW, sla_hours=48
        )
        return made.id


def available(runtime, slug: str) -> Decimal:
    with runtime.sessions() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.slug == slug))
        return balance(session, Funds(partner_id, Period.of(NOW.date()), "EUR")).available


def test_request_to_payment_moves_money_only_through_entries(world):
    cli, runtime = world
    cli("mdf", "allocate", "partner-00", "5000", "--currency", "EUR", "--period", PERIOD)
    request_id = request(runtime, "partner-00", "2000.00")
    with pytest.raises(InvalidInput) as refused:
        request(runtime, "partner-00", "3000.01")
    assert "available balance of 5000.00 EUR" in str(refused.value)
    assert "less 2000.00 EUR in requests waiting" in str(refused.value)
    assert "up to 3000.00 EUR" in str(refused.value)
    assert available(runtime, "partner-00") == Decimal("5000.00")  # a request commits nothing

    assert "campaign" in cli("mdf", "approve", str(request_id)).output
    assert available(runtime, "partner-00") == Decimal("3000.00")
    with runtime.sessions() as session:
        campaign = session.scalar(select(Campaign).order_by(Campaign.id.desc()))
        assert campaign.status == "scheduled" and campaign.audience == {"partner": ["partner-00"]}

    from campaign_engine.services.mdf.claims import submit_claim
    from campaign_engine.services.mdf.requests import get_request

    with runtime.sessions.begin() as session:
        claim = submit_claim(
            session,
            get_request(session, request_id),
            "1800.00",
            note="invoice attached",
            files=[],
            actor="p@x",
            now=NOW,
        )
        claim_id = claim.id
    assert "accepted: 1500.00" in cli("mdf", "accept", str(claim_id), "--amount", "1500").output
    # 500 of the 2000 committed went unused: released back to available
    assert available(runtime, "partner-00") == Decimal("3500.00")
    cli("mdf", "pay", str(claim_id))
    report = json.loads(cli("mdf", "report", "--json").output)
    row = next(r for r in report["partners"] if r["partner"] == "partner-00")
    assert row == {
        "partner": "partner-00",
        "period": PERIOD,
        "currency": "EUR",
        "allocated": "5000.00",
        "committed": "2000.00",
        "released": "500.00",
        "claimed": "1500.00",
        "paid": "1500.00",
        "expired": "0.00",
    }
    assert cli("mdf", "pay", str(claim_id), ok=False).exit_code != 0  # never paid twice
    finance = cli("mdf", "report", "--csv").output.splitlines()
    assert finance[0].startswith("partner,period,currency,allocated")
    assert f"partner-00,{PERIOD},EUR,5000.00,2000.00,500.00,1500.00,1500.00,0.00" in finance


def test_bad_amounts_and_unknown_partners_are_refused_by_field(world):
    cli, runtime = world
    for amount, words in [
        ("0", "more than 0"),
        ("1.001", "two decimals"),
        ("lots", "not an amount"),
    ]:
        result = cli("mdf", "allocate", "partner-00", amount, ok=False)
        assert result.exit_code != 0 and words in result.output
    assert "no partner" in cli("mdf", "allocate", "ghost", "10", ok=False).output
    assert (
        "quarter" in cli("mdf", "allocate", "partner-00", "10", "--period", "Q5", ok=False).output
    )
    cli("mdf", "allocate", "partner-00", "100", "--currency", "EUR")
    for changes, field in [
        ({"activity": "skywriting"}, "activity"),
        ({"starts_on": "2001-01-01"}, "starts_on"),
        ({"kit": "nope"}, "kit"),
        ({"expected_outcome": " "}, "expected_outcome"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            request(runtime, "partner-00", "10", **changes)
        assert refused.value.where == field


def test_a_csv_allocation_is_all_or_nothing(world, tmp_path):
    cli, runtime = world
    good = tmp_path / "good.csv"
    good.write_text(f"partner,amount,currency,period\npartner-00,100,EUR,{PERIOD}\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"partner,amount,currency,period\npartner-01,100,EUR,{PERIOD}\npartner-00,1e3x,EUR,{PERIOD}\n"
    )
    result = cli("mdf", "allocate", "--csv", str(bad), ok=False)
    assert "bad.csv row 3, column amount" in result.output
    assert available(runtime, "partner-01") == 0
    cli("mdf", "allocate", "--csv", str(good))
    assert available(runtime, "partner-00") == Decimal("100.00")


def test_a_period_end_expires_what_is_left_and_carries_over_the_configured_share(
    database_url, make_cli, tmp_path
):
    cli = make_cli(database_url, mdf={"carry_over": 0.25})
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(0)])))
    cli("mdf", "allocate", "partner-00", "1000", "--currency", "EUR", "--period", "2026-Q3")
    assert "partner-00: 1000.00 expired" in cli("mdf", "expire", "--period", "2026-Q3").output
    assert "nothing left" in cli("mdf", "expire", "--period", "2026-Q3").output  # once
    report = json.loads(cli("mdf", "report", "--json").output)
    periods = {r["period"]: r for r in report["periods"]}
    assert periods["2026-Q3"]["expired"] == "1000.00"
    assert periods["2026-Q4"]["allocated"] == "250.00"


def test_earned_funds_are_a_share_of_last_periods_won_revenue(database_url, make_cli, tmp_path):
    cli = make_cli(database_url, mdf={"earned_percent": "10"})
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(0), partner_row(1)])))
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    last = Period.of(NOW.date()).previous()
    won_at = datetime.combine(last.starts_on + timedelta(days=3), datetime.min.time(), UTC)
    with runtime.sessions.begin() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.slug == "partner-00"))
        for key, amount in [("d1", "12000"), ("d1", "15000"), ("d2", "5000")]:
            session.add(
                Event(
                    type="deal.closed_won",
                    partner_id=partner_id,
                    external_id=key,
                    amount=Decimal(amount),
                    dedupe_key=f"{key}-{amount}",
                    occurred_at=won_at,
                    received_at=won_at,
                )
            )
        session.add(  # won this period: counts next time, not now
            Event(
                type="deal.closed_won",
                partner_id=partner_id,
                external_id="d3",
                amount=Decimal("90000"),
                dedupe_key="d3",
                occurred_at=NOW,
                received_at=NOW,
            )
        )
    runtime.close()
    given = json.loads(
        cli("mdf", "allocate", "--rule", "earned", "--currency", "EUR", "--json").output
    )
    assert given == {"partner-00": "2000.00"}  # 10% of 15,000 + 5,000 (d1 once, at its most)
    again = json.loads(
        cli("mdf", "allocate", "--rule", "earned", "--currency", "EUR", "--json").output
    )
    assert again == {}  # a rule gives once per period


def test_two_requests_racing_for_the_last_funds_cannot_both_win(world, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite begins every transaction with the write lock: no race to lose")
    cli, runtime = world
    cli("mdf", "allocate", "partner-00", "3000", "--currency", "EUR")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race() -> None:
        with runtime.sessions() as session, session.begin():
            partner = session.scalar(select(Partner).where(Partner.slug == "partner-00"))
            barrier.wait()  # both have read the partner; both ask for 2,000 of 3,000
            try:
                create_request(session, partner, ask("2000"), actor="p@x", now=NOW, sla_hours=48)
                outcomes.append("made")
            except InvalidInput:
                outcomes.append("refused")

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "refused"]
    # and approving cannot overdraw either: the ledger itself refuses
    with runtime.sessions() as session:
        entries = session.scalars(select(MdfEntry)).all()
        assert [e.kind for e in entries] == ["allocation"]


def test_the_sla_clock_reminds_at_half_time_and_escalates_when_it_lapses(world):
    from campaign_engine.services.access.accounts import create_user
    from campaign_engine.services.mdf.sla import sweep

    cli, runtime = world
    cli("mdf", "allocate", "partner-00", "500", "--currency", "EUR")
    with runtime.sessions.begin() as session:
        create_user(session, "boss@vendor.example", "admin", password="correct-horse-1")
        create_user(session, "mia@vendor.example", "marketer", password="correct-horse-1")
    request(runtime, "partner-00", "100")

    def swept(hours: float) -> list[tuple[str, str]]:
        with runtime.sessions.begin() as session:
            alerts = sweep(session, now=NOW + timedelta(hours=hours), base_url="https://x")
            return [(a.recipient, a.subject.split(":")[0]) for a in alerts]

    assert swept(23.9) == []
    half = swept(24.1)
    assert sorted(half) == [
        ("boss@vendor.example", "Half time"),
        ("mia@vendor.example", "Half time"),
    ]
    assert swept(30) == []  # once per submission
    assert swept(48.1) == [("boss@vendor.example", "Overdue")]
    assert swept(60) == []
