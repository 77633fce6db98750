"""HubSpot, Salesforce and LinkedIn connectors against one loopback server that answers
like the real APIs. HubSpot's side is held to HubSpot's own OpenAPI documents
(tests/contracts/hubspot): a request they refuse is refused here and fails the test."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.errors import PermanentError, RetryableError
from campaign_engine.infra.secrets import seal, unseal
from campaign_engine.ports import Endpoint, Message, RenderedFile
from connectors.httpjson import JsonApi
from connectors.hubspot import HubSpotConnector
from connectors.linkedin import LinkedInConnector
from connectors.salesforce import SalesforceConnector
from tests.contracts.openapi import CONTRACTS, Answer, ContractViolation, OpenApiContract
from tests.processes import serving_http

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

TOKEN = "tok-123"

HUBSPOT = OpenApiContract("HubSpot", CONTRACTS / "hubspot", prefix="/crm/")
NOTE_ID = CONTACT_ID = "512"  # the id in the example HubSpot's documents give for a create


class FakeApis(BaseHTTPRequestHandler):
    seen: list[dict] = []
    fail_next: int | None = None
    removed: set[str] = set()  # paths of items "deleted by the partner"
    violations: list[str] = []  # requests a vendor's documents refuse; each fails the test

    def _answer(self, status: int, body: dict | None = None, headers=None) -> None:
        self._send(Answer(status, body or {}, headers or {}))

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encoded())

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        is_json = self.headers.get("Content-Type", "").startswith("application/json")
        body = json.loads(raw) if raw and is_json else raw
        type(self).seen.append(
            {
                "method": self.command,
                "path": self.path,
                "body": body,
                "auth": self.headers.get("Authorization"),
                "version": self.headers.get("LinkedIn-Version"),
            }
        )
        documented = None
        if HUBSPOT.describes(self.path):
            try:
                documented = HUBSPOT.answer(self.command, self.path, self.headers.items(), raw)
            except ContractViolation as refused:
                type(self).violations.append(str(refused))
                return self._send(HUBSPOT.error(refused.status, str(refused)))
        if type(self).fail_next:
            status, type(self).fail_next = type(self).fail_next, None
            return self._answer(status, {"message": "nope"}, {"Retry-After": "30"})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401, {"message": "bad token"})
        if self.path in type(self).removed:
            return self._answer(404, {"message": "not found"})
        if documented is not None:
            return self._send(documented)
        # Salesforce and LinkedIn publish no machine-readable description of these APIs to
        # check against: Salesforce's OpenAPI document for sObjects is generated per org,
        # behind a login and a beta switch; LinkedIn publishes no OpenAPI or other schema
        # for its versioned REST APIs, only the reference pages on learn.microsoft.com. So
        # their paths and answers stay written out by hand, and unchecked.
        port = self.server.server_address[1]
        routes = {
            ("POST", "/services/data/v61.0/sobjects/Lead"): (
                201,
                {"id": "00Q1", "success": True},
                {},
            ),
            ("POST", "/services/data/v61.0/sobjects/Task"): (
                201,
                {"id": "00T1", "success": True},
                {},
            ),
            ("POST", "/rest/images?action=initializeUpload"): (
                200,
                {
                    "value": {
                        "uploadUrl": f"http://127.0.0.1:{port}/upload/1",
                        "image": "urn:li:image:C4E",
                    }
                },
                {},
            ),
            ("PUT", "/upload/1"): (201, {}, {}),
            ("POST", "/rest/posts"): (201, {}, {"x-restli-id": "urn:li:share:99"}),
            ("GET", "/services/data/v61.0/sobjects/Task/00T1?fields=Status,IsClosed"): (
                200,
                {"Status": "Completed", "IsClosed": True},
                {},
            ),
            ("GET", "/rest/posts/urn%3Ali%3Ashare%3A99"): (
                200,
                {"lifecycleState": "PUBLISHED"},
                {},
            ),
        }
        status, answer, headers = routes.get((self.command, self.path), (404, {}, {}))
        self._answer(status, answer, headers)

    do_POST = do_PUT = do_GET = _handle

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def apis():
    FakeApis.seen, FakeApis.fail_next, FakeApis.removed = [], None, set()
    FakeApis.violations = []
    base, shutdown = serving_http(FakeApis)
    yield base
    shutdown()
    if FakeApis.violations:
        pytest.fail("\n".join(FakeApis.violations), pytrace=False)


API = JsonApi(timeout=5, allow_private=True)
POINTS = Message(
    channel="crm",
    recipient="crm",
    subject="Q3 launch",
    body_text="",
    payload={"text": {"talking-points.md": "# Pitch\nImmutable backups"}},
)
POST = Message(
    channel="social",
    recipient="queue",
    subject="Backups",
    body_text="",
    payload={
        "text": {"launch-linkedin.txt": "Ransomware goes after backups", "launch-x.txt": "short"}
    },
    attachments=(RenderedFile("launch-linkedin.jpg", "image/jpeg", b"\xff\xd8jpeg", "linkedin"),),
)


def test_hubspot_gets_a_note_on_the_partners_company(apis):
    endpoint = Endpoint("hubspot", apis, {"token": TOKEN, "company_id": "501"})
    receipt = HubSpotConnector(API).publish(POINTS, endpoint, "key-1")
    (call,) = FakeApis.seen
    assert call["path"] == "/crm/v3/objects/notes" and call["auth"] == f"Bearer {TOKEN}"
    assert "Immutable backups" in call["body"]["properties"]["hs_note_body"]
    assert call["body"]["associations"][0]["to"] == {"id": "501"}
    assert receipt.reference == NOTE_ID


def test_the_fake_hubspot_refuses_what_hubspots_documents_refuse(apis, monkeypatch):
    """The contract bites: requests HubSpot's OpenAPI documents refuse are refused, with the
    validator's message, whether sent by hand or by a connector that got something wrong."""
    note = {"properties": {"hs_note_body": "Pitch"}, "associations": []}
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    wrong = [
        ("POST", "/crm/v3/objects/notes", {"properties": {}}, bearer, 400, "'associations' is a"),
        ("POST", "/crm/v3/objects/note", note, bearer, 404, "no operation in its documents"),
        ("PUT", "/crm/v3/objects/notes", note, bearer, 405, "Operation put not found"),
        (
            "POST",
            "/crm/v3/objects/notes",
            {**note, "properties": {"hs_note_body": 7}},
            bearer,
            400,
            "7 is not of type 'string' (at $.properties.hs_note_body)",
        ),
        (
            "POST",
            "/crm/v3/objects/contacts",
            {**note, "assocations": []},
            bearer,
            400,
            "('assocations' was unexpected)",
        ),
        ("GET", "/crm/v3/objects/notes/512?archived=maybe", None, bearer, 400, "archived"),
        ("POST", "/crm/v3/objects/notes", note, {}, 401, "Security not found"),
    ]
    for method, path, body, headers, status, message in wrong:
        answer = requests.request(method, apis + path, json=body, headers=headers, timeout=5)
        assert (answer.status_code, message in answer.json()["message"]) == (status, True), path
    assert requests.post(apis + "/crm/v3/objects/notes", json=note, headers=bearer, timeout=5).ok

    import connectors.hubspot

    monkeypatch.setattr(connectors.hubspot, "NOTE_TO_COMPANY", "190")  # a string, not an id
    endpoint = Endpoint("hubspot", apis, {"token": TOKEN, "company_id": "501"})
    with pytest.raises(PermanentError, match="'190' is not of type 'integer'"):
        HubSpotConnector(API).publish(POINTS, endpoint, "key-1")
    assert len(FakeApis.violations) == len(wrong) + 1
    FakeApis.violations.clear()  # refused on purpose; any other refusal fails its test


