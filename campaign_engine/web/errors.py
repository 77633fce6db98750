"""Error pages that say what to do, and RFC 9457 problem+json under /api."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import get_translations, gettext
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from campaign_engine.domain.words import N_
from campaign_engine.errors import CampaignEngineError, InvalidInput, InvalidTransition, NotFound
from campaign_engine.web.formats import page_language
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
# console they cannot use, say what they can do, and say it in the reader's language
# (the signed-in partner's, or the browser's).
PARTNER_PATHS = ("/portal", "/u/", "/r/", "/embed/")
PARTNER_ADVICE = {
    400: N_("The request was not understood. Go back and try again."),
    404: N_(
        "The link may be incomplete or out of date. Open the portal and sign in with your "
        "email address to see your campaigns."
    ),
    422: N_(
        "Ask for a new link: on the partner portal, enter your email address and press "
        "'Email me a sign-in link'."
    ),
    403: N_("Sign in to the partner portal with the address the programme gave access to."),
    405: N_("Go back to the page and use its buttons."),
    409: N_("Reload the page to see its current state."),
    429: N_("Wait a minute and try again."),
    500: N_("Something went wrong on our side. Try again in a minute."),
}
INPUT_ADVICE = N_("Some input was not accepted. Go back, correct it and try again.")
PARTNER_TITLES = {
    400: N_("This did not work"),
    403: N_("Not available to you"),
    404: N_("Not found"),
    405: N_("Not available here"),
    409: N_("Not possible right now"),
    422: N_("This did not work"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
}
# Said instead of a message the reader's language has no words for (one with a name or a
# number in it, a library's own): what happened, if not every detail of it.
PARTNER_DETAILS = {
    400: N_("The request was not understood."),
    403: N_("This page is for the members of a partner, signed in."),
    404: N_("There is nothing here, or nothing of yours."),
    405: N_("That action is not available here."),
    409: N_("This changed meanwhile: reload the page to see it as it is now."),
    422: N_("Some input was not accepted."),
    429: N_("Too many requests from here: wait a minute and try again."),
    500: N_("An unexpected error occurred."),
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


def _render(
    status: int, title: str, detail: str, where: str | None = None, message: str | None = None
) -> tuple[str, int] | Response:
    """`where` and `message`: an InvalidInput's, which `detail` joins."""
    discard()  # an error answer commits nothing the view wrote before it failed
    if request.path.startswith("/api/"):
        return problem(status, title, detail)
    if request.path.startswith(PARTNER_PATHS):
        return _partner_page(status, message or detail, link_problem=where == "link")
    return render_template(
        "error.html",
        status=status,
        title=TITLES.get(title, title),
        detail=detail,
        advice=ADVICE.get(status, ADVICE[500]),
        words={"what": "What to do:", "back": "Back to the console", "error": f"Error {status}"},
        partner_facing=False,
    ), status


def _partner_page(status: int, message: str, *, link_problem: bool) -> tuple[str, int]:
    """A partner's error page, all of it in the reader's language. A used or expired link
    (InvalidInput where="link") is a 422 whose advice is the link advice."""
    if status == 422 and not link_problem:
        advice = INPUT_ADVICE
    else:
        advice = PARTNER_ADVICE.get(status, PARTNER_ADVICE[500])
    return render_template(
        "error.html",
        status=status,
        title=gettext(PARTNER_TITLES.get(status, PARTNER_TITLES[500])),
        detail=_in_words(message, status),
        advice=gettext(advice),
        words={
            "what": gettext("What to do:"),
            "back": gettext("Go to the partner portal"),
            "error": gettext("Error %(status)s", status=status),
        },
        partner_facing=True,
    ), status


def _in_words(message: str, status: int) -> str:
    """The message in the reader's language where the catalogue has it (the messages the
    portal and its links raise are marked for it); in English as it is; otherwise what
    happened in general words, rather than a sentence the reader may not read."""
    said = get_translations().gettext(message)
    if said != message or page_language() == "en":
        return said
    return gettext(PARTNER_DETAILS.get(status, PARTNER_DETAILS[500]))


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
        where, message = (exc.where, exc.detail) if isinstance(exc, InvalidInput) else (None, None)
        return _render(status, type(exc).__name__, str(exc), where, message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int] | Response:
        return _render(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int] | Response:
        app.logger.exception("unhandled error")
        return _render(500, "Internal error", N_("An unexpected error occurred."))
