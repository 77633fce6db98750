"""The foundation's promise: a campaign flows from kit to the right inboxes, once."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
from PIL import Image

from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row, write_contacts, write_partners

BASE = "https://partners.vendor.example"


@pytest.fixture
def programme(tmp_path, database_url, smtp_server, make_cli):
    """12 partners x 3 contacts on a real database, email over a real SMTP server."""
    cli = make_cli(
        database_url,
        email={"transport": "smtp", "smtp": {"host": smtp_server.host, "port": smtp_server.port}},
    )
    rows = [partner_row(i) for i in range(12)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], 3)))
    created = cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "Q3 launch", "--json")
    campaign_id = json.loads(created.output)["id"]
    return cli, rows, campaign_id, smtp_server


def test_launch_emails_exactly_the_opted_in_contacts_once(programme):
    cli, rows, campaign_id, smtp = programme
    cli("consent", "set", "--partner", "partner-03", "--opt-out", "--campaign", str(campaign_id))
    cli("consent", "set", "--partner", "partner-07", "--opt-out", "--channel", "email")

    cli("campaigns", "launch", str(campaign_id), "--wait")

    expected = {
        f"buyer{n}@{r['slug']}-customer.example"
        for r in rows
        for n in range(3)
        if r["slug"] not in ("partner-03", "partner-07")
    }
    received = Counter(smtp.received.recipients())
    assert len(expected) == 30
    assert set(received) == expected
    assert max(received.values()) == 1, "someone got the email twice"
    status = json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)
    assert status["deliveries"]["email"] == {"pending": 0, "sent": 30, "failed": 0, "skipped": 0}
    assert status["id"] == campaign_id


def test_each_email_is_cobranded_multipart_with_one_click_unsubscribe(programme):
    cli, rows, campaign_id, smtp = programme
    cli("campaigns", "launch", str(campaign_id), "--wait")
    messages = smtp.received.messages()
    assert len({m["Message-ID"] for m in messages}) == len(messages) == 36
    mail = next(m for m in messages if m["To"] == "buyer1@partner-05-customer.example")

    assert mail["From"].startswith("Partner 05 Systems via Northwind Cloud")
    assert mail["Reply-To"] == "sales@partner05.example"
    assert "Partner 05 Systems" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsub = re.findall(r"<([^>]+)>", mail["List-Unsubscribe"])
    assert unsub[0].startswith(f"{BASE}/u/") and unsub[1].startswith("mailto:")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hi Buyer1," in text and "Partner 05 Systems" in text
    # MJML: styles inline on every element; <style> keeps only the rules that make the
    # columns stack on a phone, which cannot be inline
    assert "@media only screen and (min-width:480px)" in html
    assert re.search(r'<td [^>]*bgcolor="#[0-9a-f]{6}"[^>]*>\s*<a [^>]*style="', html, re.I)
    assert rows[5]["primary_color"] in html, "the partner's colour is in the email"
    links = re.findall(r'href="([^"]+)"', html)
    tracked = [link for link in links if link.startswith(f"{BASE}/r/")]
    assert len(tracked) >= 2
    assert all(not link.startswith("https://northwind.example") for link in links)
    logo = next(part for part in mail.walk() if part["Content-ID"] == "<partner-logo>")
    assert 'src="cid:partner-logo"' in html
    with Image.open(io.BytesIO(logo.get_content())) as image:
        r, g, b, _ = image.convert("RGBA").getpixel((image.width // 2, image.height // 2))
    assert f"#{r:02x}{g:02x}{b:02x}" == rows[5]["primary_color"], "partner 05's own logo"


def test_launching_twice_is_refused_and_plans_nothing_new(programme):
    cli, _, campaign_id, smtp = programme
    cli("campaigns", "launch", str(campaign_id), "--wait")
    again = cli("campaigns", "launch", str(campaign_id), ok=False)
    assert again.exit_code == 1
    assert again.output.strip() == "error: a live campaign cannot become launching"
    assert len(smtp.received.recipients()) == 36