def test_salesforce_gets_a_task_on_the_account(apis):
    endpoint = Endpoint("salesforce", apis, {"token": TOKEN, "account_id": "001A"})
    receipt = SalesforceConnector(API).publish(POINTS, endpoint, "key-2")
    (call,) = FakeApis.seen
    assert call["path"] == "/services/data/v61.0/sobjects/Task"
    assert call["body"]["WhatId"] == "001A" and "Immutable" in call["body"]["Description"]
    assert receipt.reference == "00T1"


def test_linkedin_uploads_the_image_then_posts_it(apis):
    endpoint = Endpoint("linkedin", apis, {"token": TOKEN, "organization": "42"})
    receipt = LinkedInConnector(API).publish(POST, endpoint, "key-3")
    paths = [(c["method"], c["path"]) for c in FakeApis.seen]
    assert paths == [
        ("POST", "/rest/images?action=initializeUpload"),
        ("PUT", "/upload/1"),
        ("POST", "/rest/posts"),
    ]
    post = FakeApis.seen[2]["body"]
    assert post["author"] == "urn:li:organization:42"
    assert post["content"]["media"]["id"] == "urn:li:image:C4E"
    assert post["commentary"] == "Ransomware goes after backups"
    assert FakeApis.seen[1]["body"] == b"\xff\xd8jpeg"
    assert FakeApis.seen[0]["version"] == "202410"
    assert receipt.reference == "urn:li:share:99"


