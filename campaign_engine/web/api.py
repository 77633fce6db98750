"""JSON API v1: the same services as the pages, as data. Described by /api/openapi.json
(web/openapi.py); errors are RFC 9457 problem+json (web/errors.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaign_engine import bootstrap
from campaign_engine.db import Campaign, Kit, KitVersion
from campaign_engine.domain.audience import AUDIENCE_KEYS
from campaign_engine.domain.campaign_options import CampaignEdit
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.domain.sendtime import WEEKDAYS
from campaign_engine.errors import InvalidInput
from campaign_engine.services.access.confirmations import pending_contact
from campaign_engine.services.assets.uploads import import_partner_csv, load_kit_zip
from campaign_engine.services.campaigns.audience import audience_count, completeness
from campaign_engine.services.campaigns.edit import edit_campaign
from campaign_engine.services.campaigns.launch import run_action
from campaign_engine.services.campaigns.ledger import not_sent
from campaign_engine.services.campaigns.lifecycle import (
    RetryOutcome,
    campaign_status,
    create_campaign_from,
    get_campaign,
    list_campaigns,
)
from campaign_engine.services.campaigns.review import decide, review_queue
from campaign_engine.services.feedback.record import give_reason, kind_of_decision
from campaign_engine.services.insights.programme import programme_report
from campaign_engine.services.insights.reports import campaign_report, report_rows
from campaign_engine.services.partners.consent.follow import follow_running
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.directory import find_partners, get_partner
from campaign_engine.services.partners.profile import brand_warnings, update_profile
from campaign_engine.services.partners.runway.milestones import set_milestone
from campaign_engine.services.partners.runway.nextaction import next_action
from campaign_engine.services.partners.runway.owners import assign_owner
from campaign_engine.services.partners.runway.reports import runway_report, summary_rows
from campaign_engine.services.partners.view import partner_campaigns, partner_results
from campaign_engine.services.workspace.library import LibraryItem, campaign_library
from campaign_engine.services.workspace.snippet import SignatureTokens, snippet
from campaign_engine.web.api_schemas import (
    ConsentChange,
    Decision,
    MilestoneCallback,
    MilestoneChange,
    NewCampaign,
    OwnerChange,
    ProfileChange,
)
from campaign_engine.web.api_support import accepts, csv_response, guard_writes, page_of, parse_body
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.callbacks import MAX_BODY, signature_error
from campaign_engine.web.errors import problem
from campaign_engine.web.openapi import openapi_document
from campaign_engine.web.paging import partner_query, requested_page
from campaign_engine.web.partner_pages import (
    current_partner,
    file_response,
    partner_required,
    send_contact_confirmation,
)
from campaign_engine.web.session import db, runtime

bp = Blueprint("api", __name__)
bp.before_request(guard_writes)
spec_bp = Blueprint("openapi", __name__)


@spec_bp.get("/api/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document()


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "slug": campaign.slug,
        "status": campaign.status,
        "kit": campaign.kit_version.kit.slug,
        "audience": campaign.audience or {},
        "launch_at": campaign.launch_at.isoformat() if campaign.launch_at else None,
        "consent_default": campaign.consent_default,
        "preview_days": campaign.preview_days,
        "send_time": campaign.send_time,
        "send_weekday": None if campaign.send_weekday is None else WEEKDAYS[campaign.send_weekday],
        "recurrence": campaign.recurrence,
        "always_on": bool(campaign.always_on),
        "partner_title": campaign.partner_title,
        "partner_description": campaign.partner_description,
        "title": campaign.title,
        "banner_priority": campaign.banner_priority,
    }


# Campaigns (vendor)


@bp.get("/campaigns")
@vendor_required
def campaigns() -> dict[str, Any]:
    wanted = request.args.get("status")
    if wanted is not None and wanted not in {s.value for s in CampaignStatus}:
        raise InvalidInput(f"unknown status '{wanted}'", where="status")
    items = [campaign_json(c) for c in list_campaigns(db()) if wanted in (None, c.status)]
    return page_of(items)


@bp.post("/campaigns")
@vendor_required
def campaign_create() -> tuple[dict[str, Any], int]:
    body = parse_body(NewCampaign)
    kit = db().scalar(select(Kit).where(Kit.slug == body.kit))
    if kit is None:
        raise InvalidInput(f"no kit '{body.kit}'", where="kit")
    version = (
        db()
        .scalars(
            select(KitVersion).where(KitVersion.kit_id == kit.id).order_by(KitVersion.id.desc())
        )
        .first()
    )
    assert version is not None
    campaign = create_campaign_from(db(), version, body, actor=current_user.email)
    return campaign_json(campaign), 201


@bp.get("/campaigns/<int:campaign_id>")
@vendor_required
def campaign_get(campaign_id: int) -> dict[str, Any]:
    return campaign_json(get_campaign(db(), campaign_id))


@bp.patch("/campaigns/<int:campaign_id>")
@vendor_required
def campaign_edit(campaign_id: int) -> dict[str, Any]:
    """What partners read, the banner ranking, the consent default (marketers and admins);
    a new default moves every future item at once (`moved`)."""
    item = get_campaign(db(), campaign_id)
    rt = runtime()
    done = edit_campaign(
        db(),
        item,
        parse_body(CampaignEdit),
        rules=rt.settings.programme.rules(),
        now=rt.clock(),
        actor=current_user.email,
    )
    return {**campaign_json(item), "moved": done.moved}


@bp.post("/campaigns/<int:campaign_id>/<any(launch, pause, resume, cancel, retry):action>")
@vendor_required
def campaign_action(campaign_id: int, action: str) -> dict[str, Any]:
    item = get_campaign(db(), campaign_id)
    rt = runtime()
    count = run_action(
        db(),
        item,
        action,
        now=rt.clock(),
        actor=current_user.email,
        rules=rt.settings.programme.rules(),
    )
    if isinstance(count, RetryOutcome):
        return {
            **campaign_json(item),
            "deliveries": count.queued,
            "not_resent": count.not_resent,
            "message": count.sentence(),
        }
    return {**campaign_json(item), "deliveries": count}


@bp.get("/campaigns/<int:campaign_id>/status")
@vendor_required
def status(campaign_id: int) -> dict[str, Any]:
    return campaign_status(db(), campaign_id)


@bp.get("/campaigns/<int:campaign_id>/not-sent")
@vendor_required
def not_sent_items(campaign_id: int) -> dict[str, Any]:
    """The ledger's drill-down: what was not sent, with partner and reason, 100 a page."""
    page = requested_page(100, per_page=True)
    rows, total = not_sent(
        db(),
        get_campaign(db(), campaign_id),
        reason=request.args.get("reason") or None,
        channel=request.args.get("channel") or None,
        search=(request.args.get("q") or "").strip()[:100] or None,
        limit=page.size,
        offset=page.offset,
    )
    return {
        "total": total,
        "page": page.number,
        "per_page": page.size,
        "items": [
            {
                "partner": r.partner_slug,
                "partner_name": r.partner_name,
                "channel": r.channel,
                "recipient": r.recipient,
                "reason": r.reason,
                "label": r.label,
                "detail": r.detail,
            }
            for r in rows
        ],
    }


