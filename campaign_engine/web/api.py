"""JSON API v1: the same services as the pages, as data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from campaign_engine.services.campaigns import campaign_status, list_campaigns
from campaign_engine.web.session import db

bp = Blueprint("api", __name__)


@bp.get("/campaigns")
def campaigns() -> dict[str, Any]:
    items = [{"id": c.id, "name": c.name, "status": c.status} for c in list_campaigns(db())]
    return {"items": items}


@bp.get("/campaigns/<int:campaign_id>/status")
def status(campaign_id: int) -> dict[str, Any]:
    return campaign_status(db(), campaign_id)
