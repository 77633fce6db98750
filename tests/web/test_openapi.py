"""schemathesis against /api/openapi.json: generated requests for every operation, as a
marketer and as a partner; no 500s, and every response matches the document."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from flask import request
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import ValidationError
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import User
from campaign_engine.services.access.accounts import create_user, issue_token
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.web import callbacks
from campaign_engine.web.api_support import reply
from campaign_engine.web.campaign_schemas import Campaign, Status
from tests.worlds import launched_campaign


@schemathesis.serializer("application/zip", "text/csv")
def _raw_body(ctx, value) -> bytes:
    """Uploads are raw bodies: whatever was generated, as bytes (garbage must be a 422)."""
    return value if isinstance(value, bytes) else str(value).encode()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    runtime, _ = launched_campaign(
        folder, f"sqlite:///{folder}/api.db", partners=2, contacts=1, name="API Q3"
    )
    with runtime.sessions.begin() as session:
        marketer, _ = create_user(
            session, "marketer@vendor.example", "marketer", password="pw-123456789"
        )
        partner = get_partner(session, "partner-01")
        create_user(session, "owner@partner01.example", "partner", partner_id=partner.id)
        owner = session.scalar(select(User).where(User.email == "owner@partner01.example"))
        tokens = {
            "vendor": issue_token(session, marketer, "t"),
            "partner": issue_token(session, owner, "t"),
        }
    app = create_app(runtime)
    app.config.update(TESTING=True)
    yield app, tokens
    runtime.close()


def test_every_operation_answers_as_documented(api_world):
    """Operations are walked by hand (schemathesis' pytest fixture loader does not work
    with this pytest); each gets its own Hypothesis run."""
    app, tokens = api_world
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        who = "partner" if operation.path.startswith("/me") else "vendor"
        fuzz(operation, {"Authorization": f"Bearer {tokens[who]}"})


def fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    # Seeded (derandomize): the suite draws the same requests on every run, so a run
    # passes or fails for the code, not for the draw; bench and exploratory runs draw anew.
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()


def test_the_document_is_openapi_3_1_and_lists_every_api_route(api_world):
    app, _ = api_world
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    # What client generators check first: a default outside its enum (the consent
    # channel's null) made the document invalid.
    errors = [e.message for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []
    documented = {f"/api/v1{path}" for path in document["paths"]}
    routes = {
        str(rule).replace("<int:", "{").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if str(rule).startswith("/api/v1")
    }
    routes = {r.replace("{campaign_id}", "{campaign_id}") for r in routes}
    expanded = set()
    for route in routes:
        if "{any(" in route:
            head, _, tail = route.partition("{any(")
            names, _, rest = tail.partition(")")
            expanded |= {
                f"{head}{name.strip()}{rest.lstrip(':action}')}" for name in names.split(",")
            }
        else:
            expanded.add(route)
    expanded.add(callbacks.PATH)  # answered in front of Flask (web/callbacks.py)
    assert expanded == documented


def test_a_channel_outside_the_list_is_refused_naming_the_field(api_world):
    app, tokens = api_world
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['partner']}"}
    answer = client.put(
        "/api/v1/me/consent", json={"mode": "off", "channel": "fax"}, headers=headers
    )
    assert answer.status_code == 422
    assert answer.get_json()["detail"].startswith("channel:"), answer.get_json()


def _objects_without_shape(node, where=""):
    """Every schema in the document that says "object" and nothing of what is in it."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _objects_without_shape(item, f"{where}/{i}")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    if (
        is_object
        and "properties" not in node
        and not isinstance(node.get("additionalProperties"), dict)
    ):
        yield where
    for key, value in node.items():
        yield from _objects_without_shape(value, f"{where}/{key}")


