"""SVG logos: accepted only when they are pictures, not programs or fetchers.

An SVG can carry scripts, event handlers, external references (tracking pixels, local
files) and entity bombs. We parse with defusedxml (no DTDs, no entities), refuse anything
active or external, then rasterise with CairoSVG so the rest of the engine sees a PNG.
"""

from __future__ import annotations

import re
import subprocess
import sys

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


# A drawing can be small and slow: a long path reused through nested <use> took minutes
# of CPU in one request. It is drawn in a child process with a CPU and a memory limit.
DRAW_SECONDS = 10
DRAW_MEMORY = 1024 * 1024 * 1024
# The child sets its own limits (preexec_fn is unsafe in a threaded web process).
DRAW = (
    "import resource, sys\n"
    f"resource.setrlimit(resource.RLIMIT_CPU, ({DRAW_SECONDS}, {DRAW_SECONDS}))\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({DRAW_MEMORY}, {DRAW_MEMORY}))\n"
    "import cairosvg\n"
    "sys.stdout.buffer.write(cairosvg.svg2png("
    f"bytestring=sys.stdin.buffer.read(), output_width={RASTER_WIDTH}, unsafe=False))"
)


def rasterise_svg(data: bytes, *, where: str) -> bytes:
    check_svg(data, where=where)
    try:
        drawn = subprocess.run(  # noqa: S603 (our own interpreter and code, the SVG on stdin)
            [sys.executable, "-c", DRAW],
            input=data,
            capture_output=True,
            timeout=DRAW_SECONDS + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidInput("SVG takes too long to draw; export it simpler", where=where) from None
    if drawn.returncode != 0:
        last = (drawn.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        if drawn.returncode < 0:  # killed by its CPU or memory limit
            last = "it takes too much time or memory to draw; export it simpler"
        raise InvalidInput(f"SVG could not be drawn ({last[:200]})", where=where)
    if not drawn.stdout:
        raise InvalidInput("SVG drew nothing", where=where)
    return drawn.stdout


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
