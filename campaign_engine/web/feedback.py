"""What partners tell the vendor (/portal/feedback): a reason after switching off or
skipping, and the vendor's reading of them (per campaign and per kit).

Who may use it: POST /reason, a partner's users (browser session, CSRF), for their own
partner only (a skipped item must be one of the partner's own). POST /notice/<token>, the
holder of a notice link: the signed token names one partner and one campaign, so it adds
a reason to that partner's opt-out of that campaign only, after the opt-out, and a second
reason replaces the first. The feedback reports: the vendor's marketers and admins."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.services.feedback.record import REASON_WORDS, give_notice_reason, give_reason
from campaign_engine.services.feedback.report import (
    FeedbackReport,
    campaign_feedback,
    kit_feedback,
)
from campaign_engine.web.api_support import replied_through_model, reply
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.campaign_schemas import KitSlug
from campaign_engine.web.openapi_ops import operation
from campaign_engine.web.partner_pages import (
    current_partner,
    in_language_of,
    optional_campaign_id,
    partner_required,
    resolve_notice,
)
from campaign_engine.web.session import db, runtime

bp = Blueprint("portal_feedback", __name__)
# GET /api/v1/campaigns/<id>/feedback: the vendor's marketers and admins (session or token)
api_bp = Blueprint("feedback_api", __name__)
api_bp.after_request(replied_through_model)


@bp.post("/reason")
@partner_required
def reason() -> str | Response:
    form = request.form
    campaign_id = optional_campaign_id(form.get("campaign_id"))
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
        asset=form.get("asset") or None,
    )
    if request.headers.get("HX-Request"):
        return render_template(
            "portal/_reasons.html", campaign_id=campaign_id, ask=False, thanked=True
        )
    return redirect(url_for("portal.home"))


@bp.post("/notice/<token>")
def notice_reason(token: str) -> str:
    """The reason after a one-click opt-out from a notice: the token is the whole
    permission (as for the opt-out itself, no session and no CSRF token)."""
    partner, campaign = resolve_notice(token)
    give_notice_reason(
        db(),
        partner.id,
        campaign.id,
        request.form.get("reason", ""),
        comment=request.form.get("comment"),
        now=runtime().clock(),
    )
    htmx = request.headers.get("HX-Request")
    template = "portal/_reasons.html" if htmx else "portal/opt_out.html"
    return in_language_of(
        partner,
        template,
        partner=partner,
        campaign=campaign,
        campaign_id=campaign.id,
        token=token,
        done="off",
        ask=False,
        thanked=True,
        reason_words=REASON_WORDS,
    )


@api_bp.get("/campaigns/<int:campaign_id>/feedback")
@operation(
    "What partners said: opt-outs and skips by reason, channel, tier and region against "
    "the programme's baseline, ratings, comments and the most common edits",
    replies={200: FeedbackReport},
    problems=(404,),
)
@vendor_required
def campaign_feedback_json(campaign_id: int) -> Response:
    return reply(FeedbackReport, campaign_feedback(db(), campaign_id))


@api_bp.get("/kits/<slug>/feedback")
@operation(
    "The same over every launched campaign of one kit",
    path=KitSlug,
    replies={200: FeedbackReport},
    problems=(404,),
)
@vendor_required
def kit_feedback_json(slug: str) -> Response:
    return reply(FeedbackReport, kit_feedback(db(), slug))
