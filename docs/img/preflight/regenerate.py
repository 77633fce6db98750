"""Regenerate the example images of docs/preflight.md: one small PNG per preflight code,
each from a partner (and, for the engine's own defects, a kit with that defect put back)
that triggers it. Each example is run through preflight first and the script says when a
code did not fire, so an image never shows a code preflight no longer raises.

    .venv/bin/python docs/img/preflight/regenerate.py [CODE ...]

Needs Chromium (/usr/bin/chromium) for the email's pictures and checks.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from campaign_engine.bootstrap import make_renderers  # noqa: E402
from campaign_engine.db import Partner  # noqa: E402
from campaign_engine.domain.kit import post_text_key  # noqa: E402
from campaign_engine.services.assets.brand.logos import normalise_logo  # noqa: E402
from campaign_engine.services.assets.kits import read_kit  # noqa: E402
from campaign_engine.services.assets.preflight.browser import CHROMIUM, offline_page  # noqa: E402
from campaign_engine.services.assets.preflight.run import preflight  # noqa: E402
from campaign_engine.services.assets.preview import browser_html, preview_partner  # noqa: E402

OUT = Path(__file__).resolve().parent
KIT = ROOT / "kits" / "secure-cloud-q3"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WIDTH = 480  # px of every example image
BASE = "https://partners.northwind.example"


def logo(size: tuple[int, int], colour: str = "#0a6e4f", ground: str | None = None) -> bytes:
    """A wordmark-like logo: a disc and bars on transparency (or an opaque ground)."""
    image = Image.new("RGBA", size, ground or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    side = min(w, h)
    draw.ellipse((side * 0.1, side * 0.1, side * 0.9, side * 0.9), fill=colour)
    for i in range(4):
        x = side + i * max(1, (w - side)) // 4.5
        draw.rectangle((x, h * 0.35, x + max(1, (w - side) // 6), h * 0.65), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def partner(**fields: object) -> Partner:
    """A partner that never touches a database: the profile a marketer imports."""
    values: dict[str, object] = {
        "id": 1,
        "slug": "example",
        "name": "Harbour Lights IT",
        "short_name": "",
        "contact_email": "sales@harbourlights.example",
        "website": "https://harbourlights.example",
        "phone": "+44 20 7946 0321",
        "postal_address": "Unit 4, Quay Street\nBristol BS1 4QA\nUnited Kingdom",
        "primary_color": "#0a6e4f",
        "secondary_color": "#f2b705",
        "locale": "en-GB",
        "timezone": "Europe/London",
        "vertical": "",
        "logo_on_dark_png": None,
        "logo_on_dark_sha256": None,
    }
    raw = fields.pop("logo", logo((480, 160)))
    values.update(fields)
    found = Partner(**values)
    if raw:
        found.logo_png = normalise_logo(raw, where="example")  # type: ignore[arg-type]
        found.logo_sha256 = hashlib.sha256(found.logo_png).hexdigest()
    else:
        found.logo_png, found.logo_sha256 = None, None
    return found


@dataclass
class Example:
    code: str
    says: str  # what the example partner or kit is, in the doc's words
    shows: str  # "brochure:<page>", "email", "social:<file>" or "text"
    partner: Partner = field(default_factory=partner)
    kit_edit: Callable[[Path], None] | None = None
    crop: tuple[float, float] = (0.0, 1.0)  # the vertical part of the picture shown
    customisations: dict[str, object] | None = None
    # a code no partner can raise with this engine and kit (a safety net, or a state of
    # the machine): drawn as the message the marketer reads
    message: str | None = None


def edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    """A kit change that puts a defect back: `old` in `rel` replaced by `new`."""

    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text()
        if old not in text:
            raise SystemExit(f"{rel} no longer contains {old!r}: update this example")
        path.write_text(text.replace(old, new, 1))

    return apply


def append(rel: str, extra: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.write_text(path.read_text() + "\n" + extra + "\n")

    return apply


LINKLESS = (
    '<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8">'
    "<title>{{ copy.pdf.title }}</title></head><body>"
    '<section class="page"><h1>{{ copy.pdf.title }}</h1><p>{{ copy.pdf.lead }}</p></section>'
    '<section class="page"><p>{{ partner.name }}<br>{{ partner.phone }}</p></section>'
    "</body></html>"
)
ADDRESS_LOOP = "{% for line in partner.address_lines %}<br>{{ bdi(line) }}{% endfor %}"
FOUR_LINES = "Suite 4100\n1234 North Michigan Avenue\nChicago, IL 60601\nUnited States"

EXAMPLES = [
    Example(
        "glyph_missing",
        "a postal address with a private-use character (U+F8E4) no installed font has",
        "brochure:2",
        partner(postal_address="Unit 4 \uf8e4 Quay Street\nBristol BS1 4QA"),
        crop=(0.7, 0.95),
    ),
    Example(
        "markup_in_field",
        "a name typed with HTML tags in it",
        "brochure:2",
        partner(name="<b>Harbour</b> Lights IT"),
        crop=(0.7, 0.95),
    ),
    Example(
        "copy_language",
        "a Thai partner: the kit has copy in English, German and French only",
        "email",
        partner(name="บริษัท สยามคลาวด์ จำกัด", locale="th-TH", timezone="Asia/Bangkok"),
        crop=(0.0, 0.45),
    ),
    Example(
        "logo_with_name",
        "a 16 px favicon uploaded as the logo",
        "brochure:1",
        partner(logo=logo((16, 16), "#7a1fa2")),
        crop=(0.0, 0.2),
    ),
    Example(
        "logo_name_instead",
        "a 15:1 wordmark: the email's header sets the name",
        "email",
        partner(logo=logo((1500, 100), "#0a6e4f")),
        crop=(0.0, 0.25),
    ),
    Example(
        "required_field_missing",
        "a partner with neither a phone number nor a website (the kit's brochure needs both)",
        "email",
        partner(phone="", website=""),
        crop=(0.75, 1.0),
    ),
    Example(
        "subject_long",
        "a long company name and no short name",
        "text",
        partner(name="Harbour Lights Information Technology Consulting and Services Ltd"),
    ),
    Example(
        "email_too_wide",
        "a kit whose email keeps the partner's name on one line (white-space: nowrap)",
        "email",
        partner(name="Donaudampfschifffahrtsinformationstechnikgesellschaft mbH"),
        edit(
            "templates/email.mjml",
            '<h1 style="margin:0;',
            '<h1 style="margin:0;white-space:nowrap;width:700px;',
        ),
        crop=(0.0, 0.35),
    ),
    Example(
        "email_text_overflows",
        "a kit whose email title may not wrap, in a band narrower than it",
        "email",
        partner(),
        edit(
            "templates/email.mjml",
            '<h1 style="margin:0;',
            '<h1 style="margin:0;white-space:nowrap;',
        ),
        crop=(0.0, 0.35),
    ),
    Example(
        "logo_email_small",
        "a kit whose email shows the logo in a fixed 40 px wide box (a 10:1 logo)",
        "email",
        partner(logo=logo((2000, 200))),
        edit(
            "templates/email.mjml",
            'width="{{ partner.logo_width }}px" height="{{ partner.logo_height }}px"',
            'width="40px" height="4px"',
        ),
        crop=(0.0, 0.15),
    ),
    Example(
        "address_lines_lost",
        "a kit whose email footer joins the address lines with nothing between them",
        "email",
        partner(postal_address=FOUR_LINES),
        edit("templates/email.mjml", ADDRESS_LOOP, '<br>{{ partner.address_lines|join("") }}'),
        crop=(0.78, 1.0),
    ),
    Example(
        "separator_dangling",
        "a kit that writes phone · email without dropping the separator, for a partner "
        "with no phone",
        "email",
        partner(phone=""),
        edit(
            "templates/email.mjml",
            "{{ copy.email.signoff }}<br>{{ bdi(partner.name) }}",
            "{{ copy.email.signoff }}<br>{{ bdi(partner.name) }}<br>· {{ partner.contact_email }}",
        ),
        crop=(0.55, 0.8),
    ),
    Example(
        "brand_fill_off",
        "a light brand colour (#FFE600) and a kit that darkens its bands to olive",
        "email",
        partner(primary_color="#ffe600"),
        edit(
            "templates/email.mjml",
            'background-color="{{ partner.band_color }}"',
            'background-color="#9a8c00"',
        ),
        crop=(0.0, 0.35),
    ),
    Example(
        "page_count",
        "a kit that says its brochure has 1 page (it has 2)",
        "brochure:2",
        partner(),
        edit("kit.yaml", "    pages: 2", "    pages: 1"),
        crop=(0.0, 0.5),
    ),
    Example(
        "pdf_no_links",
        "a kit whose brochure has no link at all",
        "brochure:2",
        partner(),
        lambda root: (root / "templates" / "brochure.html").write_text(LINKLESS) and None,
        crop=(0.0, 0.3),
    ),
    Example(
        "text_overlaps",
        "a kit whose contact band is a fifth of its height: its white text runs out of it "
        "onto the white page, where it cannot be seen",
        "brochure:2",
        partner(),
        append(
            "templates/brochure.css",
            ".contact { height: 12mm !important; min-height: 0 !important; }",
        ),
        crop=(0.05, 0.55),
    ),
    Example(
        "text_outside_page",
        "a kit whose title may not wrap, set at 40 pt",
        "brochure:1",
        partner(),
        append(
            "templates/brochure.css",
            ".hero h1 { white-space: nowrap; font-size: 40pt !important; }",
        ),
        crop=(0.05, 0.35),
    ),
    Example(
        "logo_print_small",
        "a kit that prints the logo 4 mm tall",
        "brochure:1",
        partner(logo=logo((2000, 200))),
        append(
            "templates/brochure.css",
            ".partner-logo { height: 4mm !important; width: 40mm !important; }",
        ),
        crop=(0.0, 0.2),
    ),
    Example(
        "logo_print_resolution",
        "a logo uploaded at 90x30 pixels",
        "brochure:1",
        partner(logo=logo((90, 30))),
        crop=(0.0, 0.2),
    ),
    Example(
        "logo_resolution",
        "a logo uploaded at 100x34 pixels",
        "email",
        partner(logo=logo((100, 34))),
        crop=(0.0, 0.15),
    ),
    Example(
        "email_clipped",
        "a kit whose email carries 110 KB of hidden markup",
        "text",
        partner(),
        edit(
            "templates/email.mjml",
            '<mj-section background-color="#f7f8fa"',
            '<mj-raw><div style="display:none">'
            + "x " * 56000
            + '</div></mj-raw><mj-section background-color="#f7f8fa"',
        ),
    ),
    Example(
        "post_too_long",
        "a kit whose X post carries forty hashtags: more than X takes with no text at all",
        "social:launch-x.txt",
        partner(),
        edit(
            "kit.yaml",
            "hashtags: [CloudBackup, Ransomware]",
            "hashtags: [" + ", ".join(f"CloudBackupTag{i}" for i in range(40)) + "]",
        ),
    ),
    Example(
        "logo_contrast",
        "A logo with transparency whose colour stands out from neither plate: the engine "
        "chooses a white or a dark plate for every logo by its lightness, so no partner "
        "reaches this today; it guards that choice.",
        "text",
        message="your logo stands out from its background at only 2.1:1 (at least 3:1 is "
        "needed to be seen); upload a darker or a lighter version",
    ),
    Example(
        "width_not_measured",
        "Chromium is not installed where `kits preflight` ran: the email's width, its text "
        "boxes, its logo's size and its fills on a phone were not measured.",
        "text",
        message="Chromium is not installed, so the email's width on a phone was not measured",
    ),
    Example(
        "render_failed",
        "The contact sheet: one partner's profile makes a template fail (a value over "
        "100,000 characters given to a filter); its row says so and the others are shown.",
        "text",
        message="its assets do not render: a value over 100,000 long given to a filter",
    ),
    Example(
        "label_dangling",
        "a kit whose post text ends with its own “More at”, for a partner without a website",
        "social:launch-instagram.txt",
        partner(website=""),
        edit(
            "copy/en.yaml",
            'every copy is immutable and off site."',
            'every copy is immutable and off site.\\nMore at"',
        ),
    ),
    Example(
        "post_shortened",
        "a partner's own X post text longer than X takes with the link and hashtags",
        "social:launch-x.txt",
        partner(),
        customisations={
            post_text_key("launch", "x"): "Ransomware does not keep office hours. " * 8
        },
    ),
]


def run(example: Example, work: Path) -> None:
    if example.message is not None:
        picture = with_caption(card(example.says), f"{example.code}: {example.message}")
        picture.save(OUT / f"{example.code}.png", optimize=True)
        print(f"{example.code}: {OUT.relative_to(ROOT)}/{example.code}.png (a message)")
        return
    kit_root = KIT
    if example.kit_edit is not None:
        kit_root = work / f"kit-{example.code}"
        shutil.copytree(KIT, kit_root)
        example.kit_edit(kit_root)
    kit, _ = read_kit(kit_root)
    renderers = make_renderers(kit)
    storage = work / f"store-{example.code}"
    values = example.customisations
    (report,) = preflight(
        kit,
        renderers,
        [example.partner],
        base_url=BASE,
        storage_dir=storage,
        customisations=(lambda _p: values) if values else None,
    )
    found = [p for p in report.problems if p.code == example.code]
    if not found:
        codes = ", ".join(sorted({p.code for p in report.problems})) or "nothing"
        print(f"{example.code}: NOT raised (found {codes}); image drawn all the same")
    message = found[0].message if found else ""
    shown = preview_partner(
        kit, renderers, example.partner, BASE, storage_dir=storage, customisations=values
    )
    picture = draw(example, shown, message)
    picture.save(OUT / f"{example.code}.png", optimize=True)
    print(f"{example.code}: {OUT.relative_to(ROOT)}/{example.code}.png")


def draw(example: Example, shown: Any, message: str) -> Image.Image:
    kind, _, which = example.shows.partition(":")
    if kind == "brochure":
        picture = brochure_page(shown, int(which))
    elif kind == "email":
        picture = email_shot(shown)
    elif kind == "social":
        text = next(f for a in shown.assets for f in a.files if f.name == which)
        picture = card(text.content.decode())
    elif example.code == "email_clipped":
        size = len(shown.email.body_html or "") // 1024
        subject = shown.email.subject
        picture = card(f"Subject: {subject}\nHTML body: {size} KB\n[Message clipped] View all")
    else:
        picture = card(f"Subject: {shown.email.subject}")
    top, bottom = example.crop
    picture = picture.crop(
        (0, int(picture.height * top), picture.width, int(picture.height * bottom))
    )
    picture = picture.resize((WIDTH, max(1, round(picture.height * WIDTH / picture.width))))
    return with_caption(picture, f"{example.code}: {message}" if message else example.code)


def brochure_page(shown: Any, number: int) -> Image.Image:
    import pypdfium2

    data = next(f.content for a in shown.assets for f in a.files if f.name == "brochure.pdf")
    pdf = pypdfium2.PdfDocument(data)
    try:
        page = pdf[min(number, len(pdf)) - 1]
        return page.render(scale=2 * WIDTH / page.get_width()).to_pil().convert("RGB")
    finally:
        pdf.close()


def email_shot(shown: Any) -> Image.Image:
    from playwright.sync_api import sync_playwright

    html = browser_html(shown.email)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = offline_page(browser)
            page.set_content(html, wait_until="load")
            png = page.screenshot(full_page=True)
        finally:
            browser.close()
    return Image.open(io.BytesIO(png)).convert("RGB")


def card(text: str) -> Image.Image:
    font = ImageFont.truetype(FONT, 22)
    lines = [row for para in text.splitlines() for row in (textwrap.wrap(para, 48) or [""])]
    image = Image.new("RGB", (2 * WIDTH, 40 + 30 * len(lines)), "#ffffff")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + 30 * i), line, fill="#1d2433", font=font)
    return image


def with_caption(picture: Image.Image, caption: str) -> Image.Image:
    font = ImageFont.truetype(FONT, 13)
    lines = textwrap.wrap(caption, 70)[:5]
    band = 10 + 17 * len(lines)
    out = Image.new("RGB", (picture.width, picture.height + band), "#fff4d6")
    out.paste(picture, (0, band))
    draw = ImageDraw.Draw(out)
    for i, line in enumerate(lines):
        draw.text((8, 5 + 17 * i), line, fill="#5a3d00", font=font)
    return out


def main(codes: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for example in EXAMPLES:
            if not codes or example.code in codes:
                run(example, Path(folder))


if __name__ == "__main__":
    main(sys.argv[1:])
