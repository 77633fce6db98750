"""What every JSON API blueprint shares: the write guard (body type, CSRF for cookie
sessions), parsing a body into its pydantic model, paging a list, a CSV download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import BaseModel, ValidationError
from wtforms import ValidationError as FormValidationError

from campaign_engine.errors import InvalidInput
from campaign_engine.services.insights.reports import rows_to_csv
from campaign_engine.web.errors import first_error, problem
from campaign_engine.web.paging import bounded_int

M = TypeVar("M", bound=BaseModel)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = frozenset({"application/json"})


def accepts(*mimetypes: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a view whose body is not JSON (a CSV or a zip upload)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.accepted_mimetypes = frozenset(mimetypes)  # type: ignore[attr-defined]
        return view

    return mark


def guard_writes() -> Response | None:
    """Two rules for every write, before any view runs:
    - a body must be of the type the call takes (JSON unless marked), else 415, so a
      cross-site HTML form (urlencoded, multipart, text/plain) is refused outright;
    - a caller signed in by the browser's session cookie must send the CSRF token in an
      X-CSRFToken header (a bearer token cannot be sent by another site, so it needs none)."""
    if request.method not in WRITES or not current_user.is_authenticated:
        return None  # anonymous: the view answers 401 (or checks its own signature)
    view = current_app.view_functions.get(request.endpoint or "")
    allowed = getattr(view, "accepted_mimetypes", JSON_TYPES)
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
