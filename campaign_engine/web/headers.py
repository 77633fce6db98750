"""Security headers on every response, in one place (a dozen lines rather than another
extension: Flask-Talisman also rewrites cookies and redirects, which the app does itself).

Pages load scripts only from this origin (htmx, Chart.js and our own files are vendored
into /static), nothing may frame them, and a view that needs another policy (the email
preview frame, the partner's website embed) sets its own Content-Security-Policy, which
is then left alone."""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # style="" attributes in templates and htmx
        "img-src 'self' data:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# What our sandboxed frames may do: open links in a new tab, outside the sandbox. Used by
# the frames' own CSP below and by every <iframe sandbox> we write (templates, embed.js).
FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"

# An email preview served to an <iframe sandbox>: a unique origin, no scripts, no forms;
# only our own pages may frame it.
EMAIL_FRAME_POLICY = (
    f"sandbox {FRAME_SANDBOX}; default-src 'none'; "
    "img-src data: https: http:; style-src 'unsafe-inline'; font-src data:; "
    "frame-ancestors 'self'"
)

# The partner's website embed: any site may frame it, yet it runs as a unique origin.
# The embed's frame tells the page that holds it how tall it is, so the frame grows to
# fit (no scroll bar, no empty space). That is one script, ours, allowed by its hash: the
# kit's HTML still cannot run any (no other inline script, no event handler, no src), and
# the sandbox keeps the frame in a unique origin, away from the partner's page.
EMBED_RESIZE_SCRIPT = (
    "(function(){function s(){parent.postMessage({ceEmbedHeight:"
    "document.documentElement.scrollHeight},'*')}addEventListener('load',s);"
    "if(window.ResizeObserver){new ResizeObserver(s).observe(document.body)}})();"
)
EMBED_SANDBOX = f"{FRAME_SANDBOX} allow-scripts"
_RESIZE_HASH = base64.b64encode(hashlib.sha256(EMBED_RESIZE_SCRIPT.encode()).digest()).decode()
EMBED_FRAME_POLICY = (
    f"sandbox {EMBED_SANDBOX}; default-src 'none'; script-src 'sha256-{_RESIZE_HASH}'; "
    "img-src data:; style-src 'unsafe-inline'; frame-ancestors *"
)


REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(
    policy: str = PAGE_POLICY, *, https: bool, referrer: str = REFERRER_POLICY
) -> list[tuple[str, str]]:
    """The one writer of the security headers: for Flask's answers (init_app, below, for
    those that set none of their own) and the WSGI layers that answer in front of Flask
    (web/clicks.py, web/callbacks.py). X-Frame-Options repeats the policy's
    frame-ancestors for browsers without CSP 2."""
    headers = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", referrer),
    ]
    if "frame-ancestors 'none'" in policy:
        headers.append(("X-Frame-Options", "DENY"))
    elif "frame-ancestors 'self'" in policy:
        headers.append(("X-Frame-Options", "SAMEORIGIN"))
    return [*headers, ("Strict-Transport-Security", HSTS)] if https else headers


def init_app(app: Flask) -> None:
    https = app.config.get("SESSION_COOKIE_SECURE", False)
    app.jinja_env.globals["frame_sandbox"] = FRAME_SANDBOX

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        policy = headers.get("Content-Security-Policy", PAGE_POLICY)
        for name, value in security_headers(policy, https=https):
            headers.setdefault(name, value)
        return response
