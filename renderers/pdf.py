"""PDF brochure: WeasyPrint over a sandboxed template, fonts and images from the kit only."""

from __future__ import annotations

import ctypes.util
import hashlib
import io
import threading
from collections.abc import Callable

import qrcode
from PIL import Image
from qrcode.image.pil import PilImage
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from campaign_engine.domain.brand import LIGHT_TEXT, fill_on_white, plate_for_logo
from campaign_engine.domain.kit import KitContent
from campaign_engine.errors import ConfigError
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import PLATES, template_context
from renderers.fetcher import KitUrlFetcher
from renderers.sandbox import make_environment

LETTER_REGIONS = {"US", "CA", "MX", "PH", "CL", "CO", "VE"}


def page_size(locale: str) -> str:
    """US-style regions print on Letter, everyone else on A4."""
    parts = locale.replace("_", "-").split("-")
    return "letter" if len(parts) > 1 and parts[1].upper() in LETTER_REGIONS else "A4"


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
LOGO_MM = 13.0  # the tallest the kit shows the partner's logo (at 150 dpi: 77 px needed)
QUOTES = {"de": ("„", "“"), "fr": ("«\u202f", "\u202f»"), "ja": ("「", "」"), "el": ("«", "»")}


def partner_css(ctx: dict) -> str:
    """The partner's values as CSS variables, plus the page size for its region."""
    p = ctx["partner"]
    return (
        f"@page {{ size: {ctx['page_size']}; }} :root {{ --primary: {p['primary_color']}; "
        f"--on-primary: {p['text_on_primary']}; --secondary: {p['secondary_color']}; "
        f"--on-secondary: {p['text_on_secondary']}; --accent: {p['accent_color']}; "
        f"--plate: {p['plate_color']}; --band-plate: {p['band_plate_color']}; "
        f"--rule: {p['rule_color']}; --page-height: {PAGE_HEIGHT[ctx['page_size']]}; "
        f"--band: {p['band_color']}; --on-band: {p['text_on_band']}; "
        f"--logo-height: {p['logo_height_mm']:.1f}mm; }}"
    )


def logo_print(png: bytes) -> tuple[float, float]:
    """(height in mm, dpi): the logo at LOGO_MM, or smaller when it has too few pixels to
    print there at 150 dpi; a 16 px logo is not blown up to 13 mm of blur."""
    with Image.open(io.BytesIO(png)) as image:
        pixels = image.height
    height = min(LOGO_MM, pixels / 150 * 25.4)
    return height, pixels / (height / 25.4)


def fit_pt(text: str, chars: int, largest: float, smallest: float) -> str:
    """A font size that fits `text` in a band designed for `chars` characters at
    `largest` pt: shrunk in proportion, never under `smallest` (a Jinja global)."""
    size = largest if len(text) <= chars else max(smallest, largest * chars / len(text))
    return f"{size:.1f}pt"


def quoted(text: str, lang: str) -> str:
    """The quotation marks the partner's language uses (a Jinja global via `quoted`)."""
    start, end = QUOTES.get(lang, ("“", "”"))
    return f"{start}{text}{end}"


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

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.pdf
        assert spec is not None
        fetcher = KitUrlFetcher(
            self.kit.root,
            {
                "logo.png": brand.logo_png or b"",
                "logo-on-dark.png": brand.logo_on_dark_png or b"",
                "vendor-logo.png": self.vendor_logo,
                "qr.png": qr_png(link(spec.qr_link)),
            },
        )
        ctx = template_context(
            self.kit,
            brand,
            link,
            logo_src="partner:logo.png",
            vendor_logo_src="partner:vendor-logo.png",
        )
        logo_mm, dpi = logo_print(brand.logo_png) if brand.logo_png else (LOGO_MM, 300.0)
        band_dark_logo = (
            bool(brand.logo_on_dark_png) and ctx["partner"]["text_on_band"] == LIGHT_TEXT
        )
        band = plate_for_logo(brand.logo_luminance, ctx["partner"]["band_color"])
        ctx["partner"].update(
            logo_height_mm=logo_mm,
            # on the contact band: the partner's dark-ground logo, or a plate chosen for
            # the band's colour (a white logo on a white plate vanished)
            band_logo_src="partner:logo-on-dark.png"
            if band_dark_logo
            else ctx["partner"]["logo_src"],
            band_plate_color=PLATES.get(None if band_dark_logo else band, "transparent"),
            rule_color=fill_on_white(brand.secondary_color),
        )
        ctx.update(
            qr_src="partner:qr.png",
            page_size=page_size(brand.locale),
            fit_pt=fit_pt,
            quoted=lambda text: quoted(text, ctx["lang"]),
        )
        markup = self.env.get_template(spec.template).render(ctx)
        stylesheet = self.env.get_template(spec.stylesheet).render(ctx)
        with self.lock:
            document = HTML(string=markup, url_fetcher=fetcher, base_url="kit:")
            # Tagged (PDF/UA-1): screen readers get headings, lists and reading order, at no
            # measurable cost (bench/render.py). Title, author and subject come from the
            # template's <title>, <meta name=author> and <meta name=description>.
            pdf = document.write_pdf(
                stylesheets=[self.parsed(stylesheet, fetcher), CSS(string=partner_css(ctx))],
                font_config=self.fonts,
                pdf_variant="pdf/ua-1",
            )
        return RenderedAsset(
            channel="email",
            asset="brochure",
            files=(RenderedFile("brochure.pdf", "application/pdf", pdf),),
            meta={
                "page_size": page_size(brand.locale),
                "refused": " ".join(fetcher.refused),
                "logo_dpi": f"{dpi:.0f}",
                "logo_mm": f"{logo_mm:.1f}",
            },
        )
