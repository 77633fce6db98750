"""PDF brochure: WeasyPrint over a sandboxed template, fonts and images from the kit only."""

from __future__ import annotations

import contextlib
import ctypes.util
import hashlib
import html
import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import qrcode
from qrcode.image.pil import PilImage
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.formatting_structure.boxes import LineBox, TextBox
from weasyprint.text.fonts import FontConfiguration

from campaign_engine.domain.brand import LIGHT_TEXT, fill_on_white
from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.logo_fit import LogoRoom
from campaign_engine.errors import ConfigError
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import PLATES, template_context
from campaign_engine.typeset.logo_size import (
    ground_colour,
    logo_size,
    on_own_ground,
    pixel_size,
    plate_on_fill,
    visible,
    white_ground,
)
from campaign_engine.typeset.sandbox import make_environment
from renderers.fetcher import KitUrlFetcher

LETTER_REGIONS = {"US", "CA", "MX", "PH", "CL", "CO", "VE"}


def page_size(locale: str, timezone: str = "") -> str:
    """US-style regions print on Letter, everyone else on A4: the locale's region, or,
    for a locale without one ("en"), the country of the partner's timezone (a partner in
    America/Chicago with locale "en" printed on A4, a review by eye)."""
    parts = locale.replace("_", "-").split("-")
    region = parts[1].upper() if len(parts) > 1 else _zone_countries().get(timezone, "")
    return "letter" if region in LETTER_REGIONS else "A4"


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Timezone -> ISO country, from the system's tz database (zone.tab)."""
    countries = {}
    with contextlib.suppress(OSError):
        for line in Path("/usr/share/zoneinfo/zone.tab").read_text().splitlines():
            if line and not line.startswith("#"):
                fields = line.split("\t")
                if len(fields) >= 3:
                    countries[fields[2]] = fields[0]
    return countries


