"""What each /api/v1 view says about itself, for /api/openapi.json (web/openapi.py) and for
the view's own answers (web/api_support.reply): its summary, the models of its body, query
and path, its replies per status, and the problems it may answer.

    @bp.get("/campaigns/<int:campaign_id>")
    @operation("One campaign", replies={200: Campaign}, problems=(404,))
    @vendor_required
    def campaign_get(campaign_id: int) -> Response: ...

A body or reply that is not JSON (a CSV, a zip, a file) is a `Media`; the write guard
(web/api_support.guard_writes) takes what a body's media type says, JSON otherwise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

JSON = "application/json"


@dataclass(frozen=True)
class Media:
    """A body that is not JSON: an upload or a download, described by its media type."""

    type: str
    description: str = ""
    typed: bool = True  # False: any bytes (even JSON ones), so no schema is checked

    def matches(self, mimetype: str) -> bool:
        main, _, sub = self.type.partition("/")
        return self.type == mimetype or (
            sub == "*" and (main == "*" or mimetype.startswith(main + "/"))
        )

    def content(self, *, upload: bool) -> dict[str, Any]:
        """Its Media Type Object."""
        if upload:  # a raw body, as it is sent
            return {"schema": {"type": "string", "format": "binary"}}
        if not self.typed:
            return {}
        return {"schema": {"type": "string", "description": self.description or self.type}}


CSV = Media("text/csv", "a CSV file (UTF-8), its first row the column names")
ZIP = Media("application/zip", "a zip archive")
# A file in its own media type (an image, a PDF, a text, JSON); clients read it as bytes.
FILE = (Media("application/octet-stream", typed=False), Media("*/*", typed=False))

Reply = type[BaseModel] | Media
Replies = Mapping[int, Reply | tuple[Reply, ...]]


@dataclass(frozen=True)
class Operation:
    summary: str
    replies: Mapping[int, tuple[Reply, ...]]
    body: type[BaseModel] | Media | None = None
    query: type[BaseModel] | None = None
    path: type[BaseModel] | None = None  # refines what the route's converters say
    problems: tuple[int, ...] = ()
    signed: bool = False  # a Standard Webhooks signature instead of a user
    # replies for one value of an <any(...)> segment, e.g. {"retry": {200: Retried}}
    variants: Mapping[str, Mapping[int, tuple[Reply, ...]]] = field(default_factory=dict)
    notes: Mapping[int, str] = field(default_factory=dict)  # a reply's own description

    def replies_for(self, values: Mapping[str, Any] | None) -> Mapping[int, tuple[Reply, ...]]:
        """The replies of the route as called (`values`: its path arguments)."""
        for value in (values or {}).values():
            if isinstance(value, str) and value in self.variants:
                return {**self.replies, **self.variants[value]}
        return self.replies

    @property
    def accepted(self) -> frozenset[str]:
        """The media types a body may have."""
        return frozenset({self.body.type if isinstance(self.body, Media) else JSON})


def _tuples(replies: Replies) -> dict[int, tuple[Reply, ...]]:
    return {code: r if isinstance(r, tuple) else (r,) for code, r in replies.items()}


def operation(
    summary: str,
    *,
    replies: Replies,
    body: type[BaseModel] | Media | None = None,
    query: type[BaseModel] | None = None,
    path: type[BaseModel] | None = None,
    problems: tuple[int, ...] = (),
    signed: bool = False,
    variants: Mapping[str, Replies] | None = None,
    notes: Mapping[int, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Describes the view it decorates (put it right under the route's decorator)."""
    described = Operation(
        summary=summary,
        replies=_tuples(replies),
        body=body,
        query=query,
        path=path,
        problems=problems,
        signed=signed,
        variants={value: _tuples(r) for value, r in (variants or {}).items()},
        notes=dict(notes or {}),
    )

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.openapi = described  # type: ignore[attr-defined]
        return view

    return mark


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    found = getattr(view, "openapi", None)
    return found if isinstance(found, Operation) else None
