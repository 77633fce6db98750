"""The OpenAPI 3.1 description of /api/v1, served at /api/openapi.json, generated: every
route of the app's url_map under /api/v1 (its converters are the path parameters), what
its view says of itself (web/openapi_ops.operation: summary, body, query, replies, problems),
and the JSON Schemas of the pydantic models the views parse and answer with. The views
answer through the same models (web/api_support.reply), so the two cannot drift.

POST /api/v1/events is answered before Flask (web/callbacks.py); its operation is declared
there and added here."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from campaign_engine.web import callbacks
from campaign_engine.web.api_schemas import Problem
from campaign_engine.web.openapi_ops import JSON, Media, Operation, operation_of

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
WRITES = frozenset({"post", "put", "patch", "delete"})
PROBLEM_TEXT = {
    400: "Malformed request",
    401: "Not signed in, or a bad token or signature",
    403: "Signed in, but not allowed (or, with the browser session, no X-CSRFToken header)",
    404: "No such item",
    409: "Not possible in the item's current state",
    413: "Body too large",
    415: "Send the body as application/json (or the type the call names)",
    422: "Input not accepted: the detail names the field",
    503: "Not stored this time (the database is unavailable): retry later",
}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Found:
    """One operation of the document: a path (with any <any(...)> segment filled in),
    a method and what its view says."""

    path: str
    method: str
    operation: Operation
    rule: Rule | None  # None: answered before Flask
    values: dict[str, str]  # the filled-in <any(...)> segments


def openapi_document(app: Flask) -> dict[str, Any]:
    """Built once per app: the routes do not change once it serves."""
    if "openapi_document" not in app.extensions:
        app.extensions["openapi_document"] = build_document(app)
    document: dict[str, Any] = app.extensions["openapi_document"]
    return document


def build_document(app: Flask) -> dict[str, Any]:
    found = [*_routes(app), Found("/events", "post", callbacks.OPERATION, None, {})]
    schemas = Schemas([f.operation for f in found])
    paths: dict[str, dict[str, Any]] = {}
    for item in found:
        paths.setdefault(item.path, {})[item.method] = _operation(item, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "campaign-engine",
            "version": "1",
            "description": "Vendor endpoints need an admin or marketer; /me endpoints a "
            "partner user. Errors are RFC 9457 problem+json.",
        },
        "servers": [{"url": PREFIX}],
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "the browser's sign-in; writes also need the page's CSRF "
                    "token in an X-CSRFToken header",
                },
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


def _routes(app: Flask) -> Iterator[Found]:
    """Every /api/v1 rule and method; a view that does not describe itself is an error."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        described = operation_of(app.view_functions[rule.endpoint])
        if described is None:
            raise RuntimeError(f"{rule.rule} ({rule.endpoint}) has no @operation")
        choices = [
            [(m["name"], v.strip()) for v in m["args"].split(",")]
            for m in ARGUMENT.finditer(rule.rule)
            if m["converter"] == "any"
        ]
        for chosen in itertools.product(*choices):
            values = dict(chosen)
            path = _filled(rule.rule, values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield Found(path.removeprefix(PREFIX), method.lower(), described, rule, values)


def _filled(rule: str, values: dict[str, str]) -> str:
    """The rule as an OpenAPI path: {name} for each argument, `values` filled in."""
    return ARGUMENT.sub(lambda m: values.get(m["name"], "{" + m["name"] + "}"), rule)


class _Names(GenerateJsonSchema):
    """Component names as clients read them: Page[Campaign] is "CampaignPage"."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(re.sub(r"^(\w+)\[(\w+)\]$", r"\2\1", name))


class Schemas:
    """The JSON Schemas of every model the operations name, as components; a query or path
    model is no component, its fields are parameters."""

    def __init__(self, operations: list[Operation]) -> None:
        wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
            (Problem, "serialization"): None
        }
        parameters: set[type[BaseModel]] = set()
        for op in operations:
            for model in (op.query, op.path):
                if model is not None:
                    parameters.add(model)
                    wanted[(model, "validation")] = None
            if isinstance(op.body, type):
                wanted[(op.body, "validation")] = None
            for replies in (op.replies, *op.variants.values()):
                for reply in itertools.chain(*replies.values()):
                    if isinstance(reply, type):
                        wanted[(reply, "serialization")] = None
        refs, document = models_json_schema(list(wanted), ref_template=REF, schema_generator=_Names)
        self.refs = {model: ref["$ref"] for (model, _), ref in refs.items()}
        defs: dict[str, Any] = document.get("$defs", {})
        self.parameters = {model: defs.pop(self._name(model)) for model in parameters}
        odd = sorted(name for name in defs if not NAME.fullmatch(name))
        if odd:  # two models of one name, or one model read and written differently
            raise RuntimeError(f"OpenAPI schemas named ambiguously: {', '.join(odd)}")
        self.components = dict(sorted(defs.items()))

    def _name(self, model: type[BaseModel]) -> str:
        return self.refs[model].rsplit("/", 1)[1]

    def ref(self, model: type[BaseModel]) -> dict[str, str]:
        return {"$ref": self.refs[model]}

    def parameters_of(self, model: type[BaseModel], where: str) -> dict[str, dict[str, Any]]:
        """The model's fields as parameters `in` where, by name."""
        schema = self.parameters[model]
        required = set(schema.get("required", ()))
        found = {}
        for name, field in schema["properties"].items():
            field = {k: v for k, v in field.items() if k != "title"}
            described = field.pop("description", None)
            parameter = {
                "name": name,
                "in": where,
                "required": where == "path" or name in required,
                "schema": _not_null(field),
            }
            if described:
                parameter["description"] = described
            found[name] = parameter
        return found


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter left out is None to the model; null itself cannot be sent."""
    if "anyOf" not in schema:
        return schema
    choices = [c for c in schema["anyOf"] if c != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and (k, v) != ("default", None)}
    return {**choices[0], **rest} if len(choices) == 1 else {"anyOf": choices, **rest}


def _operation(item: Found, schemas: Schemas) -> dict[str, Any]:
    op = item.operation
    shown: dict[str, Any] = {"summary": op.summary}
    parameters = [*_path_parameters(item, schemas).values()]
    if op.query is not None:
        parameters += schemas.parameters_of(op.query, "query").values()
    if parameters:
        shown["parameters"] = parameters
    if isinstance(op.body, Media):
        media = {op.body.type: op.body.content(upload=True)}
        shown["requestBody"] = {"required": True, "content": media}
    elif op.body is not None:
        content = {JSON: {"schema": schemas.ref(op.body)}}
        shown["requestBody"] = {"required": True, "content": content}
    shown["responses"] = {**_replies(item, schemas), **_problems(item)}
    if op.signed:
        shown["security"] = []
    return shown


def _path_parameters(item: Found, schemas: Schemas) -> dict[str, dict[str, Any]]:
    """The route's converters, refined by the operation's path model."""
    if item.rule is None:
        return {}
    converters = getattr(item.rule, "_converters", {})
    found = {}
    for match in ARGUMENT.finditer(item.rule.rule):
        name = match["name"]
        if name in item.values:
            continue  # an <any(...)> segment: one path per value
        schema: dict[str, Any] = {"type": "string"}
        converter = converters.get(name)
        if isinstance(converter, NumberConverter):
            low = converter.min if converter.min is not None else 0
            schema = {"type": "integer", "minimum": low}
            if converter.max is not None:
                schema["maximum"] = converter.max
        found[name] = {"name": name, "in": "path", "required": True, "schema": schema}
    if item.operation.path is not None:
        refined = schemas.parameters_of(item.operation.path, "path")
        unknown = set(refined) - set(found)
        if unknown:
            raise RuntimeError(f"{item.rule.rule} has no {', '.join(sorted(unknown))}")
        found.update(refined)
    return found


def _replies(item: Found, schemas: Schemas) -> dict[str, Any]:
    shown = {}
    for status, replies in sorted(item.operation.replies_for(item.values).items()):
        content = {}
        for reply in replies:
            if isinstance(reply, Media):
                content[reply.type] = reply.content(upload=False)
            else:
                content[JSON] = {"schema": schemas.ref(reply)}
        description = item.operation.notes.get(status, HTTPStatus(status).phrase)
        shown[str(status)] = {"description": description, "content": content}
    return shown


def _problems(item: Found) -> dict[str, Any]:
    """The problems the operation names, and those every call of its kind may answer: 401
    and 403 (a user's call), 415 (a user's write), 422 (a body)."""
    op = item.operation
    codes = set(op.problems)
    if not op.signed:
        codes |= {401, 403} | ({415} if item.method in WRITES else set())
    if op.body is not None:
        codes.add(422)
    problem = {"$ref": REF.format(model="Problem")}
    return {
        str(code): {
            "description": PROBLEM_TEXT[code],
            "content": {"application/problem+json": {"schema": problem}},
        }
        for code in sorted(codes)
    }
