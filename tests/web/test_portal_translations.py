"""Issue 27: what a partner set is what happens, its language included. A partner whose
profile says German reads every portal page in German: no template or gettext string may
reach it in English, whatever its browser asks for on the pages that know the partner
(a sign-in link, a notice link, a confirmation link), and the catalogues leave nothing
untranslated, fuzzy or with a broken placeholder.

How "untranslated" is found without a list of pages' words to keep up to date: the German
catalogue's own English msgids are the strings that must not be seen. Left out, and why:
- a msgid whose German is spelt the same ("CRM", "Pipeline", "Leads", "Website"): seeing it
  is no evidence of anything;
- a msgid with fewer than four English letters around its placeholders ("%(first)s and
  %(last)s", "due %(day)s"): as a pattern it matches any "x and y";
- a msgid of one or two words ("Skip", "Social posts") counts only as a whole piece of
  text (a heading, a button, a label), not inside a sentence: a kit's own copy ("Social
  posts to publish", the kit's label) or a partner's name may hold the same English words.
Brand and product names (Gmail, Outlook, LinkedIn) are no msgids, so never looked for."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from campaign_engine.db import TrackedLink
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.partners.directory import get_partner
from tests.conftest import ROOT
from tests.web.test_portal import portal  # noqa: F401
from tests.worlds import outbox_messages

TRANSLATIONS = ROOT / "campaign_engine" / "translations"
LANGUAGES = ("de", "fr")
# pybabel's keywords as babel.cfg's header gives them: N_ and Nn_ mark words that services
# keep as Words (domain/words.py) and the portal translates where it shows them.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "Nn_": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}
GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9"}


def catalogue(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def source_msgids() -> set[str]:
    """Every string the code and the templates mark for translation, as pybabel extracts
    them (the singular of a plural pair, as the catalogue keys it)."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_has_a_translation_without_fuzz_or_broken_placeholders(language):
    """A string marked in a template but never extracted, or extracted and left empty or
    fuzzy (a fuzzy entry is not compiled), reaches the partner in English."""
    shown = catalogue(language)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in shown if m.id}
    assert sorted(source_msgids() - ids) == [], "not in the catalogue: run pybabel update"
    empty = [m.id for m in shown if m.id and not all(_forms(m.string))]
    assert empty == [], f"no {language} translation"
    assert [m.id for m in shown if m.id and m.fuzzy] == [], "fuzzy: not compiled"
    assert [(m.id, [str(e) for e in errors]) for m, errors in shown.check()] == []
    tags = [
        m.id for m in shown if m.id and any(_tags(english) != _tags(s) for english, s in _pairs(m))
    ]
    assert tags == [], "a translation lost or added markup (a link, a <b>)"


def _forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _pairs(message: object) -> list[tuple[str, str]]:
    """(English, translation) for each form; a plural's later forms pair with its plural."""
    ids, strings = _forms(message.id), _forms(message.string)  # type: ignore[attr-defined]
    return [(ids[min(i, len(ids) - 1)], s) for i, s in enumerate(strings)]


def _tags(text: str) -> list[str]:
    return sorted(re.sub(r"\s+", " ", t) for t in TAG.findall(text))


