"""Social posts: one image per platform size and the post text within the platform's limit.

Backgrounds are decoded, fitted and shaded once per kit and size. Images are JPEG: every
platform accepts it, and a 1200x627 image encodes in about 2 ms against 20-30 ms for PNG
at compression level 1 (measured here), which was most of the kit's render time.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from campaign_engine.domain.brand import (
    LIGHT_TEXT,
    PLATE_COLOURS,
    accent_on_white,
    badge_colour,
    brand_fill,
    delta_e,
    readable_text_on,
    rgb,
)
from campaign_engine.domain.kit import KitContent, SocialPost, post_text_key
from campaign_engine.domain.logo_fit import LogoRoom, fit_logo
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import localise, lookup
from campaign_engine.typeset.glyphs import ascent, draw_text, paste_text, text_width
from campaign_engine.typeset.logo_size import ground_colour
from campaign_engine.typeset.partner_text import text_lang
from campaign_engine.typeset.textbreak import bidi_levels, isolate_names
from campaign_engine.typeset.textbreak import wrap as break_lines
from renderers.logos import at_most_doubled, logo_size, opaque, open_logo, small_mark
from renderers.social_layout import PORTRAIT, Layout, platform_size
from renderers.social_text import in_words, network_link, post_text
from renderers.text_fit import LINE_HEIGHT, MIN_FONT, fit_text

SHADOW = (0, 0, 0)
WHITE = (255, 255, 255)
NAME_LINES = 3
# The vendor's logo is the guest: at most this share of the partner's block, never taller
# than the partner's logo; it showed larger than a small partner logo beside it.
VENDOR_SHARE = 0.45
# Its short side at least 4% of the image's width (19 px as Instagram shows it): sized by
# a wide wordmark's height beside it, "with Northwind" was 14 px (a review by eye).
VENDOR_MIN_SHORT = 0.04
BLENDS = 25.0  # deltaE (CIE76): a band this close to the photo above it gets an edge
# (at 12 a purple band on the purple webinar photo and a green one on the green proof
# photo went unmarked: a review by eye)


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
        logo = open_logo(brand.logo_on_dark_png or brand.logo_png)
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
            url = network_link(link, post.link, platform)
            # no website, no "More at ": the phrase went out with nothing after it
            host = in_words(brand.website)
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
            size = platform_size(platform)
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
        band = brand_fill(brand.primary_color, brand.secondary_color)
        draw.rectangle(layout.band, fill=rgb(band))
        _edge_where_it_blends(image, layout.band, band)
        partner = self.draw_partner(image, layout, brand, logo, lang)
        vendor = self.draw_vendor(image, layout, with_word, partner)
        left, top, right, bottom = layout.text_box
        # a tall logo, or the vendor's block below a wide one, pushes the text down
        top = max(top, partner[3] + layout.margin // 2, vendor[3] + layout.margin // 2)
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
            return self.draw_name(image, brand, layout, lang, small_mark(logo, room))
        fitted = logo.resize(shown, Image.Resampling.LANCZOS)
        pad = max(8, round(min(shown) * 0.16))
        if opaque(logo) and not brand.logo_on_dark_png:
            # its own ground is part of it, given room around the artwork: trimmed to the
            # ink, a white-ground logo was a tile with letters at its edge (a review by eye)
            ground = _tile_colour(logo, brand.logo_png)
            box = (left, top, left + fitted.width + 2 * pad, top + fitted.height + 2 * pad)
            ImageDraw.Draw(image).rounded_rectangle(box, radius=pad // 2, fill=ground)
            image.paste(fitted, (left + pad, top + pad), fitted)
            return box
        if brand.logo_on_dark_png:  # drawn for dark grounds: no plate
            image.paste(fitted, (left, top), fitted)
            return (left, top, left + fitted.width, top + fitted.height)
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
        # a brand too light to read on white: its own colour as the plate, readable text
        # on it (darkened, #ffe600 was olive: a review by eye)
        primary = brand.primary_color
        badge = badge_colour(primary)
        ink = readable_text_on(primary) if badge else accent_on_white(primary)
        colour = (*rgb(ink), 255)
        plate_fill = rgb(primary) if badge else WHITE
        name = brand.display_name
        # broken and shaped by the name's own language (a Thai name by Thai words, not by
        # the kit's English rules, which cut it inside words: a review by eye)
        lang = text_lang(name, brand.language, lang)
        size = round(room.min_short * 0.8)
        inner = int(room.max_width) - 2 * pad
        if mark is not None:
            mark = at_most_doubled(mark, size)
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
        ImageDraw.Draw(image).rounded_rectangle(box, radius=pad, fill=plate_fill)
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
        least = width * VENDOR_MIN_SHORT
        top = margin
        if free - 2 * pad < least * self.vendor_logo.width / self.vendor_logo.height:
            # a wide wordmark leaves the top row too little: the vendor's block goes below
            # it at the right, at its least size, and the headline below both
            free, top = width * 0.4, partner[3] + margin // 3
            partner_w, partner_h = round(least * 2), round(least / 0.7)
        room = LogoRoom(
            max_width=max(free - 2 * pad, width * 0.12),
            max_height=max(partner_h * 0.7, width * VENDOR_MIN_SHORT),  # under its logo's
            weight=partner_w * partner_h * VENDOR_SHARE,
            min_short=round(width * VENDOR_MIN_SHORT),
        )
        logo = self.vendor_logo
        shown = fit_logo(logo.width, logo.height, room) or fit_logo(
            logo.width, logo.height, LogoRoom(room.max_width, room.max_height, room.weight, 1)
        )
        assert shown is not None  # a room of any size fits a logo with no least side
        fitted = self.vendor_at((round(shown[0]), round(shown[1])))
        right = width - margin
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


def _optional(copy: Mapping[str, Any], key: str, default: str) -> object:
    try:
        return lookup(copy, key)
    except KeyError:
        return default


def _edge_where_it_blends(image: Image.Image, band: tuple[int, int, int, int], fill: str) -> None:
    """A rule along the band's top in the colour that reads on it, when the band is the
    colour of the photo just above it: a navy partner's band vanished into the vendor's
    navy photo (a review by eye), as a white one into a white page."""
    left, top, right, bottom = band
    above = image.crop((left, max(0, top - (bottom - top)), right, top)).resize((1, 1))
    red, green, blue = above.convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    if delta_e(f"#{red:02x}{green:02x}{blue:02x}", fill) < BLENDS:
        rule = max(3, (bottom - top) // 8)
        ImageDraw.Draw(image).rectangle(
            (left, top, right, top + rule - 1), fill=rgb(readable_text_on(fill))
        )


def _tile_colour(logo: Image.Image, png: bytes | None) -> tuple[int, int, int]:
    """The colour of the tile an opaque logo sits on: its corners' when they agree (a
    red mark reaching the edges of a white JPEG gave a median edge of pink, and a pink
    frame around a white square: a review by eye), else its edges' median."""
    rgb_logo = logo.convert("RGB")
    w, h = rgb_logo.size
    corners = [rgb_logo.getpixel(p) for p in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
    first = corners[0]
    assert isinstance(first, tuple)  # RGB: a tuple a pixel
    if all(
        isinstance(c, tuple) and max(abs(a - b) for a, b in zip(c, first, strict=True)) <= 12
        for c in corners
    ):
        return (first[0], first[1], first[2])
    return rgb(ground_colour(png)) if png else WHITE
