"""Public endpoints that recipients hit: tracked redirects, unsubscribe, health."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request

from campaign_engine.services.links import UnsubscribeTokens, redirect_target
from campaign_engine.services.tracking import record_click, unsubscribe
from campaign_engine.web.session import db, runtime

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/r/<token>")
def follow(token: str) -> Response:
    link, target = redirect_target(db(), token)
    record_click(db(), link, request.headers.get("User-Agent", ""))
    return redirect(target, code=302)


@bp.get("/u/<token>")
def unsubscribe_page(token: str) -> str:
    UnsubscribeTokens(runtime().settings.secret_key).read(token)
    return render_template("public/unsubscribe.html", token=token, done=False)


@bp.post("/u/<token>")
def unsubscribe_now(token: str) -> str:
    """RFC 8058 one-click: a POST with List-Unsubscribe=One-Click, no login, no CSRF token
    (the signed token is the authorisation)."""
    delivery_id = UnsubscribeTokens(runtime().settings.secret_key).read(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    unsubscribe(db(), delivery_id, via="one-click" if one_click else "page")
    return render_template("public/unsubscribe.html", token=token, done=True)
