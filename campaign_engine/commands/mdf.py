"""`mdf`: market development funds from the command line (the operator acts as an admin)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign_engine.cli import cli, database, emit, unit_of_work
from campaign_engine.errors import InvalidInput

if TYPE_CHECKING:  # imported where a command runs: the CLI starts without them
    from campaign_engine.services.mdf.allocate import Grant
    from campaign_engine.settings import Settings

ACTOR = "cli"


def _now() -> datetime:
    return datetime.now(UTC)


@cli.group()
def mdf() -> None:
    """Market development funds: allocate, decide requests and claims, pay, report."""


def _grant(settings: Settings) -> Grant:
    from campaign_engine.services.mdf.allocate import Grant

    return Grant(ACTOR, True, settings.mdf.admin_limit)


@mdf.command("allocate")
@click.argument("slug", required=False)
@click.argument("amount", required=False)
@click.option("--currency", help="ISO 4217 code (default: mdf.currency).")
@click.option("--period", help="A quarter such as 2026-Q4 (default: this quarter).")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    help="partner,amount,currency,period rows.",
)
@click.option("--rule", type=click.Choice(["fixed", "earned"]), help="Every partner by a rule.")
@click.option("--json", "as_json", is_flag=True)
def mdf_allocate(
    slug: str | None,
    amount: str | None,
    currency: str | None,
    period: str | None,
    csv_path: Path | None,
    rule: str | None,
    as_json: bool,
) -> None:
    """Give funds: SLUG AMOUNT, a --csv file (all rows or none), or a --rule for everyone."""
    from campaign_engine.domain.mdf import AllocationRule, Period
    from campaign_engine.services.mdf import allocate as funds

    chosen = sum(x is not None for x in (slug, csv_path, rule))
    if chosen != 1 or (slug is not None and amount is None):
        raise InvalidInput("give SLUG AMOUNT, or --csv FILE, or --rule", where="mdf allocate")
    with unit_of_work() as (rt, session):
        settings = rt.settings
        code = currency or settings.mdf.currency
        when = period or str(Period.of(rt.clock().date()))
        grant = _grant(settings)
        if csv_path is not None:
            count = funds.allocate_csv(session, csv_path, grant)
            emit({"allocated": count}, as_json, f"{count} allocation(s) recorded")
            return
        if rule is not None:
            given = funds.allocate_by_rule(
                session,
                AllocationRule(rule),
                when,
                code,
                grant,
                per_tier=dict(settings.mdf.fixed_per_tier),
                earned_percent=settings.mdf.earned_percent,
            )
            lines = [f"{s}: {a} {code}" for s, a in given.items()] or ["nobody qualifies"]
            emit({k: str(v) for k, v in given.items()}, as_json, "\n".join(lines))
            return
        after = funds.allocate(session, str(slug), str(amount), code, when, grant)
    emit(
        {
            "partner": slug,
            "period": when,
            "currency": after.currency,
            "available": str(after.available),
        },
        as_json,
        f"{slug}: {after.available} {after.currency} available in {when}",
    )


@mdf.command("requests")
@click.option(
    "--status", help="pending, changes_requested, approved, rejected, cancelled, claimed."
)
@click.option("--json", "as_json", is_flag=True)
def mdf_requests(status: str | None, as_json: bool) -> None:
    """Partners' requests, newest first, with each pending one's decision deadline."""
    from campaign_engine.db import Partner
    from campaign_engine.services.mdf.requests import list_requests
    from campaign_engine.services.mdf.view import request_json

    with database() as (_, session):
        rows = []
        for request in list_requests(session, status=status):
            shown = request_json(request, now=_now())
            shown["partner"] = session.get(Partner, request.partner_id).slug  # type: ignore[union-attr]
            rows.append(shown)
    lines = [
        f"{r['id']:>5}  {r['status']:<18} {r['partner']:<24} {r['amount']:>12} {r['currency']}"
        + (f"  due {r['decision_due_at'][:16]}" if r.get("decision_due_at") else "")
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "no requests")


@mdf.command("approve")
@click.argument("request_id", type=int)
def mdf_approve(request_id: int) -> None:
    """Commit the funds; a kit request's campaign is scheduled for its first day."""
    from campaign_engine.services.mdf.requests import approve, get_request

    with unit_of_work() as (rt, session):
        request = approve(
            session,
            get_request(session, request_id),
            actor=ACTOR,
            now=rt.clock(),
            send_time=rt.settings.mdf.send_time,
        )
        campaign = request.campaign_id
    click.echo(
        f"request {request_id} approved" + (f"; campaign {campaign} scheduled" if campaign else "")
    )


