"""The vendor console: campaigns, their live progress, partners."""

from __future__ import annotations

from flask import Blueprint, render_template

from campaign_engine.services.campaigns import campaign_status, get_campaign, list_campaigns
from campaign_engine.services.partners import list_partners
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.session import db

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


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int) -> str:
    item = get_campaign(db(), campaign_id)
    return render_template(
        "console/campaign.html", campaign=item, status=campaign_status(db(), campaign_id)
    )


@bp.get("/partners")
def partners() -> str:
    return render_template("console/partners.html", partners=list_partners(db()))