@bp.get("/campaigns/<int:campaign_id>/report")
@vendor_required
def report(campaign_id: int) -> Any:
    data = campaign_report(db(), campaign_id)
    if request.args.get("format") == "csv":
        return csv_response(report_rows(data), f"campaign-{campaign_id}-report.csv")
    return data


@bp.get("/audience-count")
@vendor_required
def audience() -> dict[str, int]:
    return audience_count(
        db(), {k: request.args.getlist(k) for k in AUDIENCE_KEYS if k in request.args}
    )


# Partners (vendor)


def partner_json(p: Any) -> dict[str, Any]:
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
@vendor_required
def partners() -> dict[str, Any]:
    page = requested_page(50, per_page=True)
    rows, total = find_partners(
        db(), partner_query(request.args), limit=page.size, offset=page.offset
    )
    return page_of([partner_json(p) for p in rows], total)


@bp.post("/partners")
@vendor_required
@accepts("text/csv")
def partners_import() -> tuple[dict[str, Any], int]:
    """The partner CSV as the request body (text/csv): all rows or none, as in the console."""
    if request.mimetype != "text/csv":
        raise InvalidInput(
            "send the CSV file as the body with Content-Type: text/csv", where="body"
        )
    result = import_partner_csv(db(), request.get_data(), "partners.csv", actor=current_user.email)
    rt = runtime()
    follow_running(db(), rt.settings.programme.rules(), now=rt.clock())  # who left an audience
    return {
        "created": result.created,
        "updated": result.updated,
        "warnings": list(result.warnings),
    }, 201


