"""Error pages that say what to do, and RFC 9457 problem+json under /api."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from campaign_engine.errors import CampaignEngineError, InvalidInput, InvalidTransition, NotFound
from campaign_engine.web.session import discard

ADVICE = {
    404: "Check the address, or go back to the console home page.",
    400: "The request was not understood. Go back and try again.",
    405: "That action is not available here.",
    409: "The item changed meanwhile. Reload the page to see its current state.",
    422: "Some input was not accepted. Go back, correct it and try again.",
    500: "Something went wrong on our side. Try again in a minute; if it keeps happening, "
    "tell your administrator the time it happened.",
}


# Pages partners and recipients reach: their error pages point to the portal, not the
# console they cannot use, and say what they can do.
PARTNER_PATHS = ("/portal", "/u/", "/r/", "/embed/")
PARTNER_ADVICE = {
    400: "The request was not understood. Go back and try again.",
    404: "The link may be incomplete or out of date. Open the portal and sign in with your "
    "email address to see your campaigns.",
    422: "Ask for a new link: on the partner portal, enter your email address and press "
    "'Email me a sign-in link'.",
    500: "Something went wrong on our side. Try again in a minute.",
}
# Readable headings for the domain's error classes (API bodies keep the class names).
TITLES = {
    "InvalidInput": "This did not work",
    "NotFound": "Not found",
    "InvalidTransition": "Not possible right now",
}


def problem_body(status: int, title: str, detail: str) -> dict[str, Any]:
    """RFC 9457: the shape of every API error, from Flask views and web/callbacks.py."""
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


def first_error(exc: ValidationError) -> tuple[str, str]:
    """The field (dotted path, or "body") and message of a request body's first problem."""
    first = exc.errors()[0]
    return ".".join(str(part) for part in first["loc"]) or "body", first["msg"]


def problem(status: int, title: str, detail: str) -> Response:
    response = jsonify(problem_body(status, title, detail))
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _render(status: int, title: str, detail: str) -> tuple[str, int] | Response:
    discard()  # an error answer commits nothing the view wrote before it failed
    if request.path.startswith("/api/"):
        return problem(status, title, detail)
    partner_facing = request.path.startswith(PARTNER_PATHS)
    link_problem = detail.startswith("link:")  # InvalidInput(where="link"): a used link
    advice = PARTNER_ADVICE if partner_facing and (link_problem or status != 422) else ADVICE
    return render_template(
        "error.html",
        status=status,
        title=TITLES.get(title, title),
        detail=detail,
        advice=advice.get(status, advice[500]),
        partner_facing=partner_facing,
    ), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CampaignEngineError)
    def _domain(exc: CampaignEngineError) -> tuple[str, int] | Response:
        status = (
            404
            if isinstance(exc, NotFound)
            else 409
            if isinstance(exc, InvalidTransition)
            else 422
            if isinstance(exc, InvalidInput)
            else 400
        )
        return _render(status, type(exc).__name__, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int] | Response:
        return _render(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int] | Response:
        app.logger.exception("unhandled error")
        return _render(500, "Internal error", "An unexpected error occurred.")
