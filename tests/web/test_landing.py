"""Co-branded landing pages: a kit link with landing: true leads to the partner's page,
whose form records a lead for that partner and campaign, emails it to the partner at
once, and shows in the partner's results; bad input, bots and floods record nothing."""

from __future__ import annotations

import html
import re
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from campaign_engine.app import create_app
from campaign_engine.db import Event, Partner, TrackedLink
from campaign_engine.services.attribution.leads.intake import CLIENT_PER_HOUR
from campaign_engine.services.delivery.endpoints import set_endpoint
from campaign_engine.services.insights.reports import campaign_report
from campaign_engine.services.partners.view import partner_results
from tests.factories import partner_row
from tests.processes import serving_http
from tests.worlds import launched_campaign, outbox_messages

SECRET = "whsec_" + "bGFuZGluZy1wYWdlLWxlYWQtcHVzaC10ZXN0"  # a test value, never served


@pytest.fixture
def world(tmp_path, sqlite_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, sqlite_url, partners=2, contacts=1, name="Landing Q3"
    )
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, runtime, campaign_id
    runtime.close()


def link_of(runtime, slug: str, channel: str = "social") -> tuple[str, int]:
    with runtime.sessions() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner.id,
                TrackedLink.channel == channel,
                TrackedLink.name == "assessment",
            )
        )
        return token, partner.id


def leads(runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).where(Event.type == "lead.created")) or 0


def test_a_visitor_becomes_the_partners_lead_emailed_at_once_and_counted(world):
    app, runtime, campaign_id = world
    token, partner_id = link_of(runtime, "partner-01")
    client = app.test_client()
    click = client.get(f"/r/{token}")
    assert click.status_code == 302 and click.location.endswith(f"/l/{token}")
    page = client.get(f"/l/{token}").get_data(as_text=True)
    assert "Partner 01 Systems" in page and "Book my backup check" in page
    more = re.search(r'id="learn-more" href="([^"]+)"|href="([^"]+)"[^>]*id="learn-more"', page)
    learn = html.unescape(more.group(1) or more.group(2))
    assert learn.startswith("https://northwind.example/assessment?")
    assert "source=partner" in learn, "tags already on the target are kept"
    assert "utm_source=partner-01" in learn and "utm_medium=social" in learn
    before = len(outbox_messages(runtime))
    done = client.post(
        f"/l/{token}",
        data={
            "name": "Ada Byron",
            "email": "ada@customer.example",
            "company": "Analytical",
            "consent": "yes",
            "website_url": "",
        },
    )
    assert done.status_code == 200 and "will be in touch" in done.get_data(as_text=True)
    mails = outbox_messages(runtime)
    assert len(mails) == before + 1
    mail = next(
        m for m in mails if m["To"] == "sales@partner01.example" and "New lead" in m["Subject"]
    )
    assert "ada@customer.example" in mail.get_content() and "Analytical" in mail.get_content()
    with runtime.sessions() as session:
        event = session.scalar(select(Event).where(Event.type == "lead.created"))
        assert (event.partner_id, event.campaign_id, event.channel) == (
            partner_id,
            campaign_id,
            "social",
        )
        results = partner_results(session, partner_id, now=runtime.clock())
        assert results["campaigns"]["Secure Cloud Backup: Q3 launch"]["leads"] == 1
        report = campaign_report(session, campaign_id)
    assert re.search(r"'leads': 1\b", repr(report)), "the campaign report counts it"


def test_the_partners_phone_is_a_link_a_visitor_can_tap(world):
    app, runtime, _ = world
    token, _ = link_of(runtime, "partner-01")
    page = app.test_client().get(f"/l/{token}").get_data(as_text=True)
    footer = re.search(r"<footer[^>]*>(.*?)</footer>", page, re.S).group(1)
    phone = re.search(r'<a href="(tel:[^"]*)">(.*?)</a>', footer)
    assert phone is not None and phone.group(1) == "tel:+442079460001"
    assert ">+44 20 7946 0001</span>" in phone.group(2)


def test_bad_input_bots_and_floods_record_nothing(world):
    app, runtime, _ = world
    token, _ = link_of(runtime, "partner-00", "email")
    client = app.test_client()
    bad = client.post(f"/l/{token}", data={"email": "not-an-address", "consent": "yes"})
    assert bad.status_code == 422 and "email" in bad.get_data(as_text=True)
    unconsented = client.post(f"/l/{token}", data={"email": "a@b.example"})
    assert unconsented.status_code == 422
    bot = client.post(
        f"/l/{token}", data={"email": "bot@spam.example", "consent": "yes", "website_url": "x"}
    )
    assert bot.status_code == 200 and leads(runtime) == 0
    flood = [
        client.post(f"/l/{token}", data={"email": f"n{i}@c.example", "consent": "yes"})
        for i in range(CLIENT_PER_HOUR + 2)
    ]
    assert {answer.status_code for answer in flood} == {200}, "held, not refused"
    assert leads(runtime) == CLIENT_PER_HOUR, "past the client's limit, nothing counts"
    assert client.get("/l/not-a-token").status_code == 404


