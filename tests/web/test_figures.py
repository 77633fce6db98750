"""One truth (issue 16): each programme figure read through every surface that shows it,
the programme page, the runway page, their JSON in the API, the command line and the
runway's summary CSV, agrees with services/insights/figures.py. The two pages used to
count different partners and round days differently (11% against 15%, 71.5 against 71.0).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from campaign_engine.db import Partner
from campaign_engine.services.attribution.callbacks import Inbound, InboundEvent, record_events
from tests.web import test_runway_pages as pages

site = pages.site  # the signed-in console over partner-01..03

# partner-01 signed 40 days ago, partner-02 5 days ago, partner-03 60 days ago; partner-04
# has no agreement date and partner-05 signed 300 days ago (outside any six-month window).


def _pipeline(runtime, now) -> None:
    with runtime.sessions.begin() as session:
        from campaign_engine.services.partners.directory import import_partners
        from tests.factories import partner_row, write_partners

        folder = runtime.settings.data_dir
        import_partners(session, write_partners(folder, [partner_row(i) for i in (4, 5)]))
        old = session.scalar(select(Partner).where(Partner.slug == "partner-05"))
        old.signed_at = now - timedelta(days=300)
        deals = [
            ("partner-01", 39.5),  # 0.5 days after signing: live, days to pipeline 0.5
            ("partner-05", 10),  # 290 days after signing: live, 290 days
            ("partner-03", 59),  # a day after signing: live, 1 day
            ("partner-04", 200),  # no agreement date: not live (200 days ago), no days
        ]
        record_events(
            session,
            [
                Inbound(
                    InboundEvent(
                        type="deal.registered",
                        external_id=f"D-{slug}",
                        amount=Decimal(1000),
                        occurred_at=(now - timedelta(days=ago)).isoformat(),
                        partner=slug,
                    ),
                    f"test:{slug}",
                    "test",
                )
                for slug, ago in deals
            ],
        )


def _text(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', page)
    assert match, element_id
    return match.group(1)


def test_every_surface_tells_the_same_figures(site, make_cli):
    _, client, runtime = site
    _pipeline(runtime, runtime.clock())
    expected = {
        "partners": 5,
        "signed": 4,
        "live": 3,
        "idle": 2,
        "live_rate": 0.6,
        "median": 1.0,  # 0.5, 1, 290
    }
    sentence = "5 partners (4 signed), 3 live in the last 90 days, 2 idle"

    programme = client.get("/api/v1/programme/report").get_json()
    runway = client.get("/api/v1/runway/report").get_json()
    assert {k: programme[k] for k in ("partners", "signed", "live", "idle", "live_rate")} == {
        k: expected[k] for k in ("partners", "signed", "live", "idle", "live_rate")
    }
    assert {k: runway["headline"][k] for k in ("partners", "signed", "live", "idle")} == {
        k: expected[k] for k in ("partners", "signed", "live", "idle")
    }
    assert runway["headline"]["live_rate"] == programme["live_rate"]
    assert programme["summary"] == runway["headline"]["sentence"] == sentence
    assert (
        programme["median_days_to_first_pipeline"]
        == runway["median_days_to_first_pipeline"]
        == expected["median"]
    )

    for path in ("/programme", "/runway"):
        page = client.get(path).get_data(as_text=True)
        assert _text(page, "headline").startswith(sentence), path
        assert _text(page, "live-rate-figure") == "60%", path
        assert _text(page, "median-days") == "1", path

    summary = client.get("/runway/report.csv?table=summary").get_data(as_text=True)
    assert "median_days_to_first_pipeline,,1.0" in summary

    cli = make_cli(runtime.settings.database_url)
    assert cli("programme", "report").output.strip() == sentence
    assert cli("runway", "report").output.splitlines()[0] == sentence
    data = json.loads(cli("programme", "report", "--json").output)
    assert data["live_rate"] == expected["live_rate"]


def test_lead_follow_up_reads_the_same_everywhere(site, make_cli):
    """Issue 30: acceptance rate and time to first touch, from one definition, on the
    programme page, in its API and on the command line."""
    from campaign_engine.db import Lead
    from campaign_engine.services.insights.figures import lead_follow_up

    _, client, runtime = site
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        ids = dict(session.execute(select(Partner.slug, Partner.id)).all())
        for n, (slug, state, hours) in enumerate(
            [
                ("partner-01", "accepted", 2),
                ("partner-01", "rejected", 10),
                ("partner-01", "won", 30),
                ("partner-02", "new", None),
                ("partner-02", "contacted", 5),
            ]
        ):
            arrived = now - timedelta(days=3)
            session.add(
                Lead(
                    partner_id=ids[slug],
                    external_id=f"L{n}",
                    state=state,
                    received_at=arrived,
                    first_touch_at=arrived + timedelta(hours=hours) if hours else None,
                )
            )
    with runtime.sessions() as session:
        truth = lead_follow_up(session)
    # decided: 4 of 5, 3 of them not rejected; touched after 2, 5, 10 and 30 hours
    assert (truth["acceptance_rate"], truth["median_hours_to_first_touch"]) == (0.75, 7.5)
    assert truth["untouched"] == 1
    assert truth["partners"]["partner-01"]["acceptance_rate"] == round(2 / 3, 4)
    api = client.get("/api/v1/programme/report").get_json()["lead_follow_up"]
    assert api == json.loads(json.dumps(truth))
    page = client.get("/programme").get_data(as_text=True)
    assert _text(page, "lead-acceptance") == "75%"
    assert _text(page, "lead-first-touch") == "7.5"
    assert _text(page, "lead-untouched") == "1"
    cli = make_cli(runtime.settings.database_url)
    assert json.loads(cli("programme", "report", "--json").output)["lead_follow_up"] == api


def test_opt_out_reasons_read_the_same_everywhere(site, make_cli):
    """Issue 30: the programme's opt-out rate and the reasons given with opt-outs, from one
    definition, on the programme page, in its API, on the command line, and as the
    baseline every campaign's feedback is read against."""
    from campaign_engine import bootstrap
    from campaign_engine.domain.consent import ConsentMode, ConsentRules
    from campaign_engine.services.assets.kits import load_kit
    from campaign_engine.services.campaigns.launch import launch_campaign
    from campaign_engine.services.campaigns.lifecycle import create_campaign
    from campaign_engine.services.feedback.record import give_reason
    from campaign_engine.services.insights.figures import opt_out_reasons
    from campaign_engine.services.partners.consent.record import opt_out_of_campaign, set_consent
    from tests.conftest import SAMPLE_KIT

    _, client, runtime = site
    now = runtime.clock()
    rules = ConsentRules(ConsentMode.AUTO, 48.0)
    with runtime.sessions.begin() as session:
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Q3", {}, None)
        launch_campaign(session, campaign, now=now, actor="t", rules=rules)
        partners = {p.slug: p for p in session.scalars(select(Partner))}
        for slug in ("partner-01", "partner-02"):
            opt_out_of_campaign(
                session, partners[slug], campaign.id, actor="t", via="t", rules=rules, now=now
            )

        def said(slug, kind, reason, minutes, campaign_id=campaign.id):
            give_reason(
                session,
                partners[slug].id,
                kind,
                reason,
                campaign_id=campaign_id,
                channel=None if campaign_id else "social",
                comment=None,
                actor="t",
                via="portal",
                now=now + timedelta(minutes=minutes),
            )

        said("partner-01", "opt_out", "timing", 1)
        said("partner-01", "opt_out", "too_frequent", 2)  # its latest counts, once
        set_consent(  # partner-03 pauses social everywhere: a pause, not an opt-out
            session,
            partners["partner-03"],
            ConsentMode.OFF,
            channel="social",
            actor="t",
            via="t",
            rules=rules,
            now=now,
        )
        said("partner-03", "pause", "quality", 3, campaign_id=None)
        campaign_id = campaign.id
    with runtime.sessions() as session:
        truth = opt_out_reasons(session)
    assert (truth["targeted"], truth["opted_out"], truth["given"]) == (3, 2, 1)
    assert truth["opt_out_rate"] == round(2 / 3, 4)
    assert truth["reasons"] == {
        "not_relevant": 0,
        "timing": 0,
        "too_frequent": 1,
        "quality": 0,
        "other": 0,
    }
    api = client.get("/api/v1/programme/report").get_json()["opt_out_reasons"]
    assert api == json.loads(json.dumps(truth))
    feedback = client.get(f"/api/v1/campaigns/{campaign_id}/feedback").get_json()
    assert feedback["baseline"]["opt_out_rate"] == truth["opt_out_rate"]
    assert feedback["reasons_by_kind"] == {"opt_out": {"too_frequent": 1}}
    page = client.get("/programme").get_data(as_text=True)
    assert _text(page, "opt-out-figure") == "67%"
    assert _text(page, "opt-out-given") == "1"
    assert re.search(r'data-reason="too_frequent"><th scope="row">too frequent</th><td>1<', page)
    cli = make_cli(runtime.settings.database_url)
    assert json.loads(cli("programme", "report", "--json").output)["opt_out_reasons"] == api