@mdf.command("reject")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="What the partner reads.")
def mdf_reject(request_id: int, reason: str) -> None:
    """Refuse a pending request, with the reason the partner reads."""
    from campaign_engine.services.mdf.requests import get_request, reject

    with unit_of_work() as (rt, session):
        reject(session, get_request(session, request_id), reason, actor=ACTOR, now=rt.clock())
    click.echo(f"request {request_id} rejected")


@mdf.command("changes")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="What the partner should change.")
def mdf_changes(request_id: int, reason: str) -> None:
    """Send a pending request back to the partner for a change (the SLA clock stops)."""
    from campaign_engine.services.mdf.requests import ask_changes, get_request

    with unit_of_work() as (rt, session):
        ask_changes(session, get_request(session, request_id), reason, actor=ACTOR, now=rt.clock())
    click.echo(f"request {request_id} sent back for changes")


@mdf.command("claims")
@click.option("--status", help="submitted, approved, rejected, paid.")
@click.option("--json", "as_json", is_flag=True)
def mdf_claims(status: str | None, as_json: bool) -> None:
    """Claims with the proof of performance frozen when each was filed."""
    from campaign_engine.services.mdf.claims import list_claims
    from campaign_engine.services.mdf.view import claim_json

    with database() as (_, session):
        rows = [claim_json(c) for c in list_claims(session, status=status)]
    lines = [
        f"{r['id']:>5}  {r['status']:<10} request {r['request_id']:<6} {r['amount']:>12}"
        f"  clicks {r['proof'].get('clicks', '-')}  leads {r['proof'].get('leads', '-')}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "no claims")


@mdf.command("accept")
@click.argument("claim_id", type=int)
@click.option("--amount", help="Accept only part (default: all that is claimed).")
def mdf_accept(claim_id: int, amount: str | None) -> None:
    """Accept a claim, fully or in part; what the request does not use is released."""
    from campaign_engine.services.mdf.claims import accept_claim, get_claim

    with unit_of_work() as (rt, session):
        claim = accept_claim(
            session, get_claim(session, claim_id), amount, actor=ACTOR, now=rt.clock()
        )
        accepted = claim.approved_amount
    click.echo(f"claim {claim_id} accepted: {accepted}")


@mdf.command("pay")
@click.argument("claim_id", type=int)
def mdf_pay(claim_id: int) -> None:
    """Mark an accepted claim paid."""
    from campaign_engine.services.mdf.claims import get_claim, pay_claim

    with unit_of_work() as (rt, session):
        claim = pay_claim(session, get_claim(session, claim_id), actor=ACTOR, now=rt.clock())
        paid = claim.approved_amount
    click.echo(f"claim {claim_id} paid: {paid}")


@mdf.command("expire")
@click.option("--period", required=True, help="The quarter that ended, such as 2026-Q3.")
def mdf_expire(period: str) -> None:
    """Expire a period's unspent funds (the scheduler does this when a quarter ends)."""
    from campaign_engine.domain.mdf import Period
    from campaign_engine.services.mdf.allocate import expire_period

    with unit_of_work() as (rt, session):
        expired = expire_period(
            session, Period.parse(period), carry_over=rt.settings.mdf.carry_over, actor=ACTOR
        )
    click.echo(
        "\n".join(f"{s}: {a} expired" for s, a in expired.items()) or "nothing left to expire"
    )


@mdf.command("report")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="The finance export: one row per partner.")
def mdf_report(as_json: bool, as_csv: bool) -> None:
    """Allocated, committed, claimed, paid and expired; returns; decision times."""
    from campaign_engine.services.insights.reports import neutralise
    from campaign_engine.services.mdf.report import mdf_report as build

    with database() as (settings, session):
        report = build(session, sla_hours=settings.mdf.sla_hours)
    if as_csv:
        out = io.StringIO()
        columns = [
            "partner",
            "period",
            "currency",
            "allocated",
            "committed",
            "released",
            "claimed",
            "paid",
            "expired",
        ]
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        for row in report["partners"]:
            writer.writerow({k: neutralise(v) for k, v in row.items()})
        click.echo(out.getvalue(), nl=False)
        return
    lines = [
        f"{r['period']} {r['currency']}: allocated {r['allocated']}, committed {r['committed']}, "
        f"claimed {r['claimed']}, paid {r['paid']}, expired {r['expired']}"
        for r in report["periods"]
    ]
    hours = report["decision_hours"]
    if hours["count"]:
        lines.append(
            f"decisions: median {hours['median']} h, p90 {hours['p90']} h "
            f"(target {hours['target']} h)"
        )
    emit(report, as_json, "\n".join(lines) or "no MDF yet")
