"""What every JSON API blueprint shares: the write guard (body type, CSRF for cookie
sessions), parsing a body into its pydantic model, answering through a reply model, paging
a list, a CSV download."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import BaseModel, ValidationError
from wtforms import ValidationError as FormValidationError

from campaign_engine.errors import InvalidInput
from campaign_engine.services.insights.reports import rows_to_csv
from campaign_engine.web.errors import first_error, problem
from campaign_engine.web.openapi_ops import JSON, Media, operation_of
from campaign_engine.web.paging import bounded_int

M = TypeVar("M", bound=BaseModel)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = frozenset({JSON})


def guard_writes() -> Response | None:
    """Two rules for every write, before any view runs:
    - a body must be of the type the call takes (JSON unless its operation's body is a
      Media, web/openapi_ops.py), else 415, so a cross-site HTML form (urlencoded,
      multipart, text/plain) is refused outright;
    - a caller signed in by the browser's session cookie must send the CSRF token in an
      X-CSRFToken header (a bearer token cannot be sent by another site, so it needs none)."""
    if request.method not in WRITES or not current_user.is_authenticated:
        return None  # anonymous: the view answers 401 (or checks its own signature)
    described = operation_of(current_app.view_functions.get(request.endpoint or ""))
    allowed = described.accepted if described is not None else JSON_TYPES
    if (request.content_type or request.content_length) and request.mimetype not in allowed:
        return problem(
            415,
            "Unsupported media type",
            f"send the body as {' or '.join(sorted(allowed))} (got {request.mimetype or 'none'})",
        )
    by_cookie = current_user.session_token is not None  # None: the bearer token loaded it
    if by_cookie and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except FormValidationError as exc:
            return problem(403, "CSRF token missing or wrong", f"{exc} Send it as X-CSRFToken.")
    return None


def parse_body(model: type[M]) -> M:
    """The JSON body as `model`; a problem names the field (422), never a 500."""
    try:
        return model.model_validate_json(request.get_data() or b"{}")
    except ValidationError as exc:
        field, message = first_error(exc)
        raise InvalidInput(message, where=field) from None


def reply(model: type[M], data: Any, status: int = 200) -> Response:
    """The answer, validated by `model` and written as its JSON: a field the model lacks, a
    value of the wrong type, or a model the view's operation does not list for `status`
    fails here (a 500, caught by the tests), never reaching a client as an undescribed
    shape."""
    described = operation_of(current_app.view_functions.get(request.endpoint or ""))
    listed = () if described is None else described.replies_for(request.view_args).get(status)
    if model not in (listed or ()):
        raise RuntimeError(f"{request.endpoint} does not document {model.__name__} for {status}")
    response = current_app.json.response(model.model_validate(data).model_dump(mode="json"))
    response.status_code = status
    response.described = True  # type: ignore[attr-defined]
    return response


def replied_through_model(response: Response) -> Response:
    """after_request of every API blueprint: a success is either made by `reply` (JSON,
    through its model) or of a media type the operation documents for it (a CSV, a zip, a
    file); anything else is a view answering what the document does not describe."""
    if not 200 <= response.status_code < 300 or getattr(response, "described", False):
        return response
    described = operation_of(current_app.view_functions.get(request.endpoint or ""))
    replies = described.replies_for(request.view_args) if described is not None else {}
    listed = replies.get(response.status_code, ())
    if not any(isinstance(r, Media) and r.matches(response.mimetype) for r in listed):
        raise RuntimeError(f"{request.endpoint} answered {response.mimetype}, undocumented")
    return response


def page_of(items: list[Any], total: int | None = None) -> dict[str, Any]:
    """?page=1&per_page=50 (at most 200); the total lets clients show page counts. Given a
    total, `items` is that page already (the query was cut in the database)."""
    page = bounded_int("page", 1, 1, 1_000_000)
    per_page = bounded_int("per_page", 50, 1, 200)
    if total is None:
        start = (page - 1) * per_page
        total, items = len(items), items[start : start + per_page]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    return Response(
        rows_to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