class Crm(BaseHTTPRequestHandler):
    """A partner's CRM webhook: keeps each signed request it is sent."""

    seen: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        type(self).seen.append(Webhook(SECRET).verify(body, headers))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return None


def test_a_lead_goes_to_the_partners_crm_webhook_when_it_has_one(tmp_path, sqlite_url):
    runtime, _ = launched_campaign(
        tmp_path,
        sqlite_url,
        partners=1,
        contacts=1,
        name="Landing CRM",
        connectors={"allow_private_networks": True},
        webhooks={"outbound_secret": SECRET},
    )
    Crm.seen = []
    base, shutdown = serving_http(Crm)
    try:
        token, partner_id = link_of(runtime, "partner-00", "email")
        with runtime.sessions.begin() as session:
            set_endpoint(
                session,
                session.get(Partner, partner_id),
                "crm",
                "webhook",
                f"{base}/hook",
                {},
                secret_key=runtime.settings.secret_key,
                actor="test",
            )
        app = create_app(runtime)
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        answer = app.test_client().post(
            f"/l/{token}",
            data={"email": "grace@customer.example", "name": "Grace", "consent": "yes"},
        )
        assert answer.status_code == 200
        (envelope,) = Crm.seen
        pushed = envelope["data"]  # the webhook's envelope: {"type": "crm.item", "data"}
        assert pushed["type"] == "lead.created" and pushed["partner"] == "partner-00"
        assert pushed["lead"]["email"] == "grace@customer.example"
        with runtime.sessions() as session:
            event = session.scalar(select(Event).where(Event.type == "lead.created"))
            assert event.data["crm"].startswith("pushed to your CRM (webhook ")
            assert event.data["lead"]["name"] == "Grace"
    finally:
        shutdown()
        runtime.close()


def test_a_visitor_can_put_nothing_into_the_lead_emails_headers(world):
    """The attack: an RFC 2047 encoded-word in the address decoded into Reply-To and a
    forged body on the Python this runs on. Refused, and nothing typed reaches a header."""
    app, runtime, _ = world
    token, _ = link_of(runtime, "partner-01")
    client = app.test_client()
    encoded = (
        "=?us-ascii?q?Action=0D=0AReply-To:_it=40attacker.example=0D=0A=0D=0ARenew?=@x.example"
    )
    refused = client.post(f"/l/{token}", data={"email": encoded, "consent": "yes"})
    assert refused.status_code == 422 and leads(runtime) == 0
    name = "Bob\r\nBcc: evil@attacker.example\r\n\r\nEmail: forged@x.example"
    done = client.post(
        f"/l/{token}",
        data={"email": "bob@customer.example", "name": name, "consent": "yes"},
    )
    assert done.status_code == 200
    (mail,) = [m for m in outbox_messages(runtime) if "bob@customer.example" in str(m)]
    assert mail["Subject"] == "New lead from your Secure Cloud Backup: Q3 launch page"
    assert mail["Reply-To"] is None or "attacker" not in str(mail["Reply-To"])
    assert mail["Bcc"] is None
    body = mail.get_body(("plain",)).get_content()
    assert "Your name: Bob Bcc: evil@attacker.example Email: forged@x.example" in body
    assert "\nEmail: forged@x.example" not in body, "one line, not a forged field"


def test_a_flood_from_one_ipv6_network_is_one_client(world):
    app, runtime, _ = world
    token, _ = link_of(runtime, "partner-00", "email")
    client = app.test_client()
    answers = [
        client.post(
            f"/l/{token}",
            data={"email": f"v{i}@c.example", "consent": "yes"},
            environ_base={"REMOTE_ADDR": f"2001:db8::{i}"},
        ).status_code
        for i in range(5)
    ]
    assert answers == [200] * 5 and leads(runtime) == CLIENT_PER_HOUR


