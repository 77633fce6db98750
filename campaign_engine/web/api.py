"""JSON API v1: the same services as the pages, as data, described by /api/openapi.json
(generated from the routes and their models: web/openapi.py); errors are RFC 9457
problem+json (web/errors.py).

The "api" blueprint's calls, by audience: the vendor's campaigns (web/api_campaigns.py),
its partners and programme (web/api_partners.py), the partner's own (web/api_me.py). The
other /api/v1 blueprints: web/mdf_api.py, leads.py, feedback.py, ratings.py, privacy.py;
POST /api/v1/events is answered before Flask (web/callbacks.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from campaign_engine.web import api_campaigns, api_me, api_partners
from campaign_engine.web.api_blueprint import bp
from campaign_engine.web.openapi import openapi_document

__all__ = ["api_campaigns", "api_me", "api_partners", "bp", "spec_bp"]

spec_bp = Blueprint("openapi", __name__)


@spec_bp.get("/api/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document(current_app)
