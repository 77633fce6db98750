"""The vendor's campaigns, as data (/api/v1/campaigns..., /api/v1/audience-count): create,
read, edit and act on them, their progress, what they did not send, their report. For
the vendor's marketers and admins (session with X-CSRFToken, or a bearer token)."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user
from sqlalchemy import select

from campaign_engine.db import Kit, KitVersion
from campaign_engine.domain.audience import AUDIENCE_KEYS
from campaign_engine.domain.campaign_options import CampaignEdit
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.errors import InvalidInput
from campaign_engine.services.campaigns.audience import audience_count
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
from campaign_engine.services.insights.reports import campaign_report, report_rows
from campaign_engine.web.api_blueprint import bp
from campaign_engine.web.api_schemas import NewCampaign, Page
from campaign_engine.web.api_support import csv_response, page_of, parse_body, reply
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.campaign_schemas import (
    AudienceCount,
    AudienceQuery,
    Campaign,
    CampaignActed,
    CampaignEdited,
    CampaignsQuery,
    NotSentItem,
    NotSentQuery,
    Report,
    ReportQuery,
    Retried,
    Status,
)
from campaign_engine.web.openapi_ops import CSV, operation
from campaign_engine.web.paging import requested_page
from campaign_engine.web.session import db, runtime


@bp.get("/campaigns")
@operation(
    "Campaigns, newest last", query=CampaignsQuery, replies={200: Page[Campaign]}, problems=(422,)
)
@vendor_required
def campaigns() -> Response:
    wanted = request.args.get("status")
    if wanted is not None and wanted not in {s.value for s in CampaignStatus}:
        raise InvalidInput(f"unknown status '{wanted}'", where="status")
    items = [Campaign.fields_of(c) for c in list_campaigns(db()) if wanted in (None, c.status)]
    return reply(Page[Campaign], page_of(items))


@bp.post("/campaigns")
@operation("Create a campaign from a loaded kit", body=NewCampaign, replies={201: Campaign})
@vendor_required
def campaign_create() -> Response:
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
    return reply(Campaign, Campaign.fields_of(campaign), 201)


@bp.get("/campaigns/<int:campaign_id>")
@operation("One campaign", replies={200: Campaign}, problems=(404,))
@vendor_required
def campaign_get(campaign_id: int) -> Response:
    return reply(Campaign, Campaign.fields_of(get_campaign(db(), campaign_id)))


@bp.patch("/campaigns/<int:campaign_id>")
@operation(
    "What partners read, the banner ranking, the consent default (a new default moves "
    "every future item at once: `moved`)",
    body=CampaignEdit,
    replies={200: CampaignEdited},
    problems=(404, 409),
)
@vendor_required
def campaign_edit(campaign_id: int) -> Response:
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
    return reply(CampaignEdited, {**Campaign.fields_of(item), "moved": done.moved})


@bp.post("/campaigns/<int:campaign_id>/<any(launch, pause, resume, cancel, retry):action>")
@operation(
    "Launch, pause, resume or cancel the campaign, or retry its failed deliveries",
    replies={200: CampaignActed},
    variants={"retry": {200: Retried}},
    problems=(404, 409, 422),
)
@vendor_required
def campaign_action(campaign_id: int, action: str) -> Response:
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
        retried = {
            "deliveries": count.queued,
            "not_resent": count.not_resent,
            "message": count.sentence(),
        }
        return reply(Retried, {**Campaign.fields_of(item), **retried})
    return reply(CampaignActed, {**Campaign.fields_of(item), "deliveries": count})


@bp.get("/campaigns/<int:campaign_id>/status")
@operation(
    "Deliveries by channel and state (what the launch page polls)",
    replies={200: Status},
    problems=(404,),
)
@vendor_required
def status(campaign_id: int) -> Response:
    return reply(Status, campaign_status(db(), campaign_id))


@bp.get("/campaigns/<int:campaign_id>/not-sent")
@operation(
    "What the campaign did not send, with partner and reason (100 a page)",
    query=NotSentQuery,
    replies={200: Page[NotSentItem]},
    problems=(404, 422),
)
@vendor_required
def not_sent_items(campaign_id: int) -> Response:
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
    items = [
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
    ]
    shown = {"total": total, "page": page.number, "per_page": page.size, "items": items}
    return reply(Page[NotSentItem], shown)


@bp.get("/campaigns/<int:campaign_id>/report")
@operation(
    "The campaign's funnel per partner and channel (format=csv for a file)",
    query=ReportQuery,
    replies={200: (Report, CSV)},
    problems=(404,),
)
@vendor_required
def report(campaign_id: int) -> Response:
    data = campaign_report(db(), campaign_id)
    if request.args.get("format") == "csv":
        return csv_response(report_rows(data), f"campaign-{campaign_id}-report.csv")
    return reply(Report, data)


@bp.get("/audience-count")
@operation(
    "How many partners an audience filter reaches",
    query=AudienceQuery,
    replies={200: AudienceCount},
)
@vendor_required
def audience() -> Response:
    chosen = {k: request.args.getlist(k) for k in AUDIENCE_KEYS if k in request.args}
    return reply(AudienceCount, audience_count(db(), chosen))
