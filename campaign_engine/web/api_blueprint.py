"""The "api" blueprint, /api/v1's own calls: web/api_campaigns.py, api_partners.py and
api_me.py add their routes to it, web/api.py gathers them for the app. Every write passes
the write guard; every JSON success is a reply model's (web/api_support.py)."""

from __future__ import annotations

from flask import Blueprint

from campaign_engine.web.api_support import guard_writes, replied_through_model

bp = Blueprint("api", __name__)
bp.before_request(guard_writes)
bp.after_request(replied_through_model)
