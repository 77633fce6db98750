"""Issue 27: the partner sees what is coming, and every surface says when.

A draft or scheduled campaign that targets a partner is in its portal and in
`GET /api/v1/me/campaigns` from the moment it is created, with each item's time in the
partner's timezone, so a partner can choose review or off before the first send whatever
the preview window. Partners read the campaign's partner-facing title, never the
vendor's internal name. The campaign page, `campaigns status --json` and the API say when
the next send and a recurring campaign's next occurrence are. Each failed on the main of
2026-12-06.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from campaign_engine import bootstrap
from campaign_engine.app import create_app
from campaign_engine.settings import load_settings
from tests.factories import partner_row
from tests.worlds import marketer_client, programme_via_cli

KIT_TITLE = "Secure Cloud Backup: Q3 launch"


@pytest.fixture
def world(sqlite_url, make_cli, tmp_path):
    """Two partners (partner-01 in New York); a campaign scheduled a week ahead at 10:00
    in each partner's time, with no preview notice, and the vendor's own name for it."""
    cli = make_cli(sqlite_url)
    rows = [partner_row(0), partner_row(1, timezone="America/New_York")]
    programme_via_cli(cli, tmp_path, rows, contacts=2)
    launch_at = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    created = cli(
        "campaigns",
        "create",
        "--kit",
        "secure-cloud-q3",
        "--name",
        "API Q4 gold emea",
        "--launch-at",
        launch_at.isoformat(),
        "--send-time",
        "10:00",
        "--preview-days",
        "0",
        "--recurrence",
        "0 9 1 1,4,7,10 *",
        "--json",
    )
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    yield cli, runtime, json.loads(created.output)["id"], launch_at
    runtime.close()


def partner_api(cli, runtime):
    """partner-01's contact, with an API token as `users token` issues it."""
    token = cli("users", "token", "sales@partner01.example").output.strip()
    client = create_app(runtime).test_client()
    return client, {"Authorization": f"Bearer {token}"}


def test_a_scheduled_campaign_shows_its_items_in_the_partners_time_before_any_notice(world):
    cli, runtime, campaign_id, launch_at = world
    client, auth = partner_api(cli, runtime)
    mine = client.get("/api/v1/me/campaigns", headers=auth).get_json()["items"]
    assert [c["id"] for c in mine] == [campaign_id], "visible with no notice sent (0 days)"
    shown = mine[0]
    assert shown["name"] == shown["title"] == KIT_TITLE, "never 'API Q4 gold emea'"
    assert "API Q4" not in json.dumps(mine)
    coming = shown["upcoming"]
    channels = {item["channel"] for item in coming}
    assert {"email", "social", "crm"} <= channels
    email = next(i for i in coming if i["channel"] == "email")
    due = datetime.fromisoformat(email["due_at"])
    assert due.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4)), "New York time"
    assert (due.hour, due.minute) == (10, 0) and due >= launch_at
    posts = [i for i in coming if i["channel"] == "social"]
    assert len(posts) == 3 and len({p["due_at"] for p in posts}) == 3, "the cadence, dated"

    # Review chosen before the launch: every item says it waits, with its deadline.
    answer = client.put(
        "/api/v1/me/consent",
        headers=auth,
        json={"mode": "review", "campaign_id": campaign_id, "channel": "social"},
    )
    assert answer.status_code == 200
    mine = client.get("/api/v1/me/campaigns", headers=auth).get_json()["items"]
    posts = [i for i in mine[0]["upcoming"] if i["channel"] == "social"]
    assert all(p["waits_for_review"] and p["review_by"] for p in posts)


def test_the_next_send_and_the_next_occurrence_are_dated_everywhere(world):
    cli, runtime, campaign_id, launch_at = world
    status = json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)
    assert status["launch_at"] == launch_at.isoformat()
    assert status["next_send_at"] == launch_at.isoformat(), "scheduled: the launch is next"
    occurrence = datetime.fromisoformat(status["next_occurrence_at"])
    assert occurrence.day == 1 and occurrence.month in (1, 4, 7, 10) and occurrence.hour == 9
    console = marketer_client(runtime)
    api = console.get(f"/api/v1/campaigns/{campaign_id}/status").get_json()
    assert api["next_occurrence_at"] == status["next_occurrence_at"]
    page = console.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="next-occurrence"' in page

    cli("campaigns", "launch", str(campaign_id))
    status = json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)
    by_channel = status["next_send_by_channel"]
    assert by_channel["email"] and by_channel["social"], "each channel's next send"
    assert status["next_send_at"] == min(v for v in by_channel.values() if v)
    text = cli("campaigns", "status", str(campaign_id)).output
    assert "next email send: " in text and "next occurrence: " in text
    page = console.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-key="next_send"' in page


def test_the_partner_facing_title_replaces_the_internal_name_and_the_kit_is_the_default(world):
    cli, runtime, campaign_id, _ = world
    client, auth = partner_api(cli, runtime)
    cli(
        "campaigns",
        "edit",
        str(campaign_id),
        "--title",
        "Back up every laptop, automatically",
        "--description",
        "Three weeks of posts and one email.",
    )
    mine = client.get("/api/v1/me/campaigns", headers=auth).get_json()["items"][0]
    assert mine["title"] == "Back up every laptop, automatically"
    assert mine["description"] == "Three weeks of posts and one email."
    vendor = marketer_client(runtime).get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert vendor["name"] == "API Q4 gold emea", "the console keeps the vendor's own name"
    cli("campaigns", "edit", str(campaign_id), "--title", "")
    mine = client.get("/api/v1/me/campaigns", headers=auth).get_json()["items"][0]
    assert mine["title"] == KIT_TITLE, "empty: the kit's name again"


def test_a_switch_redraws_the_items_to_come_and_the_review_queue_speaks_local_time(world):
    """From the review by eye: after a switch, the list of items to come lagged until a
    reload; the review queue gave its times in UTC while the home page gave local ones."""
    from tests.web.test_portal import sign_in

    cli, runtime, campaign_id, _ = world
    cli("campaigns", "launch", str(campaign_id))
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    portal, _ = sign_in(app, runtime, "sales@partner01.example")
    saved = portal.post(
        "/portal/consent",
        data={"campaign_id": campaign_id, "channel": "social", "mode": "review"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert f'id="upcoming-{campaign_id}"' in saved and 'hx-swap-oob="true"' in saved
    assert saved.count("waits for your approval until") == 3, "the three posts, redrawn"
    queue = portal.get("/portal/review").get_data(as_text=True)
    assert "(EST)" in queue or "(EDT)" in queue, "New York time, named"
    assert " UTC" not in queue
