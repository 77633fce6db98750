# ruff: noqa: RUF001  (Greek words, as the page shows them)
"""The partner's page speaks its copy's language whole: a Greek partner's page had its
headline, text and consent in Greek (the kit's copy) and its form, its errors and its
"Learn more" in English, under `lang="en"` (a review by eye). The engine's words for
visitors come in more languages than the portal's (formats.VISITOR_LANGUAGES)."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from campaign_engine.db import Partner
from campaign_engine.web.formats import PORTAL_LANGUAGES, VISITOR_LANGUAGES, visitor_locale
from tests.conftest import ROOT
from tests.web.test_landing import link_of, world  # noqa: F401
from tests.worlds import outbox_messages

TRANSLATIONS = ROOT / "campaign_engine" / "translations"


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_a_greek_partners_page_form_errors_and_opt_in_are_greek(world):  # noqa: F811
    app, runtime, _ = world
    token, partner_id = link_of(runtime, "partner-01")
    with runtime.sessions.begin() as session:
        session.get(Partner, partner_id).locale = "el-GR"
    client = app.test_client()
    page = client.get(f"/l/{token}").get_data(as_text=True)
    assert '<html lang="el">' in page
    for english in ("Your name", "Work email", "Company", "Learn more about the offer"):
        assert english not in page, english
    assert "Το όνομά σας" in page and "Επαγγελματικό email" in page
    wrong = client.post(f"/l/{token}", data={"email": "nope", "consent": "yes"})
    assert wrong.status_code == 422
    assert "Εισαγάγετε τη διεύθυνση email σας" in wrong.get_data(as_text=True)
    client.post(f"/l/{token}", data={"email": "pelatis@etaireia.example", "consent": "yes"})
    # a partner in Greece: double opt-in, and the email asking is Greek too
    (asked,) = [m for m in outbox_messages(runtime) if m["To"] == "pelatis@etaireia.example"]
    text = asked.get_body(("plain",)).get_content()
    assert "Επιβεβαιώστε" in asked["Subject"] and "ignore this email" not in text
    link = re.search(r"https://\S+/l/confirm/\S+", text)
    assert link is not None
    path = link.group(0).split("partners.vendor.example", 1)[1]
    confirm = client.get(path).get_data(as_text=True)
    assert '<html lang="el">' in confirm and "Ναι, ήμουν εγώ" in confirm


def test_a_partner_whose_language_the_kit_lacks_reads_one_language():
    """The page is in the kit's copy language for the partner: a Thai partner of a kit
    without Thai reads English copy, and so an English form; a Greek one Greek."""
    assert visitor_locale("th-TH", "en") == "en"
    assert visitor_locale("el-GR", "el") == "el_GR"
    assert visitor_locale("de-AT", "de") == "de_AT"
    assert visitor_locale("el-GR", "en") == "en"
    assert visitor_locale("ja-JP", "ja") == "en", "no Japanese words yet: all English"


@pytest.mark.parametrize("language", [x for x in VISITOR_LANGUAGES if x not in PORTAL_LANGUAGES])
def test_every_visitor_language_has_every_word_a_visitor_reads(language):
    """What a visitor reads is what the portal's languages translate on the landing page,
    the opt-in email and the confirmation page; the Greek catalogue holds that set (its
    translated entries), and every other visitor language translates the same set whole,
    with the same placeholders."""
    visitor_words = {m.id for m in catalogue("el") if isinstance(m.id, str) and m.id and m.string}
    assert len(visitor_words) >= 20
    own = catalogue(language)
    for msgid in visitor_words:
        message = own.get(msgid)
        assert message is not None and message.string, f"{language}: {msgid!r} untranslated"
        assert "fuzzy" not in message.flags
        wanted = sorted(re.findall(r"%\(\w+\)s", msgid))
        assert sorted(re.findall(r"%\(\w+\)s", message.string)) == wanted, (language, msgid)
