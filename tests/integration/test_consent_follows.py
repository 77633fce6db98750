"""Issue 27: the ledger follows decisions at the moment they are made.

A launched campaign whose sends are still scheduled: an opt-out, a switch to review, a
new campaign default, a partner leaving the audience move every affected future item at
once, and switching back moves them back. The campaign page, `campaigns status --json`,
`campaigns not-sent` and the partner's own view agree in the same request, not when each
send comes due. Each of these failed on the main of 2026-12-06: nothing moved until the
dispatcher took the row at its due time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaign_engine import bootstrap
from campaign_engine.db import Delivery, Partner
from campaign_engine.services.assets.kits import latest_version
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.settings import load_settings
from tests.factories import partner_row, write_partners
from tests.worlds import marketer_client, programme_via_cli


@pytest.fixture
def world(database_url, make_cli, tmp_path):
    """Three partners with two contacts each; a campaign whose emails go at a local send
    time three hours from now, launched: every email is scheduled, none is due."""
    cli = make_cli(database_url)
    rows = [partner_row(i) for i in range(3)]
    programme_via_cli(cli, tmp_path, rows, contacts=2)
    send_at = datetime.now(ZoneInfo("Europe/London")) + timedelta(hours=3)
    created = cli(
        "campaigns",
        "create",
        "--kit",
        "secure-cloud-q3",
        "--name",
        "API Q4 gold emea",
        "--send-time",
        f"{send_at:%H}:00",
        "--json",
    )
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id))
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    yield cli, runtime, campaign_id
    runtime.close()


def status(cli, campaign_id: int) -> dict:
    return json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)


def opted_out(cli, campaign_id: int) -> list[dict]:
    listed = cli("campaigns", "not-sent", str(campaign_id), "--reason", "opted_out", "--json")
    return json.loads(listed.output)


def rows_of(runtime, number: int, channel: str) -> list[Delivery]:
    """partner-<number>'s delivery rows on one channel, as the database has them now."""
    with runtime.sessions() as session:
        return list(
            session.scalars(
                select(Delivery)
                .join(Partner, Partner.id == Delivery.partner_id)
                .where(Partner.slug == f"partner-{number:02d}", Delivery.channel == channel)
                .order_by(Delivery.id)
            )
        )


def test_an_opt_out_of_scheduled_sends_shows_on_every_surface_at_once(world):
    cli, runtime, campaign_id = world
    before = status(cli, campaign_id)
    assert before["deliveries"]["email"]["pending"] == 6 and opted_out(cli, campaign_id) == []
    assert before["next_send_at"] > datetime.now(UTC).isoformat(), "scheduled, not due"

    cli("consent", "set", "--partner", "partner-01", "--opt-out", "--campaign", str(campaign_id))

    after = status(cli, campaign_id)
    assert after["deliveries"]["email"] == {"pending": 4, "sent": 0, "failed": 0, "skipped": 2}
    email = {
        r["reason"]: r["count"] for r in after["ledger"]["not_sent"] if r["channel"] == "email"
    }
    assert email == {"opted_out": 2}
    listed = opted_out(cli, campaign_id)
    assert {(r["partner"], r["channel"]) for r in listed} >= {("partner-01", "email")}
    assert {r["partner"] for r in listed} == {"partner-01"}
    page = marketer_client(runtime).get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="not-sent-counts"' in page and "Opted out" in page

    cli("consent", "set", "--partner", "partner-01", "--opt-in", "--campaign", str(campaign_id))
    back = status(cli, campaign_id)
    assert back["deliveries"]["email"]["pending"] == 6, "switching back moves them back"
    assert opted_out(cli, campaign_id) == []


def test_a_switch_to_review_holds_every_future_item_with_its_deadline(world):
    cli, runtime, campaign_id = world
    cli(
        "consent",
        "set",
        "--partner",
        "partner-02",
        "--review",
        "--campaign",
        str(campaign_id),
        "--channel",
        "social",
    )
    posts = rows_of(runtime, 2, "social")
    assert len(posts) == 3 and {p.status for p in posts} == {"held"}, "next week's posts too"
    for post in posts:
        assert post.review_by is not None and post.review_by >= post.due_at
    from campaign_engine.services.campaigns.review import review_queue
    from campaign_engine.services.partners.directory import get_partner

    with runtime.sessions() as session:
        queue = review_queue(session, get_partner(session, "partner-02"))
        assert sorted(d.asset for d in queue) == sorted(p.asset for p in posts)
    # The campaign-wide auto is less specific than the channel's review: nothing moves.
    cli("consent", "set", "--partner", "partner-02", "--opt-in", "--campaign", str(campaign_id))
    assert {p.status for p in rows_of(runtime, 2, "social")} == {"held"}
    cli(
        "consent",
        "set",
        "--partner",
        "partner-02",
        "--opt-in",
        "--campaign",
        str(campaign_id),
        "--channel",
        "social",
    )
    assert {p.status for p in rows_of(runtime, 2, "social")} == {"pending"}


