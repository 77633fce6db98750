"""A campaign that cannot be meant is refused, by the command line, the API and the
console's form alike, naming what is wrong, and nothing is written (issue #27): a launch
time in the past (`now` means now), and audience values no partner has."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign_engine.db import Campaign
from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row, write_partners
from tests.web import test_console as flows

console = flows.console  # the signed-in marketer's client
PAST = "2001-01-01T00:00:00+00:00"
SAID_PAST = "2001-01-01T00:00:00+00:00 is in the past; give a later time, or now to launch at once"


def campaigns_in(runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Campaign)) or 0


@pytest.fixture
def programme(console):
    """Partners 01 and 03 (gold) and 02 (silver), all emea and retail; the sample kit."""
    client, runtime = console
    flows.upload_partners(client, [partner_row(i, logo="") for i in range(1, 4)])
    assert "loaded" in flows.upload_kit(client, flows.zipped(SAMPLE_KIT)).get_data(as_text=True)
    return client, runtime


@pytest.fixture
def cli(make_cli, sqlite_url, tmp_path):
    run = make_cli(sqlite_url)
    run("partners", "import", str(write_partners(tmp_path, [partner_row(1), partner_row(2)])))
    return run


def create(cli, *options: str, ok: bool = False):
    return cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "Q", *options, ok=ok)


def listed(cli) -> list[dict]:
    return json.loads(cli("campaigns", "list", "--json").output)


def test_a_launch_time_in_the_past_is_refused_on_the_command_line(cli):
    """It was accepted as "scheduled", and the scheduler launched it at once: a mistyped
    year sent a campaign weeks early."""
    refused = create(cli, "--launch-at", PAST)
    assert (refused.exit_code, refused.output.strip()) == (1, f"error: --launch-at: {SAID_PAST}")
    assert listed(cli) == []


def test_launch_at_now_means_now(cli):
    before = datetime.now(UTC)
    created = json.loads(create(cli, "--launch-at", "now", "--json", ok=True).output)
    assert created["status"] == "scheduled"
    (row,) = listed(cli)
    launch_at = datetime.fromisoformat(str(row["launch_at"])).replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= launch_at <= datetime.now(UTC)


def test_the_api_and_the_form_refuse_a_past_launch_and_take_now(programme):
    client, runtime = programme
    api = client.post(
        "/api/v1/campaigns", json={"name": "Past", "kit": "secure-cloud-q3", "launch_at": PAST}
    )
    assert api.status_code == 422 and api.mimetype == "application/problem+json"
    assert api.get_json()["detail"] == f"launch_at: {SAID_PAST}"
    form = client.post(
        "/campaigns", data={"name": "Past", "kit": "secure-cloud-q3", "launch_at": PAST[:16]}
    )
    assert form.status_code == 422 and "is in the past" in form.get_data(as_text=True)
    assert campaigns_in(runtime) == 0, "nothing written"
    api = client.post(
        "/api/v1/campaigns", json={"name": "Now", "kit": "secure-cloud-q3", "launch_at": "now"}
    )
    assert api.status_code == 201 and api.get_json()["status"] == "scheduled"
    form = client.post(
        "/campaigns", data={"name": "Now", "kit": "secure-cloud-q3", "launch_at": "now"}
    )
    assert form.status_code == 302
    assert campaigns_in(runtime) == 2


def test_an_audience_value_no_partner_has_is_refused_on_the_command_line(cli):
    """`--audience partner=no-such-slug` created a campaign that targets nobody."""
    refused = create(cli, "--audience", "partner=no-such-slug")
    assert (refused.exit_code, refused.output.strip()) == (
        1,
        "error: --audience partner: no partner with slug 'no-such-slug'",
    )
    refused = create(
        cli,
        "--audience",
        "tier=platinum",
        "--audience",
        "tier=gold",
        "--audience",
        "exclude=ghost",
        "--audience",
        "tag=vip",
    )
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        "error: --audience: tier: no partner has tier 'platinum' (partners have: gold, "
        "silver); tag: no partner has tag 'vip' (no partner has a tag yet); exclude: no partner "
        "with slug 'ghost'"
    )
    assert listed(cli) == [], "nothing written"


def test_a_valid_audience_that_matches_nobody_together_is_not_refused(cli):
    """Each value exists (partner-02 is silver): only their combination matches nobody,
    which the builder's live count shows; that is not a typo to refuse."""
    created = create(cli, "--audience", "tier=gold", "--audience", "partner=partner-02", ok=True)
    assert created.exit_code == 0
    assert len(listed(cli)) == 1


def test_the_api_and_the_form_refuse_an_audience_value_no_partner_has(programme):
    client, runtime = programme
    api = client.post(
        "/api/v1/campaigns",
        json={"name": "Nobody", "kit": "secure-cloud-q3", "audience": {"region": ["mars"]}},
    )
    assert api.status_code == 422 and api.mimetype == "application/problem+json"
    assert api.get_json()["detail"] == (
        "audience.region: no partner has region 'mars' (partners have: emea)"
    )
    form = client.post(
        "/campaigns", data={"name": "Nobody", "kit": "secure-cloud-q3", "partner": "no-such-slug"}
    )
    assert form.status_code == 422
    assert "no partner with slug &#39;no-such-slug&#39;" in form.get_data(as_text=True)
    assert campaigns_in(runtime) == 0