def qr_png(url: str) -> bytes:
    """A fixed mask pattern skips qrcode's search over eight masks (most of its time)."""
    code = qrcode.QRCode(
        box_size=8, border=2, mask_pattern=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    code.add_data(url)
    image = code.make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def require_harfbuzz_subset() -> None:
    """WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is present and falls
    back to fontTools (about three times slower per brochure) when not: refuse to start."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise ConfigError(
            "the PDF renderer needs libharfbuzz-subset0 (Debian package); run `make install` "
            "or `apt-get install libharfbuzz-subset0`"
        )


# A hair under the sheet: a .page exactly as tall as the paper can round onto a new sheet.
PAGE_HEIGHT = {"A4": "296.5mm", "letter": "279mm"}
PAGE_WIDTH = {"A4": "210mm", "letter": "215.9mm"}
# What the brochure offers the partner's logo, in mm: on the cover the area of a 3:1 logo
# 13 mm tall, whatever its shape (a 10:1 wordmark 7 x 71, a 1:4 mark 6 x 24: the cover's
# header grows for it); on the contact band a little less. Never under 6 mm on the short
# side: what fits neither shows the partner's name instead. The band's column beside the
# QR code is 126 mm wide on A4: 110 of it take an 18:1 wordmark at 6 mm (at 90 the card
# showed no logo for it, the cover did; a review by eye), and 30 mm of its height a 1:4
# stack at 6 mm wide (at 24 a 1:4.2 stack gave way to its name there, not on the cover).
COVER_LOGO = LogoRoom(max_width=110, max_height=30, weight=500, min_short=6)
BAND_LOGO = LogoRoom(max_width=110, max_height=30, weight=320, min_short=6)
PRINT_DPI = 150  # a logo is shown no larger than this sharpness allows, down to min_short
QUOTES = {"de": ("„", "“"), "fr": ("«\u202f", "\u202f»"), "ja": ("「", "」"), "el": ("«", "»")}


def _layout_key(brand: BrandContext, qr_link: str) -> str:
    """Everything of the brand a brochure shows (the logos by their digest) and its QR
    link, which stands for the partner's tracked links."""
    parts = [
        f"{name}={hashlib.sha256(value).hexdigest() if isinstance(value, bytes) else value!r}"
        for name, value in sorted(vars(brand).items())
    ]
    return hashlib.sha256("|".join([*parts, qr_link]).encode()).hexdigest()


def partner_css(ctx: dict[str, Any]) -> str:
    """The partner's values as CSS variables, plus the page size for its region (and the
    sheet's width and height, for a kit's bands that bleed to its edges)."""
    p = ctx["partner"]
    return (
        f"@page {{ size: {ctx['page_size']}; }} :root {{ --primary: {p['primary_color']}; "
        f"--on-primary: {p['text_on_primary']}; --secondary: {p['secondary_color']}; "
        f"--on-secondary: {p['text_on_secondary']}; --accent: {p['accent_color']}; "
        f"--plate: {p['plate_color']}; --band-plate: {p['band_plate_color']}; "
        f"--rule: {p['rule_color']}; --page-height: {PAGE_HEIGHT[ctx['page_size']]}; "
        f"--page-width: {PAGE_WIDTH[ctx['page_size']]}; "
        f"--band: {p['band_color']}; --on-band: {p['text_on_band']}; "
        f"--band-edge: {p['band_edge']}; "
        f"--logo-width: {p['logo_mm'][0]:.2f}mm; --logo-height: {p['logo_mm'][1]:.2f}mm; "
        f"--band-logo-width: {p['band_logo_mm'][0]:.2f}mm; "
        f"--band-logo-height: {p['band_logo_mm'][1]:.2f}mm; }}"
    )


def logo_print(png: bytes, room: LogoRoom) -> tuple[float, float, float] | None:
    """(width mm, height mm, dpi) of the logo in `room`: its visual weight, no larger than
    150 dpi allows unless that would take its short side under the room's least (a
    16 px logo is not blown up to 13 mm of blur, a 10:1 strip is not printed 4 mm tall);
    None when no readable size fits, and the brochure sets the name instead."""
    size = logo_size(png, room, PRINT_DPI / 25.4)
    if size is None:
        return None
    width_px, _ = pixel_size(png)
    return size[0], size[1], width_px / (size[0] / 25.4)


def fit_pt(text: str, chars: int, largest: float, smallest: float) -> str:
    """A font size that fits `text` in a band designed for `chars` characters at
    `largest` pt: shrunk in proportion, never under `smallest` (a Jinja global)."""
    size = largest if len(text) <= chars else max(smallest, largest * chars / len(text))
    return f"{size:.1f}pt"


def overflows(document: Document, markup: str) -> bool:
    """Text that does not fit its sheet: each .page is one sheet tall, and what overflows
    it is laid out below the sheet's edge or, in a flex column, not at all (the footer
    went first, silently). So: a line below the edge, or fewer characters laid out than
    the markup's body holds. Read from WeasyPrint's layout tree (Page._page_box, which is
    not public API). Or a block pushed onto a sheet of its own: more sheets than .page
    sections (a taller page 2 moved its contact band to a third sheet)."""
    sheets = len(re.findall(r"""class=["']page[\s"']""", markup))
    if sheets and len(document.pages) > sheets:
        return True  # a block pushed past its sheet onto a sheet of its own
    laid_out = 0
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, LineBox) and box.position_y + box.height > page.height + 0.5:
                return True
            if isinstance(box, TextBox):
                laid_out += _letters(box.text)
    return laid_out < _letters(_body_text(markup))


def _letters(text: str) -> int:
    """Characters that print: white space and the word joiners between Korean syllables
    do not, and hyphenation only ever adds."""
    return sum(1 for ch in text if not ch.isspace() and ch != "\u2060")


def _body_text(markup: str) -> str:
    body = re.sub(r"(?is)<head\b.*?</head>|<!--.*?-->", "", markup)
    return html.unescape(re.sub(r"<[^>]*>", " ", body))


def quoted(text: str, lang: str) -> str:
    """The quotation marks the partner's language uses (a Jinja global via `quoted`)."""
    start, end = QUOTES.get(lang, ("“", "”"))
    return f"{start}{text}{end}"


