"""The embeds' content: the kit's web fragment, cleaned to what may run in the partner's
own page. The script embed puts it in a Shadow DOM there (web/embed.py), where the host
page's CSS cannot reach it, but where it shares the page's origin, so nothing but this
allowlist may arrive; the sandboxed frame shows the same (it runs our resize script, so
a tag that slipped past the kit check could navigate it).

nh3 (the Rust ammonia sanitiser) does the HTML work: an allowlist of tags, attributes,
URL schemes and inline CSS properties, parsed by html5ever as a browser parses, so a
comment or a malformed tag cannot smuggle a handler past it (Python's HTMLParser, which
the kit check uses, reads some of those differently).
"""

from __future__ import annotations

import re

TAGS = {
    "a", "abbr", "b", "br", "div", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "hr", "i", "img", "li", "ol", "p", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"style", "lang", "dir", "title", "class"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Inline CSS that lays out and colours; nothing that loads (background-image, list-style-
# image, border-image carry url()) and nothing that leaves the box (position, z-index).
STYLE_PROPERTIES = {
    "align-items", "background-color", "border", "border-bottom", "border-collapse",
    "border-color", "border-left", "border-radius", "border-right", "border-style",
    "border-top", "border-width", "box-sizing", "color", "display", "flex", "flex-direction",
    "flex-wrap", "font-family", "font-size", "font-style", "font-weight", "gap", "height",
    "justify-content", "letter-spacing", "line-height", "list-style-type", "margin",
    "margin-bottom", "margin-left", "margin-right", "margin-top", "max-height", "max-width",
    "min-height", "min-width", "object-fit", "overflow", "overflow-wrap", "padding",
    "padding-bottom", "padding-left", "padding-right", "padding-top", "text-align",
    "text-decoration", "text-transform", "text-wrap", "vertical-align", "white-space",
    "width", "word-break",
}  # fmt: skip
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+\Z")
# A style that could load or run something even with allowlisted properties: url() in a
# value, an old IE expression, a CSS escape that could spell either.
UNSAFE_STYLE = re.compile(r"url\s*\(|expression|@import|\\", re.IGNORECASE)
# `background: <colour>` is how most templates fill a band or a button; the allowlist has
# only background-color (background can carry an image), so a plain colour is renamed.
COLOUR = r"(#[0-9a-f]{3,8}|rgba?\([\d\s.,%]+\)|hsla?\([\d\s.,%deg]+\)|[a-z]+)"
BACKGROUND = re.compile(rf"(^|;)\s*background\s*:\s*{COLOUR}\s*(?=;|$)", re.IGNORECASE)

# The shadow root's own sheet: the host element drops every property it would inherit
# from the partner's page (`all: initial`, important so the page's `* {...!important}`
# loses), and `contain: content` keeps anything inside from painting outside its box.
SHADOW_CSS = (
    ":host{all:initial!important;display:block!important;contain:content!important;"
    "max-width:100%!important}"
    "*{box-sizing:border-box}img{max-width:100%;height:auto}"
)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """data: only as an image's inline picture; every other URL is http(s) or mailto."""
    if name == "style":
        if UNSAFE_STYLE.search(value):
            return None
        return BACKGROUND.sub(r"\1background-color:\2", value)
    # As a browser reads a URL: leading controls and spaces dropped, tabs and newlines gone
    bare = re.sub(r"[\t\n\r]", "", value).lstrip("".join(map(chr, range(33)))).lower()
    if bare.startswith("data:"):
        return value if (tag, name) == ("img", "src") and DATA_IMAGE.match(value) else None
    if (tag, name) == ("img", "src"):
        return None  # the fragment carries its images; the partner's page fetches nothing
    return value


def landing_html(fragment: str) -> str:
    """A kit's part of a landing page, set in the page itself: what the embed allowlist
    keeps, less `class` (a kit may not dress as the page's own form or notices). In a
    sandboxed frame it could not size itself, and left 150 px of nothing above the form
    (a review by eye); the page keeps it inside its box (landing.css)."""
    return embed_html(fragment, LANDING_ATTRIBUTES)


LANDING_ATTRIBUTES = {**ATTRIBUTES, "*": ATTRIBUTES["*"] - {"class"}}


def embed_html(fragment: str, attributes: dict[str, set[str]] | None = None) -> str:
    """The fragment as the script embed inserts it: allowlisted, links to a new tab."""
    import nh3  # loaded where an embed is served

    return nh3.clean(
        fragment,
        tags=TAGS,
        attributes=attributes or ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto", "data"},
        filter_style_properties=STYLE_PROPERTIES,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
