"""The console's runway pages: the 120-day view, one partner's milestones and steps, and
owners assigned in bulk. Routes on the console blueprint (vendor users only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.db import User
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.runway import ORDER, Milestone, label, next_milestone, position
from campaign_engine.errors import InvalidInput
from campaign_engine.services.campaigns.audience import completeness
from campaign_engine.services.campaigns.ledger import partner_ledger
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.partners.profile import brand_warnings
from campaign_engine.services.partners.runway.milestones import reached, set_milestone
from campaign_engine.services.partners.runway.owners import assign_owner, vendor_users
from campaign_engine.services.partners.runway.reports import runway_report, summary_rows
from campaign_engine.services.partners.runway.sequence import runway_steps
from campaign_engine.services.partners.view import partner_campaigns, partner_results
from campaign_engine.services.stewardship.archives import archives_of
from campaign_engine.services.stewardship.offboard import offboarded_at
from campaign_engine.web.api_support import csv_response
from campaign_engine.web.console import bp
from campaign_engine.web.console_campaigns import form_time
from campaign_engine.web.session import db, runtime


@bp.post("/partners/owner")
def partners_owner() -> Response:
    slugs = request.form.getlist("partner")
    if not slugs:
        raise InvalidInput("tick the partners to assign", where="partner")
    count = assign_owner(db(), request.form.get("owner", ""), slugs, actor=current_user.email)
    flash(f"{request.form.get('owner')} now owns {count} partner(s).", "ok")
    return redirect(url_for("console.partners"))


@bp.get("/partners/<slug>")
def partner_page(slug: str) -> str:
    """Everything about one partner a marketer asks for: where it stands on its runway,
    its choices per campaign and channel, what went out and what did not (and why), its
    results, its owner and what would make its assets look wrong."""
    partner = get_partner(db(), slug)
    rt = runtime()
    now = rt.clock()
    mine = reached(db(), [partner.id]).get(partner.id, {})
    where = (
        position(partner.signed_at, mine, now=now, quiet_days=rt.settings.runway.quiet_days)
        if partner.signed_at
        else None
    )
    signed = {Milestone.SIGNED: partner.signed_at} if partner.signed_at else {}
    owner = db().get(User, partner.owner_id) if partner.owner_id else None
    return render_template(
        "console/partner.html",
        partner=partner,
        milestones=[(m, mine.get(m)) for m in ORDER],
        next_one=next_milestone({**mine, **signed}),
        where=where,
        steps=runway_steps(db(), partner.id),
        owners=vendor_users(db()),
        owner=owner,
        completeness=completeness(partner),
        campaigns=partner_campaigns(db(), partner, rt.settings.programme.rules()),
        channels=CHANNELS,
        ledger=partner_ledger(db(), partner.id),
        results=partner_results(db(), partner.id, now=now),
        warnings=brand_warnings(partner),
        label=label,
        archives=archives_of(rt.settings.storage_dir, partner.slug),
        offboard_days=rt.settings.retention.offboard_days,
        left=offboarded_at(db(), partner),
    )


@bp.post("/partners/<slug>/milestones")
def partner_milestone(slug: str) -> Response:
    partner = get_partner(db(), slug)
    try:
        milestone = Milestone(request.form.get("milestone", ""))
    except ValueError:
        names = ", ".join(m.value for m in Milestone)
        raise InvalidInput(f"choose one of {names}", where="milestone") from None
    when = form_time(request.form.get("reached_at", "")) or runtime().clock()
    changed = set_milestone(
        db(), partner, milestone, when, source="console", actor=current_user.email
    )
    flash(
        f"{milestone.value} {'recorded' if changed else 'unchanged: an earlier date is known'}.",
        "ok",
    )
    return redirect(url_for("console.partner_page", slug=slug))


@bp.get("/runway")
def runway() -> str:
    rt = runtime()
    report = runway_report(db(), now=rt.clock(), quiet_days=rt.settings.runway.quiet_days)
    # Lists, not objects: JSON object keys come out sorted, and the order here is the runway's.
    chart = {
        "hit_rate": [(label(k), v) for k, v in report["hit_rate"].items()],
        "stages": [m.value for m in ORDER],
        "stage_labels": [label(m.value) for m in ORDER],
        "runway_cohorts": report["cohorts"],
    }
    slowest = max(
        ((k, v) for k, v in report["median_days_in_stage"].items() if v is not None),
        key=lambda kv: kv[1],
        default=None,
    )
    return render_template(
        "console/runway.html", report=report, chart=chart, slowest=slowest, label=label
    )


@bp.get("/runway/report.csv")
def runway_csv() -> Response:
    rt = runtime()
    report = runway_report(db(), now=rt.clock(), quiet_days=rt.settings.runway.quiet_days)
    if request.args.get("table") == "summary":
        return csv_response(summary_rows(report), "runway-summary.csv")
    return csv_response(report["positions"], "runway-positions.csv")