# Tagged (PDF/UA-1): screen readers get headings, lists and reading order, at no measurable
# cost (bench/render.py). Title, author and subject come from the template's <title>,
# <meta name=author> and <meta name=description>.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


@dataclass(frozen=True)
class LaidOut:
    document: Document
    meta: dict[str, str]


class PdfRenderer:
    """Keeps one FontConfiguration for the kit: font loading is a large share of a render.
    WeasyPrint is not documented as thread-safe, so renders through one instance are
    serialised; the local executor's parallelism comes from partners on other channels."""

    def __init__(self, kit: KitContent) -> None:
        require_harfbuzz_subset()
        self.lock = threading.Lock()
        self.kit = kit
        self.env = make_environment(kit.root)
        self.fonts = FontConfiguration()
        self.stylesheets: dict[str, CSS] = {}
        # The last few layouts by their inputs: preflight asks for the layout of the
        # brochure it has just rendered, and a layout is most of a brochure's cost.
        self.layouts: dict[str, LaidOut] = {}
        self.vendor_logo = (kit.root / kit.spec.vendor.logo).read_bytes()

    def parsed(self, stylesheet: str, fetcher: KitUrlFetcher) -> CSS:
        """Parsed stylesheets by their text: a kit whose stylesheet uses the CSS variables
        renders the same text for every partner and is parsed once (about 14 ms saved per
        brochure). Only kit: URLs occur in a kit stylesheet, so the first fetcher serves."""
        digest = hashlib.sha256(stylesheet.encode()).hexdigest()
        if digest not in self.stylesheets:
            if len(self.stylesheets) > 32:
                self.stylesheets.clear()
            self.stylesheets[digest] = CSS(
                string=stylesheet, url_fetcher=fetcher, font_config=self.fonts
            )
        return self.stylesheets[digest]

    def laid_out(
        self,
        ctx: dict[str, Any],
        fetcher: KitUrlFetcher,
        stylesheets: list[CSS],
        *,
        dense: bool,
    ) -> tuple[Document, bool]:
        """The brochure laid out, and whether its text overflowed; `dense` (a template
        variable) asks the template for its compact layout, for the partner whose contact
        details would not fit otherwise."""
        spec = self.kit.spec.assets.pdf
        assert spec is not None
        markup = self.env.get_template(spec.template).render({**ctx, "dense": dense})
        source = HTML(string=markup, url_fetcher=fetcher, base_url="kit:")
        document = source.render(font_config=self.fonts, stylesheets=stylesheets, **PDF_OPTIONS)
        return document, overflows(document, markup)

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        laid = self.remembered(brand, link)
        with self.lock:
            pdf = laid.document.write_pdf(**PDF_OPTIONS)
        return RenderedAsset(
            channel="email",
            asset="brochure",
            files=(RenderedFile("brochure.pdf", "application/pdf", pdf),),
            meta=laid.meta,
        )

    def document(self, brand: BrandContext, link: Callable[[str], str]) -> Document:
        """WeasyPrint's laid-out brochure, as `render` writes it out: preflight measures
        each line against its own box, and each logo as it prints, in its layout tree."""
        return self.remembered(brand, link).document

    def remembered(self, brand: BrandContext, link: Callable[[str], str]) -> LaidOut:
        """`lay_out`, kept for the same brand and links (the last eight)."""
        spec = self.kit.spec.assets.pdf
        assert spec is not None
        key = _layout_key(brand, link(spec.qr_link))
        with self.lock:
            found = self.layouts.get(key)
        if found is not None:
            return found
        laid = self.lay_out(brand, link)
        with self.lock:
            if len(self.layouts) >= 8:
                self.layouts.pop(next(iter(self.layouts)))
            self.layouts[key] = laid
        return laid

    def lay_out(self, brand: BrandContext, link: Callable[[str], str]) -> LaidOut:
        """The brochure laid out for `brand`, in its regular layout or, when text would run
        off a sheet, its dense one; with what preflight reads of it (meta)."""
        spec = self.kit.spec.assets.pdf
        assert spec is not None
        files = {"vendor-logo.png": self.vendor_logo, "qr.png": qr_png(link(spec.qr_link))}
        fetcher = KitUrlFetcher(self.kit.root, files)
        ctx = template_context(
            self.kit,
            brand,
            link,
            logo_src="partner:logo.png",
            vendor_logo_src="partner:vendor-logo.png",
            for_print=True,
        )
        shown = _place_logos(brand, ctx["partner"], files)
        ctx.update(
            qr_src="partner:qr.png",
            page_size=page_size(brand.locale, brand.timezone),
            fit_pt=fit_pt,
            quoted=lambda text: quoted(text, ctx["lang"]),
        )
        stylesheet = self.env.get_template(spec.stylesheet).render(ctx)
        with self.lock:
            stylesheets = [self.parsed(stylesheet, fetcher), CSS(string=partner_css(ctx))]
            document, dense = self.laid_out(ctx, fetcher, stylesheets, dense=False)
            if dense:  # a very long name and address: the page's dense layout
                document, _ = self.laid_out(ctx, fetcher, stylesheets, dense=True)
        meta = {
            "page_size": page_size(brand.locale, brand.timezone),
            "refused": " ".join(fetcher.refused),
            "layout": "dense" if dense else "regular",
            **_logo_meta(shown),
        }
        return LaidOut(document, meta)


