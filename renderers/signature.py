"""The email-signature banner: 1200x200 pixels, shown at 600x100 (sharp on high-density
screens), PNG since it is mostly flat colour and text. The partner's logo on a plate sized
from the logo, the kit's headline, the vendor's logo; the partner's colour as a band.

`evergreen_banner` is the same layout without a campaign: what the signature shows when
no campaign is live or the partner switched the channel off, so a pasted signature never
shows a broken image.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageOps

from campaign_engine.domain.brand import accent_on_white, rgb
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import localise, lookup
from renderers.glyphs import font_for
from renderers.social import _font, _open_logo, fit_text

SIZE = (1200, 200)  # shown at 600x100
SHOWN = (600, 100)
BAND = 12
PAD = 24


def banner_png(
    brand: BrandContext,
    headline: str,
    font_path: str,
    vendor_logo: bytes | None,
    background: Image.Image | None = None,
) -> bytes:
    image = (
        ImageOps.fit(background.convert("RGB"), SIZE)
        if background is not None
        else Image.new("RGB", SIZE, (255, 255, 255))
    )
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    # The partner's colour, darkened where it would vanish on white (a white or pale one).
    draw.rectangle(
        (0, height - BAND, width, height), fill=rgb(accent_on_white(brand.primary_color))
    )
    left = _logo(image, _open_logo(brand.logo_png), (PAD, PAD, 360, height - BAND - PAD), brand)
    right = width - PAD
    vendor = _open_logo(vendor_logo)
    if vendor is not None:
        right = _logo_right(
            image, vendor, (width - 260, PAD + 20, width - PAD, height - BAND - PAD - 20)
        )
    if brand.logo_shows_name:  # a lockup that spells the name: keep it apart from the
        # headline, or its words read as the headline's first ones
        rule = left + PAD
        draw.line((rule, PAD + 16, rule, height - BAND - PAD - 16), fill=(205, 210, 219), width=2)
        left = rule
    box = (left + PAD, PAD, right - PAD, height - BAND - PAD)
    font_path = font_for(headline, font_path)
    size, lines = fit_text(font_path, headline, box[2] - box[0], box[3] - box[1])
    font = _font(font_path, size)
    dark = background is None or sum(image.resize((1, 1)).getpixel((0, 0))) > 382
    colour = (20, 24, 33) if dark else (255, 255, 255)
    y = box[1] + (box[3] - box[1] - int(len(lines) * size * 1.2)) // 2
    for line in lines:
        draw.text((box[0], y), line, font=font, fill=colour)
        y += int(size * 1.2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _logo(
    image: Image.Image,
    logo: Image.Image | None,
    box: tuple[int, int, int, int],
    brand: BrandContext,
) -> int:
    """The partner's logo in the left box, on a dark plate if it is a light logo; returns
    where the text may start."""
    if logo is None:
        return box[0]
    left, top, right, bottom = box
    fitted = _fit(logo, (right - left, bottom - top))
    y = top + (bottom - top - fitted.height) // 2
    if brand.logo_on_plate == "dark":
        pad = 10
        ImageDraw.Draw(image).rounded_rectangle(
            (left - pad, y - pad, left + fitted.width + pad, y + fitted.height + pad),
            radius=pad,
            fill=(29, 36, 51),
        )
    image.paste(fitted, (left, y), fitted)
    return left + fitted.width


def _fit(logo: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Within the box, and never more than twice its own size: a 16 px logo blown up
    eightfold is a blur, not a brand."""
    most = (min(box[0], logo.width * 2), min(box[1], logo.height * 2))
    return ImageOps.contain(logo, most)


def _logo_right(image: Image.Image, logo: Image.Image, box: tuple[int, int, int, int]) -> int:
    left, top, right, bottom = box
    fitted = _fit(logo, (right - left, bottom - top))
    x = right - fitted.width
    image.paste(fitted, (x, top + (bottom - top - fitted.height) // 2), fitted)
    return x


class SignatureRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.font_path = str(kit.root / kit.spec.fonts.bold)
        self.vendor_logo = (kit.root / kit.spec.vendor.logo).read_bytes()
        spec = kit.spec.assets.signature
        self.background = (
            Image.open(kit.root / spec.background).convert("RGB")
            if spec is not None and spec.background
            else None
        )

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.signature
        assert spec is not None
        copy = localise(self.kit.copy_for(brand.language), brand.name)
        headline = str(lookup(copy, spec.headline))
        png = banner_png(brand, headline, self.font_path, self.vendor_logo, self.background)
        return RenderedAsset(
            channel="signature",
            asset="banner",
            files=(RenderedFile("banner.png", "image/png", png),),
            meta={"headline": headline, "link": spec.link, "url": link(spec.link)},
        )