def test_linkedin_limits_and_expired_tokens_are_checked_before_sending(apis):
    long_post = Message(
        channel="social",
        recipient="q",
        subject="x",
        body_text="",
        payload={"text": {"a-linkedin.txt": "x" * 3001}},
        attachments=POST.attachments,
    )
    with pytest.raises(PermanentError, match="3,000"):
        LinkedInConnector(API).publish(
            long_post, Endpoint("linkedin", apis, {"token": TOKEN, "organization": "42"}), "k"
        )
    with pytest.raises(PermanentError, match="expired"):
        LinkedInConnector(API).publish(
            POST,
            Endpoint(
                "linkedin",
                apis,
                {
                    "token": TOKEN,
                    "organization": "42",
                    "token_expires_at": "2020-01-01T00:00:00+00:00",
                },
            ),
            "k",
        )
    assert FakeApis.seen == []


def test_bad_tokens_are_permanent_and_rate_limits_retryable(apis):
    with pytest.raises(PermanentError, match="401"):
        HubSpotConnector(API).publish(POINTS, Endpoint("hubspot", apis, {"token": "wrong"}), "k")
    FakeApis.fail_next = 429
    with pytest.raises(RetryableError) as info:
        SalesforceConnector(API).publish(
            POINTS, Endpoint("salesforce", apis, {"token": TOKEN}), "k"
        )
    assert info.value.retry_after == 30


def test_endpoint_secrets_are_encrypted_at_rest():
    sealed = seal({"token": TOKEN, "company_id": "501"}, "secret-key-for-tests-123")
    assert sealed["company_id"] == "501" and TOKEN not in json.dumps(sealed)
    assert unseal(sealed, "secret-key-for-tests-123") == {"token": TOKEN, "company_id": "501"}
    with pytest.raises(Exception, match="another secret_key"):
        unseal(sealed, "a-different-secret-key-456")


def test_a_launch_delivers_talking_points_into_the_partners_hubspot(
    apis, tmp_path, sqlite_url, make_cli
):
    from tests.conftest import SAMPLE_KIT
    from tests.factories import partner_row, write_partners

    cli = make_cli(sqlite_url, connectors={"allow_private_networks": True})
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1), partner_row(2)])))
    cli(
        "partners",
        "endpoint",
        "partner-01",
        "--channel",
        "crm",
        "--kind",
        "hubspot",
        "--url",
        apis,
        "--set",
        f"token={TOKEN}",
        "--set",
        "company_id=501",
    )
    created = cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "CRM", "--json")
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id), "--wait")
    notes = [c for c in FakeApis.seen if c["path"] == "/crm/v3/objects/notes"]
    assert len(notes) == 1, "partner-01 only; partner-02 gets the portal default"
    assert "Secure Cloud Backup" in notes[0]["body"]["properties"]["hs_note_body"]
    status = json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)
    assert status["deliveries"]["crm"] == {"pending": 0, "sent": 2, "failed": 0, "skipped": 0}
    import sqlite3

    stored = (
        sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        .execute("SELECT config FROM channel_endpoints")
        .fetchone()[0]
    )
    assert TOKEN not in stored, "the token is encrypted at rest"


def test_each_crm_and_social_service_reports_whether_an_item_is_still_there(apis):
    hubspot = Endpoint("hubspot", apis, {"token": TOKEN})
    salesforce = Endpoint("salesforce", apis, {"token": TOKEN})
    linkedin = Endpoint("linkedin", apis, {"token": TOKEN, "organization": "42"})

    assert HubSpotConnector(API).fetch_status("note-77", hubspot).state == "live"
    task = SalesforceConnector(API).fetch_status("00T1", salesforce)
    assert (task.state, task.detail) == ("live", "task Completed")
    assert LinkedInConnector(API).fetch_status("urn:li:share:99", linkedin).state == "live"

    FakeApis.removed = {"/crm/v3/objects/notes/note-77", "/rest/posts/urn%3Ali%3Ashare%3A99"}
    assert HubSpotConnector(API).fetch_status("note-77", hubspot).state == "removed"
    assert LinkedInConnector(API).fetch_status("urn:li:share:99", linkedin).state == "removed"
    FakeApis.fail_next = 503
    with pytest.raises(RetryableError):
        SalesforceConnector(API).fetch_status("00T1", salesforce)
    assert {c["auth"] for c in FakeApis.seen} == {f"Bearer {TOKEN}"}


def linkedin_programme(apis, tmp_path, database_url, make_cli, **endpoint_settings: str):
    from tests.conftest import SAMPLE_KIT
    from tests.factories import partner_row, write_partners

    cli = make_cli(database_url, connectors={"allow_private_networks": True})
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1)])))
    settings = {"token": TOKEN, "organization": "42", **endpoint_settings}
    cli(
        "partners",
        "endpoint",
        "partner-01",
        "--channel",
        "social",
        "--kind",
        "linkedin",
        "--url",
        apis,
        *[arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")],
    )
    created = cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "Posts", "--json")
    return cli, json.loads(created.output)["id"]


