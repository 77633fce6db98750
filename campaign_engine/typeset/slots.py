"""The email's per-recipient slots and its logo room: what the email renderer leaves as
markers (the greeting, the unsubscribe link, the open pixel) and the pipeline fills per
recipient with `personalise`, at a few string replaces each; the content ids of the
inline logos; and the room the header gives the partner's logo, which the landing page
and preflight measure with too.
"""

from __future__ import annotations

import html

from campaign_engine.domain.logo_fit import LogoRoom
from campaign_engine.ports import Recipient, RenderedAsset
from campaign_engine.typeset.logo_size import logo_size

GREETING = "[[ce:greeting]]"
UNSUBSCRIBE = "[[ce:unsubscribe_url]]"
OPEN_PIXEL = "[[ce:open_pixel]]"
PARTNER_LOGO_CID = "partner-logo"
VENDOR_LOGO_CID = "vendor-logo"
# What the email's header offers the partner's logo (CSS px; the image carries twice
# that): the area of a 3:1 logo 46 px tall whatever its shape, at least 24 px on its short
# side (a 10:1 wordmark 25 x 252, a 1:5 mark 24 x 120: the header grows for it), at most
# 320 px wide, which fits the header's 334 px column on a 390 px phone with a plate's
# padding (300 dropped a 13:1 wordmark for the name: a review by eye). The vendor's logo
# is the kit's own, of a known shape, and sits in a fixed box.
PARTNER_LOGO_ROOM = LogoRoom(max_width=320, max_height=120, weight=220 * 48 * 0.6, min_short=24)
# A web page's header (the landing page, the website embed) has more than an email's
# column: up to 480 px wide, so an 18:1 wordmark reads 26 px tall where the email sets the
# name (a review by eye); a phone scales it down with the page (CSS max-width). At most
# 110 px tall: a 1:4 stack made the landing header 160 px and pushed the form below the
# fold; at 110 a 1:4.5 one is still 24 px wide (at 96 a 1:4.1 stack gave way to its name).
PAGE_LOGO_ROOM = LogoRoom(
    max_width=480, max_height=110, weight=PARTNER_LOGO_ROOM.weight, min_short=24
)


def shown_size(png: bytes, room: LogoRoom) -> tuple[int, int] | None:
    """The CSS size of the partner's logo (logo_size: at least one image pixel per CSS
    pixel where its short side allows, its part that reads at least the room's least),
    or None when no readable size fits."""
    size = logo_size(png, room, 1.0)
    if size is None:
        return None
    return max(1, round(size[0])), max(1, round(size[1]))


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
