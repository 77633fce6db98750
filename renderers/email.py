"""Email: responsive HTML with every CSS rule inlined, plus a text part from the same copy.

Rendered once per partner. Per-recipient parts (greeting, unsubscribe link) are left as
markers and filled by `personalise`, which costs a few string replaces per recipient.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import css_inline
from PIL import Image, ImageDraw

from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.logo_fit import LogoRoom
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import PLATES, localise, logo_plate, lookup, template_context
from campaign_engine.typeset.logo_size import pixel_size, visible
from campaign_engine.typeset.sandbox import make_environment
from campaign_engine.typeset.slots import (
    GREETING,
    OPEN_PIXEL,
    PARTNER_LOGO_CID,
    PARTNER_LOGO_ROOM,
    UNSUBSCRIBE,
    VENDOR_LOGO_CID,
    shown_size,
)
from campaign_engine.typeset.textbreak import isolate_names

VENDOR_LOGO_BOX = (140, 28)

_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


class EmailRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.env = make_environment(kit.root)

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.email
        assert spec is not None
        ctx = template_context(
            self.kit,
            brand,
            link,
            logo_src=f"cid:{PARTNER_LOGO_CID}",
            vendor_logo_src=f"cid:{VENDOR_LOGO_CID}",
        )
        # Subjects name the partner by its short name: inboxes cut them at 40-60 characters.
        short_copy = localise(self.kit.copy_for(brand.language), brand.display_name)
        subject = str(lookup(short_copy, spec.subject))
        # a subject is plain text: an Arabic or Hebrew name in an English one is isolated
        # (FSI ... PDI) so the words after it keep their place, as captions do
        subject = isolate_names(subject, (brand.name, brand.display_name), ctx["lang"])
        preheader = str(lookup(ctx["copy"], spec.preheader))
        ctx.update(
            subject=subject,
            preheader=preheader,
            greeting=GREETING,
            unsubscribe_url=UNSUBSCRIBE,
        )
        vendor_logo = (self.kit.root / self.kit.spec.vendor.logo).read_bytes()
        partner, vendor = lockup_logos(ctx, brand, vendor_logo)
        logos = [RenderedFile(VENDOR_LOGO_CID, "image/png", vendor.png)]
        if partner is not None:
            logos.append(RenderedFile(PARTNER_LOGO_CID, "image/png", partner.png))
        body_html = self.html(spec.html, ctx)
        pixel = f'<img src="{OPEN_PIXEL}" width="1" height="1" alt="" style="display:block">'
        body_html = body_html.replace("</body>", pixel + "</body>", 1)
        body_text = self.env.get_template(spec.text).render(ctx)
        return RenderedAsset(
            channel="email",
            asset="email",
            files=(
                RenderedFile("email.html", "text/html", body_html.encode()),
                RenderedFile("email.txt", "text/plain", body_text.encode()),
                *logos,
            ),
            meta={
                "subject": subject,
                "preheader": preheader,
                "greeting": str(lookup(ctx["copy"], "email.greeting")),
                "greeting_anonymous": str(lookup(ctx["copy"], "email.greeting_anonymous")),
            },
        )

    def html(self, template: str, ctx: dict[str, object]) -> str:
        """An .mjml template becomes HTML through MRML (the Rust MJML): stacking columns,
        table buttons and Outlook conditionals come from MJML, which keeps its media
        queries in <style> and inlines the rest itself. A plain .html template has every
        CSS rule inlined, as before."""
        source = self.env.get_template(template).render(ctx)
        if not template.endswith(".mjml"):
            return _INLINER.inline(source)
        import mjml  # a Rust extension: loaded where an email is rendered, not in the CLI

        try:
            return mjml.mjml2html(_referenced(_XML_ILLEGAL.sub("", source)), disable_comments=True)
        except Exception as exc:  # MRML raises one bare exception type for every error
            raise ValueError(f"{template}: not valid MJML ({_located(str(exc), source)})") from None


# What XML 1.0 forbids, and MRML refuses the whole email for ("unable to parse next
# template"): profiles refuse these characters, but a row stored before they did, or a
# kit's own text, must not leave a partner without an email.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_VALUE = re.compile(r'="([^"]*)"')
_TITLE = re.compile(r"(<mj-title>)(.*?)(</mj-title>)", re.DOTALL)


def _referenced(source: str) -> str:
    """Attribute values, and the title MRML copies into one (the body's aria-label), with
    every non-ASCII character and backslash as a numeric character reference, which MRML
    passes through as it is: it writes attribute values as Rust debug strings, so a Thai
    name's vowel marks reached recipients as "บร\\u{e34}ษ\\u{e31}ท" in a logo's alt text
    and an isolate as "\\u{2068}" (a review by eye). A browser reads both the same."""

    def value(match: re.Match[str]) -> str:
        return f'="{_numeric(match.group(1))}"'

    source = _TITLE.sub(lambda m: m.group(1) + _numeric(m.group(2)) + m.group(3), source)
    return _TAG.sub(lambda tag: _VALUE.sub(value, tag.group(0)), source)


def _numeric(text: str) -> str:
    return "".join(c if c.isascii() and c != "\\" else f"&#{ord(c)};" for c in text)


def _located(problem: str, source: str) -> str:
    """MRML names a byte offset; a kit author wants the line of the rendered MJML."""
    found = re.search(r"position (\d+)", problem)
    if found is None:
        return problem
    line = source.count("\n", 0, int(found.group(1))) + 1
    return f"{problem.split(' at position')[0]} at rendered MJML line {line}"


@dataclass(frozen=True)
class EmailLogo:
    png: bytes
    width: int  # CSS pixels the template shows it at (the PNG has twice as many, or its own)
    height: int


def lockup_logos(
    ctx: dict[str, Any], brand: BrandContext, vendor_png: bytes, room: LogoRoom = PARTNER_LOGO_ROOM
) -> tuple[EmailLogo | None, EmailLogo]:
    """Both logos of the lockup at screen size, their CSS sizes written into the template
    context (`partner.logo_width`, `vendor.logo_height`, ...): the email and the web embed.
    A partner logo no size in `room` shows readably (a 20:1 strip) is not shown: the
    template sets the partner's name instead (`partner.logo_src` empty, `logo_shows_name`
    true, as for any lockup that spells the name)."""
    partner = None
    if brand.logo_png:
        logo = visible(brand.logo_png)
        size = shown_size(logo, room)
        if size is not None:
            partner = email_logo(logo, size, logo_plate(brand))
    vendor_png = visible(vendor_png)
    vendor = email_logo(vendor_png, boxed(vendor_png, VENDOR_LOGO_BOX), None)
    if partner is not None:
        ctx["partner"].update(logo_width=partner.width, logo_height=partner.height)
    else:
        ctx["partner"].update(logo_src="", logo_shows_name=True, logo_width=0, logo_height=0)
    ctx["vendor"].update(logo_width=vendor.width, logo_height=vendor.height)
    return partner, vendor


def boxed(png: bytes, box: tuple[int, int]) -> tuple[int, int]:
    """The CSS size of a logo fitted into a fixed box, never larger than its pixels."""
    width, height = pixel_size(png)
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


@lru_cache(maxsize=128)
def email_logo(png: bytes, size: tuple[int, int], plate: str | None) -> EmailLogo:
    """The logo at twice the CSS `size` it is shown at (or its own pixels, when it has
    fewer), on its plate when it needs one: the plate is drawn into the image, sized from
    the logo, so every client (Outlook included) shows the logo on it, never beside it.
    Reduced to a 256-colour palette it weighs about a fifth, which every recipient
    downloads once per message."""
    image: Image.Image = Image.open(io.BytesIO(png))
    image.load()
    image = image.convert("RGBA")
    width, height = size
    if image.width > width * 2 or image.height > height * 2:
        image = image.resize((width * 2, height * 2), Image.Resampling.LANCZOS)
    if plate is not None:
        pad = max(4, round(min(width, height) * 0.2))  # in CSS px
        ratio = image.width / width
        plated = Image.new(
            "RGBA",
            (image.width + round(2 * pad * ratio), image.height + round(2 * pad * ratio)),
            (0, 0, 0, 0),
        )
        ImageDraw.Draw(plated).rounded_rectangle(
            (0, 0, plated.width - 1, plated.height - 1), round(4 * ratio), fill=PLATES[plate]
        )
        plated.alpha_composite(image, (round(pad * ratio), round(pad * ratio)))
        image, width, height = plated, width + 2 * pad, height + 2 * pad
    small = (
        image
        if soft_shadow(image)
        else _clear_ground(
            image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        )
    )
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return EmailLogo(out.getvalue(), width, height)


def soft_shadow(image: Image.Image) -> bool:
    """A drop shadow or glow: many pixels of many partial alphas. A 256-colour palette
    bands it into visible grey steps (a review by eye), so such a logo keeps its full
    colours, at about five times the bytes."""
    histogram = image.getchannel("A").histogram()
    partial = histogram[SOFT_ALPHA[0] : SOFT_ALPHA[1]]
    levels = sum(1 for count in partial if count)
    return levels >= SOFT_LEVELS and sum(partial) >= SOFT_SHARE * image.width * image.height


SOFT_ALPHA = (16, 240)  # alphas of a shadow's or a glow's pixels, not of edge smoothing
SOFT_LEVELS = 48  # distinct such alphas: a gradient, not a few anti-aliased edges
SOFT_SHARE = 0.04  # of the image's pixels


def _clear_ground(small: Image.Image) -> Image.Image:
    """The palette's nearly transparent colours made transparent: quantising a soft drop
    shadow put the empty ground in one colour with a shadow's alpha of 2-3, and the whole
    logo rectangle showed as a faint box on the white header (a review by eye; the import
    clears alpha <= 8 for the same reason)."""
    palette = small.getpalette(rawmode="RGBA")
    if not palette:
        return small
    for index in range(3, len(palette), 4):
        if palette[index] <= FAINT_ALPHA:
            palette[index] = 0
    small.putpalette(palette, rawmode="RGBA")
    return small


FAINT_ALPHA = 8
