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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaign_engine.db import (
    Campaign,
    Consent,
    Delivery,
    Kit,
    KitVersion,
    Partner,
    PartnerFeedback,
    ReviewEdit,
)
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import NotFound
from campaign_engine.services.campaigns.ledger import targeted_partners
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.services.feedback.edits import common_edits, latest_edits, unified_diff

REASON_KINDS = ("opt_out", "skip", "pause")
RECENT_EDITS = 20

Counts = dict[str, int]


class CampaignRef(BaseModel):
    id: int
    name: str


class KitRef(BaseModel):
    id: int
    slug: str
    name: str


class Baseline(BaseModel):
    """The programme's figures over every launched campaign."""

    targeted: int
    opted_out: int
    opt_out_rate: float | None
    review_items: int
    skipped: int
    skip_rate: float | None


class Segment(BaseModel):
    """One channel, tier or region: its figures beside the programme's for the same."""

    name: str
    targeted: int
    opted_out: int
    opt_out_rate: float | None
    baseline_opt_out_rate: float | None
    review_items: int
    skipped: int
    skip_rate: float | None
    baseline_skip_rate: float | None
    reasons: Counts


class Segments(BaseModel):
    channel: list[Segment]
    tier: list[Segment]
    region: list[Segment]


class Ratings(BaseModel):
    useful: int
    not_useful: int


class FeedbackComment(BaseModel):
    id: int
    partner: str | None  # its slug
    partner_name: str | None = None  # as people read it
    campaign_id: int | None
    kind: str
    channel: str | None
    asset: str | None
    reason: str | None
    useful: bool | None
    comment: str
    at: datetime
    reply: str | None


class CommonEdit(BaseModel):
    """A run of the kit's words partners replaced ("" before: words added; "" after:
    words removed), and how many partners made that change."""

    field: str
    before: str
    after: str
    partners: int


class EditOut(BaseModel):
    partner: str | None
    campaign_id: int
    channel: str
    asset: str
    field: str
    original: str
    edited: str
    diff: str
    at: datetime


class FeedbackReport(BaseModel):
    scope: Literal["campaign", "kit"]
    campaign: CampaignRef | None
    kit: KitRef | None
    campaigns: list[CampaignRef]
    targeted: int
    opted_out: int
    opt_out_rate: float | None
    review_items: int
    skipped: int
    skip_rate: float | None
    baseline: Baseline
    reasons: Counts
    reasons_by_kind: dict[str, Counts]
    reasons_by_channel: dict[str, Counts]
    reasons_by_tier: dict[str, Counts]
    reasons_by_region: dict[str, Counts]
    opted_out_by_tier: Counts
    segments: Segments
    ratings: Ratings
    ratings_by_asset: dict[str, Ratings]
    comments: list[FeedbackComment]
    edited_by: int  # partners with at least one edit kept
    common_edits: list[CommonEdit]
    recent_edits: list[EditOut]


SCHEMAS: tuple[type[BaseModel], ...] = (FeedbackReport,)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


Pair = tuple[int, int]  # (campaign, partner)
Item = tuple[int, int, str, str]  # (campaign, partner, channel, asset)


@dataclass
class _Tally:
    """Who was targeted, who switched off, which review items were skipped, over a set
    of campaigns; the figures per segment are filters of these."""

    targeted: set[Pair] = field(default_factory=set)
    opted: set[Pair] = field(default_factory=set)
    channel_off: dict[str, set[Pair]] = field(default_factory=dict)
    review: set[Item] = field(default_factory=set)
    skipped: set[Item] = field(default_factory=set)

    @property
    def any_off(self) -> set[Pair]:
        """Opted out: the campaign switched off wholly or for one of its channels (the
        portal's switches are per channel, so a whole-campaign count alone reads 0 while
        the reasons table fills)."""
        return self.opted.union(*self.channel_off.values())


def _tally(session: Session, campaigns: list[Campaign]) -> _Tally:
    tally = _Tally()
    if not campaigns:
        return tally
    by_scope = {f"campaign:{c.id}": c.id for c in campaigns}
    for campaign in campaigns:
        tally.targeted |= {(campaign.id, p) for p in targeted_partners(session, campaign)}
    switched = session.execute(
        select(Consent.scope, Consent.partner_id, Consent.channel).where(
            Consent.scope.in_(by_scope), Consent.mode == "off"
        )
    )
    for scope, partner_id, channel in switched:
        pair = (by_scope[scope], partner_id)
        if channel == "*":
            tally.opted.add(pair)
        else:
            tally.channel_off.setdefault(channel, set()).add(pair)
    items = session.execute(
        select(
            Delivery.campaign_id,
            Delivery.partner_id,
            Delivery.channel,
            Delivery.asset,
            Delivery.reason,
        )
        .where(
            Delivery.campaign_id.in_(by_scope.values()),
            or_(
                Delivery.review_by.is_not(None),
                Delivery.status == DeliveryStatus.HELD,
                Delivery.reason == Reason.DECLINED_IN_REVIEW,
            ),
        )
        .distinct()
    )
    for campaign_id, partner_id, channel, asset, reason in items:
        item = (campaign_id, partner_id, channel, asset)
        tally.review.add(item)
        if reason == Reason.DECLINED_IN_REVIEW:
            tally.skipped.add(item)
    return tally


def _launched(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.launched_at.is_not(None))))


