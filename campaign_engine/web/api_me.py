"""The partner's own API (/api/v1/me...): its profile, its campaigns and how each channel
is set, the review queue, the asset library, the signature snippet, its results. For a
partner's users (session with X-CSRFToken, or their API token), their own partner only."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_login import current_user

from campaign_engine.errors import InvalidInput
from campaign_engine.services.access.confirmations import pending_contact
from campaign_engine.services.campaigns.review import decide, review_queue
from campaign_engine.services.feedback.record import give_reason, kind_of_decision
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.profile import brand_warnings, update_profile
from campaign_engine.services.partners.runway.nextaction import next_action
from campaign_engine.services.partners.view import partner_campaigns, partner_results
from campaign_engine.services.workspace.library import LibraryItem, campaign_library
from campaign_engine.services.workspace.snippet import SignatureTokens, snippet
from campaign_engine.web.api_blueprint import bp
from campaign_engine.web.api_partners import partner_fields
from campaign_engine.web.api_schemas import ConsentChange, Decision, Page, PageQuery, ProfileChange
from campaign_engine.web.api_support import page_of, parse_body, reply
from campaign_engine.web.me_schemas import (
    ConsentSaved,
    Decided,
    Library,
    MyCampaign,
    Results,
    ReviewItem,
    Signature,
)
from campaign_engine.web.openapi_ops import FILE, operation
from campaign_engine.web.partner_pages import (
    current_partner,
    file_response,
    partner_required,
    send_contact_confirmation,
)
from campaign_engine.web.partner_schemas import MyPartner, ProfileSaved
from campaign_engine.web.session import db, runtime


@bp.get("/me")
@operation("The signed-in partner, with its next action", replies={200: MyPartner})
@partner_required
def me() -> Response:
    partner = current_partner()
    action = next_action(db(), partner, now=runtime().clock())
    return reply(MyPartner, {**partner_fields(partner), "next_action": action})


@bp.patch("/me/profile")
@operation(
    "Change the partner's contact details and colours",
    body=ProfileChange,
    replies={200: ProfileSaved},
)
@partner_required
def me_profile() -> Response:
    body = parse_body(ProfileChange)
    partner = current_partner()
    values = {k: v for k, v in body.model_dump().items() if v is not None}
    rt = runtime()
    change = update_profile(db(), partner, values, None, actor=current_user.email, now=rt.clock())
    pending = None
    if change is not None:
        pending = change.email
        send_contact_confirmation(partner.name, change.email, change.token)
    shown = {
        **partner_fields(partner),
        "pending_contact_email": pending or pending_contact(db(), partner.id, now=rt.clock()),
        "warnings": [str(w) for w in brand_warnings(partner)],
    }
    return reply(ProfileSaved, shown)


@bp.get("/me/campaigns")
@operation(
    "The partner's campaigns and how each channel is set",
    query=PageQuery,
    replies={200: Page[MyCampaign]},
    problems=(422,),
)
@partner_required
def me_campaigns() -> Response:
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
    return reply(Page[MyCampaign], page_of(items))


@bp.put("/me/consent")
@operation(
    "Switch a campaign and/or channel to auto, review or off; switching off may say why "
    "(reason, comment), which the vendor's feedback page shows",
    body=ConsentChange,
    replies={200: ConsentSaved},
    problems=(404,),
)
@partner_required
def me_consent() -> Response:
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
        _give_reason(body)
    shown = {
        "mode": body.mode,
        "campaign_id": body.campaign_id,
        "channel": body.channel,
        "reason": body.reason,
    }
    return reply(ConsentSaved, shown)


def _give_reason(body: ConsentChange) -> None:
    kind = kind_of_decision(body.mode.value, body.campaign_id, body.channel)
    if kind is None or body.reason is None:
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


@bp.get("/me/review")
@operation(
    "Items waiting for the partner's approval",
    query=PageQuery,
    replies={200: Page[ReviewItem]},
    problems=(422,),
)
@partner_required
def me_review() -> Response:
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
    return reply(Page[ReviewItem], page_of(items))


@bp.post("/me/review/<int:delivery_id>")
@operation(
    "Approve or skip a held item", body=Decision, replies={200: Decided}, problems=(404, 409)
)
@partner_required
def me_review_decide(delivery_id: int) -> Response:
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
    return reply(Decided, {"id": delivery_id, "action": body.action, "items": count})


@bp.get("/me/campaigns/<int:campaign_id>/assets")
@operation(
    "The campaign's asset library: every item with its text and downloads",
    replies={200: Library},
    problems=(404,),
)
@partner_required
def me_campaign_assets(campaign_id: int) -> Response:
    """The asset library (services/workspace/library.py) as data: each item with its kind,
    network, text to copy and download URLs, for the partner's own campaigns only."""
    shown = campaign_library(runtime(), db(), current_partner(), campaign_id)
    library = {
        "campaign": {
            "id": shown.campaign.id,
            "name": shown.campaign.name,
            "status": shown.campaign.status,
        },
        "items": [_asset_fields(campaign_id, item) for item in shown.items],
    }
    return reply(Library, library)


def _asset_fields(campaign_id: int, item: LibraryItem) -> dict[str, Any]:
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
@operation(
    "One file of the asset library (an image, the brochure, a text)",
    replies={200: FILE},
    problems=(404,),
    notes={200: "The file, in its own media type (image/png, application/pdf, text/html...)"},
)
@partner_required
def me_campaign_file(campaign_id: int, asset: str, name: str) -> Response:
    shown = campaign_library(runtime(), db(), current_partner(), campaign_id)
    return file_response(shown.file(asset, name))


@bp.get("/me/signature")
@operation(
    "The email-signature snippet: paste once, it follows the live campaign",
    replies={200: Signature},
)
@partner_required
def me_signature() -> Response:
    """The partner's email-signature snippet: paste `html` once; its image and link follow
    the current campaign (web/signature.py)."""
    partner = current_partner()
    settings = runtime().settings
    code = snippet(
        partner, settings.public_base_url, SignatureTokens(settings.signing_keys).make(partner.id)
    )
    return reply(
        Signature, {"html": code.html, "image_url": code.image_url, "link_url": code.link_url}
    )


@bp.get("/me/results")
@operation("Clicks, leads, pipeline and revenue per campaign and week", replies={200: Results})
@partner_required
def me_results() -> Response:
    return reply(Results, partner_results(db(), current_partner().id, now=runtime().clock()))