class VisibleText(HTMLParser):
    """What a reader sees or hears of a page: its text (blocks kept apart, inline markup
    joined as it reads) and the attributes a screen reader or the page's own script says
    (alt, title, aria-label, placeholder, the copy buttons' messages). Scripts and styles
    are not text."""

    BLOCK = re.compile(
        r"p|div|li|ul|ol|h[1-6]|label|button|t[dhr]|legend|summary|title|section|article|"
        r"header|footer|nav|form|fieldset|br|option|textarea|details|main|input|img|iframe|canvas"
    )
    SPOKEN = ("alt", "title", "aria-label", "placeholder", "data-copied", "data-failed")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self._piece_break(tag)
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.pieces.extend(_pieces(value))
                self.parts.append(f"\n{value}\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        self._piece_break(tag)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            self.pieces.extend(_pieces(data))

    def _piece_break(self, tag: str) -> None:
        if self.BLOCK.fullmatch(tag):  # inline markup (<b>, <a>, <span>) runs on
            self.parts.append("\n")

    def text(self) -> str:
        """Blocks on lines of their own, white space within a line collapsed."""
        lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


def _pieces(text: str) -> list[str]:
    """The pieces of text a template wrote side by side ("title · programme"), each as a
    whole, without the separators around it."""
    return [re.sub(r"\s+", " ", part).strip(" |-\u2013:()") for part in text.split("·")]


def visible(html: str) -> tuple[str, set[str]]:
    reader = VisibleText()
    reader.feed(html)
    return reader.text(), {p for p in reader.pieces if p}


def english_giveaways(language: str) -> list[tuple[str, re.Pattern[str], bool]]:
    """(msgid, pattern, whole piece only) for every English msgid the catalogue translates
    into something else: its literal text, markup taken out, a placeholder matching any
    value. One word with nothing around it must be a whole piece of text to count."""
    found = []
    for message in catalogue(language):
        if not message.id:
            continue
        for english, translated in _pairs(message):
            if translated == english or not translated:
                continue
            literal = re.sub(r"\s+", " ", TAG.sub("", english)).strip()
            words = re.findall(r"[A-Za-z]+", PLACEHOLDER.sub(" ", literal))
            if len("".join(words)) < 4:
                continue  # too little English to tell: "%(first)s and %(last)s" is any "x and y"
            pieces = [re.escape(p) for p in PLACEHOLDER.split(literal)]
            body = r"\s*".join(p.replace(r"\ ", r"\s+") for p in pieces[:1]) + "".join(
                r".+?" + p.replace(r"\ ", r"\s+") for p in pieces[1:]
            )
            whole = len(words) < 3
            pattern = re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE if whole else 0)
            found.append((english, pattern, whole))
    return found


def untranslated(html: str, language: str) -> list[str]:
    """The English msgids the page shows as they are."""
    text, pieces = visible(html)
    shown = []
    for english, pattern, whole in english_giveaways(language):
        if whole:
            if any(pattern.fullmatch(piece) for piece in pieces):
                shown.append(english)
        elif pattern.search(text):
            shown.append(english)
    return shown


def _mail_link(runtime, to: str, path: str) -> str:
    mail = next(m for m in reversed(outbox_messages(runtime)) if m["To"] == to)
    found = re.search(rf"https://partners\.vendor\.example({path}/\S+)", mail.get_content())
    assert found, f"no {path} link in the mail to {to}"
    return found.group(1)


