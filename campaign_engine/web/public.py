"""Public endpoints that recipients hit: tracked redirects, the open pixel, unsubscribe."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from campaign_engine.db import Delivery
from campaign_engine.domain.visitors import visitor_key
from campaign_engine.errors import NotFound
from campaign_engine.services.attribution.links import (
    UNKNOWN_LINK,
    OpenTokens,
    UnsubscribeTokens,
    redirect_target,
)
from campaign_engine.services.attribution.tracking import (
    click_event,
    open_event,
    unsubscribe,
    visitor_salt,
)
from campaign_engine.services.delivery.health.checks import Readiness
from campaign_engine.web.clicks import UNKNOWN
from campaign_engine.web.recorder import EventRecorder
from campaign_engine.web.session import db, runtime

bp = Blueprint("public", __name__)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def recorder() -> EventRecorder:
    return current_app.extensions["event_recorder"]


@bp.get("/healthz")
def health() -> dict[str, str]:
    """Alive: the process answers. Whether it can send is /readyz."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready() -> tuple[dict[str, object], int, dict[str, str]]:
    """Ready to send: database, broker (Celery), storage space, SMTP (connect + EHLO) and
    the background loops' heartbeats (services/delivery/health/checks.py). Public, like /healthz,
    so it names only the checks: their details (hosts, paths) stay in the log and in
    `campaign-engine doctor`. Results are cached for health.cache_seconds."""
    extensions = current_app.extensions
    readiness = extensions.get("readiness") or extensions.setdefault(
        "readiness", Readiness(runtime())
    )
    checks = readiness.current()
    failing = [c.name for c in checks if not c.ok]
    body: dict[str, object] = {
        "status": "not ready" if failing else "ready",
        "checks": {c.name: "ok" if c.ok else "failing" for c in checks},
    }
    if failing:
        body["failing"] = failing
    return body, 503 if failing else 200, {"Cache-Control": "no-store"}


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers and feed readers ask for it whatever the page links; anyone may, it grants
    nothing. A lasting redirect to the icon the pages link, instead of a 404 on every page."""
    response = redirect(url_for("static", filename="favicon.svg"), code=301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/r/<token>")
def follow(token: str) -> Response:
    """Reached when web/clicks.py, which answers known tokens, did not: so mostly an
    unknown token, which becomes the partner-facing 404 page."""
    if request.environ.get(UNKNOWN):
        raise NotFound(UNKNOWN_LINK)
    link, target = redirect_target(db(), token)
    agent = request.headers.get("User-Agent", "")
    recorder().add(**click_event(link, agent, runtime().clock(), _visitor(agent)))
    return redirect(target, code=302)


def _visitor(agent: str) -> str:
    salt = visitor_salt(runtime().settings.secret_key)
    return visitor_key(request.remote_addr, agent, salt)


@bp.get("/o/<token>.gif")
def pixel(token: str) -> Response:
    """Always the image (a broken image looks bad); counted only for a valid token."""
    delivery_id = OpenTokens(runtime().settings.signing_keys).read_quietly(token)
    delivery = db().get(Delivery, delivery_id) if delivery_id else None
    if delivery is not None:
        agent = request.headers.get("User-Agent", "")
        recorder().add(**open_event(delivery, agent, runtime().clock(), _visitor(agent)))
    response = Response(PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response


@bp.get("/u/<token>")
def unsubscribe_page(token: str) -> str:
    UnsubscribeTokens(runtime().settings.signing_keys).read(token)
    return render_template("public/unsubscribe.html", token=token, done=False)


@bp.post("/u/<token>")
def unsubscribe_now(token: str) -> str:
    """RFC 8058 one-click: a POST with List-Unsubscribe=One-Click, no login, no CSRF token
    (the signed token is the authorisation)."""
    delivery_id = UnsubscribeTokens(runtime().settings.signing_keys).read(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    unsubscribe(db(), delivery_id, via="one-click" if one_click else "page")
    return render_template("public/unsubscribe.html", token=token, done=True)
