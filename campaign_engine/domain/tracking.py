"""Tracked-link tokens and UTM tagging: pure functions, no web framework."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# The tracked link to the partner's own website, as its assets link to it (the email's
# footer, the brochure's contact band): a name no kit can declare, kit link names being slugs.
WEBSITE_LINK = "@website"


def web_link(value: str | None) -> str | None:
    """An http(s) address with a host, or None. A partner's website is free text in its
    profile and becomes a link only here, wherever it is used (never javascript: or data:,
    and an old row or a future write path is checked too)."""
    if not value:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def new_token() -> str:
    """16 URL-safe characters: unguessable, short enough for a text post."""
    return secrets.token_urlsafe(12)


def with_utm(
    target: str,
    *,
    source: str,
    medium: str,
    campaign: str,
    content: str,
    extra: dict[str, str] | None = None,
) -> str:
    """Add utm_* tags (lowercase); tags the target already carries are kept as they are."""
    parts = urlsplit(target)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    tags = {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "utm_content": content,
        **(extra or {}),
    }
    query += [(k, v.lower()) for k, v in tags.items() if k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def mailto(address: str) -> str:
    """A mailto: link to exactly `address`: an address may hold ? & = % # before its @
    (the import accepts them), and written raw, "sales?bcc=spy%40evil.example@p.example"
    opened a draft with a hidden Bcc (an attack test). Everything but the @ is encoded."""
    return "mailto:" + quote(address, safe="@") if address else ""
