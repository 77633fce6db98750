"""JSON API v1: the same services as the pages, as data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from campaign_engine.errors import InvalidInput
from campaign_engine.services.attribution import InboundEvent, record_event
from campaign_engine.services.campaigns import campaign_status, list_campaigns
from campaign_engine.services.programme import programme_report
from campaign_engine.services.reports import campaign_report, report_rows, rows_to_csv
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.errors import problem
from campaign_engine.web.session import db, runtime

bp = Blueprint("api", __name__)


@bp.get("/campaigns")
@vendor_required
def campaigns() -> dict[str, Any]:
    items = [{"id": c.id, "name": c.name, "status": c.status} for c in list_campaigns(db())]
    return {"items": items}


@bp.get("/campaigns/<int:campaign_id>/status")
@vendor_required
def status(campaign_id: int) -> dict[str, Any]:
    return campaign_status(db(), campaign_id)


@bp.get("/campaigns/<int:campaign_id>/report")
@vendor_required
def report(campaign_id: int) -> Any:
    data = campaign_report(db(), campaign_id)
    if request.args.get("format") == "csv":
        return csv_response(report_rows(data), f"campaign-{campaign_id}-report.csv")
    return data


@bp.get("/programme/report")
@vendor_required
def programme() -> dict[str, Any]:
    return programme_report(db(), now=runtime().clock())


@bp.post("/events")
def events() -> Any:
    """Signed callbacks (Standard Webhooks). The library checks the signature and refuses a
    timestamp more than five minutes off; webhook-id makes retries count once."""
    body = request.get_data()
    try:
        Webhook(runtime().settings.webhooks.inbound_secret).verify(body, dict(request.headers))
    except WebhookVerificationError as exc:
        return problem(401, "Signature refused", str(exc))
    try:
        event = InboundEvent.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        return problem(422, "Invalid event", f"{field}: {first['msg']}")
    try:
        fresh = record_event(
            db(), event, dedupe_key=f"webhook:{request.headers['webhook-id']}", source="webhook"
        )
    except InvalidInput as exc:
        return problem(422, "Event cannot be attributed", str(exc))
    return {"status": "recorded" if fresh else "duplicate"}, 202 if fresh else 200


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    return Response(
        rows_to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
