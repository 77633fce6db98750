"""One campaign schema for the command line, the API and the console's form (issue 16):
every option exists in all three, with the same defaults, and each creates the same
campaign."""

from __future__ import annotations

import json
import re

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from campaign_engine.commands.campaigns import campaigns_create
from campaign_engine.db import Campaign
from campaign_engine.domain.campaign_options import CampaignOptions
from campaign_engine.services.access.accounts import issue_token
from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row
from tests.web import test_console as flows

console = flows.console  # the signed-in marketer's client

CHOSEN = {
    "send_time": "10:30",
    "send_weekday": "tuesday",
    "recurrence": "0 9 1 1,4,7,10 *",
    "consent_default": "review",
    "preview_days": 3,
}


def test_every_option_of_the_schema_is_in_the_cli_the_api_and_the_form(console):
    client, _ = console
    fields = set(CampaignOptions.model_fields)
    command = campaigns_create
    options = {p.name for p in command.params} - {"as_json"}
    assert options == fields, "the command line"
    api = client.get("/api/openapi.json").get_json()["components"]["schemas"]["NewCampaign"]
    assert set(api["properties"]) == fields, "the API"
    page = client.get("/campaigns/new").get_data(as_text=True)
    form = page[page.index('<form method="post" action="/campaigns"') :]
    form = form[: form.index("</form>")]
    named = set(re.findall(r'name="([a-z_]+)"', form)) - {"csrf_token"}
    audience = {"tier", "region", "vertical", "tag", "partner", "exclude"}
    assert named - audience == fields - {"audience"}, "the form"
    assert audience <= named


def test_the_defaults_agree_everywhere(console):
    client, _ = console
    defaults = CampaignOptions.model_construct()
    assert defaults.preview_days == 7, "a week's notice unless the marketer says otherwise"
    command = campaigns_create
    preview = next(p for p in command.params if p.name == "preview_days")
    assert preview.default() == defaults.preview_days, "--preview-days"
    api = client.get("/api/openapi.json").get_json()["components"]["schemas"]["NewCampaign"]
    assert api["properties"]["preview_days"]["default"] == defaults.preview_days
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert re.search(r'name="preview_days"[^>]*value="7"', page)


def _stored(runtime, name: str) -> dict:
    with runtime.sessions() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == name))
        return {key: getattr(campaign, key) for key in CHOSEN}


def test_the_api_and_the_form_create_a_recurring_campaign_with_a_send_time(console):
    """The API refused send_time; the form had no field for it."""
    client, runtime = console
    flows.upload_partners(client, [partner_row(i, logo="") for i in range(1, 3)])
    flows.upload_kit(client, flows.zipped(SAMPLE_KIT))
    with runtime.sessions.begin() as session:
        from campaign_engine.db import User

        user = session.scalar(select(User).where(User.email == "marketer@vendor.example"))
        token = issue_token(session, user, "t")
    created = client.post(
        "/api/v1/campaigns",
        json={"name": "By API", "kit": "secure-cloud-q3", **CHOSEN},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {k: body[k] for k in CHOSEN} == CHOSEN
    form = client.post("/campaigns", data={"name": "By form", "kit": "secure-cloud-q3", **CHOSEN})
    assert form.status_code == 302
    expected = {**CHOSEN, "send_weekday": 1}
    assert _stored(runtime, "By API") == _stored(runtime, "By form") == expected
    bad = client.post(
        "/api/v1/campaigns",
        json={"name": "Bad", "kit": "secure-cloud-q3", "recurrence": "every tuesday"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422
    assert bad.get_json()["detail"].startswith("recurrence:"), bad.get_json()
    empty = {"name": "Empty fields", "kit": "secure-cloud-q3", "preview_days": ""}
    assert client.post("/campaigns", data={**empty, "consent_default": ""}).status_code == 302
    with runtime.sessions() as session:
        stored = session.scalar(select(Campaign).where(Campaign.name == "Empty fields"))
        assert (stored.preview_days, stored.consent_default) == (7, None), "the defaults"
        # None: the campaign says nothing, the programme's default applies (domain.consent)


def test_the_cli_creates_the_same_campaign(make_cli, sqlite_url, tmp_path):
    run = make_cli(sqlite_url)
    created = run(
        "campaigns",
        "create",
        "--kit",
        str(SAMPLE_KIT),
        "--name",
        "By CLI",
        "--send-time",
        "10:30",
        "--send-weekday",
        "tue",
        "--recurrence",
        "0 9 1 1,4,7,10 *",
        "--consent-default",
        "review",
        "--preview-days",
        "3",
        "--json",
    )
    assert json.loads(created.output)["status"] == "draft"
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == "By CLI"))
        stored = {k: getattr(campaign, k) for k in CHOSEN}
    engine.dispose()
    assert stored == {**CHOSEN, "send_weekday": 1}
    refused = run(
        "campaigns",
        "create",
        "--kit",
        "secure-cloud-q3",
        "--name",
        "X",
        "--send-weekday",
        "tuesday",
        ok=False,
    )
    assert refused.exit_code != 0 and "send_weekday needs a send_time" in refused.output
