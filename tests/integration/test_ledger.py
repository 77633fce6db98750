"""The campaign's ledger: every targeted partner and channel has an outcome, and what was
not sent says why, in `campaigns status`, its JSON and the report, on both databases."""

from __future__ import annotations

import json

import pytest

from campaign_engine.db import Partner
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.services.attribution.tracking import suppress
from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row, write_contacts, write_partners

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings


@pytest.fixture
def world(database_url, make_cli, tmp_path):
    """Seven partners, each not sent to for its own reason but partner-00:
    01 opted out, 02 one contact unsubscribed, 03 no contacts, 04 reviews each item,
    05 lacks the postal address the email needs, 06 outside the audience."""
    cli = make_cli(database_url)
    rows = [partner_row(i) for i in range(7)]
    rows[5]["postal_address"] = ""
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    slugs = [r["slug"] for r in rows if r["slug"] != "partner-03"]
    cli("contacts", "import", str(write_contacts(tmp_path, slugs, 2)))
    cli("kits", "load", str(SAMPLE_KIT))
    cli("consent", "set", "--partner", "partner-01", "--opt-out")
    cli("consent", "set", "--partner", "partner-04", "--review", "--channel", "email")
    from campaign_engine import bootstrap
    from campaign_engine.settings import load_settings

    runtime = bootstrap.build_runtime(load_settings(cli.config))
    with runtime.sessions.begin() as session:
        partner = session.query(Partner).filter_by(slug="partner-02").one()
        suppress(session, partner.id, "buyer0@partner-02-customer.example", "unsubscribe", "test")
    runtime.close()
    created = cli(
        "campaigns",
        "create",
        "--kit",
        "secure-cloud-q3",
        "--name",
        "Ledger",
        "--audience",
        "exclude=partner-06",
        "--json",
    )
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id), "--wait", ok=False)
    return cli, campaign_id


def test_every_targeted_partner_has_an_outcome_with_its_reason(world):
    cli, campaign_id = world
    status = json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)
    ledger = status["ledger"]
    email = {r["reason"]: r["count"] for r in ledger["not_sent"] if r["channel"] == "email"}
    assert email == {
        "opted_out": 1,
        "review_pending": 2,
        "suppressed": 1,
        "no_recipients": 1,
        "missing_field": 2,
    }
    assert ledger["targeted"]["email"] == 6, "partners 00 to 05: the audience excludes 06"
    assert ledger["outside_audience"] == 1
    assert ledger["not_planned"]["email"] == 1 + 1 + 1, "opted out, suppressed, no contacts"
    outside = [r for r in ledger["not_sent"] if r["reason"] == "outside_audience"]
    assert outside == [
        {"reason": "outside_audience", "label": "Outside the audience", "channel": "*", "count": 1}
    ]
    opted_out_channels = {r["channel"] for r in ledger["not_sent"] if r["reason"] == "opted_out"}
    assert opted_out_channels == set(status["deliveries"]) - {
        c for c, n in status["deliveries"].items() if not any(n.values())
    }, "an opt-out of the whole programme is a row on every channel the kit has"

    sent = status["deliveries"]["email"]["sent"]
    assert sent == 2 + 1, "partner-00's two contacts and partner-02's one still subscribed"

    text = cli("campaigns", "status", str(campaign_id)).output
    assert "targeted: 6 partners (email)" in text
    assert "not sent:" in text
    assert "Opted out" in text and "No contacts to send to" in text
    assert "outside the audience: 1 partner" in text

    report = json.loads(cli("campaigns", "report", str(campaign_id), "--json").output)
    assert report["channels"]["email"]["targeted"] == 6
    assert report["totals"]["targeted"] == 6
    assert report["partners"]["partner-01"]["not_sent"] == 5, "opted out of all five channels"
    assert report["channels"]["email"]["not_sent"] == sum(email.values())
    assert report["ledger"]["not_sent"] == ledger["not_sent"]
    csv_text = cli("campaigns", "report", str(campaign_id), "--csv").output
    assert csv_text.splitlines()[0].split(",")[:6] == [
        "scope",
        "key",
        "targeted",
        "participating",
        "delivered",
        "not_sent",
    ]
    programme = json.loads(cli("programme", "report", "--json").output)
    row = next(c for c in programme["campaigns"] if c["id"] == campaign_id)
    assert row["targeted"] == report["totals"]["targeted"] == 6
    assert row["participating"] == report["totals"]["participating"]
    assert programme["funnel"]["targeted"] == 6
    assert programme["funnel"]["delivered"] == 5, "all but partner-01, who opted out of all"
    assert programme["funnel"]["clicked"] == programme["funnel"]["won"] == 0
    assert cli("partners", "next-action", "partner-00").output.startswith("You are all set")
    # Issue 15: a partner that switched everything off, or has no contacts, is not all set.
    assert cli("partners", "next-action", "partner-01").output.startswith("Everything is switched")
    assert cli("partners", "next-action", "partner-03").output.startswith("No customer contacts")


