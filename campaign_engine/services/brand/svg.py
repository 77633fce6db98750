"""SVG logos: accepted only when they are pictures, not programs or fetchers.

An SVG can carry scripts, event handlers, external references (tracking pixels, local
files) and entity bombs. We parse with defusedxml (no DTDs, no entities), refuse anything
active or external, then rasterise with CairoSVG so the rest of the engine sees a PNG.
"""

from __future__ import annotations

import re

import cairosvg
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from campaign_engine.errors import InvalidInput

ACTIVE_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
SAFE_HREF = re.compile(r"^(#|data:image/(png|jpeg|gif|webp);base64,)", re.IGNORECASE)
EXTERNAL_CSS = re.compile(r"@import|url\(\s*['\"]?(?!#)", re.IGNORECASE)
RASTER_WIDTH = 1200


def looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in head


def check_svg(data: bytes, *, where: str) -> None:
    try:
        root = fromstring(data)
    except DefusedXmlException:
        raise InvalidInput("SVG declares entities or a DTD; refused", where=where) from None
    except Exception as exc:  # malformed XML of any kind
        raise InvalidInput(f"SVG is not well-formed XML ({exc})", where=where) from None
    if _local(root.tag) != "svg":
        raise InvalidInput("file is XML but not an SVG image", where=where)
    for element in root.iter():
        tag = _local(element.tag)
        if tag in ACTIVE_TAGS:
            raise InvalidInput(f"SVG contains <{tag}>; scripts and embeds are refused", where=where)
        if tag == "style" and element.text and EXTERNAL_CSS.search(element.text):
            raise InvalidInput("SVG style loads external resources; refused", where=where)
        for name, value in element.attrib.items():
            attr = _local(name).lower()
            if attr.startswith("on"):
                raise InvalidInput(f"SVG has an event handler ({attr}); refused", where=where)
            if attr in ("href", "src") and not SAFE_HREF.match(value.strip()):
                raise InvalidInput("SVG references an external resource; refused", where=where)
            if attr == "style" and EXTERNAL_CSS.search(value):
                raise InvalidInput("SVG style loads external resources; refused", where=where)


def rasterise_svg(data: bytes, *, where: str) -> bytes:
    check_svg(data, where=where)
    try:
        png = cairosvg.svg2png(bytestring=data, output_width=RASTER_WIDTH, unsafe=False)
    except Exception as exc:  # cairosvg raises a variety of errors on broken drawings
        raise InvalidInput(f"SVG could not be drawn ({exc})", where=where) from None
    if not png:
        raise InvalidInput("SVG drew nothing", where=where)
    return png


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
