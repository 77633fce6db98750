"""Social posts: one image per platform size and the post text within the platform's limit.

Backgrounds are decoded, fitted and shaded once per kit and size. Images are JPEG: every
platform accepts it, and a 1200x627 image encodes in about 2 ms against 20-30 ms for PNG
at compression level 1 (measured here), which was most of the kit's render time.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

from campaign_engine.domain.brand import LIGHT_TEXT, PLATE_COLOURS, brand_fill, rgb
from campaign_engine.domain.kit import (
    PLATFORM_SIZES,
    PLATFORM_TEXT_LIMITS,
    KitContent,
    SocialPost,
    post_text_key,
)
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import localise, lookup

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
        width, height = _size(platform)
        margin = width // 20
        band_height = max(24, height // 14)
        return cls(
            size=(width, height),
            logo_box=(margin, margin, margin + width // 3, margin + height // 7),
            text_box=(margin, height // 3, width - margin, height - band_height - margin),
            band=(0, height - band_height, width, height),
        )


# Instagram's portrait post (4:5) beside its square one: a taller image takes more of the
# feed. Rendered from the same post as the square, named <post>-instagram-4x5.jpg.
PORTRAIT = "instagram_portrait"
PORTRAIT_SIZE = (1080, 1350)
LOGO_UPSCALE = 2.0  # a small logo is shown at most twice its size, never blown up to a blur


class SocialRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.font_path = str(kit.root / kit.spec.fonts.bold)
        self.backgrounds: dict[tuple[str, str], Image.Image] = {}
        with Image.open(kit.root / kit.spec.vendor.logo) as source:
            vendor = source.convert("RGBA")
        self.vendor_logo = vendor.crop(vendor.getchannel("A").getbbox() or (0, 0, *vendor.size))

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> list[RenderedAsset]:
        spec = self.kit.spec.assets.social
        assert spec is not None
        copy = localise(self.kit.copy_for(brand.language), brand.display_name)
        chosen = brand.customisations.get("posts")
        # the images are dark photos: the partner's own logo for dark grounds, when it has
        # one, goes straight on them; otherwise its logo on a plate
        logo = _open_logo(brand.logo_on_dark_png or brand.logo_png)
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
        with_word = str(_optional(copy, "email.with", "with"))
        more_at = str(_optional(copy, "social.more_at", "{website}"))
        files, shortened = [], []
        for platform in post.platforms:
            shapes = [(platform, f"{post.id}-{platform}.jpg")]
            if platform == "instagram":
                shapes.append((PORTRAIT, f"{post.id}-instagram-4x5.jpg"))
            for shape, name in shapes:
                image = self.compose(post, shape, headline, brand, logo, with_word)
                buffer = io.BytesIO()
                image.save(buffer, format="JPEG", quality=90)
                files.append(RenderedFile(name, "image/jpeg", buffer.getvalue()))
            own = brand.customisations.get(post_text_key(post.id, platform))
            url = _network_link(link, post.link, platform)
            website = more_at.replace("{website}", _in_words(brand.website))
            text = post_text(str(own or body), post.hashtags, url, platform, website)
            if not text.startswith(str(own or body)):
                shortened.append(platform)
            files.append(RenderedFile(f"{post.id}-{platform}.txt", "text/plain", text.encode()))
        return RenderedAsset(
            channel="social",
            asset=post.id,
            files=tuple(files),
            # the networks whose post text had to be cut to fit (preflight says so)
            meta={"headline": headline, "link": post.link, "shortened": ",".join(shortened)},
        )

    def background(self, path: str, platform: str) -> Image.Image:
        """Fitted to the platform and shaded towards the bottom so white text stays
        readable on any photo; computed once per kit, path and platform."""
        key = (path, platform)
        if key not in self.backgrounds:
            size = _size(platform)
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
        with_word: str = "with",
    ) -> Image.Image:
        """The partner's logo top left (primary), "with" and the vendor's logo top right
        (secondary, smaller), the headline above a band in the partner's colour."""
        layout = Layout.for_platform(platform)
        image = self.background(post.background, platform).copy()
        draw = ImageDraw.Draw(image)
        draw.rectangle(
            layout.band, fill=rgb(brand_fill(brand.primary_color, brand.secondary_color))
        )
        if logo is not None:
            plate = rgb(PLATE_COLOURS.get(brand.logo_on_plate or "white", LIGHT_TEXT))
            _paste_logo(image, logo, layout.logo_box, None if brand.logo_on_dark_png else plate)
        self.draw_vendor(image, layout, with_word)
        self.draw_headline(image, headline, layout.text_box)
        return image

    def draw_vendor(self, image: Image.Image, layout: Layout, with_word: str) -> None:
        left, top, right, bottom = layout.logo_box
        width = image.width
        height = int((bottom - top) * 0.62)
        box = (width - (right - left) * 2 // 3 - left, top, width - left, top + height)
        placed = _paste_logo(image, self.vendor_logo, box, (255, 255, 255), align="right")
        size = max(22, height // 2)  # read at feed size: a third of the logo was 12-14 px
        mask = _line_mask(self.font_path, size, with_word)
        x = placed[0] - mask.width - size // 2
        y = top + (placed[3] - top - mask.height) // 2
        image.paste((0, 0, 0), (x + 1, y + 1), mask)
        image.paste((255, 255, 255), (x, y), mask)

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
    # on ASCII white space only (as str.split() did, runs of it as one): a no-break space
    # keeps "30 minutes" together
    for word in re.split(r"[ \t\r\n]+", text.strip()):
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
        size -= 2  # fine steps: a long headline shrinks only as far as it must
    return MIN_FONT, tuple(wrap(_font(font_path, MIN_FONT), text, width))


def post_text(body: str, hashtags: list[str], url: str, platform: str, website: str = "") -> str:
    """Body, hashtags and link, the body shortened (never the link) to fit the network:
    X by its weighted length (CJK counts twice, a link 23), Instagram without the link
    (captions are not clickable) and with the partner's website in words instead."""
    tags = " ".join("#" + tag for tag in hashtags)
    if platform == "instagram":
        tail = "\n".join(part for part in (website, tags) if part)
    else:
        tail = "\n".join(part for part in (tags, url) if part)
    limit = PLATFORM_TEXT_LIMITS[platform]
    while post_length(f"{body}\n\n{tail}", platform) > limit and body:
        body = body[: max(0, len(body) - 8)].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
        if len(body) <= 1:
            body = ""
    return f"{body}\n\n{tail}" if body else tail


def post_length(text: str, platform: str) -> int:
    """A post's length as its network counts it (X: weighted, a link 23)."""
    if platform != "x":
        return len(text)
    from twitter_text import parse_tweet  # X's own counting rules (twitter-text v3)

    return int(parse_tweet(text).weightedLength)


def _network_link(link: Callable[[str], str], name: str, platform: str) -> str:
    """The post's link tracked for this network; the shared one where the caller has no
    per-network links (kit validation's sample links)."""
    try:
        return link(f"{name}:{platform}")
    except KeyError:
        return link(name)


def _in_words(website: str) -> str:
    """https://www.example.com/ -> example.com: what a reader types, not a dead link."""
    host = website.split("://", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.")


def _optional(copy: dict, key: str, default: str) -> object:
    try:
        return lookup(copy, key)
    except KeyError:
        return default


def _size(platform: str) -> tuple[int, int]:
    return PORTRAIT_SIZE if platform == PORTRAIT else PLATFORM_SIZES[platform]


def _open_logo(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    with Image.open(io.BytesIO(data)) as source:
        return source.convert("RGBA")


def _paste_logo(
    image: Image.Image,
    logo: Image.Image,
    box: tuple[int, int, int, int],
    plate_colour: tuple[int, int, int] | None,
    align: str = "left",
) -> tuple[int, int, int, int]:
    """Logo on a rounded plate (white, or dark for a light logo) in a corner of the safe
    area, at most LOGO_UPSCALE times its own size; returns the plate's box."""
    left, top, right, bottom = box
    pad = max(8, (bottom - top) // 8)
    room = (right - left - 2 * pad, bottom - top - 2 * pad)
    scale = min(room[0] / logo.width, room[1] / logo.height, LOGO_UPSCALE)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    fitted = logo.resize(size, Image.Resampling.LANCZOS)
    x = left if align == "left" else right - fitted.width - 2 * pad
    plate = (x, top, x + fitted.width + 2 * pad, top + fitted.height + 2 * pad)
    if plate_colour is not None:
        ImageDraw.Draw(image).rounded_rectangle(plate, radius=pad, fill=plate_colour)
    image.paste(fitted, (x + pad, top + pad), fitted)
    return plate
