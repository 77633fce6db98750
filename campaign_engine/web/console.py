"""The vendor console: partners, kits, the campaign builder, launches with live progress,
previews, the programme dashboard and CSV exports. Views parse the form, call one service
and render; the rules live in the services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaign_engine import bootstrap
from campaign_engine.db import Kit, KitVersion
from campaign_engine.errors import InvalidInput, KitError
from campaign_engine.services.assets.uploads import import_partner_csv, load_kit_zip
from campaign_engine.services.campaigns.audience import (
    audience_choices,
    completeness,
)
from campaign_engine.services.campaigns.lifecycle import (
    campaign_status,
    list_campaigns,
)
from campaign_engine.services.feedback.report import kit_feedback
from campaign_engine.services.insights.programme import programme_report
from campaign_engine.services.partners.consent.follow import follow_running
from campaign_engine.services.partners.directory import (
    SORTS,
    find_partners,
    list_partners,
)
from campaign_engine.services.partners.runway.owners import vendor_users
from campaign_engine.web.api_support import csv_response
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.paging import partner_query, requested_page
from campaign_engine.web.session import db, runtime

bp = Blueprint("console", __name__)


@bp.before_request
@vendor_required
def _vendor_only() -> None:
    """Every console page is for the vendor's marketers and admins."""
    return None


@bp.get("/")
def home() -> str:
    rows = [(c, campaign_status(db(), c.id)) for c in list_campaigns(db())]
    return render_template("console/home.html", rows=rows, partner_count=len(list_partners(db())))


# Partners


@bp.get("/partners")
def partners() -> str:
    """Fifty at a time, searched, filtered and sorted in the database."""
    query = partner_query(request.args)
    page = requested_page(50)
    found, total = find_partners(db(), query, limit=page.size, offset=page.offset)
    return render_template(
        "console/partners.html",
        rows=[(p, completeness(p)) for p in found],
        page=page.counted(total),
        wanted=query,
        sorts=SORTS,
        choices=audience_choices(db()),
        owners=vendor_users(db()),
    )


@bp.post("/partners/import")
def partners_import() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("choose a CSV file to import", where="file")
    try:
        result = import_partner_csv(db(), upload.read(), upload.filename, actor=current_user.email)
        rt = runtime()
        follow_running(db(), rt.settings.programme.rules(), now=rt.clock())
    except InvalidInput as exc:
        db().rollback()
        flash(f"Nothing imported. {exc}", "error")
        return redirect(url_for("console.partners"))
    flash(f"Imported {upload.filename}: {result.created} new, {result.updated} updated.", "ok")
    for warning in result.warnings:
        flash(warning, "warning")
    return redirect(url_for("console.partners"))


# Kits


@bp.get("/kits")
def kits() -> str:
    versions = (
        db()
        .execute(
            select(Kit, KitVersion)
            .join(KitVersion, KitVersion.kit_id == Kit.id)
            .order_by(KitVersion.id.desc())
        )
        .all()
    )
    return render_template("console/kits.html", versions=versions, problems=None)


@bp.post("/kits")
def kits_upload() -> Any:
    upload = request.files.get("kit")
    if upload is None or not upload.filename:
        raise InvalidInput("choose the kit folder as a .zip", where="kit")
    try:
        version = load_kit_zip(db(), upload.read(), upload.filename, bootstrap.make_renderers)
    except KitError as exc:
        db().rollback()
        return render_template(
            "console/kits.html", versions=[], problems=exc.problems, filename=upload.filename
        ), 422
    flash(f"Kit {version.kit.slug} loaded ({version.content_hash[:12]}).", "ok")
    return redirect(url_for("console.kits"))


@bp.get("/kits/<slug>/feedback")
def kit_feedback_page(slug: str) -> str:
    """What partners said about a kit, over its launched campaigns."""
    report = kit_feedback(db(), slug)
    return render_template("console/kit_feedback.html", kit=report.kit, feedback=report)


# Campaigns


FUNNEL_LABELS = {
    "targeted": "Targeted",
    "delivered": "Delivered",
    "clicked": "Clicked",
    "lead": "Lead",
    "opportunity": "Opportunity",
    "won": "Won",
}


@bp.get("/programme")
def programme() -> str:
    report = programme_report(db(), now=runtime().clock())
    chart = {
        "participation": [
            {"campaign": c["name"], "rate": c["participation_rate"]} for c in report["campaigns"]
        ],
        "funnel": [[FUNNEL_LABELS[k], n] for k, n in report["funnel"].items()],
        "cohorts": report["cohorts"],
        "live_rate": report["live_rate_by_month"],
    }
    return render_template("console/programme.html", report=report, chart=chart)


@bp.get("/programme/report.csv")
def programme_csv() -> Response:
    report = programme_report(db(), now=runtime().clock())
    rows = [{k: v for k, v in c.items()} for c in report["campaigns"]]
    return csv_response(rows, "programme-participation.csv")
