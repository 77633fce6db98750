"""The partner's library of what each campaign made in its name (files to download, the
email as sent, posts per network) and its email signature. Routes on the portal
blueprint, the signed-in partner's own campaigns only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.db import Partner
from campaign_engine.domain.kit import (
    PLATFORM_SIZES,
)
from campaign_engine.services.feedback.ratings import by_asset
from campaign_engine.services.feedback.record import REASON_WORDS
from campaign_engine.services.workspace.library import (
    Library,
    campaign_library,
)
from campaign_engine.services.workspace.signature import banner_campaigns, pin_banner
from campaign_engine.services.workspace.snippet import SignatureTokens, snippet
from campaign_engine.web.frames import email_frame
from campaign_engine.web.partner_pages import (
    current_partner,
    file_response,
    optional_campaign_id,
    partner_required,
)
from campaign_engine.web.portal import bp
from campaign_engine.web.session import db, runtime


def partner_zone(partner: Partner) -> ZoneInfo:
    """The partner's own zone; a profile's zone the system lacks reads as UTC, not a 500."""
    try:
        return ZoneInfo(partner.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def library(campaign_id: int) -> Library:
    return campaign_library(runtime(), db(), current_partner(), campaign_id)


@bp.get("/campaigns/<int:campaign_id>")
@partner_required
def campaign_assets(campaign_id: int) -> str:
    shown = library(campaign_id)
    kinds: dict[str, list[Any]] = {}
    for item in shown.items:
        kinds.setdefault(item.kind, []).append(item)
    partner = current_partner()
    zone = partner_zone(partner)
    return render_template(
        "portal/campaign.html",
        partner=partner,
        library=shown,
        kinds=kinds,
        local=lambda at: at.astimezone(zone),
        sizes=PLATFORM_SIZES,  # each image's own size, so nothing moves as images load
        rows=_rows,
        ratings=by_asset(db(), partner.id, campaign_id),
        reason_words=REASON_WORDS,
    )


def _rows(text: str | None, width: int) -> int:
    """A text field tall enough to show all of its text (the link and hashtags at the end
    of a post included) at about `width` characters a line."""
    lines = (text or "").splitlines() or [""]
    return sum(1 + len(line) // width for line in lines) + 1


@bp.get("/campaigns/<int:campaign_id>/email")
@partner_required
def campaign_email(campaign_id: int) -> Response:
    return email_frame(library(campaign_id).email)


@bp.get("/campaigns/<int:campaign_id>/files/<asset>/<name>")
@partner_required
def campaign_file(campaign_id: int, asset: str, name: str) -> Response:
    return file_response(library(campaign_id).file(asset, name))


@bp.get("/signature")
@partner_required
def signature() -> str:
    """The snippet to paste once, the banner it shows now, and how to install it."""
    partner = current_partner()
    settings = runtime().settings
    token = SignatureTokens(settings.signing_keys).make(partner.id)
    return render_template(
        "portal/signature.html",
        partner=partner,
        code=snippet(partner, settings.public_base_url, token),
        token=token,
        live=banner_campaigns(runtime(), db(), partner),
    )


@bp.post("/signature/pin")
@partner_required
def signature_pin() -> Response:
    """Pin one of the partner's own live campaigns to its banner, or hand the choice back
    to the vendor's ranking (an empty campaign_id)."""
    partner = current_partner()
    campaign_id = optional_campaign_id(request.form.get("campaign_id"))
    pin_banner(runtime(), db(), partner, campaign_id, actor=current_user.email)
    flash(gettext("Saved: your banner shows this from now on."), "ok")
    return redirect(url_for("portal.signature"))
