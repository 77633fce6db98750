"""The email, the brochure and the website embed for partners no fixture had, read back as
a designer checks them: address lines kept, nothing left beside a missing field, a light
brand colour kept with dark text on it, logos of any shape readable (or the name in their
place), no plate behind a logo with its own ground, a long name beside the QR code and not
in it, page 2 filled, Korean words whole, and an embed that a right-to-left page cannot
turn round."""

from __future__ import annotations

import html as htmlmod
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pypdfium2
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image, ImageDraw

from campaign_engine.db import Partner
from campaign_engine.ports import BrandContext, Recipient, RenderedAsset, with_inline_images
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.brand.logos import normalise_logo
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.typeset.slots import personalise
from renderers.email import EmailRenderer
from renderers.pdf import PdfRenderer
from renderers.web import WebRenderer
from tests import hard
from tests.conftest import SAMPLE_KIT
from tests.e2e.test_browser import browser  # noqa: F401 (the shared Chromium fixture)

FOUR_LINES = ["Suite 4100", "1234 North Michigan Avenue", "Chicago, IL 60611", "United States"]
KOREAN = "서울클라우드보안솔루션 주식회사 데이터보호사업부 강남파이낸스센터 기술지원본부"
# six lines of 70 of the widest letter: what the kit check renders for a worst case
CROWDED = [f"{n} {'W' * 70}" for n in range(6)]
ARABIC_LINE = "4417 برج الخليج"
COMPOUND = "Netzwerksicherheitsinfrastrukturdienstleistungsgesellschaft mbH"
GERMAN_SITE = "https://donaudampfschifffahrtsgesellschaftsdatensicherungsdienstleistungen.example"
LONG = (
    "Consolidated Northern Hemisphere Managed Infrastructure & Cloud Security Services "
    "Group International Holdings"
)


