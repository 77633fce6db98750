"""The vendor's partners and programme, as data: the partner list and its CSV import, kit
uploads, programme analytics, the activation runway with its milestones and owners (for
marketers and admins), and the signed milestone callback (an LMS, a CRM)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user

from campaign_engine import bootstrap
from campaign_engine.db import Partner as PartnerRow
from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.uploads import import_partner_csv, load_kit_zip
from campaign_engine.services.campaigns.audience import completeness
from campaign_engine.services.insights.programme import programme_report
from campaign_engine.services.partners.consent.follow import follow_running
from campaign_engine.services.partners.directory import find_partners, get_partner
from campaign_engine.services.partners.runway.milestones import set_milestone
from campaign_engine.services.partners.runway.owners import assign_owner
from campaign_engine.services.partners.runway.reports import runway_report, summary_rows
from campaign_engine.web.api_blueprint import bp
from campaign_engine.web.api_schemas import MilestoneCallback, MilestoneChange, OwnerChange, Page
from campaign_engine.web.api_support import csv_response, page_of, parse_body, reply
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.callbacks import MAX_BODY, signature_error
from campaign_engine.web.errors import problem
from campaign_engine.web.insight_schemas import Programme, ProgrammeQuery, Runway, RunwayQuery
from campaign_engine.web.openapi_ops import CSV, ZIP, operation
from campaign_engine.web.paging import partner_query, requested_page
from campaign_engine.web.partner_schemas import (
    Imported,
    KitLoaded,
    MilestoneSaved,
    OwnersSaved,
    Partner,
    PartnerSlug,
    PartnersQuery,
)
from campaign_engine.web.session import db, runtime


def partner_fields(p: PartnerRow) -> dict[str, Any]:
    """A stored partner's fields, as the Partner model names them."""
    return {
        "slug": p.slug,
        "name": p.name,
        "short_name": p.short_name,
        "contact_email": p.contact_email,
        "tier": p.tier,
        "region": p.region,
        "vertical": p.vertical,
        "timezone": p.timezone,
        "locale": p.locale,
        "tags": p.tags or [],
        "has_logo": bool(p.logo_sha256),
        "profile_complete": completeness(p),
    }


@bp.get("/partners")
@operation(
    "Partners, with profile completeness",
    query=PartnersQuery,
    replies={200: Page[Partner]},
    problems=(422,),
)
@vendor_required
def partners() -> Response:
    page = requested_page(50, per_page=True)
    rows, total = find_partners(
        db(), partner_query(request.args), limit=page.size, offset=page.offset
    )
    return reply(Page[Partner], page_of([partner_fields(p) for p in rows], total))


@bp.post("/partners")
@operation(
    "Import partners from a CSV body (all rows or none)",
    body=CSV,
    replies={201: Imported},
    problems=(413,),
)
@vendor_required
def partners_import() -> Response:
    """The partner CSV as the request body (text/csv): all rows or none, as in the console."""
    if request.mimetype != "text/csv":
        raise InvalidInput(
            "send the CSV file as the body with Content-Type: text/csv", where="body"
        )
    result = import_partner_csv(db(), request.get_data(), "partners.csv", actor=current_user.email)
    rt = runtime()
    follow_running(db(), rt.settings.programme.rules(), now=rt.clock())  # who left an audience
    shown = {"created": result.created, "updated": result.updated, "warnings": result.warnings}
    return reply(Imported, shown, 201)


@bp.post("/kits")
@operation("Upload a kit folder as a zip body", body=ZIP, replies={201: KitLoaded}, problems=(413,))
@vendor_required
def kits_upload() -> Response:
    """The kit folder as a zip body (application/zip); every problem in one answer."""
    if request.mimetype != "application/zip":
        raise InvalidInput(
            "send the zipped kit folder with Content-Type: application/zip", where="body"
        )
    version = load_kit_zip(db(), request.get_data(), "body", bootstrap.make_renderers)
    return reply(KitLoaded, {"kit": version.kit.slug, "version": version.content_hash}, 201)


@bp.get("/partners/<slug>")
@operation("One partner", path=PartnerSlug, replies={200: Partner}, problems=(404,))
@vendor_required
def partner_get(slug: str) -> Response:
    return reply(Partner, partner_fields(get_partner(db(), slug)))


@bp.get("/programme/report")
@operation(
    "Programme analytics: participation, live rate, cohorts, spread (format=csv: the "
    "campaigns' participation)",
    query=ProgrammeQuery,
    replies={200: (Programme, CSV)},
)
@vendor_required
def programme() -> Response:
    data = programme_report(db(), now=runtime().clock())
    if request.args.get("format") == "csv":
        return csv_response(data["campaigns"], "programme-participation.csv")
    return reply(Programme, data)


@bp.get("/runway/report")
@operation(
    "The runway: headline, hit rates, stage times, cohorts, positions (format=csv)",
    query=RunwayQuery,
    replies={200: (Runway, CSV)},
)
@vendor_required
def runway() -> Response:
    rt = runtime()
    data = runway_report(db(), now=rt.clock(), quiet_days=rt.settings.runway.quiet_days)
    if request.args.get("format") == "csv":
        if request.args.get("table") == "summary":
            return csv_response(summary_rows(data), "runway-summary.csv")
        return csv_response(data["positions"], "runway-positions.csv")
    return reply(Runway, data)


@bp.post("/partners/<slug>/milestones")
@operation(
    "Record a milestone for a partner (the earliest date wins)",
    path=PartnerSlug,
    body=MilestoneChange,
    replies={200: MilestoneSaved},
    problems=(404,),
)
@vendor_required
def partner_milestone(slug: str) -> Response:
    body = parse_body(MilestoneChange)
    partner = get_partner(db(), slug)
    when = body.reached_at or runtime().clock()
    changed = set_milestone(
        db(), partner, body.milestone, when, source="api", actor=current_user.email
    )
    return reply(MilestoneSaved, {"partner": slug, "milestone": body.milestone, "changed": changed})


@bp.put("/owners")
@operation(
    "Make a vendor user the owner of partners (bulk)", body=OwnerChange, replies={200: OwnersSaved}
)
@vendor_required
def owners() -> Response:
    body = parse_body(OwnerChange)
    count = assign_owner(db(), body.owner, body.partners, actor=current_user.email)
    return reply(OwnersSaved, {"owner": body.owner, "partners": count})


@bp.post("/milestones")
@operation(
    "Signed milestone callback (Standard Webhooks headers)",
    body=MilestoneCallback,
    replies={200: MilestoneSaved},
    problems=(401, 404, 413),
    signed=True,
    notes={200: "Recorded (or already known)"},
)
def milestone_callback() -> Response:
    """Signed like /events (Standard Webhooks, web/callbacks.py): an LMS reporting a
    certification, a CRM a joint plan. A repeat of the same milestone changes nothing."""
    request.max_content_length = MAX_BODY  # read no more than an event before the check
    refused = signature_error(
        runtime().settings.webhooks.inbound_secret, request.get_data(), request.headers
    )
    if refused is not None:
        return problem(401, "Signature refused", refused)
    data = parse_body(MilestoneCallback)
    partner = get_partner(db(), data.partner)
    when = data.reached_at or runtime().clock()
    changed = set_milestone(
        db(), partner, data.milestone, when, source="callback", actor="callback"
    )
    shown = {"partner": data.partner, "milestone": data.milestone, "changed": changed}
    return reply(MilestoneSaved, shown)