@bp.post("/kits")
@vendor_required
@accepts("application/zip")
def kits_upload() -> tuple[dict[str, Any], int]:
    """The kit folder as a zip body (application/zip); every problem in one answer."""
    if request.mimetype != "application/zip":
        raise InvalidInput(
            "send the zipped kit folder with Content-Type: application/zip", where="body"
        )
    version = load_kit_zip(db(), request.get_data(), "body", bootstrap.make_renderers)
    return {"kit": version.kit.slug, "version": version.content_hash}, 201


@bp.get("/partners/<slug>")
@vendor_required
def partner_get(slug: str) -> dict[str, Any]:
    return partner_json(get_partner(db(), slug))


@bp.get("/programme/report")
@vendor_required
def programme() -> Any:
    data = programme_report(db(), now=runtime().clock())
    if request.args.get("format") == "csv":
        return csv_response(data["campaigns"], "programme-participation.csv")
    return data


# The activation runway (vendor)


@bp.get("/runway/report")
@vendor_required
def runway() -> Any:
    rt = runtime()
    data = runway_report(db(), now=rt.clock(), quiet_days=rt.settings.runway.quiet_days)
    if request.args.get("format") == "csv":
        if request.args.get("table") == "summary":
            return csv_response(summary_rows(data), "runway-summary.csv")
        return csv_response(data["positions"], "runway-positions.csv")
    return data


@bp.post("/partners/<slug>/milestones")
@vendor_required
def partner_milestone(slug: str) -> dict[str, Any]:
    body = parse_body(MilestoneChange)
    partner = get_partner(db(), slug)
    when = body.reached_at or runtime().clock()
    changed = set_milestone(
        db(), partner, body.milestone, when, source="api", actor=current_user.email
    )
    return {"partner": slug, "milestone": body.milestone.value, "changed": changed}


@bp.put("/owners")
@vendor_required
def owners() -> dict[str, Any]:
    body = parse_body(OwnerChange)
    count = assign_owner(db(), body.owner, body.partners, actor=current_user.email)
    return {"owner": body.owner, "partners": count}


@bp.post("/milestones")
def milestone_callback() -> Any:
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
    return {"partner": data.partner, "milestone": data.milestone.value, "changed": changed}


# The partner's own (partner users: session or bearer token)


@bp.get("/me")
@partner_required
def me() -> dict[str, Any]:
    partner = current_partner()
    return {
        **partner_json(partner),
        "next_action": next_action(db(), partner, now=runtime().clock()),
    }


@bp.patch("/me/profile")
@partner_required
def me_profile() -> dict[str, Any]:
    body = parse_body(ProfileChange)
    partner = current_partner()
    values = {k: v for k, v in body.model_dump().items() if v is not None}
    rt = runtime()
    change = update_profile(db(), partner, values, None, actor=current_user.email, now=rt.clock())
    pending = None
    if change is not None:
        pending = change.email
        send_contact_confirmation(partner.name, change.email, change.token)
    return {
        **partner_json(partner),
        "pending_contact_email": pending or pending_contact(db(), partner.id, now=rt.clock()),
        "warnings": [str(w) for w in brand_warnings(partner)],
    }


@bp.get("/me/campaigns")
@partner_required
def me_campaigns() -> dict[str, Any]:
    rows = partner_campaigns(db(), current_partner(), runtime().settings.programme.rules())
    items = [
        {
            "id": r.campaign.id,
            # What partners read: the partner-facing title, never the vendor's own name.
            "name": r.campaign.title,
            "title": r.campaign.title,
            "description": r.campaign.description,
            "status": r.campaign.status,
            "launch_at": r.campaign.launch_at and r.campaign.launch_at.isoformat(),
            "modes": r.modes,
            "delivered": r.delivered,
            "waiting_for_review": r.waiting,
            "upcoming": [item.as_json() for item in r.upcoming],
        }
        for r in rows
    ]
    return page_of(items)


