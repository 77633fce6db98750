"""The website embed: a script tag or an iframe URL the partner pastes once.

<script src="https://partners.vendor.example/embed/<id>.js" async></script>
    the content in a Shadow DOM of the partner's page (allowlisted HTML only)
<iframe src="https://partners.vendor.example/embed/<id>" title="Offers"></iframe>
    the content in a sandboxed frame (a unique origin; it cannot size itself without
    the script, which falls back to it where a shadow root is refused)
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, Response, render_template, request

from campaign_engine.services.workspace.embed import SHADOW_CSS, embed_html
from campaign_engine.services.workspace.syndication import EmbedTokens, current_fragment
from campaign_engine.web.headers import EMBED_FRAME_POLICY, EMBED_RESIZE_SCRIPT, EMBED_SANDBOX
from campaign_engine.web.session import db, runtime

bp = Blueprint("embed", __name__)

# What the shadow root's own sheet (SHADOW_CSS) adds for text. `all: initial` resets
# every property but `direction` and `unicode-bidi`, so a host page's `direction: rtl`
# reached the content ("Northwind with", full stops at the wrong end): the fragment's
# root sets its own direction and isolates it. The host element keeps the page's, which
# places the card: set on the host, a right-to-left page got the card against its left
# edge with a gap at the start (a review by eye). Words hyphenate in their own language
# and Korean breaks between words, not syllables (the allowlist keeps inline `lang` but
# not `hyphens`, so the rules live here).
TEXT_CSS = (
    ":host>*{direction:%(dir)s!important;unicode-bidi:isolate!important}"
    "[lang]{-webkit-hyphens:auto;hyphens:auto}"
    ":lang(ko){word-break:keep-all}"
)
RTL_ROOT = re.compile(r"\s*<[a-z0-9]+\b[^>]*\sdir=\"rtl\"", re.IGNORECASE)


def text_css(fragment: str) -> str:
    """TEXT_CSS for this fragment: right to left when its root says so (a kit in Arabic
    or Hebrew), else left to right, whatever the host page's direction."""
    return TEXT_CSS % {"dir": "rtl" if RTL_ROOT.match(fragment) else "ltr"}


def _fragment(token: str) -> str:
    partner_id = EmbedTokens(runtime().settings.signing_keys).read(token)
    rt = runtime()
    default = rt.settings.programme.rules().programme_default
    return current_fragment(db(), partner_id, rt.settings.storage_dir, default)


def _cached(body: str, mimetype: str) -> Response:
    """ETag on the content: the partner's site revalidates cheaply and sees changes at once."""
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/embed/<token>")
def frame(token: str) -> Response:
    """Any website may frame this (it is what the partner pastes), so it gets its own
    CSP: frame-ancestors *, yet sandboxed into a unique origin. The fragment is the
    kit's web template, rendered by the autoescaping sandbox (renderers/web.py)."""
    # The same allowlist as the script embed's: the frame runs our resize script, so a
    # tag a kit check's parser reads differently from a browser (`<!--> <meta refresh>`)
    # must not reach it either; and the two embeds then look the same.
    fragment = embed_html(_fragment(token))
    page = render_template(
        "embed/frame.html",
        fragment=fragment,
        text_css=text_css(fragment),
        resize_script=EMBED_RESIZE_SCRIPT,
    )
    response = _cached(page, "text/html")
    response.headers["Content-Security-Policy"] = EMBED_FRAME_POLICY
    return response


@bp.get("/embed/<token>.js")
def script(token: str) -> Response:
    """Puts the partner's live web content where the script tag stands, in a Shadow DOM
    (open: the page is the partner's own): the host page's CSS cannot reach it, and it
    takes the page's width and its own height. Only the allowlisted HTML of
    services/workspace/embed.py arrives there, never the kit's template output as it is;
    where a browser or the page's policy refuses a shadow root, the script inserts the
    self-sizing sandboxed frame instead."""
    fragment = _fragment(token)
    if not fragment:
        return _cached("", "application/javascript")
    src = f"{runtime().settings.public_base_url}/embed/{token}"
    html = embed_html(fragment)
    js = EMBED_SCRIPT % {
        "html": json.dumps(html),
        "css": json.dumps(SHADOW_CSS + text_css(html)),
        "src": json.dumps(src),
        "sandbox": json.dumps(EMBED_SANDBOX),
    }
    return _cached(js, "application/javascript")


# The fallback frame reports its height by postMessage; only messages from that frame's
# own window count, and the height is a number kept between 40 and 4000 px.
EMBED_SCRIPT = (
    "(function(){var s=document.currentScript;if(!s)return;"
    "function frame(){var f=document.createElement('iframe');"
    "f.src=%(src)s;f.title='Offers';f.loading='lazy';"
    "f.setAttribute('sandbox',%(sandbox)s);"
    "f.style.cssText='display:block;width:100%%;max-width:100%%;height:360px;border:0';"
    "window.addEventListener('message',function(e){var h=e.data&&e.data.ceEmbedHeight;"
    "if(e.source===f.contentWindow&&typeof h==='number'&&isFinite(h)){"
    "f.style.height=Math.min(4000,Math.max(40,Math.ceil(h)))+'px'}});"
    "s.parentNode.insertBefore(f,s)}"
    "var h=document.createElement('div');h.setAttribute('data-offers','');"
    "try{var r=h.attachShadow({mode:'open'}),css=%(css)s;"
    "if(r.adoptedStyleSheets!==undefined&&window.CSSStyleSheet&&CSSStyleSheet.prototype.replaceSync)"
    "{var c=new CSSStyleSheet();c.replaceSync(css);r.adoptedStyleSheets=[c];r.innerHTML=%(html)s}"
    "else{r.innerHTML='<style>'+css+'</style>'+%(html)s}}"
    "catch(e){frame();return}"
    "s.parentNode.insertBefore(h,s);})();"
)