def _place_logos(
    brand: BrandContext, partner: dict[str, Any], files: dict[str, bytes]
) -> list[tuple[float, float, float]]:
    """The partner's logo on the cover and on the contact band: the files the fetcher
    serves for them, and their sources, printed sizes and the band's plate in the
    template's `partner`; returns the printed size of each logo shown (logo_print)."""
    logo = visible(brand.logo_png) if brand.logo_png else b""
    band_dark_logo = bool(brand.logo_on_dark_png) and partner["text_on_band"] == LIGHT_TEXT
    band_logo = visible(brand.logo_on_dark_png) if band_dark_logo else logo
    cover = logo_print(logo, COVER_LOGO) if logo else None
    # On the band: the partner's dark-ground logo, or a plate chosen for the band's
    # colour (a white logo on a white plate vanished); none behind an opaque logo
    # unless its own ground is the band's colour, and a white-ground one on a margin of
    # its own white, sized as the tile it is there.
    band_colour = partner["band_color"]
    band_plate = None if band_dark_logo or not logo else plate_on_fill(logo, band_colour)
    band_file = "logo-on-dark.png" if band_dark_logo else "logo.png"
    if band_plate == "white" and brand.logo_png and white_ground(brand.logo_png):
        band_logo, band_plate = on_own_ground(logo, ground_colour(brand.logo_png)), None
        band_file = "logo-band.png"
    band = logo_print(band_logo, BAND_LOGO) if band_logo else None
    files["logo.png"] = logo
    files["logo-on-dark.png"] = band_logo if band_dark_logo else b""
    files["logo-band.png"] = band_logo if band_file == "logo-band.png" else b""
    partner.update(
        logo_src=partner["logo_src"] if cover else "",
        logo_mm=cover[:2] if cover else (0.0, 0.0),
        band_logo_src=f"partner:{band_file}" if band else "",
        band_logo_mm=band[:2] if band else (0.0, 0.0),
        band_plate_color=PLATES.get(band_plate, "transparent"),
        rule_color=fill_on_white(brand.secondary_color),
    )
    if not cover:  # the name, set in type, is the lockup
        partner["logo_shows_name"] = True
    return [size for size in (cover, band) if size]


def _logo_meta(shown: list[tuple[float, float, float]]) -> dict[str, str]:
    """The least of the cover's and the contact band's logo: its short side in mm and its
    print resolution; "logo": "name" when the name stands in."""
    if not shown:
        return {"logo": "name"}
    return {
        "logo_dpi": f"{min(s[2] for s in shown):.0f}",
        "logo_mm": f"{min(min(s[0], s[1]) for s in shown):.1f}",
        "logo": "image",
    }
