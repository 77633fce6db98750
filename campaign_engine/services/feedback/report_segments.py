"""The report's rows per channel, tier and region: each segment's figures beside the
programme's for the same segment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from campaign_engine.db import Partner, PartnerFeedback
from campaign_engine.services.feedback.report_models import Counts, Segment
from campaign_engine.services.feedback.report_tally import Pair, Tally, rate


def segment_of(partners: dict[int, Partner], attribute: str) -> Callable[[int], str]:
    return lambda partner_id: (
        getattr(partners[partner_id], attribute) or "-" if partner_id in partners else "-"
    )


def _figures(
    tally: Tally, keep: Callable[[int], bool], off: set[Pair] | None = None
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
        opt_out_rate=rate(opted, targeted),
        baseline_opt_out_rate=rate(base_opted, base_targeted),
        review_items=review,
        skipped=skipped,
        skip_rate=rate(skipped, review),
        baseline_skip_rate=rate(base_skipped, base_review),
        reasons=reasons,
    )


def segment_rows(
    mine: Tally,
    programme: Tally,
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


def channel_rows(mine: Tally, programme: Tally, reasons: list[PartnerFeedback]) -> list[Segment]:
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


def _channel_figures(tally: Tally, channel: str) -> tuple[int, int, int, int]:
    off = tally.channel_off.get(channel, set())
    return (
        len(tally.targeted),
        len(off & tally.targeted),
        sum(item[2] == channel for item in tally.review),
        sum(item[2] == channel for item in tally.skipped),
    )