def logo(width: int, height: int, ground: str | None = None) -> bytes:
    """A mark and bars of 'lettering' in any aspect, on transparency or its own ground."""
    image = Image.new("RGBA", (width, height), ground or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    short = min(width, height)
    draw.ellipse((short * 0.1, short * 0.1, short * 0.9, short * 0.9), fill="#1d3557")
    if width >= height:
        draw.rectangle((short, height * 0.3, width * 0.95, height * 0.7), fill="#1d3557")
    else:
        draw.rectangle((width * 0.25, short, width * 0.75, height * 0.95), fill="#1d3557")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return normalise_logo(out.getvalue(), where="logo")


def partner(slug: str, **fields: object) -> BrandContext:
    row = {
        "slug": slug, "name": f"{slug.title()} Systems", "primary_color": "#1d3557",
        "secondary_color": "#e9c46a", "logo_png": logo(480, 160), "logo_sha256": "x",
        "contact_email": f"owner@{slug}.example", "phone": "+44 20 7946 0000",
        "website": f"https://{slug}.example", "postal_address": "1 Road, Leeds LS1 1AA",
        "locale": "en-GB", "timezone": "UTC", "vertical": "", "short_name": "",
    }  # fmt: skip
    row.update(fields)
    return brand_context(Partner(**row))


@dataclass
class Rendered:
    brand: BrandContext
    email: RenderedAsset
    brochure: RenderedAsset
    web: RenderedAsset

    @property
    def html(self) -> str:
        _, body, _ = personalise(self.email, Recipient("c@customer.example", "Ana"), "u", "o")
        return with_inline_images(body, self.email.files)

    @property
    def text(self) -> str:
        return personalise(self.email, Recipient("c@customer.example", "Ana"), "u", "o")[2]

    def page_text(self, index: int) -> str:
        pdf = pypdfium2.PdfDocument(self.brochure.file("brochure.pdf").content)
        try:
            return pdf[index].get_textpage().get_text_range()
        finally:
            pdf.close()


PARTNERS = {
    # a yellow brand, a four-line address, no phone, no website, a 10:1 wordmark
    "yellow": dict(
        primary_color="#ffe600", secondary_color="#ffe600", phone="", website="",
        postal_address="\n".join(FOUR_LINES), logo_png=logo(1200, 120), locale="en-US",
    ),
    # white on white, with an opaque logo on a white ground (it used to get a dark plate)
    "white": dict(
        primary_color="#ffffff", secondary_color="#ffffff", logo_png=logo(480, 160, "#ffffff")
    ),
    "tall": dict(logo_png=logo(100, 400)),
    "strip": dict(logo_png=logo(1800, 60)),  # 30:1: no readable size fits
    "long": dict(name=LONG, short_name="Consolidated Northern"),
    "korean": dict(name=KOREAN, locale="ko-KR"),
    # every contact field at its longest, on Letter: the brochure's dense layout
    "crowded": dict(
        name=(LONG + " " + LONG)[:200], locale="en-US", postal_address="\n".join(CROWDED),
        website="https://www.crowded-partner-with-a-very-long-domain-name.example/partners/"
        "cloud/backup/secure-cloud-backup-landing",
        contact_email=f"partnerships@{'x' * 40}.example",
    ),
    "arabic": dict(name="شركة السحابة الآمنة", locale="ar-AE", postal_address=ARABIC_LINE),
    "compound": dict(name=COMPOUND, locale="de-DE"),
    # a German domain made of one long compound, which print would hyphenate
    "domain": dict(locale="de-DE", website=GERMAN_SITE, contact_email=f"info@{GERMAN_SITE[8:]}"),
    # an opaque orange badge whose brand colour is the same orange
    "badge": dict(primary_color="#e76f51", logo_png=None),
    # a navy mark on its own white ground, on a navy band
    "ground": dict(logo_png=logo(480, 160, "#ffffff")),
    # a Thai name, whose vowel marks MRML wrote as Rust escapes in attributes
    "thai": dict(name="บริษัท สยามดาต้าคอม จำกัด", locale="th-TH"),
}  # fmt: skip


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[str, Rendered]]:
    kit, problems = read_kit(SAMPLE_KIT)
    assert kit is not None, problems
    links = {n: f"https://t.example/r/{n}" for n in kit.spec.links}
    email, pdf, web = EmailRenderer(kit), PdfRenderer(kit), WebRenderer(kit)
    found = {}
    for slug, fields in PARTNERS.items():
        if slug == "badge":
            fields = {**fields, "logo_png": normalise_logo(hard.solid_badge(), where="logo")}
        brand = partner(slug, **fields)
        if slug == "white":  # what the brand service asks for a light, opaque logo
            brand = replace(brand, logo_on_plate="dark")
        found[slug] = Rendered(
            brand,
            email.render(brand, links.__getitem__),
            pdf.render(brand, links.__getitem__),
            web.render(brand, links.__getitem__),
        )
    yield found


def visible_lines(html: str) -> list[str]:
    """The email's text as a reader sees it, one entry per line."""
    body = re.sub(r"(?is)<(style|head)\b.*?</\1>", "", html)
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|li|td|h1|tr)>", "\n", body)
    text = htmlmod.unescape(re.sub(r"<[^>]+>", "", body))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_a_four_line_address_keeps_its_lines_in_print_html_and_text(rendered):
    yellow = rendered["yellow"]
    pdf_lines = [line.strip() for line in yellow.page_text(1).splitlines()]
    for line in FOUR_LINES:
        assert line in pdf_lines, (line, pdf_lines)  # each on a line of its own
    spans = [
        f'<span lang="en" dir="auto" style="hyphens:manual">{htmlmod.escape(line)}</span>'
        for line in FOUR_LINES
    ]
    assert re.search(r"<br\s*/?>".join(map(re.escape, spans)), yellow.html)
    text = yellow.text.splitlines()
    start = text.index(FOUR_LINES[0])
    assert text[start : start + 4] == FOUR_LINES


