"""POST /api/v1/events, answered in front of Flask.

Attribution callbacks come from machines, in bursts (a CRM replaying a day of deals). Each
carries no cookie and no user and renders nothing, yet Flask's request context, session,
login and CSRF hooks were half the CPU of such a call (bench/ingest.py: about 1,500 events
a second through Flask, over 2,000 here, on two cores). So this one endpoint is served by
a small WSGI layer wrapped around the Flask app, with the same services and the same
problem+json answers as the rest of the API. Everything else passes straight to Flask.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_input_stream

from campaign_engine.errors import InvalidInput
from campaign_engine.services.attribution.callbacks import Inbound, InboundEvent
from campaign_engine.services.attribution.groupcommit import GroupCommitter
from campaign_engine.web.api_schemas import EventAccepted
from campaign_engine.web.errors import first_error, problem_body
from campaign_engine.web.headers import security_headers
from campaign_engine.web.openapi_ops import Operation

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

PATH = "/api/v1/events"
MAX_BODY = 64 * 1024  # an event is a few hundred bytes
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@lru_cache(maxsize=4)
def _webhook(secret: str) -> Webhook:
    """The secret is decoded once per process rather than on every callback."""
    return Webhook(secret)


def signature_error(secret: str, body: bytes, headers: Any) -> str | None:
    """Why a Standard Webhooks signature is refused, or None when it is valid. The library
    also refuses a timestamp more than five minutes off."""
    wanted = {name: headers.get(name, "") for name in SIGNATURE_HEADERS}
    try:
        _webhook(secret).verify(body, wanted, json_parse=False)
    except WebhookVerificationError as exc:
        return str(exc)
    except ValueError:  # binascii.Error: a signature that is not base64 ("v1,abc")
        return "webhook-signature is malformed: expected 'v1,<base64 HMAC-SHA256>'"
    return None


API_POLICY = "default-src 'none'; frame-ancestors 'none'"  # JSON: nothing to load or frame

Answer = tuple[int, dict[str, Any], dict[str, str]]  # status, JSON body, extra headers

# What /api/openapi.json says of this endpoint (web/openapi.py adds it to Flask's routes),
# and its two answers, written once through their model.
OPERATION = Operation(
    summary="Signed attribution callback (Standard Webhooks headers)",
    body=InboundEvent,
    replies={200: (EventAccepted,), 202: (EventAccepted,)},
    problems=(401, 413, 422, 503),
    signed=True,
    notes={200: "A repeat of a webhook-id already recorded", 202: "Recorded"},
)
RECORDED = EventAccepted(status="recorded").model_dump(mode="json")
DUPLICATE = EventAccepted(status="duplicate").model_dump(mode="json")


def problem(status: int, title: str, detail: str, **headers: str) -> Answer:
    """The same problem+json as web.errors.problem, without Flask's response object."""
    body = problem_body(status, title, detail)
    return status, body, {"Content-Type": "application/problem+json", **headers}


class SignedCallbacks:
    """The WSGI layer. Answers are written with start_response directly: werkzeug's
    Response object alone cost a tenth of a callback's CPU."""

    def __init__(
        self, app: WSGIApplication, secret: str, committer: GroupCommitter, *, https: bool
    ) -> None:
        self.app = app
        self.secret = secret
        self.committer = committer
        self.headers = dict(security_headers(API_POLICY, https=https, referrer="no-referrer"))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        status, body, headers = self.answer(environ)
        payload = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(payload))
        headers.update(self.headers)
        start_response(f"{status} {HTTPStatus(status).phrase}", list(headers.items()))
        return [payload]

    def answer(self, environ: WSGIEnvironment) -> Answer:
        if environ["REQUEST_METHOD"] != "POST":
            return problem(405, "Method not allowed", "Send callbacks with POST.", Allow="POST")
        try:
            body = get_input_stream(environ, max_content_length=MAX_BODY).read()
        except RequestEntityTooLarge:
            return problem(413, "Too large", f"An event is at most {MAX_BODY} bytes.")
        headers = EnvironHeaders(environ)
        refused = signature_error(self.secret, body, headers)
        if refused is not None:
            return problem(401, "Signature refused", refused)
        try:
            event = InboundEvent.model_validate_json(body)
        except ValidationError as exc:
            field, message = first_error(exc)
            return problem(422, "Invalid event", f"{field}: {message}")
        inbound = Inbound(event, f"webhook:{headers['webhook-id']}", "webhook")
        try:
            fresh = self.committer.submit(inbound)
        except InvalidInput as exc:
            return problem(422, "Event cannot be attributed", str(exc))
        except Exception:  # the database is down or slow: the sender keeps it and retries
            log.exception("could not store callback %s", inbound.dedupe_key)
            return problem(503, "Not stored", "Try again later.", **{"Retry-After": "30"})
        return (202, dict(RECORDED), {}) if fresh else (200, dict(DUPLICATE), {})
