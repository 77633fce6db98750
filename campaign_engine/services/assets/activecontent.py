"""Finding what no mail client runs and every browser would: <script>, on* event-handler
attributes and javascript: URLs in an email template. Kits are untrusted, and such
markup in a preview would run in the console's origin (previews are sandboxed as well)."""

from __future__ import annotations

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "applet", "frame", "frameset", "base"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in ACTIVE_TAGS:
            self.found.append((line, f"<{tag}> is not allowed in an email"))
        for name, value in attrs:
            if tag == "meta" and name == "http-equiv" and (value or "").lower() == "refresh":
                # a refresh navigates the embed's frame, which may run scripts (its own
                # resize script), to a page of anyone's choosing
                self.found.append((line, "<meta http-equiv=refresh> is not allowed"))
            if name == "target" and (value or "").lower() not in ("_blank", ""):
                self.found.append((line, f"target={value!r}: links must open a new tab"))
            if name.startswith("on"):
                self.found.append((line, f"event-handler attribute '{name}' is not allowed"))
            elif name in URL_ATTRIBUTES and value is not None:
                squeezed = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
                if squeezed.lower().startswith(BAD_SCHEMES):
                    self.found.append((line, f"{name}={value[:40]!r} is a script URL"))

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[tuple[int, str]]:
    """(line, problem) for each script, handler or script URL in the HTML."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found