def test_a_missing_phone_and_website_leave_no_separator_or_gap(rendered):
    yellow = rendered["yellow"]
    for line in visible_lines(yellow.html):
        assert not line.startswith(("·", ".")) and not line.endswith("·"), line
        assert "· ·" not in line and line != "."
    assert "owner@yellow.example" in visible_lines(yellow.html)  # alone on its line
    for line in yellow.text.splitlines():
        assert not line.strip().startswith("|") and not line.strip().endswith("|"), line
    # in print, the address follows the email address at one line's distance
    pdf = pypdfium2.PdfDocument(yellow.brochure.file("brochure.pdf").content)
    text = pdf[1].get_textpage()
    email_top = _top_of(text, "owner@yellow.example")
    address_top = _top_of(text, FOUR_LINES[0])
    pdf.close()
    assert 0 < email_top - address_top < 22, (email_top, address_top)  # points


def _top_of(text, needle: str) -> float:
    searcher = text.search(needle)
    index, _ = searcher.get_next()
    return text.get_charbox(index)[3]


def test_a_yellow_brand_keeps_its_yellow_fill_with_dark_text(rendered, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 600, "height": 900})
    page.set_content(rendered["yellow"].html)
    heading = page.locator("h1")
    colour = heading.evaluate("e => getComputedStyle(e).color")
    band = heading.bounding_box()
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    button = page.locator("td[bgcolor] a").first.bounding_box()
    page.close()
    assert colour == "rgb(29, 36, 51)"  # the kit's near-black, not white on yellow
    assert _close(shot.getpixel((int(band["x"]) - 10, int(band["y"]) + 2)), (255, 230, 0))
    assert _close(shot.getpixel((int(button["x"]) + 3, int(button["y"]) + 3)), (255, 230, 0))
    # in print too: the cover's band is the brand's yellow
    pdf = pypdfium2.PdfDocument(rendered["yellow"].brochure.file("brochure.pdf").content)
    cover = pdf[0].render(scale=1).to_pil().convert("RGB")
    pdf.close()
    assert any(_close(cover.getpixel((5, y)), (255, 230, 0)) for y in range(60, 260, 4))


def _close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 8) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_a_white_brand_with_no_other_colour_fills_with_its_logos_colour(rendered):
    """Its bands and buttons were white with a grey edge, its links grey: a designer read
    that as no brand at all. Its logo's navy fills them, with white text."""
    from campaign_engine.domain.brand import delta_e

    html = rendered["white"].html
    button = re.search(
        r'<td [^>]*bgcolor="(#[0-9a-f]{6})"[^>]*>\s*<a [^>]*color:\s*(#[0-9a-f]{6})', html
    )
    assert button is not None, "the call to action's cell"
    assert delta_e(button.group(1), "#1d3557") < 6 and button.group(2) == "#ffffff", button.groups()


@pytest.mark.parametrize("slug", ["yellow", "tall", "white"])
def test_a_logo_of_any_shape_is_readable_in_the_email_and_in_print(rendered, slug):
    shown = rendered[slug]
    tag = re.search(
        r'<img [^>]*src="cid:partner-logo"[^>]*>', shown.email.file("email.html").content.decode()
    )
    width = int(re.search(r'width="(\d+)"', tag.group(0)).group(1))
    height = int(re.search(r'height="(\d+)"', tag.group(0)).group(1))
    assert min(width, height) >= 24, (width, height)
    assert shown.brochure.meta["logo"] == "image" and float(shown.brochure.meta["logo_mm"]) >= 6


def test_a_logo_no_size_can_show_gives_way_to_the_name(rendered):
    strip = rendered["strip"]
    assert "cid:partner-logo" not in strip.email.file("email.html").content.decode()
    assert "Strip Systems" in visible_lines(strip.html)[0]  # the header's first line
    assert strip.brochure.meta["logo"] == "name"
    assert "Strip Systems" in strip.page_text(0).splitlines()[0]


def test_an_opaque_logo_gets_no_plate(rendered):
    """Its white ground is its own: a dark plate around it looked like a black frame."""
    png = next(f for f in rendered["white"].email.files if f.name == "partner-logo")
    with Image.open(io.BytesIO(png.content)) as image:
        corners = image.convert("RGB")
        assert _close(corners.getpixel((0, 0)), (255, 255, 255))
        assert _close(corners.getpixel((corners.width - 1, corners.height - 1)), (255, 255, 255))