def baseline(session: Session, tally: _Tally | None = None) -> Baseline:
    """Opt-outs over targeted partners and skips over review items, over every launched
    campaign."""
    tally = tally or _tally(session, _launched(session))
    opted = tally.any_off & tally.targeted
    return Baseline(
        targeted=len(tally.targeted),
        opted_out=len(opted),
        opt_out_rate=_rate(len(opted), len(tally.targeted)),
        review_items=len(tally.review),
        skipped=len(tally.skipped),
        skip_rate=_rate(len(tally.skipped), len(tally.review)),
    )


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
    mine = _tally(session, campaigns)
    programme = _tally(session, _launched(session))
    opted = mine.any_off & mine.targeted if mine.targeted else mine.any_off
    ids = [c.id for c in campaigns]
    said = list(
        session.scalars(
            select(PartnerFeedback)
            .where(PartnerFeedback.campaign_id.in_(ids))
            .order_by(PartnerFeedback.at.desc(), PartnerFeedback.id.desc())
        )
    )
    partners = {p.id: p for p in session.scalars(select(Partner))}
    tier = _segment_of(partners, "tier")
    region = _segment_of(partners, "region")
    reasons = latest_reasons(said)
    ratings = [f for f in said if f.kind == "rating"]
    edits = latest_edits(
        session.scalars(
            select(ReviewEdit)
            .where(ReviewEdit.campaign_id.in_(ids))
            .order_by(ReviewEdit.at, ReviewEdit.id)
        )
    )
    return FeedbackReport(
        scope="campaign" if campaign is not None else "kit",
        campaign=CampaignRef(id=campaign.id, name=campaign.name) if campaign else None,
        kit=KitRef(id=kit.id, slug=kit.slug, name=kit.name) if kit else None,
        campaigns=[CampaignRef(id=c.id, name=c.name) for c in campaigns],
        targeted=len(mine.targeted),
        opted_out=len(opted),
        opt_out_rate=_rate(len(opted), len(mine.targeted)),
        review_items=len(mine.review),
        skipped=len(mine.skipped),
        skip_rate=_rate(len(mine.skipped), len(mine.review)),
        baseline=baseline(session, programme),
        reasons=dict(Counter(str(f.reason) for f in reasons)),
        reasons_by_kind=_by(reasons, lambda f: f.kind),
        reasons_by_channel=_by(reasons, lambda f: f.channel or "all"),
        reasons_by_tier=_by(reasons, lambda f: tier(f.partner_id)),
        reasons_by_region=_by(reasons, lambda f: region(f.partner_id)),
        opted_out_by_tier=dict(Counter(tier(p) for _, p in opted)),
        segments=Segments(
            channel=_channel_rows(mine, programme, reasons),
            tier=_segment_rows(mine, programme, reasons, tier),
            region=_segment_rows(mine, programme, reasons, region),
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


def programme_opt_outs(session: Session) -> tuple[Baseline, list[PartnerFeedback]]:
    """The programme's opt-out rate and the reasons behind it: each opted-out partner's
    latest reason per launched campaign, so those who said why are never more than those
    who opted out (a reason for a campaign not launched, or one switched on again, is not
    behind the rate)."""
    tally = _tally(session, _launched(session))
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


def _segment_of(partners: dict[int, Partner], attribute: str) -> Callable[[int], str]:
    return lambda partner_id: (
        getattr(partners[partner_id], attribute) or "-" if partner_id in partners else "-"
    )


def _figures(
    tally: _Tally, keep: Callable[[int], bool], off: set[Pair] | None = None
) -> tuple[int, int, int, int]:
    """targeted, opted out, review items, skipped, over the partners `keep` accepts."""
    targeted = {pair for pair in tally.targeted if keep(pair[1])}
    switched = tally.any_off if off is None else off
    return (
        len(targeted),
        len({pair for pair in switched if pair in targeted}),
        sum(keep(item[1]) for item in tally.review),
        sum(keep(item[1]) for item in tally.skipped),
    )


def _row(name: str, mine: tuple[int, ...], base: tuple[int, ...], reasons: Counts) -> Segment:
    targeted, opted, review, skipped = mine
    base_targeted, base_opted, base_review, base_skipped = base
    return Segment(
        name=name,
        targeted=targeted,
        opted_out=opted,
        opt_out_rate=_rate(opted, targeted),
        baseline_opt_out_rate=_rate(base_opted, base_targeted),
        review_items=review,
        skipped=skipped,
        skip_rate=_rate(skipped, review),
        baseline_skip_rate=_rate(base_skipped, base_review),
        reasons=reasons,
    )


def _segment_rows(
    mine: _Tally,
    programme: _Tally,
    reasons: list[PartnerFeedback],
    segment: Callable[[int], str],
) -> list[Segment]:
    names = {segment(p) for _, p in mine.targeted} | {segment(f.partner_id) for f in reasons}
    rows = []
    for name in sorted(names):

        def keep(partner_id: int, name: str = name) -> bool:
            return segment(partner_id) == name

        said = Counter(str(f.reason) for f in reasons if keep(f.partner_id))
        rows.append(_row(name, _figures(mine, keep), _figures(programme, keep), dict(said)))
    return rows


def _channel_rows(mine: _Tally, programme: _Tally, reasons: list[PartnerFeedback]) -> list[Segment]:
    """Per channel: the campaign switched off for that channel alone, and its skips."""
    channels = sorted(
        {item[2] for item in mine.review}
        | set(mine.channel_off)
        | {f.channel for f in reasons if f.channel}
    )
    rows = []
    for channel in channels:
        said = Counter(str(f.reason) for f in reasons if f.channel == channel)
        rows.append(
            _row(
                channel,
                _channel_figures(mine, channel),
                _channel_figures(programme, channel),
                dict(said),
            )
        )
    return rows


def _channel_figures(tally: _Tally, channel: str) -> tuple[int, int, int, int]:
    off = tally.channel_off.get(channel, set())
    return (
        len(tally.targeted),
        len(off & tally.targeted),
        sum(item[2] == channel for item in tally.review),
        sum(item[2] == channel for item in tally.skipped),
    )


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
