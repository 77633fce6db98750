"""What partners said about one campaign, or about every launched campaign of one kit,
against the programme's baseline. The console (campaign page, kit page), `campaigns
feedback ID`, `kits feedback SLUG` and `GET /api/v1/campaigns/<id>/feedback`, `GET
/api/v1/kits/<slug>/feedback` all read this, as the FeedbackReport model (the API's
OpenAPI schema is generated from it).

Counted over (campaign, partner) pairs, so a kit's figures add its campaigns up:
- targeted: the partners each campaign targeted (the ledger's definition).
- opted out: targeted partners whose latest decision switches the whole campaign off;
  opt-out rate = opted out / targeted.
- review items: distinct (partner, channel, asset) that waited for the partner's review;
  skipped: those the partner declined; skip rate = skipped / review items.
- per channel: "opted out" is a campaign switched off for that channel alone.
- per tier and per region: the same figures over the partners of that segment.
- baseline: the same figures over every launched campaign of the programme (per segment
  too), so "12% against 4%" compares like with like.
- reasons: what partners said when they opted out, skipped or paused (optional, so they
  may add up to fewer than the opt-outs), each partner's latest for each thing it did
  (latest_reasons: the programme report counts them the same way); ratings and comments
  as given; the most common edits, from the partners' review edits against the kit's
  own text (feedback/edits.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Kit, KitVersion, Partner, PartnerFeedback, ReviewEdit
from campaign_engine.errors import NotFound
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.services.feedback.edits import common_edits, latest_edits, unified_diff
from campaign_engine.services.feedback.report_models import (
    Baseline,
    CampaignRef,
    Counts,
    EditOut,
    FeedbackComment,
    FeedbackReport,
    KitRef,
    Ratings,
    Segments,
)
from campaign_engine.services.feedback.report_segments import channel_rows, segment_of, segment_rows
from campaign_engine.services.feedback.report_tally import (
    Pair,
    baseline,
    launched_campaigns,
    rate,
    tally_of,
)

REASON_KINDS = ("opt_out", "skip", "pause")
RECENT_EDITS = 20


def campaign_feedback(session: Session, campaign_id: int) -> FeedbackReport:
    """One campaign (launched or not: before planning, its audience as targeted)."""
    campaign = get_campaign(session, campaign_id)
    return _report(session, [campaign], campaign=campaign, kit=None)


def kit_feedback(session: Session, slug: str) -> FeedbackReport:
    """Every launched campaign of one kit, whatever its version."""
    # PostgreSQL refuses a NUL even in a query: a 500, not this 404
    kit = None if "\x00" in slug else session.scalar(select(Kit).where(Kit.slug == slug[:64]))
    if kit is None:
        raise NotFound(f"no kit {slug!r} (see the console's kit list)")
    campaigns = list(
        session.scalars(
            select(Campaign)
            .join(KitVersion, KitVersion.id == Campaign.kit_version_id)
            .where(KitVersion.kit_id == kit.id, Campaign.launched_at.is_not(None))
            .order_by(Campaign.id)
        )
    )
    return _report(session, campaigns, campaign=None, kit=kit)


def _report(
    session: Session, campaigns: list[Campaign], *, campaign: Campaign | None, kit: Kit | None
) -> FeedbackReport:
    mine = tally_of(session, campaigns)
    programme = tally_of(session, launched_campaigns(session))
    opted = mine.any_off & mine.targeted if mine.targeted else mine.any_off
    ids = [c.id for c in campaigns]
    said = _said(session, ids)
    partners = {p.id: p for p in session.scalars(select(Partner))}
    tier = segment_of(partners, "tier")
    region = segment_of(partners, "region")
    reasons = latest_reasons(said)
    ratings = [f for f in said if f.kind == "rating"]
    edits = _edits(session, ids)
    return FeedbackReport(
        scope="campaign" if campaign is not None else "kit",
        campaign=CampaignRef(id=campaign.id, name=campaign.name) if campaign else None,
        kit=KitRef(id=kit.id, slug=kit.slug, name=kit.name) if kit else None,
        campaigns=[CampaignRef(id=c.id, name=c.name) for c in campaigns],
        targeted=len(mine.targeted),
        opted_out=len(opted),
        opt_out_rate=rate(len(opted), len(mine.targeted)),
        review_items=len(mine.review),
        skipped=len(mine.skipped),
        skip_rate=rate(len(mine.skipped), len(mine.review)),
        baseline=baseline(session, programme),
        reasons=dict(Counter(str(f.reason) for f in reasons)),
        reasons_by_kind=_by(reasons, lambda f: f.kind),
        reasons_by_channel=_by(reasons, lambda f: f.channel or "all"),
        reasons_by_tier=_by(reasons, lambda f: tier(f.partner_id)),
        reasons_by_region=_by(reasons, lambda f: region(f.partner_id)),
        opted_out_by_tier=dict(Counter(tier(p) for _, p in opted)),
        segments=Segments(
            channel=channel_rows(mine, programme, reasons),
            tier=segment_rows(mine, programme, reasons, tier),
            region=segment_rows(mine, programme, reasons, region),
        ),
        ratings=_ratings(ratings),
        ratings_by_asset={
            asset: _ratings([f for f in ratings if (f.asset or "-") == asset])
            for asset in sorted({f.asset or "-" for f in ratings})
        },
        comments=[_comment(f, partners) for f in said if f.comment or f.kind == "rating"],
        edited_by=len({e.partner_id for e in edits}),
        common_edits=common_edits(edits, {p.id: p.name for p in partners.values()}),
        recent_edits=[
            _edit(e, partners)
            for e in sorted(edits, key=lambda e: (e.at, e.id), reverse=True)[:RECENT_EDITS]
        ],
    )


def _said(session: Session, campaign_ids: list[int]) -> list[PartnerFeedback]:
    """Everything partners said about these campaigns, newest first."""
    return list(
        session.scalars(
            select(PartnerFeedback)
            .where(PartnerFeedback.campaign_id.in_(campaign_ids))
            .order_by(PartnerFeedback.at.desc(), PartnerFeedback.id.desc())
        )
    )


def _edits(session: Session, campaign_ids: list[int]) -> list[ReviewEdit]:
    """Each partner's latest edit of each field in these campaigns."""
    return latest_edits(
        session.scalars(
            select(ReviewEdit)
            .where(ReviewEdit.campaign_id.in_(campaign_ids))
            .order_by(ReviewEdit.at, ReviewEdit.id)
        )
    )