def test_posts_beyond_the_partners_daily_limit_wait_for_the_next_day_without_failing(
    apis, tmp_path, sqlite_url, make_cli
):
    from sqlalchemy import update

    from campaign_engine import bootstrap
    from campaign_engine.db import Delivery
    from campaign_engine.pipeline.runner import run_until_sent
    from campaign_engine.services.campaigns.launch import launch_campaign
    from campaign_engine.settings import load_settings

    cli, campaign_id = linkedin_programme(apis, tmp_path, sqlite_url, make_cli, posts_per_day="1")
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    with runtime.sessions.begin() as session:
        from campaign_engine.db import Campaign

        launch_campaign(
            session, session.get(Campaign, campaign_id), now=runtime.clock(), actor="t", rules=RULES
        )
        # Every post due today (the kit's cadence would spread them over ten days).
        session.execute(
            update(Delivery).where(Delivery.channel == "social").values(due_at=runtime.clock())
        )
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)

    posts = [c for c in FakeApis.seen if c["path"] == "/rest/posts"]
    assert len(posts) == 1, "one post today, as the partner asked"
    with runtime.sessions() as session:
        from sqlalchemy import select

        waiting = session.scalars(
            select(Delivery).where(Delivery.channel == "social", Delivery.status == "pending")
        ).all()
    assert len(waiting) == 2
    tomorrow = runtime.clock().date().toordinal() + 1
    assert {d.due_at.date().toordinal() for d in waiting} == {tomorrow}
    assert {d.attempts for d in waiting} == {0}, "waiting for the platform is not an attempt"
    assert "allows 1 posts a day" in waiting[0].last_error
    runtime.close()


def test_campaign_check_records_which_posts_the_partner_deleted(
    apis, tmp_path, sqlite_url, make_cli
):
    cli, campaign_id = linkedin_programme(apis, tmp_path, sqlite_url, make_cli)
    cli("campaigns", "launch", str(campaign_id), "--wait")
    assert json.loads(cli("campaigns", "check", str(campaign_id), "--json").output) == {
        "linkedin live": 1
    }
    FakeApis.removed = {"/rest/posts/urn%3Ali%3Ashare%3A99"}
    assert "1  linkedin removed" in cli("campaigns", "check", str(campaign_id)).output
    import sqlite3

    row = (
        sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        .execute(
            "SELECT provider_status, provider_detail FROM deliveries WHERE provider = 'linkedin'"
        )
        .fetchone()
    )
    assert row == ("removed", "the post was deleted from the page")


def test_partners_are_warned_once_before_their_linkedin_token_expires(
    apis, tmp_path, sqlite_url, make_cli
):
    from datetime import UTC, datetime, timedelta

    from campaign_engine import bootstrap
    from campaign_engine.services.partners.directory import get_partner
    from campaign_engine.services.partners.runway.nextaction import next_action
    from campaign_engine.settings import load_settings
    from tests.worlds import outbox_messages

    soon = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    cli, _ = linkedin_programme(apis, tmp_path, sqlite_url, make_cli, token_expires_at=soon)

    assert "1 partners warned" in cli("partners", "warn-tokens").output
    assert "0 partners warned" in cli("partners", "warn-tokens").output
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    (mail,) = outbox_messages(runtime)
    assert mail["To"] == "sales@partner01.example"
    assert "LinkedIn connection expires on" in mail["Subject"]
    assert "/portal/" in mail.get_body(("plain",)).get_content()
    with runtime.sessions() as session:
        action = next_action(session, get_partner(session, "partner-01"), now=runtime.clock())
    assert action.startswith("Your LinkedIn connection expires on")
    runtime.close()


def test_a_landing_page_lead_becomes_a_hubspot_contact_and_a_salesforce_lead(apis):
    """The partner's own CRM gets the lead its landing page captured (issue 15)."""
    from connectors.hubspot import HubSpotConnector
    from connectors.salesforce import SalesforceConnector

    lead = {"email": "ada@customer.example", "name": "Ada Lovelace", "company": "Engines"}
    hub = HubSpotConnector(API).push_lead(
        lead, Endpoint("hubspot", apis, {"token": TOKEN}), "lead-1"
    )
    sf = SalesforceConnector(API).push_lead(
        lead, Endpoint("salesforce", apis, {"token": TOKEN}), "lead-1"
    )
    assert (hub.reference, sf.reference) == (CONTACT_ID, "00Q1")
    contact, record = FakeApis.seen[-2]["body"], FakeApis.seen[-1]["body"]
    assert contact["properties"]["email"] == "ada@customer.example"
    assert contact["properties"]["firstname"] == "Ada"
    assert contact["properties"]["lastname"] == "Lovelace"
    assert record["LastName"] == "Lovelace" and record["Company"] == "Engines"
    assert record["LeadSource"] == "Partner landing page"
    assert FakeApis.seen[-1]["auth"] == f"Bearer {TOKEN}"
