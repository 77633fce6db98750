"""The one place a user-supplied "next" becomes a redirect target.

Browsers forgive a lot: `/\\evil.example`, `/%09/evil.example` (a tab the browser strips)
and `\\\\evil.example` all lead off-site although they "start with /". So the value is
cleaned of control characters and whitespace, parsed with urllib, and only a path on this
origin survives."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback`."""
    if not target:
        return fallback
    cleaned = "".join(ch for ch in target if ch.isprintable() and not ch.isspace())
    decoded = unquote(cleaned)
    if any(not ch.isprintable() or ch.isspace() for ch in decoded):
        return fallback  # a %09, %0a or %20 that a browser would drop or reinterpret
    cleaned = cleaned.replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return fallback
    if decoded.replace("\\", "/").startswith("//"):
        return fallback
    return cleaned
