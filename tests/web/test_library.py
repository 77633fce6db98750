"""The asset library through the real app: a partner without endpoints of its own finds
every asset the portal connector delivered for it, with its own tracked links, and nothing
of another partner's or of a campaign it is not in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_engine import bootstrap
from campaign_engine.app import create_app
from campaign_engine.db import Partner, TrackedLink, User
from campaign_engine.services.access.accounts import issue_token
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.lifecycle import create_campaign
from tests.conftest import SAMPLE_KIT
from tests.web.test_portal import sign_in
from tests.worlds import launched_campaign


@pytest.fixture
def library(tmp_path, sqlite_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, sqlite_url, partners=2, contacts=1, name="Library Q3"
    )
    with runtime.sessions.begin() as session:
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        draft = create_campaign(session, version, "Draft", {}, None).id
        member = session.scalar(select(User).where(User.email == "sales@partner00.example"))
        token = issue_token(session, member, "library-test")
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, runtime, campaign_id, draft, token
    runtime.close()


def tracked(runtime, slug: str, channel: str, name: str) -> str:
    with runtime.sessions() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner.id,
                TrackedLink.channel == channel,
                TrackedLink.name == name,
            )
        )
    return f"{runtime.settings.public_base_url}/r/{token}"


def test_the_library_holds_every_asset_with_the_partners_own_tracked_links(library):
    app, runtime, campaign_id, _, _ = library
    client, _ = sign_in(app, runtime, "sales@partner00.example")
    home = client.get("/portal/").get_data(as_text=True)
    assert f"/portal/campaigns/{campaign_id}" in home
    page = client.get(f"/portal/campaigns/{campaign_id}").get_data(as_text=True)
    # The launch post, per network, with the social channel's own tracked product link.
    assert 'data-network="linkedin" data-asset="launch"' in page
    assert 'data-network="instagram" data-asset="launch"' in page
    assert tracked(runtime, "partner-00", "social", "product:linkedin") in page
    assert "Copy the text" in page
    # The email as sent, the brochure, the talking points and the embed code.
    assert f"/portal/campaigns/{campaign_id}/email" in page
    assert "Open the brochure (PDF)" in page
    assert "Talking points" in page and "/embed/" in page and "async&gt;&lt;/script&gt;" in page, (
        "escaped in its field"
    )
    email = client.get(f"/portal/campaigns/{campaign_id}/email").get_data(as_text=True)
    assert tracked(runtime, "partner-00", "email", "assessment") in email
    assert (
        "sandbox"
        in client.get(f"/portal/campaigns/{campaign_id}/email").headers["Content-Security-Policy"]
    )
    base = f"/portal/campaigns/{campaign_id}/files"
    image = client.get(f"{base}/launch/launch-linkedin.jpg")
    assert image.status_code == 200 and image.data[:3] == b"\xff\xd8\xff"
    pdf = client.get(f"{base}/brochure/brochure.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    markdown = client.get(f"{base}/talking-points/talking-points.md")
    assert markdown.headers["Content-Disposition"].startswith("attachment")
    snippet = client.get(f"{base}/snippet/snippet.html")
    assert snippet.headers["Content-Disposition"].startswith("attachment"), "never rendered here"


def test_another_partners_or_a_draft_campaign_or_a_made_up_file_is_not_found(library):
    app, runtime, campaign_id, draft, _ = library
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    own = client.get(f"/portal/campaigns/{campaign_id}").get_data(as_text=True)
    assert tracked(runtime, "partner-01", "social", "product:linkedin") in own
    assert tracked(runtime, "partner-00", "social", "product:linkedin") not in own
    for path in (
        f"/portal/campaigns/{draft}",
        "/portal/campaigns/999999",
        f"/portal/campaigns/{campaign_id}/files/launch/..%2Fmanifest.json",
        f"/portal/campaigns/{campaign_id}/files/launch/manifest.json",
        f"/portal/campaigns/{campaign_id}/files/email/email.txt%00.jpg",
    ):
        assert client.get(path).status_code == 404, path


def test_the_api_lists_each_asset_with_kind_network_text_and_a_working_download(library):
    app, runtime, campaign_id, draft, token = library
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    answer = client.get(f"/api/v1/me/campaigns/{campaign_id}/assets", headers=auth)
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    kinds = {i["kind"] for i in items}
    assert {"email", "brochure", "social", "talking_points", "embed"} <= kinds
    linkedin = next(i for i in items if i["network"] == "linkedin" and i["asset"] == "launch")
    assert linkedin["status"] == "sent"
    assert tracked(runtime, "partner-00", "social", "product:linkedin") in linkedin["text"]
    assert linkedin["download_url"].endswith("/launch-linkedin.jpg")
    x = next(i for i in items if i["network"] == "x" and i["asset"] == "launch")
    assert tracked(runtime, "partner-00", "social", "product:x") in x["text"]
    instagram = next(i for i in items if i["network"] == "instagram" and i["asset"] == "launch")
    assert "/r/" not in instagram["text"] and "partner00.example" in instagram["text"]
    path = linkedin["download_url"].removeprefix(runtime.settings.public_base_url)
    assert client.get(path, headers=auth).data[:3] == b"\xff\xd8\xff"
    embed = next(i for i in items if i["kind"] == "embed")
    assert embed["embed"]["script"].startswith("<script src=")
    missing = client.get(f"/api/v1/me/campaigns/{draft}/assets", headers=auth)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