def test_a_german_partners_page_answers_a_mistake_in_german(world):
    app, runtime, _ = world
    token, partner_id = link_of(runtime, "partner-01")
    with runtime.sessions.begin() as session:
        session.get(Partner, partner_id).locale = "de-DE"
    answer = app.test_client().post(f"/l/{token}", data={"email": "nope", "consent": "yes"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'lang="de"' in page
    assert "Bitte geben Sie Ihre E-Mail-Adresse ein" in page and "an email address" not in page
    client = app.test_client()
    client.post(f"/l/{token}", data={"email": "kunde@firma.example", "consent": "yes"})
    # a partner in Germany: the lead counts once its visitor confirms (double opt-in)
    (asked,) = [m for m in outbox_messages(runtime) if m["To"] == "kunde@firma.example"]
    asking = asked.get_body(("plain",)).get_content()
    # the page as the visitor read it, never the vendor's internal campaign title
    assert "auf der Seite \u201eIhr kostenloser Backup-Check mit Partner 01 Systems\u201c" in asking
    # (the confirm link's signed token is random letters: "Q3" may turn up inside it)
    words = re.sub(r"https://\S+", "", asking)
    assert "Q3" not in words and "Secure Cloud Backup" not in words
    link = re.search(r"https://\S+/l/confirm/\S+", asking)
    path = link.group(0).split("partners.vendor.example", 1)[1]
    assert client.post(path).status_code == 200
    mail = next(
        m
        for m in outbox_messages(runtime)
        if "kunde@firma.example" in m.get_body(("plain",)).get_content()
    )
    assert mail["Subject"] == "Neuer Lead von Ihrer Seite für Secure Cloud Backup: Q3 launch"
    assert "Geschäftliche E-Mail: kunde@firma.example" in mail.get_body(("plain",)).get_content()


def test_the_kits_part_of_the_page_is_set_in_it_through_the_allowlist(world):
    """A kit's landing template is HTML a kit wrote: set in the page (a sandboxed frame
    could not size itself and left 150 px of nothing above the form) through the website
    embed's allowlist, with the partner's own tracked links and no class of the page's."""
    app, runtime, _ = world
    token, partner_id = link_of(runtime, "partner-01")
    page = app.test_client().get(f"/l/{token}").get_data(as_text=True)
    assert "<iframe" not in page
    kit = re.search(
        r'<div class="landing-kit">(.*?)</div>\s*<p><a [^>]*id="learn-more"', page, re.S
    )
    assert kit is not None
    assert page.index("<form") < page.index('<div class="landing-kit">'), (
        "the form first: above it, the kit's points pushed the button below a phone's fold"
    )
    inner = html.unescape(kit.group(1))
    assert "Immutable copies for 30\u00a0days" in inner and "Partner 01 Systems" in inner
    with runtime.sessions() as session:
        product = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner_id,
                TrackedLink.channel == "social",
                TrackedLink.name == "product",
            )
        )
    assert f"/r/{product}" in inner and 'target="_blank"' in kit.group(1)


def test_the_landing_allowlist_keeps_a_kits_markup_out_of_the_page():
    from campaign_engine.services.workspace.embed import landing_html

    hostile = (
        '<p class="thanks" onclick="x()" style="position:fixed;top:0;color:red">Hi</p>'
        '<form action="https://evil.example"><input name="email"></form>'
        "<script>alert(1)</script><iframe src=//evil.example></iframe>"
        '<a href="javascript:alert(1)">x</a><img src="https://tracker.example/p.gif">'
    )
    clean = landing_html(hostile)
    for gone in ("class=", "onclick", "position", "<form", "<input", "<script", "<iframe",
                 "javascript:", "tracker.example"):  # fmt: skip
        assert gone not in clean, gone
    assert "Hi" in clean and "color:red" in clean


def test_a_landing_template_with_a_script_is_refused_at_validation(tmp_path):
    import shutil

    from campaign_engine import bootstrap
    from campaign_engine.services.assets.kits import validate_kit
    from tests.conftest import SAMPLE_KIT

    kit = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, kit)
    (kit / "templates" / "landing.html").write_text("<p>Hi</p><script>alert(1)</script>")
    with pytest.raises(Exception, match=r"landing\.html:1: .*script"):
        validate_kit(kit, bootstrap.make_renderers)


def test_a_confirmation_link_sent_many_times_at_once_mails_the_partner_once(tmp_path, database_url):
    """Twenty POSTs of one confirmation link at the same moment each emailed the partner
    the lead (and pushed it to its CRM), though it counted once: an attack test."""
    import threading

    rows = [partner_row(1, locale="de-DE")]  # a partner in Germany: double opt-in
    runtime, _ = launched_campaign(
        tmp_path, database_url, partners=1, contacts=1, name="Race", rows=rows
    )
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    token, _ = link_of(runtime, "partner-01")
    app.test_client().post(f"/l/{token}", data={"email": "kunde@firma.example", "consent": "yes"})
    (asked,) = [m for m in outbox_messages(runtime) if m["To"] == "kunde@firma.example"]
    link = re.search(r"https://\S+/l/confirm/\S+", asked.get_body(("plain",)).get_content())
    path = link.group(0).split("partners.vendor.example", 1)[1]
    ready = threading.Barrier(8)
    answers: list[int] = []

    def confirm() -> None:
        client = app.test_client()
        ready.wait()
        answers.append(client.post(path).status_code)

    threads = [threading.Thread(target=confirm) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    to_partner = [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    counted = leads(runtime)
    runtime.close()
    assert answers == [200] * 8 and counted == 1
    assert len(to_partner) == 1, f"the partner got {len(to_partner)} emails for one lead"