def test_a_long_name_stays_in_its_column_beside_the_qr_code(rendered):
    pdf = pypdfium2.PdfDocument(rendered["long"].brochure.file("brochure.pdf").content)
    page = pdf[1]
    qr_left = min(
        o.get_bounds()[0]
        for o in page.get_objects(max_depth=4)
        if o.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE and o.get_bounds()[0] > page.get_width() / 2
    )
    text = page.get_textpage()
    searcher = text.search("Holdings")
    rights = []
    while (hit := searcher.get_next()) is not None:
        index, count = hit
        rights.append(max(text.get_charbox(i)[2] for i in range(index, index + count)))
    pdf.close()
    assert rights and max(rights) < qr_left - 5, (rights, qr_left)


@pytest.mark.parametrize("slug", ["yellow", "long", "korean"])
def test_page_two_has_no_empty_third(rendered, slug):
    """Its blocks share the page: no stretch of it without ink more than a fifth tall."""
    pdf = pypdfium2.PdfDocument(rendered[slug].brochure.file("brochure.pdf").content)
    page = pdf[1]
    height = page.get_height()
    spans = sorted((o.get_bounds()[1], o.get_bounds()[3]) for o in page.get_objects())
    pdf.close()
    gaps, reached = [], height
    for bottom, top in sorted(spans, key=lambda s: -s[1]):
        if top < reached:
            gaps.append(reached - top)
        reached = min(reached, bottom)
    assert max(gaps) < height / 5, (max(gaps), height)


def test_korean_words_stay_whole_in_print(rendered):
    lines = rendered["korean"].page_text(1).replace("\u2060", "").splitlines()
    words = KOREAN.split()
    for line in lines:
        for piece in re.findall(r"[\uac00-\ud7a3]+", line):
            assert piece in words, (piece, line)


def test_an_embed_keeps_its_direction_on_a_right_to_left_page(rendered, browser):  # noqa: F811
    from campaign_engine.services.workspace.embed import SHADOW_CSS, embed_html
    from campaign_engine.web.embed import EMBED_SCRIPT, text_css

    fragment = embed_html(rendered["yellow"].web.file("snippet.html").content.decode())
    script = EMBED_SCRIPT % {
        "html": json.dumps(fragment),
        "css": json.dumps(SHADOW_CSS + text_css(fragment)),
        "src": json.dumps("about:blank"),
        "sandbox": json.dumps(""),
    }
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_content(
        '<html dir="rtl" style="direction:rtl"><body style="direction:rtl">'
        f"<h1>موقعنا</h1><div><script>{script}</script></div></body></html>"
    )
    found = page.evaluate(
        """() => {
        const root = document.querySelector('[data-offers]').shadowRoot;
        const box = root.querySelector('.ce-syndication');
        const vendor = root.querySelectorAll('img')[1].getBoundingClientRect();
        const range = document.createRange();
        const withWord = [...root.querySelectorAll('span')]
            .find(s => s.textContent.trim().startsWith('with'));
        range.selectNodeContents(withWord.firstChild);
        return {direction: getComputedStyle(box).direction,
                isolated: getComputedStyle(box).unicodeBidi,
                withX: range.getBoundingClientRect().x, vendorX: vendor.x,
                cardRight: box.getBoundingClientRect().right,
                columnRight: root.host.parentElement.getBoundingClientRect().right};
    }"""
    )
    page.close()
    assert found["direction"] == "ltr" and found["isolated"] == "isolate"
    assert found["withX"] < found["vendorX"]  # "with Northwind", not "Northwind with"
    # the card sits at the page's start (its right), not against its left edge
    assert abs(found["cardRight"] - found["columnRight"]) < 2, found


def test_partner_strings_are_isolated_and_tagged(rendered):
    korean = rendered["korean"]
    style = "word-break:keep-all;overflow-wrap:anywhere"  # whole words, a line too long cut
    assert f'<span lang="ko" dir="auto" style="{style}">{KOREAN}</span>' in korean.html
    web = korean.web.file("snippet.html").content.decode()
    assert 'dir="ltr"' in web and 'lang="ko" dir="auto"' in web


