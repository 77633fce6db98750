"""The partner portal through the real app: sign-in by emailed link, switches, the review
queue with edits inside the kit's limits, the profile, and results scoped to the partner."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.db import ConsentEvent, Customisation, Delivery, Partner, TrackedLink
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import get_partner, import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, write_config
from tests.factories import logo_png, partner_row, write_contacts, write_partners
from tests.worlds import outbox_messages

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings


@pytest.fixture
def portal(tmp_path, sqlite_url):
    """Two partners; partner-01 reviews its social posts, so they wait in its queue."""
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        rows = [partner_row(1), partner_row(2)]
        import_partners(session, write_partners(tmp_path, rows))
        import_contacts(session, write_contacts(tmp_path, [r["slug"] for r in rows], 1))
        for slug in ("partner-01", "partner-02"):
            set_consent(
                session,
                get_partner(session, slug),
                ConsentMode.REVIEW,
                channel="social",
                actor="test",
                via="cli",
                rules=runtime.settings.programme.rules(),
                now=runtime.clock(),
            )
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Portal Q3", {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="test", rules=RULES)
        campaign_id = campaign.id
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, runtime, campaign_id
    runtime.close()


def sign_in(app, runtime, email: str):
    client = app.test_client()
    page = client.post("/portal/sign-in", data={"email": email}).get_data(as_text=True)
    assert "sign-in link is on its way" in page
    mail = next(m for m in outbox_messages(runtime) if m["To"] == email)
    path = re.search(r"https://partners\.vendor\.example(/portal/sign-in/\S+)", mail.get_content())
    assert client.get(path.group(1)).status_code == 200, "a button, not a sign-in on GET"
    assert client.post(path.group(1)).status_code == 302
    return client, path.group(1)


def test_a_partner_signs_in_with_an_emailed_link_that_works_once(portal):
    app, runtime, _ = portal
    client, path = sign_in(app, runtime, "sales@partner01.example")
    home = client.get("/portal/").get_data(as_text=True)
    assert "Partner 01 Systems" in home and "Secure Cloud Backup: Q3 launch" in home
    assert "Portal Q3" not in home, "partners read the title, never the vendor's own name"
    assert "waiting for your approval" in home, "the next action is on top"
    assert 'id="no-results"' in home and 'id="weekly"' not in home, "an empty chart says so"
    again = app.test_client().post(path)
    assert again.status_code == 422 and "already used" in again.get_data(as_text=True)


def test_an_unknown_address_gets_the_same_answer_and_no_email(portal):
    app, runtime, _ = portal
    page = app.test_client().post("/portal/sign-in", data={"email": "who@nowhere.example"})
    assert "sign-in link is on its way" in page.get_data(as_text=True)
    assert outbox_messages(runtime) == [] or all(
        m["To"] != "who@nowhere.example" for m in outbox_messages(runtime)
    )


def test_a_switch_takes_effect_at_once_and_records_who_and_how(portal):
    app, runtime, campaign_id = portal
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    answer = client.post(
        "/portal/consent",
        data={"campaign_id": campaign_id, "channel": "email", "mode": "off"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Email for Secure Cloud Backup: Q3 launch: off" in answer
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        from campaign_engine.db import Campaign

        campaign = session.get(Campaign, campaign_id)
        assert mode_for(session, partner.id, campaign, "email", ConsentMode.AUTO) is ConsentMode.OFF
        other = get_partner(session, "partner-02")
        assert mode_for(session, other.id, campaign, "email", ConsentMode.AUTO) is ConsentMode.AUTO
        event = session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
        assert (event.actor, event.via) == ("sales@partner01.example", "portal")


def test_review_approves_with_an_edit_inside_the_kits_limit_and_refuses_one_beyond_it(portal):
    app, runtime, _ = portal
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    page = client.get("/portal/review").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'id="item-(\d+)"', page)]
    assert ids, "held posts are in the queue"
    first = ids[0]
    # What is reviewed is what goes out: each network's text with the real tracked link.
    with runtime.sessions() as session:
        item = session.get(Delivery, first)
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == item.partner_id,
                TrackedLink.channel == "social",
                TrackedLink.name == "product:linkedin",  # each network its own link
            )
        )
    assert f"https://partners.vendor.example/r/{token}" in page
    assert 'data-network="LinkedIn"' in page and 'data-network="Instagram"' in page
    preview = client.post(
        f"/portal/review/{first}/preview", data={"edit_cta_text": "x" * 40}
    ).get_data(as_text=True)
    assert "the limit is 32" in preview

    response = client.post(
        f"/portal/review/{first}", data={"action": "approve", "edit_cta_text": "Book your check"}
    )
    assert response.status_code == 302
    with runtime.sessions() as session:
        item = session.get(Delivery, first)
        assert item.status == "pending"
        stored = session.scalar(select(Customisation.values))
        assert stored["cta_text"] == "Book your check"
    skipped = client.post(f"/portal/review/{ids[1]}", data={"action": "skip"})
    assert skipped.status_code == 302
    with runtime.sessions() as session:
        assert session.get(Delivery, ids[1]).status == "skipped"


def test_a_partner_cannot_see_or_decide_another_partners_items(portal):
    app, runtime, _ = portal
    with runtime.sessions() as session:
        theirs = session.scalar(
            select(Delivery.id)
            .join(Partner, Partner.id == Delivery.partner_id)
            .where(Partner.slug == "partner-02", Delivery.status == "held")
        )
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    assert client.post(f"/portal/review/{theirs}", data={"action": "skip"}).status_code == 404
    assert client.post(f"/portal/review/{theirs}/preview").status_code == 404
    assert "Partner 02" not in client.get("/portal/review").get_data(as_text=True)
    with runtime.sessions() as session:
        assert session.get(Delivery, theirs).status == "held"


def test_profile_saves_a_new_logo_and_refuses_a_bad_colour_without_changing_anything(portal):
    app, runtime, _ = portal
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    import io

    saved = client.post(
        "/portal/profile",
        data={
            "phone": "+44 20 7946 0999",
            "primary_color": "#123456",
            "logo": (io.BytesIO(logo_png("#aa0000", (400, 120))), "new-logo.png"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Saved" in saved
    refused = client.post("/portal/profile", data={"primary_color": "teal-ish", "phone": "1"})
    assert "Not saved" in refused.get_data(as_text=True)
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        assert (partner.phone, partner.primary_color) == ("+44 20 7946 0999", "#123456")
        assert partner.logo_png and partner.logo_png.startswith(b"\x89PNG")


def test_a_german_partner_uploads_a_logo_for_dark_grounds_and_reads_its_warnings_in_german(
    portal,
):
    """The portal's brand warnings are in the partner's language, and a nearly black logo
    stops being one to warn about once its white sibling for dark grounds is uploaded."""
    import io

    app, runtime, _ = portal
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").locale = "de-DE"
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    black = (io.BytesIO(logo_png("#050505", (400, 120))), "black.png")
    page = client.post(
        "/portal/profile", data={"logo": black}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "Das Logo ist fast schwarz" in page, "warned in German"
    assert "nearly black" not in page
    white = (io.BytesIO(logo_png("#ffffff", (400, 120))), "white.png")
    page = client.post(
        "/portal/profile", data={"logo_on_dark": white}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert 'id="current-logo-on-dark"' in page
    assert "Das Logo ist fast schwarz" not in page
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        assert partner.logo_on_dark_png and partner.logo_on_dark_png.startswith(b"\x89PNG")
        assert brand_context(partner).logo_on_dark_png == partner.logo_on_dark_png
    bad = (io.BytesIO(b"not an image"), "x.png")
    page = client.post(
        "/portal/profile", data={"logo_on_dark": bad}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "logo_on_dark" in page and role_alert(page), "refused, naming the field"


def role_alert(page: str) -> bool:
    return 'role="alert"' in page


def test_a_partner_sets_the_short_name_its_subjects_use(portal):
    app, runtime, _ = portal
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    page = client.get("/portal/profile").get_data(as_text=True)
    assert 'id="short_name"' in page
    client.post("/portal/profile", data={"short_name": "P01"})
    too_long = client.post("/portal/profile", data={"short_name": "x" * 41})
    assert "Not saved" in too_long.get_data(as_text=True)
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        assert partner.short_name == "P01"
        assert brand_context(partner).display_name == "P01"
    client.post("/portal/profile", data={"short_name": ""})
    with runtime.sessions() as session:
        assert (
            brand_context(get_partner(session, "partner-01")).display_name == "Partner 01 Systems"
        )


def test_vendor_users_do_not_get_partner_pages(portal):
    app, _, _ = portal
    client = app.test_client()
    assert client.get("/portal/review").status_code == 302
    assert client.post("/portal/consent", data={"mode": "off"}).status_code == 302


def test_sign_in_link_requests_are_rate_limited(portal):
    app, _, _ = portal
    client = app.test_client()
    statuses = [
        client.post("/portal/sign-in", data={"email": "x@y.example"}).status_code for _ in range(12)
    ]
    assert statuses[0] == 200 and 429 in statuses


@pytest.mark.parametrize(
    "locale, words",
    [
        (
            "de-DE",
            [
                "Ihre Kampagnen",
                "Abmelden",
                "Ihre Ergebnisse",
                'lang="de"',
                "Text kopieren",
                "Signatur kopieren",
                "Backup-Check buchen",
            ],
        ),
        (
            "fr-FR",
            [
                "Vos campagnes",
                "Se déconnecter",
                "Vos résultats",
                'lang="fr"',
                "Copier le texte",
                "Copier la signature",
                "Réserver mon bilan",
            ],
        ),
    ],
)
def test_a_partner_reads_the_portal_in_its_own_language(portal, locale, words):
    """Issue 15: the portal was English whatever the partner's locale."""
    app, runtime, campaign_id = portal
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").locale = locale
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    home = client.get("/portal/").get_data(as_text=True)
    # The asset library, the signature page and the partner's landing page too.
    library = client.get(f"/portal/campaigns/{campaign_id}").get_data(as_text=True)
    signature = client.get("/portal/signature").get_data(as_text=True)
    with runtime.sessions() as session:
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == get_partner(session, "partner-01").id,
                TrackedLink.name == "assessment",
            )
        )
    landing = app.test_client().get(f"/l/{token}").get_data(as_text=True)
    for word in words:
        assert word in home + library + signature + landing, word
    assert "Your campaigns" not in home and "Copy the text" not in library
    # The review queue, the profile and the sign-in email too.
    review = client.get("/portal/review").get_data(as_text=True)
    profile = client.get("/portal/profile").get_data(as_text=True)
    in_review, in_profile, subject = {
        "de-DE": (
            ["Freigeben", "Überspringen", "Vor der Freigabe bearbeiten"],
            ["Primärfarbe", "Postanschrift"],
            "Ihr Anmeldelink für das Partnerportal",
        ),
        "fr-FR": (
            ["Valider", "Ignorer", "Modifier avant de valider"],
            ["Couleur principale", "Adresse postale"],
            "Votre lien de connexion au portail partenaire",
        ),
    }[locale]
    for word in in_review:
        assert word in review, word
    for word in in_profile:
        assert word in profile, word
    assert "Review queue" not in review and "Edit before approving" not in review
    assert "Profile and brand" not in profile and "Primary colour" not in profile
    mails = {m["To"]: m for m in outbox_messages(runtime)}
    assert mails["sales@partner01.example"]["Subject"] == subject
    other, _ = sign_in(app, runtime, "sales@partner02.example")
    english = other.get("/portal/").get_data(as_text=True)
    assert "Your campaigns" in english, "an English partner still reads English"
    mails = {m["To"]: m for m in outbox_messages(runtime)}
    assert mails["sales@partner02.example"]["Subject"] == "Your sign-in link for the partner portal"
    signed_out = app.test_client().get("/portal/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Portail partenaire" in signed_out.get_data(as_text=True)


def test_a_locale_babel_does_not_know_falls_back_to_its_language(portal):
    """'de-XX' passes the import's pattern; the portal must not answer it with a 500."""
    app, runtime, _ = portal
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").locale = "de-XX"
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    home = client.get("/portal/")
    assert home.status_code == 200 and "Ihre Kampagnen" in home.get_data(as_text=True)


def test_a_partner_rewrites_a_posts_text_per_network_within_its_limit(portal):
    """Issue 15: review offered only the email's fields for a social post. Each network's
    text is the partner's to change; the engine still adds the tracked link and hashtags."""
    app, runtime, _ = portal
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    page = client.get("/portal/review").get_data(as_text=True)
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        launch = session.scalar(
            select(Delivery.id).where(Delivery.partner_id == partner.id, Delivery.asset == "launch")
        )
    assert 'name="edit_post:launch:linkedin"' in page and 'name="edit_post:launch:x"' in page
    too_long = client.post(
        f"/portal/review/{launch}/preview", data={"edit_post:launch:x": "y" * 300}
    ).get_data(as_text=True)
    assert "X post text" in too_long and "the limit is" in too_long
    mine = "Our own words for LinkedIn: we set this up for you in a day."
    preview = client.post(
        f"/portal/review/{launch}/preview", data={"edit_post:launch:linkedin": mine}
    ).get_data(as_text=True)
    assert mine in preview and "/r/" in preview, "the engine still adds the tracked link"
    client.post(
        f"/portal/review/{launch}",
        data={
            "action": "approve",
            "edit_post:launch:linkedin": mine,
            "edit_post:launch:x": page.split('name="edit_post:launch:x"')[1]
            .split(">", 1)[1]
            .split("</textarea>")[0],
        },
    )
    with runtime.sessions() as session:
        stored = session.scalar(select(Customisation.values))
    assert stored == {"post:launch:linkedin": mine}, "an unchanged text is not pinned"


def test_the_kits_choice_of_posts_is_offered_in_review_and_kept(portal):
    app, runtime, campaign_id = portal
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    page = client.get("/portal/review").get_data(as_text=True)
    assert f'action="/portal/review/posts/{campaign_id}"' in page
    assert page.count('name="posts"') == 3 and page.count("checked>") >= 3
    assert client.post(f"/portal/review/posts/{campaign_id}", data={}).status_code == 422
    saved = client.post(f"/portal/review/posts/{campaign_id}", data={"posts": ["launch", "proof"]})
    assert saved.status_code == 302
    with runtime.sessions() as session:
        assert session.scalar(select(Customisation.values)) == {"posts": ["launch", "proof"]}
    other, _ = sign_in(app, runtime, "sales@partner02.example")
    assert other.post("/portal/review/posts/999999", data={"posts": ["launch"]}).status_code == 404


def test_the_home_page_says_what_preflight_holds_and_how_to_fix_it(portal):
    """An attacker's report: the home page of any partner with items held by preflight
    answered 500 (Flask-Babel's ngettext formats with {"num": n} alone, and the action
    names the problem too)."""
    from campaign_engine.domain.ledger import Reason
    from campaign_engine.domain.lifecycle import DeliveryStatus

    app, runtime, _ = portal
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        rows = session.scalars(select(Delivery).where(Delivery.partner_id == partner.id)).all()
        for row in rows:  # every item, so no review waits before them
            row.status, row.reason = DeliveryStatus.FAILED, Reason.HELD_BY_PREFLIGHT
            row.last_error = "held by preflight: email logo_email_small: the logo is small"
        held = len(rows)
    client, _ = sign_in(app, runtime, "sales@partner01.example")
    answer = client.get("/portal/")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert f"{held} campaign items are held" in page and "Fix it in your profile" in page