def test_a_partner_opted_out_before_the_launch_is_planned_the_moment_it_opts_in(
    database_url, make_cli, tmp_path
):
    cli = make_cli(database_url)
    rows = [partner_row(i) for i in range(2)]
    programme_via_cli(cli, tmp_path, rows, contacts=1)
    cli("consent", "set", "--partner", "partner-00", "--opt-out", "--channel", "email")
    created = cli("campaigns", "create", "--kit", "secure-cloud-q3", "--name", "Q", "--json")
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id))
    assert [r["partner"] for r in opted_out(cli, campaign_id)] == ["partner-00"]
    assert status(cli, campaign_id)["deliveries"]["email"]["pending"] == 1
    cli("consent", "set", "--partner", "partner-00", "--opt-in", "--channel", "email")
    assert status(cli, campaign_id)["deliveries"]["email"]["pending"] == 2
    assert opted_out(cli, campaign_id) == []


def test_a_new_campaign_default_moves_the_future_and_a_partners_own_choice_stays(world):
    cli, runtime, campaign_id = world
    cli(
        "consent",
        "set",
        "--partner",
        "partner-00",
        "--opt-in",
        "--campaign",
        str(campaign_id),
        "--channel",
        "email",
    )
    edited = cli("campaigns", "edit", str(campaign_id), "--consent-default", "review")
    assert "future item(s) moved" in edited.output
    assert {r.status for r in rows_of(runtime, 1, "email")} == {"held"}
    assert {r.status for r in rows_of(runtime, 0, "email")} == {"pending"}, "its own auto wins"
    cli("campaigns", "edit", str(campaign_id), "--consent-default", "programme")
    assert {r.status for r in rows_of(runtime, 1, "email")} == {"pending"}


def test_a_partner_leaving_the_audience_leaves_its_future_items(database_url, make_cli, tmp_path):
    cli = make_cli(database_url)
    rows = [partner_row(i) for i in range(2)]  # partner-00 silver, partner-01 gold
    programme_via_cli(cli, tmp_path, rows, contacts=1)
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    send_at = datetime.now(ZoneInfo("Europe/London")) + timedelta(hours=3)
    with runtime.sessions.begin() as session:
        version = latest_version(session, "secure-cloud-q3")
        campaign = create_campaign(session, version, "Gold", {"tier": ["gold"]}, None)
        campaign.send_time = f"{send_at:%H}:00"
        campaign_id = campaign.id
    cli("campaigns", "launch", str(campaign_id))
    assert len(rows_of(runtime, 1, "email")) == 1
    rows[1]["tier"] = "silver"
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    left = rows_of(runtime, 1, "email")
    assert [(r.status, r.reason) for r in left] == [("skipped", "left_audience")]
    rows[1]["tier"] = "gold"
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    assert [r.status for r in rows_of(runtime, 1, "email")] == ["pending"]
    runtime.close()


def test_undoing_an_opt_out_restores_what_is_ahead_or_just_passed_never_stale_items(
    tmp_path, database_url
):
    """From the attack: switching back on a week later sent the day-0 email nine days late
    (any other partner's later post kept the campaign live); items a worker had claimed
    and skipped during the opt-out never came back."""
    from sqlalchemy import update

    from campaign_engine.services.partners.consent.record import set_consent
    from campaign_engine.services.partners.directory import get_partner
    from tests.worlds import planned_campaign

    runtime, campaign_id = planned_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Stale"
    )
    start = datetime.now(UTC)
    rules = runtime.settings.programme.rules()

    def decide(mode: str, at: datetime) -> None:
        from campaign_engine.domain.consent import ConsentMode

        with runtime.sessions.begin() as session:
            set_consent(
                session,
                get_partner(session, "partner-00"),
                ConsentMode(mode),
                campaign_id=campaign_id,
                actor="p",
                via="portal",
                rules=rules,
                now=at,
            )

    decide("off", start)
    assert {r.status for r in rows_of(runtime, 0, "email")} == {"skipped"}
    # A worker had claimed the CRM item and skipped it itself: attempts 1, nothing sent.
    with runtime.sessions.begin() as session:
        session.execute(
            update(Delivery)
            .where(
                Delivery.channel == "crm",
                Delivery.partner_id == rows_of(runtime, 0, "crm")[0].partner_id,
            )
            .values(attempts=1)
        )
    decide("auto", start + timedelta(minutes=10))
    assert {r.status for r in rows_of(runtime, 0, "email")} == {"pending"}, "within the hour"
    assert {r.status for r in rows_of(runtime, 0, "crm")} == {"pending"}, "claimed, not sent"

    decide("off", start + timedelta(minutes=20))
    decide("auto", start + timedelta(days=2))
    assert {r.status for r in rows_of(runtime, 0, "email")} == {"skipped"}, "two days late: no"
    posts = rows_of(runtime, 0, "social")
    later = [p for p in posts if p.due_at > start + timedelta(days=2)]
    assert later and all(p.status == "pending" for p in later), "what is still ahead: yes"
    assert all(p.status == "skipped" for p in posts if p not in later)
    runtime.close()


def test_a_title_that_could_forge_a_line_or_reverse_words_is_refused(world):
    _, runtime, campaign_id = world
    client = marketer_client(runtime)
    for bad in ("a\u0000b", "Q4\nNot this time? Opt out: https://evil.example", "\u202eevil"):
        answer = client.patch(f"/api/v1/campaigns/{campaign_id}", json={"partner_title": bad})
        assert answer.status_code == 422 and "partner_title" in answer.get_json()["detail"]
    fine = client.patch(
        f"/api/v1/campaigns/{campaign_id}",
        json={"partner_title": "Restore it all", "partner_description": "One email.\nTwo posts."},
    )
    assert fine.status_code == 200 and fine.get_json()["title"] == "Restore it all"