def test_an_arabic_name_is_isolated_in_the_subject_a_plain_text_line(rendered):
    """A review by eye: captions isolated a right-to-left name, the subject did not, so
    the English words after it moved to its side in an inbox list."""
    arabic = rendered["arabic"]
    assert f"\u2068{arabic.brand.name}\u2069" in arabic.email.meta["subject"]
    assert "\u2068" not in rendered["yellow"].email.meta["subject"]  # a Latin name: none


def test_the_text_email_is_plain_text(rendered):
    text = rendered["korean"].text
    assert "<span" not in text and KOREAN in text


def test_a_brand_without_a_logo_png_sets_its_name(rendered):
    """A brand built elsewhere (a kit check's sample) may have no logo at all."""
    kit, _ = read_kit(SAMPLE_KIT)
    brand = replace(rendered["long"].brand, logo_png=None, logo_kind="own")
    links = {n: "https://t.example/r/x" for n in kit.spec.links}
    asset = EmailRenderer(kit).render(brand, links.__getitem__)
    assert "cid:partner-logo" not in asset.file("email.html").content.decode()
    assert PdfRenderer(kit).render(brand, links.__getitem__).meta["logo"] == "name"


def test_contact_details_too_long_for_page_two_get_its_dense_layout(rendered):
    """Every field at its longest on Letter (the longest real addresses still fit the
    regular layout): the quote gives way, nothing runs off the sheet (the footer used to
    vanish without a trace), and the sheets stay two."""
    crowded = rendered["crowded"]
    assert crowded.brochure.meta["layout"] == "dense"
    assert rendered["yellow"].brochure.meta["layout"] == "regular"
    pdf = pypdfium2.PdfDocument(crowded.brochure.file("brochure.pdf").content)
    pages = len(pdf)
    pdf.close()
    printed = "".join(crowded.page_text(1).split())  # a 70-letter word wraps in its column
    assert pages == 2 and "1HarbourStreet" in printed
    assert all("".join(line.split()) in printed for line in CROWDED)


def test_an_arabic_address_line_reads_from_the_right_in_print(rendered):
    """WeasyPrint has no dir="auto": the line gets its own direction, so its number,
    first in the reading order, is at its right end."""
    pdf = pypdfium2.PdfDocument(rendered["arabic"].brochure.file("brochure.pdf").content)
    text = pdf[1].get_textpage()
    index, count = text.search("4417").get_next()
    digits_left = min(text.get_charbox(i)[0] for i in range(index, index + count))
    line_top = text.get_charbox(index)[3]
    letters = [
        text.get_charbox(i)[0]
        for i in range(text.count_chars())
        if "\u0600" <= text.get_text_range(i, 1) <= "\u06ff"
        and abs(text.get_charbox(i)[3] - line_top) < 4
    ]
    pdf.close()
    assert letters and digits_left > max(letters), (digits_left, max(letters))


def test_a_badge_on_a_band_of_its_own_colour_sits_on_a_plate(rendered):
    """An opaque logo needs no plate, unless its own ground is the band's colour: the
    orange badge vanished into the orange contact band, leaving its white bar."""
    pdf = pypdfium2.PdfDocument(rendered["badge"].brochure.file("brochure.pdf").content)
    page = pdf[1]
    logo = next(
        o.get_bounds()
        for o in page.get_objects(max_depth=4)
        if o.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE and o.get_bounds()[0] < page.get_width() / 2
    )
    picture = page.render(scale=1).to_pil().convert("RGB")
    height = page.get_height()
    pdf.close()
    left, bottom, _, top = logo
    beside = picture.getpixel((int(left) - 4, int(height - (bottom + top) / 2)))
    assert _close(beside, (255, 255, 255)), beside  # the plate, not the orange band


