"""Social posts: one image per platform size and the post text within the platform's limit.

Backgrounds are decoded, fitted and shaded once per kit and size. Images are JPEG: every
platform accepts it, and a 1200x627 image encodes in about 2 ms against 20-30 ms for PNG
at compression level 1 (measured here), which was most of the kit's render time.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

from campaign_engine.domain.brand import rgb
from campaign_engine.domain.kit import (
    PLATFORM_SIZES,
    PLATFORM_TEXT_LIMITS,
    KitContent,
    SocialPost,
    post_text_key,
)
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import localise, lookup

X_URL_LENGTH = 23  # X counts every link as 23 characters, whatever its length
MIN_FONT = 22
LINE_HEIGHT = 1.2


@dataclass(frozen=True)
class Layout:
    """Where things go on one platform's canvas; the logo box is the safe area."""

    size: tuple[int, int]
    logo_box: tuple[int, int, int, int]
    text_box: tuple[int, int, int, int]
    band: tuple[int, int, int, int]

    @classmethod
    def for_platform(cls, platform: str) -> Layout:
        width, height = PLATFORM_SIZES[platform]
        margin = width // 20
        band_height = max(24, height // 14)
        return cls(
            size=(width, height),
            logo_box=(margin, margin, margin + width // 3, margin + height // 7),
            text_box=(margin, height // 3, width - margin, height - band_height - margin),
            band=(0, height - band_height, width, height),
        )


class SocialRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.font_path = str(kit.root / kit.spec.fonts.bold)
        self.backgrounds: dict[tuple[str, str], Image.Image] = {}

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> list[RenderedAsset]:
        spec = self.kit.spec.assets.social
        assert spec is not None
        copy = localise(self.kit.copy_for(brand.language), brand.name)
        chosen = brand.customisations.get("posts")
        logo = _open_logo(brand.logo_png)
        return [
            self._render_post(post, brand, copy, link, logo)
            for post in spec.posts
            if not isinstance(chosen, list) or post.id in chosen
        ]

    def _render_post(
        self,
        post: SocialPost,
        brand: BrandContext,
        copy: dict,
        link: Callable[[str], str],
        logo: Image.Image | None,
    ) -> RenderedAsset:
        headline = str(lookup(copy, post.headline))
        body = str(lookup(copy, post.text))
        files = []
        for platform in post.platforms:
            image = self.compose(post, platform, headline, brand, logo)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=90)
            files.append(RenderedFile(f"{post.id}-{platform}.jpg", "image/jpeg", buffer.getvalue()))
            own = brand.customisations.get(post_text_key(post.id, platform))
            text = post_text(str(own or body), post.hashtags, link(post.link), platform)
            files.append(RenderedFile(f"{post.id}-{platform}.txt", "text/plain", text.encode()))
        return RenderedAsset(
            channel="social",
            asset=post.id,
            files=tuple(files),
            meta={"headline": headline, "link": post.link},
        )

    def background(self, path: str, platform: str) -> Image.Image:
        """Fitted to the platform and shaded towards the bottom so white text stays
        readable on any photo; computed once per kit, path and platform."""
        key = (path, platform)
        if key not in self.backgrounds:
            size = PLATFORM_SIZES[platform]
            with Image.open(self.kit.root / path) as source:
                fitted = ImageOps.fit(source.convert("RGB"), size)
            shade = Image.linear_gradient("L").resize(size).point(lambda v: int(v * 0.55))
            black = Image.new("RGB", size, (8, 12, 24))
            self.backgrounds[key] = Image.composite(black, fitted, shade)
        return self.backgrounds[key]

    def compose(
        self,
        post: SocialPost,
        platform: str,
        headline: str,
        brand: BrandContext,
        logo: Image.Image | None,
    ) -> Image.Image:
        layout = Layout.for_platform(platform)
        image = self.background(post.background, platform).copy()
        draw = ImageDraw.Draw(image)
        draw.rectangle(layout.band, fill=rgb(brand.primary_color))
        if logo is not None:
            plate = (29, 36, 51) if brand.logo_on_plate == "dark" else (255, 255, 255)
            _paste_logo(image, logo, layout.logo_box, plate)
        self.draw_headline(image, headline, layout.text_box)
        return image

    def draw_headline(self, image: Image.Image, text: str, box: tuple[int, int, int, int]) -> None:
        left, top, right, bottom = box
        size, lines = fit_text(self.font_path, text, right - left, bottom - top)
        y = bottom - int(len(lines) * size * LINE_HEIGHT)  # anchored above the band
        for line in lines:
            mask = _line_mask(self.font_path, size, line)
            image.paste((0, 0, 0), (left + 2, y + 2), mask)  # the shadow
            image.paste((255, 255, 255), (left, y), mask)
            y += int(size * LINE_HEIGHT)

    def headline_overflows(self, text: str, platform: str) -> bool:
        """True when the headline does not fit its box even at the smallest size."""
        left, top, right, bottom = Layout.for_platform(platform).text_box
        size, lines = fit_text(self.font_path, text, right - left, bottom - top)
        font = _font(self.font_path, size)
        too_tall = len(lines) * size * LINE_HEIGHT > bottom - top
        return too_tall or max(font.getlength(line) for line in lines) > right - left


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=128)
def _line_mask(path: str, size: int, line: str) -> Image.Image:
    """One headline line as an alpha mask, drawn once and pasted twice (shadow and text):
    glyph rasterising was a third of a post's render. Partners with the same locale share
    a headline, so the cache serves most of a launch."""
    font = _font(path, size)
    _, _, right, bottom = font.getbbox(line)
    mask = Image.new("L", (max(1, int(right)), max(1, int(bottom))))
    ImageDraw.Draw(mask).text((0, 0), line, font=font, fill=255)
    return mask


def wrap(font: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


@lru_cache(maxsize=256)
def fit_text(font_path: str, text: str, width: int, height: int) -> tuple[int, tuple[str, ...]]:
    """The largest font size (down to MIN_FONT px) at which the wrapped text fits the box.
    Cached: every partner of one locale fits the same headline into the same box."""
    size = max(MIN_FONT, min(height // 2, 96))
    while size > MIN_FONT:
        font = _font(font_path, size)
        lines = wrap(font, text, width)
        widest = max(font.getlength(line) for line in lines)
        if widest <= width and len(lines) * size * LINE_HEIGHT <= height:
            return size, tuple(lines)
        size -= 4
    return MIN_FONT, tuple(wrap(_font(font_path, MIN_FONT), text, width))


def post_text(body: str, hashtags: list[str], url: str, platform: str) -> str:
    """Body, hashtags and link, with the body shortened (never the link) to fit the limit."""
    tags = " ".join("#" + tag for tag in hashtags)
    limit = PLATFORM_TEXT_LIMITS[platform]
    url_cost = X_URL_LENGTH if platform == "x" else len(url)
    room = limit - url_cost - len(tags) - 4
    if len(body) > room:
        body = body[: max(0, room - 1)].rsplit(" ", 1)[0] + "…"
    return f"{body}\n\n{tags}\n{url}" if tags else f"{body}\n\n{url}"


def _open_logo(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    with Image.open(io.BytesIO(data)) as source:
        return source.convert("RGBA")


def _paste_logo(
    image: Image.Image,
    logo: Image.Image,
    box: tuple[int, int, int, int],
    plate_colour: tuple[int, int, int],
) -> None:
    """Logo on a rounded plate (white, or dark for a light logo) in the top-left safe area."""
    left, top, right, bottom = box
    pad = max(8, (bottom - top) // 8)
    fitted = ImageOps.contain(logo, (right - left - 2 * pad, bottom - top - 2 * pad))
    plate = (left, top, left + fitted.width + 2 * pad, top + fitted.height + 2 * pad)
    ImageDraw.Draw(image).rounded_rectangle(plate, radius=pad, fill=plate_colour)
    image.paste(fitted, (left + pad, top + pad), fitted)
