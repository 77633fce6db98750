"""The email-signature banner: one snippet per partner whose image and link follow its
live campaign, fall back to an evergreen banner, and count clicks as signature clicks."""

from __future__ import annotations

import io
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from PIL import Image
from sqlalchemy import select

from campaign_engine import bootstrap
from campaign_engine.app import create_app
from campaign_engine.db import Partner, TrackedLink, User
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.pipeline.runner import run_until_sent
from campaign_engine.services.access.accounts import issue_token
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign, get_campaign
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.workspace.snippet import SignatureTokens
from tests.conftest import SAMPLE_KIT
from tests.worlds import launched_campaign

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings


@pytest.fixture
def world(tmp_path, sqlite_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, sqlite_url, partners=1, contacts=1, name="Signature Q3"
    )
    with runtime.sessions.begin() as session:
        partner = session.scalar(select(Partner))
        member = session.scalar(select(User).where(User.email == partner.contact_email))
        bearer = issue_token(session, member, "signature-test")
        partner_id = partner.id
    app = create_app(runtime)
    app.config.update(TESTING=True)
    token = SignatureTokens(runtime.settings.signing_keys).make(partner_id)
    yield app, runtime, campaign_id, partner_id, token, bearer
    runtime.close()


def second_campaign(tmp_path, runtime, headline: str) -> int:
    """A new kit version whose banner says something else, launched and sent."""
    kit = tmp_path / "kit-q4"
    shutil.copytree(SAMPLE_KIT, kit)
    copy = yaml.safe_load((kit / "copy" / "en.yaml").read_text())
    copy["signature"]["headline"] = headline
    (kit / "copy" / "en.yaml").write_text(yaml.safe_dump(copy, allow_unicode=True))
    with runtime.sessions.begin() as session:
        version = load_kit(session, kit, bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Signature Q4", {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="test", rules=RULES)
        campaign_id = campaign.id
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    return campaign_id


def test_the_banner_follows_the_live_campaign_and_its_clicks_are_signature_clicks(world, tmp_path):
    app, runtime, campaign_id, partner_id, token, _ = world
    client = app.test_client()
    first = client.get(f"/s/{token}.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert "max-age=60" in first.headers["Cache-Control"]
    assert Image.open(io.BytesIO(first.data)).size == (1200, 200)
    again = client.get(f"/s/{token}.png", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    with runtime.sessions() as session:
        tracked = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.campaign_id == campaign_id,
                TrackedLink.partner_id == partner_id,
                TrackedLink.channel == "signature",
                TrackedLink.name == "assessment",
            )
        )
    click = client.get(f"/s/{token}")
    assert click.status_code == 302 and click.location.endswith(f"/r/{tracked}")
    # The kit sends this link to the partner's landing page; its own link says signature.
    target = client.get(f"/r/{tracked}")
    assert target.location.endswith(f"/l/{tracked}")
    with runtime.sessions() as session:
        product = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.campaign_id == campaign_id,
                TrackedLink.partner_id == partner_id,
                TrackedLink.channel == "signature",
                TrackedLink.name == "product",
            )
        )
    product_target = client.get(f"/r/{product}").location
    assert parse_qs(urlsplit(product_target).query)["utm_medium"] == ["signature"]
    # A second campaign launches with another headline: the same snippet shows it.
    q4 = second_campaign(tmp_path, runtime, "Q4: restore everything in minutes")
    second = client.get(f"/s/{token}.png", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.data != first.data
    assert client.get(f"/s/{token}").location != click.location
    # Switched off for both: the evergreen banner, and the link goes to the partner's site.
    with runtime.sessions.begin() as session:
        partner = session.get(Partner, partner_id)
        for cid in (campaign_id, q4):
            set_consent(
                session,
                partner,
                ConsentMode.OFF,
                campaign_id=cid,
                channel="signature",
                actor="test",
                via="cli",
                rules=runtime.settings.programme.rules(),
                now=runtime.clock(),
            )
        assert get_campaign(session, q4).status == "live"
        website = partner.website
    evergreen = client.get(f"/s/{token}.png")
    assert evergreen.status_code == 200 and evergreen.data not in (first.data, second.data)
    assert client.get(f"/s/{token}").location == website


def test_the_snippet_is_stable_escaped_and_forged_ids_are_not_found(world):
    app, runtime, _, partner_id, token, bearer = world
    with runtime.sessions.begin() as session:
        session.get(Partner, partner_id).name = 'O\'Brien & <Sons> "Ελληνική"'
    client = app.test_client()
    answer = client.get("/api/v1/me/signature", headers={"Authorization": f"Bearer {bearer}"})
    body = answer.get_json()
    assert body["image_url"].endswith(f"/s/{token}.png")
    assert body["link_url"].endswith(f"/s/{token}")
    assert "&lt;Sons&gt; &#34;Ελληνική&#34;" in body["html"] and "<Sons>" not in body["html"]
    assert (
        client.get("/api/v1/me/signature", headers={"Authorization": f"Bearer {bearer}"}).get_json()
        == body
    ), "stable: the same snippet every time"
    other = SignatureTokens(runtime.settings.signing_keys).make(partner_id + 1000)
    assert client.get(f"/s/{other}.png").status_code == 404
    assert client.get("/s/WzEsMV0.forged.png").status_code == 404


def test_two_campaigns_of_one_kit_each_show_their_own_link_and_an_opt_out_holds(world):
    """The attack: with two campaigns sharing a kit version, the banner took the newest
    artifact of that version, so an opt-out of one still linked to it."""
    app, runtime, first, partner_id, token, _ = world
    with runtime.sessions.begin() as session:
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        second = create_campaign(session, version, "Same kit", {}, None)
        launch_campaign(session, second, now=runtime.clock(), actor="test", rules=RULES)
        second_id = second.id
    run_until_sent(runtime, second_id, workers=2, timeout=60)

    def link_of(campaign_id: int) -> str:
        with runtime.sessions() as session:
            tracked = session.scalar(
                select(TrackedLink.token).where(
                    TrackedLink.campaign_id == campaign_id,
                    TrackedLink.partner_id == partner_id,
                    TrackedLink.channel == "signature",
                    TrackedLink.name == "assessment",
                )
            )
        return f"/r/{tracked}"

    client = app.test_client()
    assert client.get(f"/s/{token}").location.endswith(link_of(second_id))
    with runtime.sessions.begin() as session:
        set_consent(
            session,
            session.get(Partner, partner_id),
            ConsentMode.OFF,
            campaign_id=second_id,
            channel="signature",
            actor="test",
            via="cli",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
        )
    assert client.get(f"/s/{token}").location.endswith(link_of(first))


def test_the_vendors_priority_and_the_partners_pin_decide_the_banner(world, tmp_path):
    """Issue 27: the banner followed whichever campaign launched last, so a test campaign
    launched after the real one captured a prospect's lead. The vendor ranks live
    campaigns (banner_priority); a partner may pin one of its own live campaigns."""
    from campaign_engine.db import Campaign

    app, runtime, first, _, token, _ = world
    q4 = second_campaign(tmp_path, runtime, "Q4: restore it all in minutes")
    client = app.test_client()
    newest = client.get(f"/s/{token}.png").data
    with runtime.sessions.begin() as session:
        session.get(Campaign, first).banner_priority = 10  # the real one, launched earlier
    ranked = client.get(f"/s/{token}.png").data
    assert ranked != newest, "the vendor's priority beats the newer launch"

    # The partner pins the newer one in its portal.
    with runtime.sessions.begin() as session:
        member = session.scalar(select(User).where(User.email.like("sales@%")))
        email = member.email
    from tests.web.test_portal import sign_in

    app.config.update(WTF_CSRF_ENABLED=False)  # the form's CSRF is the matrix's to prove
    portal, _ = sign_in(app, runtime, email)
    page = portal.get("/portal/signature").get_data(as_text=True)
    assert 'id="banner-choice"' in page
    assert portal.post("/portal/signature/pin", data={"campaign_id": q4}).status_code == 302
    assert client.get(f"/s/{token}.png").data == newest, "the pin wins over the ranking"
    assert portal.post("/portal/signature/pin", data={"campaign_id": q4 + 99}).status_code == 404
    assert portal.post("/portal/signature/pin", data={"campaign_id": ""}).status_code == 302
    assert client.get(f"/s/{token}.png").data == ranked, "unpinned: the vendor's ranking"


def test_the_evergreen_banner_is_drawn_again_when_the_renderers_change(world, monkeypatch):
    """Stored by its inputs, the between-campaigns banner kept an older layout's drawing
    after the layout changed: the renderers' version is one of its inputs (an attack)."""
    from campaign_engine.services.workspace import signature
    from renderers.signature import banner_png

    _, runtime, _, partner_id, _, _ = world
    drawn: list[int] = []

    def drawing(*args, **kwargs):
        drawn.append(1)
        return banner_png(*args, **kwargs)

    with runtime.sessions() as session:
        partner = session.get(Partner, partner_id)
        storage = runtime.settings.storage_dir
        first, _ = signature.evergreen(session, partner, storage, drawing)
        again, _ = signature.evergreen(session, partner, storage, drawing)
        assert again == first and len(drawn) == 1, "stored: drawn once"
        monkeypatch.setattr(signature, "RENDERER_VERSION", "next")
        signature.evergreen(session, partner, storage, drawing)
    assert len(drawn) == 2, "a new renderers' version draws it anew"