def german_portal(app, runtime, campaign_id: int) -> dict[str, str]:
    """Every page and fragment a German partner's members meet, from signing in to opting
    out through a notice link. The browser asks for English wherever the page knows the
    partner (the partner's profile decides there), German where only the browser can say
    (the sign-in form, and what answers it without revealing who is a partner)."""
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        partner.locale = "de-DE"
        partner_id = partner.id
        landing_token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner_id, TrackedLink.name == "assessment"
            )
        )
    pages: dict[str, str] = {}
    stranger = app.test_client()
    pages["sign-in"] = stranger.get("/portal/", headers=GERMAN_BROWSER).get_data(as_text=True)
    client = app.test_client()
    sent = client.post(
        "/portal/sign-in", data={"email": "sales@partner01.example"}, headers=GERMAN_BROWSER
    )
    pages["sign-in sent"] = sent.get_data(as_text=True)
    signing_in = _mail_link(runtime, "sales@partner01.example", "/portal/sign-in")
    confirmation = client.get(signing_in, headers=ENGLISH_BROWSER)
    pages["sign-in confirmation"] = confirmation.get_data(as_text=True)
    assert client.post(signing_in).status_code == 302
    used = stranger.post(signing_in, headers=GERMAN_BROWSER)
    assert used.status_code == 422
    pages["sign-in link used"] = used.get_data(as_text=True)

    def get(path: str) -> str:
        """A page of the signed-in partner's, in an English browser."""
        answer = client.get(path, headers=ENGLISH_BROWSER)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer.get_data(as_text=True)

    pages["home"] = get("/portal/")
    pages["campaign"] = get(f"/portal/campaigns/{campaign_id}")
    pages["signature"] = get("/portal/signature")
    pages["review"] = get("/portal/review")
    held = re.findall(r'id="item-(\d+)"', pages["review"])
    assert held, "the review page shows held items"
    pages["review preview past the limit"] = client.post(
        f"/portal/review/{held[0]}/preview", data={"edit_cta_text": "x" * 40}
    ).get_data(as_text=True)
    pages["switch saved"] = client.post(
        "/portal/consent",
        data={"campaign_id": campaign_id, "channel": "crm", "mode": "review"},
        headers={"HX-Request": "true", **ENGLISH_BROWSER},
    ).get_data(as_text=True)
    refused = client.post("/portal/review", data={}, headers=ENGLISH_BROWSER)
    pages["method not allowed"] = refused.get_data(as_text=True)
    wrong = client.post(f"/portal/review/{held[0]}", data={"action": "later"})
    assert wrong.status_code == 422
    pages["review refused"] = wrong.get_data(as_text=True)
    pages["profile"] = get("/portal/profile")
    pages["profile refused"] = client.post(
        "/portal/profile", data={"primary_color": "teal-ish"}, headers=ENGLISH_BROWSER
    ).get_data(as_text=True)
    pages["profile saved"] = client.post(
        "/portal/profile",
        data={"contact_email": "marketing@partner01.example"},
        headers=ENGLISH_BROWSER,
    ).get_data(as_text=True)
    pages["profile pending"] = get("/portal/profile")
    missing = client.get("/portal/campaigns/999999", headers=ENGLISH_BROWSER)
    assert missing.status_code == 404
    pages["not found"] = missing.get_data(as_text=True)

    def link(method: str, path: str) -> str:
        """A link from an email, opened by whoever has it, in an English browser."""
        answer = stranger.open(path, method=method, headers=ENGLISH_BROWSER)
        assert answer.status_code == 200, (method, path, answer.status_code)
        return answer.get_data(as_text=True)

    confirm = _mail_link(runtime, "marketing@partner01.example", "/portal/confirm-email")
    pages["confirm address"] = link("GET", confirm)
    pages["address confirmed"] = link("POST", confirm)
    notice = PartnerLinks(runtime.settings.signing_keys).make(partner_id, campaign_id)
    pages["preview"] = link("GET", f"/portal/preview/{notice}")
    pages["opt-out"] = link("GET", f"/portal/opt-out/{notice}")
    pages["landing"] = link("GET", f"/l/{landing_token}")
    pages["opted out"] = link("POST", f"/portal/opt-out/{notice}")
    pages["home after opting out"] = get("/portal/")
    return pages


def test_a_german_partner_meets_no_english_template_string(portal):  # noqa: F811
    """Every portal page for a partner whose profile says de-DE: the German catalogue's
    English msgids must not be on it. Fails for a string missing from the catalogue that
    is also a msgid elsewhere, a stale .mo (run make install), and a page that takes its
    language from somewhere other than the partner it shows."""
    app, runtime, campaign_id = portal
    pages = german_portal(app, runtime, campaign_id)
    found = {name: untranslated(html, "de") for name, html in pages.items()}
    leaks = {name: shown for name, shown in found.items() if shown}
    assert leaks == {}, "English on German pages:\n" + json.dumps(leaks, indent=1)
    for name, html in pages.items():
        if "<html" in html:  # the htmx fragments are parts of a German page
            assert '<html lang="de"' in html, f"{name} is not marked as German"
    # auto / review / off are the values a switch posts, not the words its labels show.
    _, labels = visible(pages["home"])
    assert not {"auto", "review", "off"} & labels, "a switch is labelled in English"
    assert "mit Freigabe" in labels and "automatisch" in labels and "aus" in labels
    _, saved = visible(pages["switch saved"])
    assert any(re.match(r"CRM für .+: mit Freigabe\. Gespeichert", p) for p in saved), saved


def test_the_check_finds_english_on_a_page():
    """The check itself: a German page with one English template string fails it, and a
    page with English words that are no msgid (a kit's copy, a name) passes."""
    german = "<html lang='de'><p>Ihre Kampagnen</p><p>Profile and brand</p></html>"
    assert untranslated(german, "de") == ["Profile and brand"]
    assert untranslated("<p>Skip</p>", "de") == ["Skip"]
    assert untranslated("<p>Skip the queue with our backup, Save more</p>", "de") == []
    assert "Download %(name)s" in untranslated("<a>Download brochure.pdf</a>", "de")
