"""Email previews as their own documents, for `<iframe sandbox>`: kit templates are
untrusted, so what they produce never runs in the console's or the portal's origin."""

from __future__ import annotations

import re

from flask import Response

from campaign_engine.ports import Message
from campaign_engine.services.assets.preview import browser_html
from campaign_engine.web.headers import EMAIL_FRAME_POLICY

BASE = '<base target="_blank">'


def email_frame(email: Message | None) -> Response:
    """The email's HTML (empty when the kit has none) with a CSP `sandbox`: even opened
    directly (not framed) it is a unique origin without scripts, forms or access to our
    cookies. Its links open in a new tab, as a mail client's do, not inside the frame."""
    html = browser_html(email) if email else ""
    head = re.search(r"<head[^>]*>", html, re.IGNORECASE)
    html = html[: head.end()] + BASE + html[head.end() :] if head else BASE + html
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response
