"""PDF brochure: WeasyPrint over a sandboxed template, fonts and images from the kit only."""

from __future__ import annotations

import io
from collections.abc import Callable

import qrcode
from qrcode.image.pil import PilImage
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from campaign_engine.domain.kit import KitContent
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
    image = qrcode.make(url, image_factory=PilImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class PdfRenderer:
    """Keeps one FontConfiguration for the kit: font loading is a large share of a render."""

    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.env = make_environment(kit.root)
        self.fonts = FontConfiguration()
        self.vendor_logo = (kit.root / kit.spec.vendor.logo).read_bytes()

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
        document = HTML(string=markup, url_fetcher=fetcher, base_url="kit:")
        pdf = document.write_pdf(
            stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher, font_config=self.fonts)],
            font_config=self.fonts,
        )
        return RenderedAsset(
            channel="email",
            asset="brochure",
            files=(RenderedFile("brochure.pdf", "application/pdf", pdf),),
            meta={"page_size": page_size(brand.locale), "refused": " ".join(fetcher.refused)},
        )
