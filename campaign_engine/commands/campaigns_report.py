"""`campaigns report | feedback`: the funnel, and what partners said; registered on the
`campaigns` group by commands/campaigns.py."""

from __future__ import annotations

from typing import Any

import click

from campaign_engine.cli import database, emit, unit_of_work


@click.command("report")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="One row per partner and channel.")
def campaigns_report(campaign_id: int, as_json: bool, as_csv: bool) -> None:
    """The funnel: targeted, participating, delivered, opens, clicks, leads ... revenue."""
    from campaign_engine.services.insights.reports import campaign_report, report_rows, rows_to_csv

    with unit_of_work() as (_, session):
        data = campaign_report(session, campaign_id)
    if as_csv:
        click.echo(rows_to_csv(report_rows(data)), nl=False)
        return
    totals = data["totals"]
    emit(
        data,
        as_json,
        "\n".join(
            [
                f"{data['campaign']['name']} ({data['campaign']['status']})",
                f"  partners targeted {totals['targeted']}, "
                f"participating {totals['participating']} ({totals['participation_rate']:.0%})",
                f"  delivered {totals['delivered']}, not sent {totals['not_sent']}, "
                f"opens {totals['opens']} (approximate), "
                f"clicks {totals['clicks']}",
                f"  leads {totals['leads']}, opportunities {totals['opportunities']}, "
                f"deals registered {totals['deals_registered']}, won {totals['closed_won']}",
                f"  pipeline {totals['pipeline']}, revenue {totals['revenue']}",
            ]
        ),
    )


@click.command("feedback")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def campaigns_feedback(campaign_id: int, as_json: bool) -> None:
    """What partners said: opt-outs and skips with their reasons, by channel, tier and
    region against the programme's baseline, ratings, comments and the most common edits."""
    from campaign_engine.services.feedback.report import campaign_feedback

    with database() as (_, session):
        report = campaign_feedback(session, campaign_id)
    emit(report.model_dump(mode="json"), as_json, feedback_text(report))


def feedback_text(report: Any) -> str:
    """A FeedbackReport (services/feedback/report_models.py) as lines to read: `campaigns
    feedback` and `kits feedback` print the same."""

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    base = report.baseline
    lines = [
        f"{report.opted_out} of {report.targeted} partners opted out "
        f"({rate(report.opt_out_rate)}; programme {rate(base.opt_out_rate)})",
        f"{report.skipped} of {report.review_items} review item(s) skipped "
        f"({rate(report.skip_rate)}; programme {rate(base.skip_rate)})",
    ]
    for kind, counts in report.reasons_by_kind.items():
        lines.append(
            f"reasons ({kind.replace('_', ' ')}): "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    if not report.reasons:
        lines.append("reasons: none given")
    for segment, rows in (("tier", report.segments.tier), ("region", report.segments.region)):
        lines += [
            f"  {segment} {row.name}: opted out {row.opted_out} of {row.targeted} "
            f"({rate(row.opt_out_rate)}; programme {rate(row.baseline_opt_out_rate)}), "
            f"skipped {row.skipped} of {row.review_items}"
            for row in rows
        ]
    lines += [
        f"  channel {row.name}: skipped {row.skipped} of {row.review_items} "
        f"({rate(row.skip_rate)}; programme {rate(row.baseline_skip_rate)})"
        for row in report.segments.channel
    ]
    lines.append(f"ratings: {report.ratings.useful} useful, {report.ratings.not_useful} not")
    lines += [f"- {c.partner}: {c.comment}" for c in report.comments if c.comment]
    if report.common_edits:
        lines.append(f"most common edits ({report.edited_by} partner(s) edited):")
        lines += [
            f"  {e.field}: {e.before or '(nothing)'!r} -> {e.after or '(removed)'!r}, "
            f"{e.partners} partner(s)"
            for e in report.common_edits
        ]
    return "\n".join(lines)
