"""What partners tell the vendor (/portal/feedback): a reason after switching off.

Who may use it: a partner's users (browser session, CSRF), for their own partner only;
a campaign the partner is not in the audience of is refused like any unknown one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.services.feedback.record import give_reason
from campaign_engine.services.feedback.report import campaign_feedback
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.portal import _optional_id, current_partner, partner_required
from campaign_engine.web.session import db, runtime

bp = Blueprint("portal_feedback", __name__)
# GET /api/v1/campaigns/<id>/feedback: the vendor's marketers and admins (session or token)
api_bp = Blueprint("feedback_api", __name__)


@bp.post("/reason")
@partner_required
def reason() -> str | Response:
    form = request.form
    campaign_id = _optional_id(form.get("campaign_id"))
    give_reason(
        db(),
        current_partner().id,
        form.get("kind", ""),
        form.get("reason", ""),
        campaign_id=campaign_id,
        channel=form.get("channel") or None,
        comment=form.get("comment"),
        actor=current_user.email,
        via="portal",
        now=runtime().clock(),
    )
    if request.headers.get("HX-Request"):
        return render_template(
            "portal/_reasons.html", campaign_id=campaign_id, ask=False, thanked=True
        )
    return redirect(url_for("portal.home"))


@api_bp.get("/campaigns/<int:campaign_id>/feedback")
@vendor_required
def campaign_feedback_json(campaign_id: int) -> dict[str, Any]:
    return campaign_feedback(db(), campaign_id)
