"""Email: responsive HTML with every CSS rule inlined, plus a text part from the same copy.

Rendered once per partner. Per-recipient parts (greeting, unsubscribe link) are left as
markers and filled by `personalise`, which costs a few string replaces per recipient.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import css_inline

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, Recipient, RenderedAsset, RenderedFile
from renderers.context import lookup, template_context
from renderers.sandbox import make_environment

GREETING = "[[ce:greeting]]"
UNSUBSCRIBE = "[[ce:unsubscribe_url]]"
OPEN_PIXEL = "[[ce:open_pixel]]"
PARTNER_LOGO_CID = "partner-logo"
VENDOR_LOGO_CID = "vendor-logo"

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
        return RenderedAsset(
            channel="email",
            asset="email",
            files=(
                RenderedFile("email.html", "text/html", body_html.encode()),
                RenderedFile("email.txt", "text/plain", body_text.encode()),
            ),
            meta={
                "subject": subject,
                "preheader": preheader,
                "greeting": str(lookup(ctx["copy"], "email.greeting")),
                "greeting_anonymous": str(lookup(ctx["copy"], "email.greeting_anonymous")),
            },
        )


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