def test_every_reply_has_a_schema_and_no_object_is_left_undescribed(api_world):
    """The document is generated from the models the views answer with: no placeholder
    `{"type": "object"}` (a map says what its values are), and every JSON reply of every
    operation, problems included, names its model."""
    app, _ = api_world
    document = app.test_client().get("/api/openapi.json").get_json()
    assert list(_objects_without_shape(document)) == []
    unnamed = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            replies = operation["responses"]
            assert any(code.startswith("2") for code in replies), (method, path)
            for code, answer in replies.items():
                for media, content in answer.get("content", {}).items():
                    if media.endswith("json") and "$ref" not in content.get("schema", {}):
                        unnamed.append((method, path, code, media))
    assert unnamed == []
    schemas = document["components"]["schemas"]
    refs = re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document))
    assert set(refs) <= set(schemas), "every $ref names a component"


def test_a_view_cannot_answer_a_shape_its_operation_does_not_describe(api_world):
    """reply() validates through the model the operation lists for the status: a field the
    model lacks, or a model the operation does not list, fails in the view."""
    app, _ = api_world
    campaign = {
        "id": 1,
        "name": "n",
        "slug": "n",
        "status": "draft",
        "kit": "k",
        "audience": {},
        "launch_at": None,
        "consent_default": None,
        "preview_days": 7,
        "send_time": None,
        "send_weekday": None,
        "recurrence": None,
        "always_on": False,
        "partner_title": None,
        "partner_description": None,
        "title": "n",
        "banner_priority": 0,
    }
    with app.test_request_context("/api/v1/campaigns/1"):
        assert request.endpoint == "api.campaign_get"
        assert reply(Campaign, campaign).get_json()["slug"] == "n"
        with pytest.raises(ValidationError):
            reply(Campaign, {**campaign, "undocumented": 1})
        with pytest.raises(ValidationError):
            reply(Campaign, {**campaign, "launch_at": "2026-01-01T09:00:00"})  # no offset
        with pytest.raises(RuntimeError, match="does not document"):
            reply(Status, {})
        with pytest.raises(RuntimeError, match="does not document"):
            reply(Campaign, campaign, 201)


def test_downloads_of_any_media_type_pass_the_reply_check(api_world):
    """The asset library's files are images, PDFs, HTML and JSON (talking points): the
    operation documents any media type, so the check that every JSON success went through
    a reply model lets a JSON file through, as the file it is."""
    app, tokens = api_world
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['partner']}"}
    campaigns = client.get("/api/v1/me/campaigns", headers=headers).get_json()["items"]
    library = client.get(f"/api/v1/me/campaigns/{campaigns[0]['id']}/assets", headers=headers)
    urls = [
        f["url"].split("/api/v1", 1)[1] for i in library.get_json()["items"] for f in i["files"]
    ]
    types = set()
    for url in urls:
        answer = client.get(f"/api/v1{url}", headers=headers)
        assert answer.status_code == 200, url
        types.add(answer.mimetype)
    assert "application/json" in types and len(types) > 2, types


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("short_name", "North\bwind"),  # a backspace: MRML refused the whole email (a 500)
        ("phone", "+49 30 \ufffe 1234"),  # a non-character: XML allows none
        ("postal_address", "Hauptstr. 1\n\u202e10115 Berlin"),  # reverses what follows
        ("website", "https://northwind.example/\x00"),
    ],
)
def test_a_profile_character_no_asset_can_hold_is_refused_naming_its_field(api_world, field, value):
    """Found by an unseeded run of the fuzz above: a partner's own profile must never
    break its assets; the change is refused and the library still renders."""
    app, tokens = api_world
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['partner']}"}
    answer = client.patch("/api/v1/me/profile", json={field: value}, headers=headers)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["detail"].startswith(f"{field}:"), answer.get_json()
    assert "not allowed here" in answer.get_json()["detail"]
    campaigns = client.get("/api/v1/me/campaigns", headers=headers).get_json()
    first = campaigns["items"][0]["id"]
    assert client.get(f"/api/v1/me/campaigns/{first}/assets", headers=headers).status_code == 200