def test_the_drill_down_lists_each_not_sent_row_and_a_replan_revisits_them(world):
    from campaign_engine import bootstrap
    from campaign_engine.services.campaigns.launch import replan
    from campaign_engine.services.campaigns.ledger import not_sent, reason_counts
    from campaign_engine.services.campaigns.lifecycle import get_campaign
    from campaign_engine.settings import load_settings

    cli, campaign_id = world
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    with runtime.sessions() as session:
        campaign = get_campaign(session, campaign_id)
        rows, total = not_sent(session, campaign, reason="opted_out", channel="email")
        assert total == 1
        assert rows[0].partner_slug == "partner-01"
        assert rows[0].label == "Opted out"
        assert rows[0].detail == "opted out of every campaign (all channels)"
        suppressed, _ = not_sent(session, campaign, reason="suppressed")
        assert [(r.partner_slug, r.recipient) for r in suppressed] == [
            ("partner-02", "buyer0@partner-02-customer.example")
        ]
        missing, _ = not_sent(session, campaign, reason="missing_field")
        assert {r.partner_slug for r in missing} == {"partner-05"}
        assert "lacks a postal address" in (missing[0].detail or "")
        found, total = not_sent(session, campaign, search="Partner 04")
        assert total == 2 and {r.reason for r in found} == {"review_pending"}
        page, total = not_sent(session, campaign, limit=2, offset=2)
        assert len(page) == 2 and total > 4
    cli("consent", "set", "--partner", "partner-01", "--opt-in")
    with runtime.sessions.begin() as session:
        replan(
            session,
            get_campaign(session, campaign_id),
            now=runtime.clock(),
            actor="test",
            rules=RULES,
        )
    with runtime.sessions() as session:
        campaign = get_campaign(session, campaign_id)
        reasons = {r["reason"] for r in reason_counts(session, campaign)}
        assert "opted_out" not in reasons, "opted back in: planned now, no longer a reason"
        assert "no_recipients" in reasons and "outside_audience" in reasons
    runtime.close()


def test_the_console_api_and_cli_drill_down_agree(world):
    from campaign_engine import bootstrap
    from campaign_engine.settings import load_settings
    from tests.worlds import marketer_client

    cli, campaign_id = world
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    client = marketer_client(runtime)

    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="not-sent-counts"' in page and "Opted out" in page
    assert "1 partner outside the audience" in page
    listed = client.get(f"/campaigns/{campaign_id}/not-sent?reason=opted_out&channel=email")
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200
    assert (
        'data-partner="partner-01"' in html and "opted out of every campaign (all channels)" in html
    )
    assert 'data-partner="partner-00"' not in html
    bad = client.get(f"/campaigns/{campaign_id}/not-sent?reason=nope")
    assert bad.status_code in (400, 422) and "unknown reason" in bad.get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign_id}/not-sent?page=0").status_code in (400, 422)

    api = client.get(f"/api/v1/campaigns/{campaign_id}/not-sent?reason=suppressed").get_json()
    assert api["total"] == 1
    assert api["items"][0]["recipient"] == "buyer0@partner-02-customer.example"
    everything = client.get(f"/api/v1/campaigns/{campaign_id}/not-sent").get_json()
    status = client.get(f"/api/v1/campaigns/{campaign_id}/status").get_json()
    assert everything["total"] == sum(r["count"] for r in status["ledger"]["not_sent"])
    runtime.close()

    text = cli("campaigns", "not-sent", str(campaign_id), "--reason", "opted_out").output
    assert "partner-01" in text and "Opted out" in text and "partner-00" not in text
    rows = json.loads(cli("campaigns", "not-sent", str(campaign_id), "--json").output)
    assert len(rows) == everything["total"]
    refused = cli("campaigns", "not-sent", str(campaign_id), "--reason", "nope", ok=False)
    assert refused.exit_code != 0 and "unknown reason 'nope'" in refused.output


def test_the_next_action_names_only_the_channels_really_switched_off(world):
    """Off for all channels but on for email: email still goes out, so only the others
    are named (the channel's own decision wins, as in the planner)."""
    cli, _ = world
    cli("consent", "set", "--partner", "partner-01", "--opt-in", "--channel", "email")
    said = cli("partners", "next-action", "partner-01").output
    assert said.startswith("Social, CRM, Website and Email signature are switched off"), said
