"""PDF brochure: WeasyPrint over a sandboxed template, fonts and images from the kit only."""

from __future__ import annotations

import ctypes.util
import hashlib
import io
import threading
from collections.abc import Callable

import qrcode
from qrcode.image.pil import PilImage
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from campaign_engine.domain.kit import KitContent
from campaign_engine.errors import ConfigError
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import template_context
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


def partner_css(ctx: dict) -> str:
    """The partner's values as CSS variables, plus the page size for its region."""
    p = ctx["partner"]
    return (
        f"@page {{ size: {ctx['page_size']}; }} :root {{ --primary: {p['primary_color']}; "
        f"--on-primary: {p['text_on_primary']}; --secondary: {p['secondary_color']}; "
        f"--on-secondary: {p['text_on_secondary']}; --accent: {p['accent_color']}; "
        f"--plate: {p['plate_color']}; }}"
    )


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
        ctx.update(qr_src="partner:qr.png", page_size=page_size(brand.locale))
        markup = self.env.get_template(spec.template).render(ctx)
        stylesheet = self.env.get_template(spec.stylesheet).render(ctx)
        with self.lock:
            document = HTML(string=markup, url_fetcher=fetcher, base_url="kit:")
            pdf = document.write_pdf(
                stylesheets=[self.parsed(stylesheet, fetcher), CSS(string=partner_css(ctx))],
                font_config=self.fonts,
            )
        return RenderedAsset(
            channel="email",
            asset="brochure",
            files=(RenderedFile("brochure.pdf", "application/pdf", pdf),),
            meta={"page_size": page_size(brand.locale), "refused": " ".join(fetcher.refused)},
        )
