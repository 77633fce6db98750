"""Issue 30: partners rate assets (useful or not, a comment, a reason), the partner's owner
is alerted when something needs a person (opted out of everything, a brand concern, gone
silent), each once, and the vendor's reply reaches the partner by email and in the portal.
On SQLite and PostgreSQL, through the pages and the API as partners and marketers use them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import FeedbackMail, Partner, PartnerFeedback, User, UserSession
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.access.sessions import start_session
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign, get_campaign
from campaign_engine.services.feedback.alerts import sweep_silence
from campaign_engine.services.feedback.mail import send_pending
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.partners.runway.digest import send_digest
from tests.conftest import _pg_database
from tests.worlds import RULES, outbox_messages, planned_campaign

OWNER = "ann@vendor.example"
ADMIN = "boss@vendor.example"
A, B = "sales@partner01.example", "sales@partner02.example"


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"feedback-{request.param}")
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{folder / 'engine.db'}"])
    else:
        urls = _pg_database(request.getfixturevalue("postgres_server"))
    url = next(urls)
    runtime, campaign_id = planned_campaign(folder, url, partners=3, contacts=1, name="Q3")
    with runtime.sessions.begin() as session:
        ann, _ = create_user(session, OWNER, "marketer", password="correct-horse-1")
        create_user(session, ADMIN, "admin", password="correct-horse-1")
        get_partner(session, "partner-01").owner_id = ann.id
        version = get_campaign(session, campaign_id).kit_version
        b_only = create_campaign(session, version, "B only", {"partner": ["partner-02"]}, None)
        launch_campaign(session, b_only, now=runtime.clock(), actor="test", rules=RULES)
        b_campaign = b_only.id
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, runtime, campaign_id, b_campaign
    runtime.close()
    for _ in urls:  # drops the PostgreSQL database
        pass


SIGNED_IN: dict[tuple[int, str], object] = {}


def partner(app, runtime, email: str):
    """A member signed in through the emailed link (once per world: a link works once)."""
    key = (id(app), email)
    if key not in SIGNED_IN:
        SIGNED_IN[key] = _sign_in(app, runtime, email)
    return SIGNED_IN[key]


def _sign_in(app, runtime, email: str):
    client = app.test_client()
    client.post("/portal/sign-in", data={"email": email})
    mail = [m for m in outbox_messages(runtime) if m["To"] == email][-1]
    path = re.search(r"https?://[^/\s]+(/portal/sign-in/\S+)", mail.get_content()).group(1)
    assert client.post(path).status_code == 302
    return client


def vendor(app, email: str = OWNER):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "correct-horse-1"})
    return client


def mails_to(runtime, who: str, subject: str) -> list:
    return [m for m in outbox_messages(runtime) if m["To"] == who and subject in m["Subject"]]


def ratings(runtime, campaign_id: int) -> list[tuple]:
    with runtime.sessions() as session:
        return list(
            session.execute(
                select(PartnerFeedback.asset, PartnerFeedback.useful, PartnerFeedback.comment)
                .where(PartnerFeedback.kind == "rating")
                .where(PartnerFeedback.campaign_id == campaign_id)
            )
        )


def test_rating_twice_counts_once_with_the_latest_word(world):
    app, runtime, campaign_id, _ = world
    client = partner(app, runtime, A)
    first = client.post(
        "/portal/ratings",
        data={"campaign_id": campaign_id, "asset": "email", "useful": "no", "comment": "long"},
        headers={"HX-Request": "true"},
    )
    assert first.status_code == 200
    assert 'value="no" class="" aria-pressed="true"' in first.get_data(as_text=True)
    again = client.post(
        f"/api/v1/me/campaigns/{campaign_id}/assets/email/rating", json={"useful": True}
    )
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["useful"] is True
    assert ratings(runtime, campaign_id) == [("email", True, "")]
    figures = vendor(app).get(f"/api/v1/campaigns/{campaign_id}/feedback").get_json()
    assert figures["ratings"] == {"useful": 1, "not_useful": 0}
    page = client.get(f"/portal/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'id="rating-{campaign_id}-email"' in page
    assert f'id="rating-{campaign_id}-brochure"' in page  # beside the email, in the library
    # without JavaScript: the form posts and the library comes back at the asset
    plain = client.post(
        "/portal/ratings",
        data={"campaign_id": campaign_id, "asset": "brochure", "useful": "yes"},
    )
    assert plain.status_code == 302
    assert plain.headers["Location"].endswith(
        f"/portal/campaigns/{campaign_id}#rating-{campaign_id}-brochure"
    )


def test_a_partner_cannot_rate_another_audiences_campaign(world):
    app, runtime, _, b_campaign = world
    client = partner(app, runtime, A)
    form = {"campaign_id": b_campaign, "asset": "email", "useful": "no"}
    assert client.post("/portal/ratings", data=form).status_code == 404
    answer = client.post(
        f"/api/v1/me/campaigns/{b_campaign}/assets/email/rating", json={"useful": False}
    )
    assert answer.status_code == 404
    assert ratings(runtime, b_campaign) == []
    # partner B may (the campaign is for it); an asset its campaign lacks is a 404 too
    other = partner(app, runtime, B)
    assert other.post("/portal/ratings", data=form).status_code == 302
    form_bad = {**form, "asset": "no-such-asset"}
    assert other.post("/portal/ratings", data=form_bad).status_code == 404
    bad = other.post("/portal/ratings", data={**form, "useful": "maybe"})
    assert bad.status_code == 422 and "useful" in bad.get_data(as_text=True)
    worse = other.post(
        f"/api/v1/me/campaigns/{b_campaign}/assets/email/rating",
        json={"useful": False, "reason": "because"},
    )
    assert worse.status_code == 422 and worse.get_json()["detail"].startswith("reason")
    assert ratings(runtime, b_campaign) == [("email", False, "")]


def test_a_brand_concern_alerts_the_owner_once(world):
    app, runtime, campaign_id, _ = world
    client = partner(app, runtime, A)
    form = {
        "campaign_id": campaign_id,
        "asset": "brochure",
        "useful": "no",
        "reason": "quality",
        "comment": "Our logo is squashed on page 2",
    }
    assert client.post("/portal/ratings", data=form).status_code == 302
    assert client.post("/portal/ratings", data=form).status_code == 302  # the same concern
    alerts = mails_to(runtime, OWNER, "brand concern")
    assert len(alerts) == 1, [m["Subject"] for m in alerts]
    body = alerts[0].get_content()
    assert "Our logo is squashed on page 2" in body and f"/campaigns/{campaign_id}#feedback" in body
    assert mails_to(runtime, ADMIN, "brand concern") == []  # partner-01 has an owner
    # a partner without an owner: its concern goes to the admins
    other = partner(app, runtime, "sales@partner00.example")
    assert other.post("/portal/ratings", data=form).status_code == 302
    assert len(mails_to(runtime, ADMIN, "Partner 00 Systems has a brand concern")) == 1


def test_opting_out_of_everything_alerts_once(world):
    app, runtime, campaign_id, _ = world
    client = partner(app, runtime, A)
    off = {"mode": "off"}
    assert (
        client.put("/api/v1/me/consent", json={**off, "campaign_id": campaign_id}).status_code
        == 200
    )
    send_pending(runtime)
    assert mails_to(runtime, OWNER, "opted out of everything") == [], "one campaign only"
    assert client.put("/api/v1/me/consent", json=off).status_code == 200
    assert (
        client.put("/api/v1/me/consent", json=off).status_code == 200
    )  # said twice: still one opt-out
    send_pending(runtime)
    send_pending(runtime)
    assert len(mails_to(runtime, OWNER, "Partner 01 Systems opted out of everything")) == 1
    assert client.put("/api/v1/me/consent", json={"mode": "auto"}).status_code == 200


def test_silence_alerts_once_after_n_days_and_a_visit_starts_over(world):
    _, runtime, _, _ = world
    days = runtime.settings.feedback.silent_days
    assert days == 30
    with runtime.sessions.begin() as session:
        two = get_partner(session, "partner-02")
        started = max(two.created_at, *session.scalars(select(UserSession.last_seen_at)))
    runtime.clock = Clock(started + timedelta(days=days - 1))
    with runtime.sessions.begin() as session:
        assert "partner-02" not in slugs(
            session, sweep_silence(session, now=runtime.clock(), days=days)
        )
    runtime.clock = Clock(started + timedelta(days=days, hours=1))
    with runtime.sessions.begin() as session:
        found = slugs(session, sweep_silence(session, now=runtime.clock(), days=days))
    assert "partner-02" in found
    send_pending(runtime)
    assert len(mails_to(runtime, ADMIN, "Partner 02 Systems has gone silent")) == 1
    runtime.clock = Clock(started + timedelta(days=days, hours=2))  # the next run
    with runtime.sessions.begin() as session:
        assert sweep_silence(session, now=runtime.clock(), days=days) == []
    send_pending(runtime)
    assert len(mails_to(runtime, ADMIN, "Partner 02 Systems has gone silent")) == 1
    # the owner's weekly digest lists the week's alerts
    assert ADMIN in send_digest(runtime, now=runtime.clock())
    digest = [m for m in outbox_messages(runtime) if m["To"] == ADMIN and "alert" in m["Subject"]]
    assert any("Partner 02 Systems has gone silent" in m.get_content() for m in digest)
    # a portal visit is a sign of life: a new silence is alerted 30 days after it
    with runtime.sessions.begin() as session:  # partner-02's member signs in today
        member = session.scalar(select(User).where(User.email == B))
        start_session(session, member, now=runtime.clock())
    runtime.clock = Clock(runtime.clock() + timedelta(days=days + 1))
    with runtime.sessions.begin() as session:
        assert "partner-02" in slugs(
            session, sweep_silence(session, now=runtime.clock(), days=days)
        )
    from datetime import UTC, datetime

    runtime.clock = lambda: datetime.now(UTC)


def slugs(session, ids: list[int]) -> set[str]:
    return set(session.scalars(select(Partner.slug).where(Partner.id.in_(ids))))


def test_the_vendors_reply_is_emailed_and_shown_in_the_portal(world):
    app, runtime, campaign_id, b_campaign = world
    client = partner(app, runtime, A)
    client.post(
        "/portal/ratings",
        data={"campaign_id": campaign_id, "asset": "email", "useful": "no", "comment": "Too long"},
    )
    with runtime.sessions() as session:
        said = session.scalar(
            select(PartnerFeedback.id).where(
                PartnerFeedback.asset == "email", PartnerFeedback.campaign_id == campaign_id
            )
        )
    console = vendor(app)
    page = console.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'id="said-{said}"' in page and "Too long" in page
    url = f"/campaigns/{campaign_id}/feedback/{said}/reply"
    assert console.post(url, data={"reply": "  "}).status_code == 422  # names the field
    assert (
        console.post(
            f"/campaigns/{b_campaign}/feedback/{said}/reply", data={"reply": "x"}
        ).status_code
        == 404
    )
    assert client.post(url, data={"reply": "partners cannot"}).status_code == 403
    answer = console.post(url, data={"reply": "A shorter version ships next week."})
    assert answer.status_code == 302
    mail = mails_to(runtime, A, "replied to your feedback")
    assert len(mail) == 1
    assert "A shorter version ships next week." in mail[0].get_content()
    assert "Too long" in mail[0].get_content()
    # the same words again (a double-click) mail nothing more; a corrected reply mails,
    # even within the same second
    console.post(url, data={"reply": "A shorter version ships next week."})
    assert len(mails_to(runtime, A, "replied to your feedback")) == 1
    console.post(url, data={"reply": "A shorter version ships on Monday."})
    assert len(mails_to(runtime, A, "replied to your feedback")) == 2
    console.post(url, data={"reply": "A shorter version ships next week."})
    # the link lands on the rated asset (the rating widget's own id in the library)
    anchor = f"/portal/campaigns/{campaign_id}#rating-{campaign_id}-email"
    assert anchor in mail[0].get_content()
    assert f'id="rating-{campaign_id}-email"' in client.get(
        f"/portal/campaigns/{campaign_id}"
    ).get_data(as_text=True)
    home = client.get("/portal/").get_data(as_text=True)
    assert 'id="replies"' in home and "A shorter version ships next week." in home
    library = client.get(f"/portal/campaigns/{campaign_id}").get_data(as_text=True)
    assert "A shorter version ships next week." in library
    mine = client.get("/api/v1/me/feedback").get_json()["items"]
    assert [r["reply"] for r in mine if r["asset"] == "email"] == [
        "A shorter version ships next week."
    ]
    other = partner(app, runtime, B)
    assert "A shorter version" not in other.get("/portal/").get_data(as_text=True)
    with runtime.sessions() as session:
        unsent = session.scalars(select(FeedbackMail).where(FeedbackMail.sent_at.is_(None))).all()
    assert unsent == []
