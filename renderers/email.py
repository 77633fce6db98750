"""Email: responsive HTML with every CSS rule inlined, plus a text part from the same copy.

Rendered once per partner. Per-recipient parts (greeting, unsubscribe link) are left as
markers and filled by `personalise`, which costs a few string replaces per recipient.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from functools import lru_cache

import css_inline
from PIL import Image

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, Recipient, RenderedAsset, RenderedFile
from renderers.context import lookup, template_context
from renderers.sandbox import make_environment

GREETING = "[[ce:greeting]]"
UNSUBSCRIBE = "[[ce:unsubscribe_url]]"
OPEN_PIXEL = "[[ce:open_pixel]]"
PARTNER_LOGO_CID = "partner-logo"
VENDOR_LOGO_CID = "vendor-logo"
# Twice the largest size an email template shows a logo at, for high-density screens.
PARTNER_LOGO_BOX = (480, 120)
VENDOR_LOGO_BOX = (320, 64)

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
        subject = str(lookup(ctx["copy"], spec.subject))
        preheader = str(lookup(ctx["copy"], spec.preheader))
        ctx.update(
            subject=subject,
            preheader=preheader,
            greeting=GREETING,
            unsubscribe_url=UNSUBSCRIBE,
        )
        body_html = _INLINER.inline(self.env.get_template(spec.html).render(ctx))
        pixel = f'<img src="{OPEN_PIXEL}" width="1" height="1" alt="" style="display:block">'
        body_html = body_html.replace("</body>", pixel + "</body>", 1)
        body_text = self.env.get_template(spec.text).render(ctx)
        vendor_logo = (self.kit.root / self.kit.spec.vendor.logo).read_bytes()
        logos = [
            RenderedFile(VENDOR_LOGO_CID, "image/png", email_logo(vendor_logo, VENDOR_LOGO_BOX))
        ]
        if brand.logo_png:
            logo = email_logo(brand.logo_png, PARTNER_LOGO_BOX)
            logos.append(RenderedFile(PARTNER_LOGO_CID, "image/png", logo))
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


@lru_cache(maxsize=128)
def email_logo(png: bytes, box: tuple[int, int]) -> bytes:
    """Logos are stored up to 600 px wide for print; an email shows them at a third of that.
    Scaled to the box and reduced to a 256-colour palette they weigh about a fifth, which
    every recipient downloads and every SMTP hop carries once per message."""
    image = Image.open(io.BytesIO(png))
    image.load()
    image.thumbnail(box, Image.Resampling.LANCZOS)
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    small = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return min(out.getvalue(), png, key=len)


def personalise(
    asset: RenderedAsset, recipient: Recipient, unsubscribe_url: str, open_url: str = ""
) -> tuple[str, str, str]:
    """(subject, html, text) for one recipient of a partner's rendered email."""
    if recipient.first_name:
        greeting = asset.meta["greeting"].replace("{first_name}", recipient.first_name)
    else:
        greeting = asset.meta["greeting_anonymous"]
    body_html = asset.file("email.html").content.decode()
    body_text = asset.file("email.txt").content.decode()
    body_html = (
        body_html.replace(GREETING, html.escape(greeting))
        .replace(UNSUBSCRIBE, html.escape(unsubscribe_url))
        .replace(OPEN_PIXEL, html.escape(open_url))
    )
    body_text = body_text.replace(GREETING, greeting).replace(UNSUBSCRIBE, unsubscribe_url)
    return asset.meta["subject"], body_html, body_text
