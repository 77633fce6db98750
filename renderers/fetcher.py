"""The only URLs WeasyPrint may load: the kit's own files and the partner's own images.

`file://`, `http(s)://`, `data:` and any path that escapes the kit folder are refused, so a
hostile template cannot read /etc/passwd or reach the network through a stylesheet.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    pass


# WeasyPrint ships no type information (no py.typed, no stubs): URLFetcher is Any to mypy.
class KitUrlFetcher(URLFetcher):  # type: ignore[misc]
    """Subclasses WeasyPrint's fetcher only to replace `fetch`; no urllib opener is used."""

    def __init__(self, kit_root: Path, partner_files: Mapping[str, bytes]) -> None:
        super().__init__(allowed_protocols=("kit", "partner"))
        self.kit_root = kit_root.resolve()
        self.partner_files = partner_files
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        try:
            return self._resolve(url)
        except RefusedURL:
            self.refused.append(url)
            raise

    def _resolve(self, url: str) -> URLFetcherResponse:
        if url.startswith("kit:"):
            path = (self.kit_root / url[4:].lstrip("/")).resolve()
            if not path.is_relative_to(self.kit_root) or not path.is_file():
                raise RefusedURL(f"{url}: not a file inside the kit")
            return _response(url, path.read_bytes(), path.name)
        if url.startswith("partner:"):
            name = url[len("partner:") :]
            if name not in self.partner_files:
                raise RefusedURL(f"{url}: the partner has no such file")
            return _response(url, self.partner_files[name], name)
        raise RefusedURL(f"{url}: only kit: and partner: URLs may be loaded")


def _response(url: str, content: bytes, name: str) -> URLFetcherResponse:
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return URLFetcherResponse(url, content, {"Content-Type": media_type})
