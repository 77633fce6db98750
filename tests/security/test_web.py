"""The web surface as an attacker meets it: redirects, framing, injected markup, cross-site
writes, malformed input, spreadsheet formulas and the headers every answer carries."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select, update

from campaign_engine.db import Campaign, Consent, ConsentEvent, Partner
from tests.conftest import SAMPLE_KIT
from tests.security.conftest import (
    MARKETER,
    PARTNER_A,
    PASSWORD,
    csrf_of,
    page_csrf,
    partner_client,
    vendor_client,
)
from tests.worlds import outbox_messages


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/%0a/evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_redirects_off_site(world, target):
    client = world.app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post(
        f"/login?next={target}",
        data={"email": MARKETER, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith(("//", "/\\")))
    assert "evil" not in location and "javascript" not in location


def test_sign_in_keeps_a_same_site_next(world):
    client = world.app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login?next=/campaigns/1%3Ftab%3Dreport",
        data={"email": MARKETER, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/campaigns/1?tab=report"


def test_email_previews_are_sandboxed_frames_served_with_a_sandbox_policy(world):
    vendor = vendor_client(world)
    pages = [
        (vendor, f"/campaigns/{world.campaign}/preview?partner=partner-01"),
        (world.app.test_client(), f"/portal/preview/{world.notice['A']}"),
    ]
    for client, path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "srcdoc" not in html, path
        frame = re.search(r"<iframe[^>]*>", html).group(0)
        assert re.search(r"\ssandbox(\s|>|=\")", frame), frame
        assert "allow-scripts" not in frame and "allow-same-origin" not in frame
        src = re.search(r'src="([^"]+)"', frame).group(1).replace("&amp;", "&")
        inner = client.get(src)
        assert inner.status_code == 200 and "<html" in inner.get_data(as_text=True).lower()
        policy = inner.headers["Content-Security-Policy"]
        assert policy.startswith("sandbox") and "allow-scripts" not in policy
        assert '<base target="_blank">' in inner.get_data(as_text=True), "links open a new tab"


def test_the_consent_reply_escapes_a_campaign_title_with_markup(world):
    with world.runtime.sessions.begin() as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == world.campaign)
            .values(partner_title='<img src=x onerror="alert(document.cookie)">')
        )
    client = partner_client(world, PARTNER_A)
    answer = client.post(
        "/portal/consent",
        data={"mode": "off", "campaign_id": world.campaign, "csrf_token": page_csrf(client)},
        headers={"HX-Request": "true"},
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<img" not in body and "&lt;img" in body


def test_an_unknown_consent_mode_is_a_clear_error_not_a_500(world):
    client = partner_client(world, PARTNER_A)
    answer = client.post(
        "/portal/consent",
        data={"mode": "sideways", "campaign_id": world.campaign, "csrf_token": page_csrf(client)},
    )
    assert answer.status_code == 422
    assert "choose one of auto, review, off" in answer.get_data(as_text=True)


def test_a_cross_site_form_cannot_write_through_the_api(world):
    vendor = vendor_client(world)
    # What a hostile page's <form> can send with the victim's cookie:
    for kind, body in (
        ("application/x-www-form-urlencoded", "name=x&kit=secure-cloud-q3"),
        ("text/plain", '{"name": "x", "kit": "secure-cloud-q3"}'),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--',
        ),
    ):
        answer = vendor.post("/api/v1/campaigns", data=body, content_type=kind)
        assert answer.status_code == 415, kind
        assert answer.mimetype == "application/problem+json"
    # JSON with the cookie but no CSRF header (fetch with credentials from elsewhere):
    paused = vendor.post(f"/api/v1/campaigns/{world.campaign}/pause", json={})
    assert paused.status_code == 403 and "CSRF" in paused.get_json()["title"]
    created = vendor.post("/api/v1/campaigns", json={"name": "x", "kit": "secure-cloud-q3"})
    assert created.status_code == 403
    with world.runtime.sessions() as session:
        assert session.get(Campaign, world.campaign).status != "paused"
        assert session.scalar(select(Campaign).where(Campaign.name == "x")) is None
    # The console's own page may, with its token; a bearer token needs none.
    token = csrf_of(vendor.get("/").get_data(as_text=True))
    ok = vendor.post(
        f"/api/v1/campaigns/{world.campaign}/pause", json={}, headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200
    bearer = world.app.test_client().post(
        f"/api/v1/campaigns/{world.campaign}/resume",
        json={},
        headers={"Authorization": f"Bearer {world.bearer}"},
    )
    assert bearer.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/milestones"])
@pytest.mark.parametrize("signature", ["v1,abc", "v1,!!!", "v1", "garbage"])
def test_a_malformed_webhook_signature_is_a_401(world, path, signature):
    answer = world.app.test_client().post(
        path,
        data=b'{"partner": "partner-01", "milestone": "certified"}',
        content_type="application/json",
        headers={
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(world.runtime.clock().timestamp())),
            "webhook-signature": signature,
        },
    )
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/problem+json"


def _kit_zip(corrupt: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in SAMPLE_KIT.rglob("*"):
            if path.is_file():
                archive.write(path, f"kit/{path.relative_to(SAMPLE_KIT)}")
    data = bytearray(buffer.getvalue())
    if corrupt:
        # flip a byte inside kit.yaml's compressed data: its CRC no longer matches
        start = data.find(b"kit/kit.yaml") + len(b"kit/kit.yaml") + 20
        data[start] ^= 0xFF
    return bytes(data)


def test_a_kit_zip_with_a_bad_crc_is_named_not_a_500(world):
    vendor = vendor_client(world)
    token = csrf_of(vendor.get("/kits").get_data(as_text=True))
    data = _kit_zip(corrupt=True)
    page = vendor.post(
        "/kits",
        data={"kit": (io.BytesIO(data), "kit.zip"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert page.status_code in (200, 422) and "cannot be read" in page.get_data(as_text=True)
    api = vendor.post(
        "/api/v1/kits", data=data, content_type="application/zip", headers={"X-CSRFToken": token}
    )
    assert api.status_code == 422 and "cannot be read" in api.get_json()["detail"]


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example","Click")', "+1+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"],
)
def test_csv_exports_neutralise_formulas(world, name):
    with world.runtime.sessions.begin() as session:
        session.execute(update(Campaign).where(Campaign.id == world.campaign).values(name=name))
    vendor = vendor_client(world)
    for path in ("/programme/report.csv", "/api/v1/programme/report?format=csv"):
        rows = list(csv.reader(io.StringIO(vendor.get(path).get_data(as_text=True))))
        names = [row[1] for row in rows[1:]]
        assert "'" + name in names, (path, rows)
        assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_every_answer_carries_security_headers(world):
    vendor = vendor_client(world)
    answers = {
        "/login": world.app.test_client().get("/login"),
        "/": vendor.get("/"),
        "/api/v1/campaigns": vendor.get("/api/v1/campaigns"),
        "/nowhere": vendor.get("/nowhere"),
        "/portal/": world.app.test_client().get("/portal/"),
        "/api/v1/events": world.app.test_client().post("/api/v1/events", json={}),
    }
    for path, answer in answers.items():
        headers = answer.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy, path
        if path != "/api/v1/events":
            assert (
                "script-src 'self'" in policy
                and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
            ), path
            assert headers["Referrer-Policy"], path
            assert headers["Strict-Transport-Security"].startswith("max-age="), path


def test_the_embed_may_be_framed_by_any_site_but_runs_sandboxed(world):
    from campaign_engine.services.workspace.syndication import EmbedTokens

    with world.runtime.sessions() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.slug == "partner-01"))
    token = EmbedTokens(world.runtime.settings.secret_key).make(partner_id)
    answer = world.app.test_client().get(f"/embed/{token}")
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and policy.startswith("sandbox")
    assert "X-Frame-Options" not in answer.headers


def test_a_partner_cannot_decide_for_a_campaign_that_does_not_target_it(world):
    client = partner_client(world, PARTNER_A)
    token = page_csrf(client, "/portal/")
    api = client.put(
        "/api/v1/me/consent",
        json={"mode": "off", "campaign_id": world.b_only},
        headers={"X-CSRFToken": token},
    )
    assert api.status_code == 404
    page = client.post(
        "/portal/consent", data={"mode": "off", "campaign_id": world.b_only, "csrf_token": token}
    )
    assert page.status_code == 404
    with world.runtime.sessions() as session:
        assert session.scalar(select(Consent).where(Consent.campaign_id == world.b_only)) is None
    allowed = client.put(
        "/api/v1/me/consent",
        json={"mode": "off", "campaign_id": world.campaign},
        headers={"X-CSRFToken": token},
    )
    assert allowed.status_code == 200


def test_the_sign_in_email_carries_no_part_of_its_token(world):
    partner_client(world, PARTNER_A)
    mail = next(m for m in outbox_messages(world.runtime) if "sign-in" in m["Subject"])
    token = re.search(r"/portal/sign-in/(\S+)", mail.get_content()).group(1)
    headers = json.dumps(dict(mail.items()))
    for start in range(0, len(token) - 8):
        assert token[start : start + 8] not in headers
    files = [p.name for p in (world.runtime.settings.email.outbox_dir / "new").iterdir()]
    assert not any(token[:12] in name for name in files)


def test_sign_in_costs_one_password_hash_whether_or_not_the_email_exists(world, monkeypatch):
    import hashlib

    calls = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    client = world.app.test_client()
    counts = {}
    for email in ("nobody@vendor.example", MARKETER, PARTNER_A):
        client = world.app.test_client()
        token = csrf_of(client.get("/login").get_data(as_text=True))
        client.get("/login")  # a warm-up: the first decoy hash is made once per process
        client.post("/login", data={"email": "x@y.example", "password": "a", "csrf_token": token})
        calls.clear()
        answer = client.post(
            "/login", data={"email": email, "password": "wrong-password", "csrf_token": token}
        )
        assert answer.status_code == 200
        counts[email] = len(calls)
    assert set(counts.values()) == {1}, counts


def test_an_error_answer_commits_nothing_the_view_wrote(world):
    vendor = vendor_client(world)
    token = csrf_of(vendor.get("/campaigns/new").get_data(as_text=True))
    for field, value in (("consent_default", "bogus"), ("preview_days", "abc")):
        answer = vendor.post(
            "/campaigns",
            data={
                "kit": "secure-cloud-q3",
                "name": f"GHOST {field}",
                field: value,
                "csrf_token": token,
            },
        )
        assert answer.status_code == 422, (field, answer.status_code)
        assert field in answer.get_data(as_text=True)
    with world.runtime.sessions() as session:
        assert not session.scalars(select(Campaign).where(Campaign.name.like("GHOST%"))).all()


@pytest.mark.parametrize("days", ["abc", "-1000", "99999999999999999999999", "61"])
def test_the_console_campaign_form_keeps_the_apis_limits(world, days):
    vendor = vendor_client(world)
    token = csrf_of(vendor.get("/campaigns/new").get_data(as_text=True))
    answer = vendor.post(
        "/campaigns",
        data={"kit": "secure-cloud-q3", "name": "Q", "preview_days": days, "csrf_token": token},
    )
    assert answer.status_code == 422 and "preview_days" in answer.get_data(as_text=True)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_times_outside_what_the_database_holds_are_input_errors(world, when):
    vendor = vendor_client(world)
    token = csrf_of(vendor.get("/").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    api = vendor.post(
        "/api/v1/partners/partner-01/milestones",
        json={"milestone": "certified", "reached_at": when},
        headers=headers,
    )
    assert api.status_code == 422 and api.get_json()["detail"].startswith("reached_at")
    created = vendor.post(
        "/api/v1/campaigns",
        json={"name": "Far", "kit": "secure-cloud-q3", "launch_at": when},
        headers=headers,
    )
    assert created.status_code == 422
    page = vendor.post(
        "/partners/partner-01/milestones",
        data={"milestone": "certified", "reached_at": when[:16], "csrf_token": token},
    )
    assert page.status_code == 422


def test_signed_events_with_impossible_values_are_422_not_retried_forever(world):
    from standardwebhooks.webhooks import Webhook

    signer = Webhook(world.runtime.settings.webhooks.inbound_secret)
    client = world.app.test_client()
    bodies = [
        {
            "type": "lead.created",
            "external_id": "L1",
            "occurred_at": "9999-12-31T23:00:00-05:00",
            "partner": "partner-01",
            "campaign": world.campaign,
        },
        {
            "type": "lead.created",
            "external_id": "L2",
            "occurred_at": "2026-11-22T10:00:00Z",
            "partner": "partner-01",
            "campaign": 10**30,
        },
    ]
    for number, body in enumerate(bodies):
        data = json.dumps(body)
        now = world.runtime.clock()
        headers = {
            "webhook-id": f"msg_{number}",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(f"msg_{number}", now, data),
        }
        answer = client.post(
            "/api/v1/events", data=data, headers=headers, content_type="application/json"
        )
        assert answer.status_code == 422, (body, answer.get_data(as_text=True))


def test_a_page_number_that_is_a_digit_but_not_ascii_is_a_422(world):
    vendor = vendor_client(world)
    assert vendor.get("/api/v1/campaigns?page=%C2%B2").status_code == 422


def test_bodies_are_bounded_before_anyone_is_known(world):
    client = world.app.test_client()
    big = b"x" * (65 * 1024 * 1024)
    answer = client.post("/login", data=big, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413
    callback = client.post(
        "/api/v1/milestones",
        data=b"{" + b" " * (70 * 1024) + b"}",
        content_type="application/json",
    )
    assert callback.status_code == 413


def test_a_junk_bearer_header_does_not_excuse_a_cookie_caller_from_csrf(world):
    client = partner_client(world, PARTNER_A)
    answer = client.put(
        "/api/v1/me/consent",
        json={"mode": "off", "channel": "web"},
        headers={"Authorization": "Bearer junk"},
    )
    assert answer.status_code == 403
    with world.runtime.sessions() as session:
        assert session.scalar(select(Consent)) is None


def test_a_bad_campaign_id_never_widens_consent_to_every_campaign(world):
    client = partner_client(world, PARTNER_A)
    answer = client.post(
        "/portal/consent",
        data={"mode": "off", "campaign_id": "abc", "csrf_token": page_csrf(client)},
    )
    assert answer.status_code == 422
    with world.runtime.sessions() as session:
        assert session.scalar(select(Consent)) is None


def test_a_kit_zip_of_too_many_files_is_refused_before_unpacking(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(2_001):
            archive.writestr(f"kit/f{number}.txt", "")
    vendor = vendor_client(world)
    token = csrf_of(vendor.get("/").get_data(as_text=True))
    answer = vendor.post(
        "/api/v1/kits",
        data=buffer.getvalue(),
        content_type="application/zip",
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 422 and "more than 2,000 files" in answer.get_json()["detail"]


def test_one_click_opt_out_wins_over_earlier_channel_choices_and_only_opts_out(world):
    from campaign_engine.db import Campaign as CampaignRow
    from campaign_engine.domain.consent import ConsentMode
    from campaign_engine.services.partners.consent.read import mode_for
    from campaign_engine.services.partners.consent.record import set_consent
    from campaign_engine.services.partners.directory import get_partner

    with world.runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        set_consent(
            session,
            partner,
            ConsentMode.AUTO,
            campaign_id=world.campaign,
            channel="email",
            actor="p",
            via="portal",
            rules=world.runtime.settings.programme.rules(),
            now=world.runtime.clock(),
        )
    client = world.app.test_client()
    page = client.post(f"/portal/opt-out/{world.notice['A']}").get_data(as_text=True)
    assert "will not go out for Partner 01 Systems" in page
    with world.runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        campaign = session.get(CampaignRow, world.campaign)
        modes = {
            ch: mode_for(session, partner.id, campaign, ch, ConsentMode.AUTO)
            for ch in ("email", "social")
        }
    assert set(modes.values()) == {ConsentMode.OFF}, modes
    assert 'name="mode"' not in page and "Sign in to the partner portal" in page
    # A forwarded link can only send less in the partner's name, never switch it back on.
    client.post(f"/portal/opt-out/{world.notice['A']}", data={"mode": "auto"})
    with world.runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        campaign = session.get(CampaignRow, world.campaign)
        assert mode_for(session, partner.id, campaign, "email", ConsentMode.AUTO) == ConsentMode.OFF
        events = session.scalars(select(ConsentEvent.actor).where(ConsentEvent.via == "link"))
        assert set(events) == {"notice link"}, "no address pretends to have clicked"


def test_a_partners_error_page_points_to_the_portal_not_the_console(world):
    answer = world.app.test_client().post("/portal/sign-in/used-or-made-up", data={})
    page = answer.get_data(as_text=True)
    assert answer.status_code in (400, 422)
    assert "Go to the partner portal" in page and "Back to the console" not in page
    assert "InvalidInput" not in page


def test_the_review_preview_refuses_edits_that_saving_would_refuse(world):
    client = partner_client(world, PARTNER_A)
    answer = client.post(
        f"/portal/review/{world.held}/preview",
        data={"edit_posts": "not-a-post", "csrf_token": page_csrf(client, "/portal/review")},
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "not-a-post" not in body.split('class="bad"')[0]
    assert 'class="bad"' in body, "the partner is told why the edit is left out"
    email = client.get(f"/portal/review/{world.held}/email?edit_posts=not-a-post")
    assert email.status_code == 200 and b"not-a-post" not in email.data
