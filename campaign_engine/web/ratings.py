"""Asset ratings and the vendor's replies (services/feedback/ratings.py, replies.py).

Who may use what:
- POST /portal/ratings (CSRF): a partner's users rate an asset of their own campaign
  (its library or review queue); any other campaign or asset is a 404. htmx swaps the
  widget in place; without JavaScript the form posts and the page comes back.
- POST /api/v1/me/campaigns/<id>/assets/<asset>/rating, GET /api/v1/me/feedback: the same
  as data (session with X-CSRFToken, or the member's bearer token).
- POST /campaigns/<id>/feedback/<feedback_id>/reply (CSRF), POST
  /api/v1/feedback/<feedback_id>/reply: the vendor's marketers and admins answer what a
  partner said; the partner's users are emailed and the portal shows it.

Every mail these raise is committed with its cause first, then sent (feedback/mail.py);
what a failed send leaves is sent by the scheduler's feedback job."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.db import PartnerFeedback
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput
from campaign_engine.services.feedback.mail import send_pending
from campaign_engine.services.feedback.ratings import rate_asset, rating_json, ratings_of
from campaign_engine.services.feedback.record import REASON_WORDS
from campaign_engine.services.feedback.replies import reply_to
from campaign_engine.web.api_support import guard_writes, parse_body, replied_through_model
from campaign_engine.web.api_support import reply as answer  # `reply` is the console's view
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.openapi_ops import operation
from campaign_engine.web.partner_pages import (
    current_partner,
    optional_campaign_id,
    partner_required,
)
from campaign_engine.web.rating_schemas import (
    AssetPath,
    AssetRating,
    AssetRatingIn,
    AssetRatingList,
    FeedbackReply,
    FeedbackReplyIn,
)
from campaign_engine.web.session import db, runtime

portal_bp = Blueprint("portal_ratings", __name__)
console_bp = Blueprint("console_replies", __name__)
api_bp = Blueprint("ratings_api", __name__)
api_bp.before_request(guard_writes)
api_bp.after_request(replied_through_model)

USEFUL = {"yes": True, "no": False}
BACK = ("library", "review")


def _send_now() -> None:
    """Commit what the view wrote (the rating or reply and the mails it owes), then send:
    a mail never leaves for something that was rolled back."""
    db().commit()
    send_pending(runtime())


# The partner's pages


@portal_bp.post("")
@partner_required
def rate() -> str | Response:
    form = request.form
    campaign_id = optional_campaign_id(form.get("campaign_id"))
    if campaign_id is None:
        raise InvalidInput(N_("not a campaign id"), where="campaign_id")
    useful = USEFUL.get(form.get("useful", ""))
    if useful is None:
        raise InvalidInput(N_("choose useful or not useful"), where="useful")
    back = form.get("back") if form.get("back") in BACK else "library"
    row = rate_asset(
        db(),
        current_partner(),
        campaign_id,
        form.get("asset", ""),
        useful=useful,
        reason=form.get("reason") or None,
        comment=form.get("comment"),
        actor=current_user.email,
        via="portal",
        now=runtime().clock(),
    )
    _send_now()
    if request.headers.get("HX-Request"):
        return render_template(
            "portal/_rating.html",
            campaign_id=campaign_id,
            asset=row.asset,
            rating=row,
            back=back,
            reason_words=REASON_WORDS,
            saved=True,
        )
    if back == "review":
        return redirect(url_for("portal.review"))
    anchor = f"rating-{campaign_id}-{row.asset}"
    return redirect(url_for("portal.campaign_assets", campaign_id=campaign_id, _anchor=anchor))


# The partner's API


@api_bp.post("/me/campaigns/<int:campaign_id>/assets/<asset>/rating")
@operation(
    "Rate an asset of one of your campaigns useful or not (again: replaces it)",
    path=AssetPath,
    body=AssetRatingIn,
    replies={200: AssetRating},
    problems=(404,),
)
@partner_required
def me_rate(campaign_id: int, asset: str) -> Response:
    body = parse_body(AssetRatingIn)
    row = rate_asset(
        db(),
        current_partner(),
        campaign_id,
        asset,
        useful=body.useful,
        reason=body.reason,
        comment=body.comment,
        actor=current_user.email,
        via="api",
        now=runtime().clock(),
    )
    out = answer(AssetRating, rating_json(row))
    _send_now()
    return out


@api_bp.get("/me/feedback")
@operation("Your asset ratings, with the vendor's replies", replies={200: AssetRatingList})
@partner_required
def me_feedback() -> Response:
    """The partner's ratings, each with the vendor's reply when there is one."""
    items = [rating_json(r) for r in ratings_of(db(), current_partner().id)]
    return answer(AssetRatingList, {"items": items})


# The vendor's reply


def _reply(feedback_id: int, text: str | None, campaign_id: int | None = None) -> PartnerFeedback:
    return reply_to(
        db(),
        feedback_id,
        text,
        actor=current_user.email,
        now=runtime().clock(),
        vendor=runtime().settings.programme.name,
        campaign_id=campaign_id,
    )


@console_bp.post("/campaigns/<int:campaign_id>/feedback/<int:feedback_id>/reply")
@vendor_required
def reply(campaign_id: int, feedback_id: int) -> Response:
    row = _reply(feedback_id, request.form.get("reply"), campaign_id)
    _send_now()
    flash("Reply saved: the partner's users are emailed it and read it in their portal.", "ok")
    return redirect(url_for("console.campaign", campaign_id=campaign_id, _anchor=f"said-{row.id}"))


@api_bp.post("/feedback/<int:feedback_id>/reply")
@operation(
    "Reply to what a partner said (emailed to its users, shown in its portal)",
    body=FeedbackReplyIn,
    replies={200: FeedbackReply},
    problems=(404,),
)
@vendor_required
def api_reply(feedback_id: int) -> Response:
    body = parse_body(FeedbackReplyIn)
    row = _reply(feedback_id, body.reply)
    shown = {
        "id": row.id,
        "partner_id": row.partner_id,
        "campaign_id": row.campaign_id,
        "reply": row.reply,
        "replied_by": row.replied_by,
        "replied_at": row.replied_at.isoformat() if row.replied_at else None,
    }
    out = answer(FeedbackReply, shown)
    _send_now()
    return out
