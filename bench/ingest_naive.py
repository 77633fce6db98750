"""The web app of bench/ingest.py's naive baseline, served by the same Granian command.

The product's own app (campaign_engine.app.create_app) without the two WSGI layers that
answer in front of Flask: web/callbacks.py (POST /api/v1/events, group commit) and
web/clicks.py (GET /r/<token>, targets cached per process). In their place:

- POST /api/v1/events is a plain Flask view, as the API had it before the layer: the same
  Standard Webhooks signature check, the same pydantic validation, the same problem+json
  answers, then the event stored through the same service (record_event: resolve the
  tracking token, INSERT the event, count it, open its lead) in a transaction of its own,
  committed before the answer: one INSERT and one commit per event, no group commit.
- GET /r/<token> falls through to Flask's own view (web/public.follow): the link looked
  up in the database on every click, the click queued for the same event recorder.

Everything else (sessions, sign-in, CSRF, security headers) is the app as shipped.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from pydantic import ValidationError

from campaign_engine.app import create_app as product_app
from campaign_engine.errors import InvalidInput
from campaign_engine.services.attribution.callbacks import InboundEvent, record_event
from campaign_engine.web import auth
from campaign_engine.web.api_support import guard_writes
from campaign_engine.web.callbacks import PATH, SignedCallbacks, signature_error
from campaign_engine.web.clicks import TrackedRedirects
from campaign_engine.web.errors import first_error, problem


def create_app() -> Flask:
    app = product_app()
    inner = app.wsgi_app
    while isinstance(inner, TrackedRedirects | SignedCallbacks):
        inner = inner.app
    app.wsgi_app = inner  # type: ignore[method-assign]
    runtime = app.extensions["campaign_engine"]
    secret = runtime.settings.webhooks.inbound_secret

    def naive_events() -> Any:
        refused = guard_writes()  # what the API blueprint runs before its views
        if refused is not None:
            return refused
        body = request.get_data()
        wrong = signature_error(secret, body, request.headers)
        if wrong is not None:
            return problem(401, "Signature refused", wrong)
        try:
            event = InboundEvent.model_validate_json(body)
        except ValidationError as exc:
            field, message = first_error(exc)
            return problem(422, "Invalid event", f"{field}: {message}")
        try:
            with runtime.sessions.begin() as session:
                fresh = record_event(
                    session,
                    event,
                    dedupe_key=f"webhook:{request.headers['webhook-id']}",
                    source="webhook",
                )
        except InvalidInput as exc:
            return problem(422, "Event cannot be attributed", str(exc))
        return {"status": "recorded" if fresh else "duplicate"}, 202 if fresh else 200

    app.add_url_rule(PATH, "naive_events", naive_events, methods=["POST"])
    auth.csrf.exempt(naive_events)  # signed, like the API blueprint (exempt in the app)
    return app
