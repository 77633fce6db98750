"""A vendor's API as its own OpenAPI documents describe it, for the fake servers the
connector tests talk to: every request is checked with openapi-core (path, method,
parameters, declared headers, security, body schema) and answered with the documents' own
response example, or with a response generated from the response schema when the document
gives none. The answer is checked against the document too, so the fake cannot drift."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.security.exceptions import SecurityProviderError
from openapi_core.security.factories import SecurityProviderFactory
from openapi_core.security.providers import BaseProvider
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import SecurityValidationError

CONTRACTS = Path(__file__).parent


class ContractViolation(AssertionError):
    """A request the vendor's documents refuse, and the status a server would answer it with
    (404 for a path no document has, 405 for a method the path lacks, 401 for missing
    credentials, 400 for bad parameters or body)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


class _BearerToken(BaseProvider):
    """OAuth 2 access tokens travel as `Authorization: Bearer ...` (RFC 6750); openapi-core
    only warns on oauth2 schemes and lets any request through."""

    def __call__(self, parameters: Any) -> Any:
        kind, _, token = parameters.header.get("Authorization", "").partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise SecurityProviderError("no OAuth 2 bearer token in the Authorization header")
        return token


class _SecurityProviders(SecurityProviderFactory):
    PROVIDERS = {**SecurityProviderFactory.PROVIDERS, "oauth2": _BearerToken}


# A body field the document does not describe is one the vendor ignores at best: refused
# here, so a misspelt optional field (say "assocations") cannot pass unnoticed.
_CONFIG = Config(
    security_provider_factory=_SecurityProviders(),
    additional_properties_default_policy="forbid",
)


class OpenApiContract:
    """The requests under `prefix` that the documents in `folder` allow, and their answers."""

    def __init__(self, vendor: str, folder: Path, prefix: str) -> None:
        self.vendor = vendor
        self.prefix = prefix
        self.apis = [
            OpenAPI.from_file_path(str(path), config=_CONFIG)
            for path in sorted(folder.glob("*.json"))
        ]
        assert self.apis, f"no OpenAPI documents in {folder}"

    def describes(self, target: str) -> bool:
        return urlsplit(target).path.startswith(self.prefix)

    def answer(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes):
        """The documented success answer to this request, or ContractViolation with the
        validator's messages."""
        headers = list(headers)
        for api in self.apis:
            request = _request(api, method, target, headers, body)
            found = list(api.request_validator.iter_errors(request))
            if len(found) == 1 and isinstance(found[0], PathNotFound):
                continue  # another document may describe this path
            if not found:
                return self._documented(api, request)
            status = next((s for kind, s in _STATUSES if isinstance(found[0], kind)), 400)
            messages = "; ".join(_message(error) for error in found)
            raise ContractViolation(f"{self.vendor} refuses {method} {target}: {messages}", status)
        raise ContractViolation(
            f"{self.vendor} refuses {method} {target}: no operation in its documents has this path",
            404,
        )

    def error(self, status: int, message: str, category: str = "VALIDATION_ERROR") -> Answer:
        """An error in the shape of the documents' `Error` schema (message first, so it
        survives a client that shows only the start of the body)."""
        shape = self.apis[0].spec / "components" / "schemas" / "Error"
        example = _example(shape) or {}
        body = {
            "message": message,
            **{k: v for k, v in example.items() if k != "message"},
            "category": category,
        }
        return Answer(status, body)

    def _documented(self, api: OpenAPI, request: MockRequest) -> Answer:
        found = APICallPathFinder(api.spec).find(
            request.method, urljoin(request.host_url, request.path)
        )
        responses = found.operation / "responses"
        status = min(int(code) for code in responses.str_keys() if code.startswith("2"))
        response = responses / str(status)
        content = response / "content" if "content" in response else None
        body = None
        if content is not None and "application/json" in content:
            media = content / "application/json"
            body = _example(media)
            if body is None:
                body = _generated(media / "schema")
        answer = Answer(status, body)
        api.validate_response(request, MockResponse(answer.encoded(), status_code=status))
        return answer


_STATUSES = ((OperationNotFound, 405), (SecurityValidationError, 401))


def _request(api: OpenAPI, method: str, target: str, headers, body: bytes) -> MockRequest:
    server = (api.spec / "servers" / 0 / "url").read_str()
    parts = urlsplit(target)
    headers = list(headers)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    return MockRequest(
        server,
        method.lower(),
        parts.path,
        args=parse_qsl(parts.query, keep_blank_values=True),
        headers=headers,
        data=body or None,
        content_type=content_type.split(";")[0].strip() or "application/octet-stream",
    )


def _message(error: Exception) -> str:
    """openapi-core's message; for a body or parameter that fails its schema, the JSON
    Schema errors underneath it (which property, and why) instead of the whole value."""
    schema_errors = getattr(error.__cause__, "schema_errors", None) or ()
    if not schema_errors:
        text, cause = str(error), error.__cause__
        return f"{text}: {cause}" if cause is not None and str(cause) not in text else text
    label = str(error).split(":")[0]
    return f"{label}: " + ", ".join(f"{e.message} (at {e.json_path})" for e in schema_errors)


def _example(node: SchemaPath) -> Any:
    """The document's own example, looked for on the media type, then on its schema
    (HubSpot's generator writes `"example": null` where it has none)."""
    with node.open() as content:
        if content.get("example") is not None:
            return content["example"]
        examples = content.get("examples") or {}
    for name in examples:
        value = (node / "examples" / name).read_value()
        if isinstance(value, dict) and value.get("value") is not None:
            return value["value"]
    if "schema" in node:
        with (node / "schema").open() as schema:
            if schema.get("example") is not None:
                return schema["example"]
    return None


_FORMATS = {
    "date-time": "2024-01-15T09:30:00.000Z",
    "date": "2024-01-15",
    "uuid": str(uuid.UUID(int=1)),
    "uri": "https://example.com/",
}


def _generated(schema: SchemaPath) -> Any:
    """A value of this schema: its example if it has one, otherwise the simplest value of
    its type, objects with their required properties only."""
    with schema.open() as raw:
        if raw.get("example") is not None:
            return raw["example"]
        kind = raw.get("type")
        if raw.get("enum"):
            return raw["enum"][0]
        if "allOf" in raw:
            merged: dict[str, Any] = {}
            for index in range(len(raw["allOf"])):
                merged.update(_generated(schema / "allOf" / index))
            return merged
        for key in ("oneOf", "anyOf"):
            if key in raw:
                return _generated(schema / key / 0)
        if kind == "object" or "properties" in raw:
            return {
                name: _generated(schema / "properties" / name) for name in raw.get("required", [])
            }
        if kind == "array":
            return []
        if kind == "string":
            return _FORMATS.get(raw.get("format", ""), "string")
        if kind in ("integer", "number"):
            return raw.get("minimum", 0)
        if kind == "boolean":
            return False
    return None
