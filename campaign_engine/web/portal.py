"""The partner portal. Partners arrive through signed links in their notices: a preview of
what goes out in their name, and a one-click opt-out. (Sign-in by magic link, the review
queue and the dashboard come with the web issue.)"""

from __future__ import annotations

import base64

from flask import Blueprint, render_template

from campaign_engine.db import Partner
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.errors import NotFound
from campaign_engine.services.campaigns import get_campaign
from campaign_engine.services.consent import set_consent
from campaign_engine.services.customisation import customisations_for
from campaign_engine.services.kits import materialise
from campaign_engine.services.partnerlinks import PartnerLinks
from campaign_engine.services.preview import browser_html, preview_partner
from campaign_engine.web.session import db, runtime

bp = Blueprint("portal", __name__)


@bp.get("/")
def home() -> str:
    return render_template("portal/home.html")


def _resolve(token: str) -> tuple[Partner, object]:
    partner_id, campaign_id = PartnerLinks(runtime().settings.secret_key).read(token)
    partner = db().get(Partner, partner_id)
    if partner is None:
        raise NotFound("this link is not valid")
    return partner, get_campaign(db(), campaign_id)


@bp.get("/preview/<token>")
def preview(token: str) -> str:
    partner, campaign = _resolve(token)
    rt = runtime()
    kit = materialise(db(), campaign.kit_version, rt.settings.storage_dir)  # type: ignore[attr-defined]
    shown = preview_partner(
        kit,
        rt.renderers(kit),
        partner,
        rt.settings.public_base_url,
        storage_dir=rt.settings.storage_dir,
        customisations=customisations_for(db(), partner.id, campaign.kit_version),
    )  # type: ignore[attr-defined]
    images = [
        (f.name, base64.b64encode(f.content).decode())
        for a in shown.assets
        for f in a.files
        if f.media_type == "image/jpeg" and "-linkedin" in f.name
    ]
    email_html = browser_html(shown.email) if shown.email else ""
    return render_template(
        "portal/preview.html",
        partner=partner,
        campaign=campaign,
        token=token,
        email_html=email_html,
        images=images,
    )


@bp.get("/opt-out/<token>")
def opt_out_page(token: str) -> str:
    partner, campaign = _resolve(token)
    return render_template(
        "portal/opt_out.html", partner=partner, campaign=campaign, token=token, done=False
    )


@bp.post("/opt-out/<token>")
def opt_out(token: str) -> str:
    """The signed link is the authorisation: one click, no password (and no CSRF token,
    since the token itself is unguessable and single-purpose)."""
    partner, campaign = _resolve(token)
    set_consent(
        db(),
        partner,
        ConsentMode.OFF,
        campaign_id=campaign.id,  # type: ignore[attr-defined]
        actor=partner.contact_email,
        via="link",
    )
    return render_template(
        "portal/opt_out.html", partner=partner, campaign=campaign, token=token, done=True
    )