def test_a_long_compound_breaks_at_a_hyphenation_point_on_a_phone(rendered, browser):  # noqa: F811
    """hyphens: auto needs a dictionary a browser or a mail client may not have: the
    name carries soft hyphens from pyphen's German dictionary, so the phone breaks it
    where German would, with a hyphen, and the email stays 390 px wide."""
    html = rendered["compound"].html
    assert "Netz\u00adwerk\u00adsi\u00adcher\u00adheits" in html
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.set_content(html)
    width = page.evaluate("document.documentElement.scrollWidth")
    breaks = page.evaluate(
        """() => {
        const span = [...document.querySelectorAll('li span[lang="de"]')][0];
        const node = span.firstChild, range = document.createRange();
        const top = (i) => { range.setStart(node, i); range.setEnd(node, i + 1);
                             const rects = [...range.getClientRects()].filter(r => r.width > 0);
                             return rects[rects.length - 1].top; };
        const letters = [...node.data.matchAll(/[^\\u00ad]/g)].map(m => m.index);
        const found = [];
        for (let k = 1; k < letters.length; k++) {
            const [a, b] = [letters[k - 1], letters[k]];
            if (top(b) > top(a) + 2) found.push(node.data.slice(a + 1, b) === '\\u00ad'
                                                  ? 'hyphen' : node.data.slice(a, b + 1));
        }
        return found;
    }"""
    )
    page.close()
    assert width == 390
    assert breaks and set(breaks) <= {"hyphen", " "}, breaks  # where a hyphen goes


def test_print_never_hyphenates_an_address_into_another(rendered):
    """A review by eye found "...gesellschaft-datensiche-rung.example" on page 2: a
    hyphen hyphenation added is part of the address a reader types. Broken lines of a
    web or mail address carry no added hyphen."""
    for slug in ("crowded", "domain"):
        page = rendered[slug].page_text(1)
        joined = page.replace("\r\n", "").replace("\n", "")
        for address in (rendered[slug].brand.website, rendered[slug].brand.contact_email):
            assert address in joined, (address, page)


def test_a_white_ground_logo_keeps_a_margin_of_its_white_on_the_band(rendered):
    """Trimmed to its artwork for the white page, a white-ground logo's navy mark touched
    the edge of its white and melted into the navy band: on the band it is a white tile
    again, the mark inside it."""
    pdf = pypdfium2.PdfDocument(rendered["ground"].brochure.file("brochure.pdf").content)
    image = pdf[1].render(scale=3).to_pil().convert("RGB")
    pdf.close()
    navy = (0x1D, 0x35, 0x57)
    band_rows = [y for y in range(image.height) if _close(image.getpixel((5, y)), navy)]
    assert band_rows, "the navy band"
    top, bottom = band_rows[0], band_rows[-1]
    band = image.crop((0, top, image.width // 2, bottom))
    white = [
        (x, y)
        for y in range(0, band.height, 2)
        for x in range(0, band.width, 2)
        if _close(band.getpixel((x, y)), (255, 255, 255))
    ]
    assert white, "the logo's white tile on the band"
    tile_left = min(x for x, _ in white)
    rows = [y for x, y in white if x == tile_left]
    column = [band.getpixel((tile_left + 2, y)) for y in range(min(rows), max(rows))]
    assert all(_close(p, (255, 255, 255)) for p in column), "white between mark and band"


def test_a_thai_name_reads_as_itself_in_the_emails_attributes(rendered):
    r"""MRML writes attribute values as Rust debug strings: the logo's alt text reached
    recipients as "บร\u{e34}ษ\u{e31}ท", which is what a mail client shows with images off.
    Every attribute holding the name holds it, read as a browser reads it."""
    from html.parser import HTMLParser

    name = rendered["thai"].brand.name
    escape = r"\u{"
    found: list[str] = []

    class Attributes(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(v for _, v in attrs if v and (escape in v or "สยาม" in v))

    Attributes().feed(rendered["thai"].html)
    assert escape not in rendered["thai"].html
    assert found and all(escape not in v for v in found), found
    assert any(name in v.replace("\u2068", "").replace("\u2069", "") for v in found), found