def programme_opt_outs(session: Session) -> tuple[Baseline, list[PartnerFeedback]]:
    """The programme's opt-out rate and the reasons behind it: each opted-out partner's
    latest reason per launched campaign, so those who said why are never more than those
    who opted out (a reason for a campaign not launched, or one switched on again, is not
    behind the rate)."""
    tally = tally_of(session, launched_campaigns(session))
    off = tally.any_off & tally.targeted
    newest = session.scalars(
        select(PartnerFeedback)
        .where(PartnerFeedback.kind == "opt_out")
        .order_by(PartnerFeedback.at.desc(), PartnerFeedback.id.desc())
    )
    said: dict[Pair, PartnerFeedback] = {}
    for f in newest:
        pair = (f.campaign_id or 0, f.partner_id)
        if pair in off and f.reason:
            said.setdefault(pair, f)
    return baseline(session, tally), list(said.values())


def latest_reasons(rows: Iterable[PartnerFeedback]) -> list[PartnerFeedback]:
    """The reasons that count, from feedback rows newest first: each partner's latest for
    each thing it did (an opt-out of a campaign, a skip of an item, a pause), so a partner
    that taps twice is counted once."""
    latest: dict[tuple[object, ...], PartnerFeedback] = {}
    for f in rows:
        if f.kind in REASON_KINDS and f.reason:
            latest.setdefault((f.partner_id, f.campaign_id, f.kind, f.channel, f.asset), f)
    return list(latest.values())


def _ratings(rows: Iterable[PartnerFeedback]) -> Ratings:
    items = list(rows)
    return Ratings(
        useful=sum(f.useful is True for f in items),
        not_useful=sum(f.useful is False for f in items),
    )


def _comment(f: PartnerFeedback, partners: dict[int, Partner]) -> FeedbackComment:
    partner = partners.get(f.partner_id)
    return FeedbackComment(
        id=f.id,
        partner=partner.slug if partner else None,
        partner_name=partner.name if partner else None,
        campaign_id=f.campaign_id,
        kind=f.kind,
        channel=f.channel,
        asset=f.asset,
        reason=f.reason,
        useful=f.useful,
        comment=f.comment,
        at=f.at,
        reply=f.reply or None,
    )


def _edit(e: ReviewEdit, partners: dict[int, Partner]) -> EditOut:
    partner = partners.get(e.partner_id)
    return EditOut(
        partner=partner.slug if partner else None,
        campaign_id=e.campaign_id,
        channel=e.channel,
        asset=e.asset,
        field=e.field,
        original=e.original,
        edited=e.edited,
        diff=unified_diff(e.original, e.edited),
        at=e.at,
    )


def _by(items: list[PartnerFeedback], key: Callable[[PartnerFeedback], str]) -> dict[str, Counts]:
    grouped: dict[str, Counter[str]] = {}
    for item in items:
        grouped.setdefault(key(item), Counter())[str(item.reason)] += 1
    return {name: dict(counts) for name, counts in sorted(grouped.items())}