@bp.put("/me/consent")
@partner_required
def me_consent() -> dict[str, Any]:
    body = parse_body(ConsentChange)
    set_consent(
        db(),
        current_partner(),
        body.mode,
        campaign_id=body.campaign_id,
        channel=body.channel,
        actor=current_user.email,
        via="api",
        rules=runtime().settings.programme.rules(),
        now=runtime().clock(),
    )
    if body.reason is not None:
        kind = kind_of_decision(body.mode.value, body.campaign_id, body.channel)
        if kind is None:
            raise InvalidInput("a reason goes with switching off", where="reason")
        give_reason(
            db(),
            current_partner().id,
            kind,
            body.reason,
            campaign_id=body.campaign_id,
            channel=body.channel,
            comment=body.comment,
            actor=current_user.email,
            via="api",
            now=runtime().clock(),
        )
    return {
        "mode": body.mode.value,
        "campaign_id": body.campaign_id,
        "channel": body.channel,
        "reason": body.reason,
    }


@bp.get("/me/review")
@partner_required
def me_review() -> dict[str, Any]:
    items = [
        {
            "id": d.id,
            "campaign_id": d.campaign_id,
            "channel": d.channel,
            "asset": d.asset,
            "due_at": d.due_at.isoformat(),
        }
        for d in review_queue(db(), current_partner())
    ]
    return page_of(items)


@bp.post("/me/review/<int:delivery_id>")
@partner_required
def me_review_decide(delivery_id: int) -> dict[str, Any]:
    body = parse_body(Decision)
    if body.action not in ("approve", "skip"):
        raise InvalidInput("approve or skip", where="action")
    count = decide(
        db(),
        current_partner(),
        delivery_id,
        approve=body.action == "approve",
        actor=current_user.email,
        via="api",
        now=runtime().clock(),
    )
    return {"id": delivery_id, "action": body.action, "items": count}


@bp.get("/me/campaigns/<int:campaign_id>/assets")
@partner_required
def me_campaign_assets(campaign_id: int) -> dict[str, Any]:
    """The asset library (services/workspace/library.py) as data: each item with its kind,
    network, text to copy and download URLs, for the partner's own campaigns only."""
    shown = campaign_library(runtime(), db(), current_partner(), campaign_id)
    return {
        "campaign": {
            "id": shown.campaign.id,
            "name": shown.campaign.name,
            "status": shown.campaign.status,
        },
        "items": [_asset_json(campaign_id, item) for item in shown.items],
    }


def _asset_json(campaign_id: int, item: LibraryItem) -> dict[str, Any]:
    base = runtime().settings.public_base_url
    files = [
        {
            "name": f.name,
            "media_type": f.media_type,
            "url": base
            + url_for(
                "api.me_campaign_file", campaign_id=campaign_id, asset=item.asset, name=f.name
            ),
        }
        for f in item.files
    ]
    primary = next(
        (f for f in files if not str(f["media_type"]).startswith("text/plain")), None
    ) or (files[0] if files else None)
    return {
        "kind": item.kind,
        "channel": item.channel,
        "asset": item.asset,
        "network": item.network,
        "status": item.status,
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "text": item.text,
        "download_url": primary["url"] if primary else None,
        "files": files,
        **({"embed": item.extra} if item.kind == "embed" else {}),
        **({"signature": item.extra} if item.kind == "signature" else {}),
    }


@bp.get("/me/campaigns/<int:campaign_id>/assets/<asset>/<name>")
@partner_required
def me_campaign_file(campaign_id: int, asset: str, name: str) -> Response:
    shown = campaign_library(runtime(), db(), current_partner(), campaign_id)
    return file_response(shown.file(asset, name))


@bp.get("/me/signature")
@partner_required
def me_signature() -> dict[str, Any]:
    """The partner's email-signature snippet: paste `html` once; its image and link follow
    the current campaign (web/signature.py)."""
    partner = current_partner()
    settings = runtime().settings
    code = snippet(
        partner, settings.public_base_url, SignatureTokens(settings.signing_keys).make(partner.id)
    )
    return {"html": code.html, "image_url": code.image_url, "link_url": code.link_url}


@bp.get("/me/results")
@partner_required
def me_results() -> dict[str, Any]:
    return partner_results(db(), current_partner().id, now=runtime().clock())


# Attribution callbacks
