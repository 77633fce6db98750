"""Social posts: one image per platform size and the post text within the platform's limit.

Backgrounds are decoded, fitted and shaded once per kit and size. Images are JPEG: every
platform accepts it, and a 1200x627 image encodes in about 2 ms against 20-30 ms for PNG
at compression level 1 (measured here), which was most of the kit's render time.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from campaign_engine.domain.brand import (
    LIGHT_TEXT,
    PLATE_COLOURS,
    accent_on_white,
    brand_fill,
    rgb,
)
from campaign_engine.domain.kit import (
    PLATFORM_SIZES,
    PLATFORM_TEXT_LIMITS,
    KitContent,
    SocialPost,
    post_text_key,
)
from campaign_engine.domain.logo_fit import LogoRoom, fit_logo
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import localise, lookup
from campaign_engine.typeset.glyphs import ascent, draw_text, paste_text, text_width
from campaign_engine.typeset.logo_size import band_extrema
from campaign_engine.typeset.posts import post_length
from campaign_engine.typeset.textbreak import bidi_levels, isolate_names
from campaign_engine.typeset.textbreak import wrap as break_lines

MIN_FONT = 22
LINE_HEIGHT = 1.2
SHADOW = (0, 0, 0)
WHITE = (255, 255, 255)
# The partner's logo covers this share of the image, in its own shape (logo_fit), and its
# short side is at least MIN_SHOWN px where the network shows the image (SHOWN_WIDTH):
# 53 px of LinkedIn's 1200, 76 of X's 1600, 56 of Instagram's 1080. A 10:1 wordmark was
# a strip 38 px tall here, a 1:4 mark a stick 18 px wide.
LOGO_WEIGHT = 0.028
MIN_SHOWN = 24
SHOWN_WIDTH = {"linkedin": 552, "x": 506, "instagram": 470, "instagram_portrait": 470}
NAME_LINES = 3
LOGO_MAX_WIDTH = 0.64  # of the image: the vendor's block keeps the rest of the top row
LOGO_MAX_HEIGHT = 0.3  # of the image's width, and at most
LOGO_MAX_SHARE_OF_HEIGHT = 0.4  # of its height: the headline keeps the rest
# The vendor's logo is the guest: at most this share of the partner's block, never taller
# than the partner's logo; it showed larger than a small partner logo beside it.
VENDOR_SHARE = 0.45
VENDOR_MIN_SHORT = 0.028


@dataclass(frozen=True)
class Layout:
    """Where things go on one platform's canvas; the logo box is the safe area."""

    size: tuple[int, int]
    logo_box: tuple[int, int, int, int]
    text_box: tuple[int, int, int, int]
    band: tuple[int, int, int, int]
    shown_width: int  # how wide the network shows the image in its feed

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
            shown_width=SHOWN_WIDTH.get(platform, 550),
        )

    @property
    def margin(self) -> int:
        return self.logo_box[0]

    def partner_room(self) -> LogoRoom:
        """What the partner's logo may take: its weight, the top row left of the vendor
        and above the headline."""
        width, height = self.size
        return LogoRoom(
            max_width=width * LOGO_MAX_WIDTH,
            max_height=min(height * LOGO_MAX_SHARE_OF_HEIGHT, width * LOGO_MAX_HEIGHT),
            weight=width * height * LOGO_WEIGHT,
            min_short=math.ceil(MIN_SHOWN * width / self.shown_width),
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
        self.vendor_sizes: dict[tuple[int, int], Image.Image] = {}
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
        copy: Mapping[str, Any],
        link: Callable[[str], str],
        logo: Image.Image | None,
    ) -> RenderedAsset:
        headline = str(lookup(copy, post.headline))
        body = str(lookup(copy, post.text))
        with_word = str(_optional(copy, "email.with", "with"))
        more_at = str(_optional(copy, "social.more_at", "{website}"))
        lang = self.kit.language_for(brand.language)
        files, shortened = [], []
        for platform in post.platforms:
            # named for the partner's download
            shapes: list[tuple[str, str]] = [(platform, f"{post.id}-{platform}.jpg")]
            if platform == "instagram":
                shapes.append((PORTRAIT, f"{post.id}-instagram-4x5.jpg"))
            for shape, name in shapes:
                image = self.compose(post, shape, headline, brand, logo, with_word, lang)
                buffer = io.BytesIO()
                image.save(buffer, format="JPEG", quality=90)
                files.append(RenderedFile(name, "image/jpeg", buffer.getvalue(), platform))
            own = brand.customisations.get(post_text_key(post.id, platform))
            url = _network_link(link, post.link, platform)
            # no website, no "More at ": the phrase went out with nothing after it
            host = _in_words(brand.website)
            website = more_at.replace("{website}", host) if host else ""
            # a right-to-left name isolated, so the sentence around it keeps its order
            words = isolate_names(str(own or body), (brand.name, brand.display_name), lang)
            text = post_text(words, post.hashtags, url, platform, website)
            if not text.startswith(words):
                shortened.append(platform)
            files.append(
                RenderedFile(f"{post.id}-{platform}.txt", "text/plain", text.encode(), platform)
            )
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
        lang: str = "en",
    ) -> Image.Image:
        """The partner's logo top left (primary, sized by its visual weight), "with" and
        the vendor's logo top right (secondary, never the heavier), the headline below
        them above a band in the partner's colour."""
        layout = Layout.for_platform(platform)
        image = self.background(post.background, platform).copy()
        draw = ImageDraw.Draw(image)
        draw.rectangle(
            layout.band, fill=rgb(brand_fill(brand.primary_color, brand.secondary_color))
        )
        partner = self.draw_partner(image, layout, brand, logo, lang)
        self.draw_vendor(image, layout, with_word, partner)
        left, top, right, bottom = layout.text_box
        top = max(top, partner[3] + layout.margin // 2)  # a tall logo pushes the text down
        self.draw_headline(image, headline, (left, top, right, bottom), lang)
        return image

    def draw_partner(
        self,
        image: Image.Image,
        layout: Layout,
        brand: BrandContext,
        logo: Image.Image | None,
        lang: str = "en",
    ) -> tuple[int, int, int, int]:
        """The partner's logo at the size its shape deserves (on a plate when it has
        transparency and no version for dark grounds), or its name when no size fits;
        returns the block's box."""
        left = top = layout.margin
        room = layout.partner_room()
        shown = logo_size(logo, room) if logo is not None and brand.logo_kind != "name" else None
        if logo is None or shown is None or brand.logo_kind == "name":
            mark = logo if logo is not None and too_small(logo, room) else None
            return self.draw_name(image, brand, layout, lang, mark)
        fitted = logo.resize(shown, Image.Resampling.LANCZOS)
        if brand.logo_on_dark_png or _opaque(logo):  # its own ground is part of it
            image.paste(fitted, (left, top), fitted)
            return (left, top, left + fitted.width, top + fitted.height)
        pad = max(8, round(min(shown) * 0.16))
        plate = rgb(PLATE_COLOURS.get(brand.logo_on_plate or "white", LIGHT_TEXT))
        box = (left, top, left + fitted.width + 2 * pad, top + fitted.height + 2 * pad)
        ImageDraw.Draw(image).rounded_rectangle(box, radius=pad, fill=plate)
        image.paste(fitted, (left + pad, top + pad), fitted)
        return box

    def draw_name(
        self,
        image: Image.Image,
        brand: BrandContext,
        layout: Layout,
        lang: str = "en",
        mark: Image.Image | None = None,
    ) -> tuple[int, int, int, int]:
        """The partner's name as its lockup: on a white plate in its colour (darkened
        until it reads there), after its mark (at most doubled) when its logo is too small
        to show alone; set as live text large enough to read, in as many lines as the name
        needs. What shows when there is no logo or it has no size that reads (a 20:1
        strip, a favicon). The stored lockup image, fitted like a logo, set a 90-letter
        name in three lines of 18 px."""
        room = layout.partner_room()
        pad = round(room.min_short * 0.25)
        left = top = layout.margin
        colour = (*rgb(accent_on_white(brand.primary_color)), 255)
        name = brand.display_name
        size = round(room.min_short * 0.8)
        inner = int(room.max_width) - 2 * pad
        if mark is not None:
            mark = _at_most_doubled(mark, size)
            inner -= mark.width + pad

        def width(text: str) -> float:  # at the size being tried
            return text_width(text, size, self.font_path, lang)

        while True:
            lines = break_lines(name, inner, width, lang)
            if len(lines) <= NAME_LINES or size <= MIN_FONT:
                break  # never a name cut short: a longer one takes more lines
            size -= 2
        rtl = bidi_levels(name)[1]
        step = int(size * LINE_HEIGHT)
        drawn = [draw_text(line, size, self.font_path, colour, lang, rtl) for line in lines]
        widest = max(round(d.width) for d in drawn)
        text_left = left + pad + (mark.width + pad if mark is not None else 0)
        bottom = top + 2 * pad + max(len(lines) * step, mark.height if mark else 0)
        box = (left, top, text_left + widest + pad, bottom)
        ImageDraw.Draw(image).rounded_rectangle(box, radius=pad, fill=WHITE)
        if mark is not None:
            image.paste(mark, (left + pad, top + pad + (step - mark.height) // 2), mark)
        baseline = top + pad + ascent(self.font_path, size) + (step - size) // 2
        for line in drawn:
            x = text_left + (widest - round(line.width) if rtl else 0)  # RTL: flush right
            paste_text(image, line, (x, baseline))
            baseline += step
        return box

    def draw_vendor(
        self,
        image: Image.Image,
        layout: Layout,
        with_word: str,
        partner: tuple[int, int, int, int] | None = None,
    ) -> tuple[int, int, int, int]:
        """ "with" and the vendor's logo on a white plate in the top right corner, the
        block lighter than the partner's and no taller than it; returns the plate."""
        width = image.width
        margin = layout.margin
        partner = partner or layout.logo_box
        partner_w, partner_h = partner[2] - partner[0], partner[3] - partner[1]
        size = max(MIN_FONT, round(partner_h * 0.3))
        size = min(size, 34)
        word = text_width(with_word, size, self.font_path)
        free = width - margin - partner[2] - margin - word - size
        pad = max(6, round(size * 0.3))
        room = LogoRoom(
            max_width=max(free - 2 * pad, width * 0.12),
            max_height=max(partner_h * 0.7, width * VENDOR_MIN_SHORT),  # under its logo
            weight=partner_w * partner_h * VENDOR_SHARE,
            min_short=round(width * VENDOR_MIN_SHORT),
        )
        logo = self.vendor_logo
        shown = fit_logo(logo.width, logo.height, room) or fit_logo(
            logo.width, logo.height, LogoRoom(room.max_width, room.max_height, room.weight, 1)
        )
        assert shown is not None  # a room of any size fits a logo with no least side
        fitted = self.vendor_at((round(shown[0]), round(shown[1])))
        right, top = width - margin, margin
        plate = (right - fitted.width - 2 * pad, top, right, top + fitted.height + 2 * pad)
        ImageDraw.Draw(image).rounded_rectangle(plate, radius=pad, fill=WHITE)
        image.paste(fitted, (plate[0] + pad, top + pad), fitted)
        drawn = draw_text(with_word, size, self.font_path, WHITE)
        baseline = top + (plate[3] - top) // 2 + round(size * 0.35)
        paste_text(image, drawn, (plate[0] - round(word) - size // 2, baseline), SHADOW, 1)
        return plate

    def vendor_at(self, size: tuple[int, int]) -> Image.Image:
        """The vendor's logo resampled once per size: the same for most partners."""
        if size not in self.vendor_sizes:
            if len(self.vendor_sizes) > 64:  # sizes follow the partners' logos: bounded
                self.vendor_sizes.clear()
            self.vendor_sizes[size] = self.vendor_logo.resize(size, Image.Resampling.LANCZOS)
        return self.vendor_sizes[size]

    def draw_headline(
        self, image: Image.Image, text: str, box: tuple[int, int, int, int], lang: str = "en"
    ) -> None:
        left, top, right, bottom = box
        size, lines = fit_text(self.font_path, text, right - left, bottom - top, lang)
        rtl = bidi_levels(text)[1]
        step = int(size * LINE_HEIGHT)
        # anchored above the band; the first baseline one ascent below the block's top
        baseline = bottom - len(lines) * step + ascent(self.font_path, size)
        for line in lines:
            drawn = draw_text(line, size, self.font_path, WHITE, lang, rtl)
            x = right - round(drawn.width) if rtl else left  # right to left: flush right
            paste_text(image, drawn, (x, baseline), SHADOW)
            baseline += step

    def headline_overflows(self, text: str, platform: str) -> bool:
        """True when the headline does not fit its box even at the smallest size."""
        left, top, right, bottom = Layout.for_platform(platform).text_box
        size, lines = fit_text(self.font_path, text, right - left, bottom - top)
        too_tall = len(lines) * size * LINE_HEIGHT > bottom - top
        widest = max(text_width(line, size, self.font_path) for line in lines)
        return too_tall or widest > right - left


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def wrap(font: ImageFont.FreeTypeFont, text: str, width: int, lang: str = "en") -> list[str]:
    """Lines of `text` no wider than `width` in `font`: broken where Unicode allows (a
    no-break space holds), long words hyphenated (campaign_engine.typeset.textbreak)."""
    return break_lines(text, width, font.getlength, lang)


@lru_cache(maxsize=256)
def fit_text(
    font_path: str, text: str, width: int, height: int, lang: str = "en", most: int = 96
) -> tuple[int, tuple[str, ...]]:
    """The largest font size (down to MIN_FONT px) at which the wrapped text fits the box,
    each run measured in the font that draws it. Cached: every partner of one locale fits
    the same headline into the same box."""

    def lines_at(size: int) -> list[str]:
        return break_lines(text, width, lambda s: text_width(s, size, font_path, lang), lang)

    size = max(MIN_FONT, min(height // 2, most))
    while size > MIN_FONT:
        lines = lines_at(size)
        widest = max(text_width(line, size, font_path, lang) for line in lines)
        if widest <= width and len(lines) * size * LINE_HEIGHT <= height:
            return size, tuple(lines)
        size -= 2  # fine steps: a long headline shrinks only as far as it must
    return MIN_FONT, tuple(lines_at(MIN_FONT))


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


def _optional(copy: Mapping[str, Any], key: str, default: str) -> object:
    try:
        return lookup(copy, key)
    except KeyError:
        return default


def _size(platform: str) -> tuple[int, int]:
    return PORTRAIT_SIZE if platform == PORTRAIT else PLATFORM_SIZES[platform]


def logo_size(logo: Image.Image, room: LogoRoom) -> tuple[int, int] | None:
    """The logo's size in `room` by its visual weight (domain.logo_fit), at most
    LOGO_UPSCALE times its own pixels; None when that is below the room's least short
    side too (a favicon blown up is a blur, not a brand): the name shows instead."""
    shown = fit_logo(logo.width, logo.height, room)
    if shown is None:
        return None
    most = LOGO_UPSCALE * logo.width / shown[0]
    if most < 1:
        if min(shown) * most < room.min_short:
            return None
        shown = (shown[0] * most, shown[1] * most)
    return max(1, round(shown[0])), max(1, round(shown[1]))


def too_small(logo: Image.Image, room: LogoRoom) -> bool:
    """A logo whose short side stays under the room's least even at LOGO_UPSCALE: a mark
    to show beside the name, not instead of a logo of awkward shape."""
    return min(logo.size) * LOGO_UPSCALE < room.min_short


def _at_most_doubled(mark: Image.Image, height: int) -> Image.Image:
    """A small mark beside the name: at most LOGO_UPSCALE times its pixels and `height`."""
    scale = min(LOGO_UPSCALE, height / mark.height)
    size = (max(1, round(mark.width * scale)), max(1, round(mark.height * scale)))
    return mark.resize(size, Image.Resampling.LANCZOS)


def _open_logo(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    with Image.open(io.BytesIO(data)) as source:
        return source.convert("RGBA")


def _opaque(logo: Image.Image) -> bool:
    """A logo with no transparency brings its own ground (a white or coloured box): a
    plate behind it only framed it in black or white (preflight uses the same rule)."""
    return band_extrema(logo.getchannel("A"))[0] >= 250
