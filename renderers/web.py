"""Website syndication: an HTML fragment the partner's site embeds (in a sandboxed,
self-sizing frame: web/embed.py). Images travel inside it as data: URIs, so the frame
loads nothing from anywhere and the fragment is one file."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from PIL import Image

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import template_context
from campaign_engine.typeset.sandbox import make_environment
from campaign_engine.typeset.slots import PAGE_LOGO_ROOM
from renderers.email import lockup_logos

IMAGE_WIDTH = 640  # the widest the embed shows a kit image; twice that would be kinder
# to high-density screens but doubles every partner's fragment


class WebRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.env = make_environment(kit.root)
        self.vendor_logo = (kit.root / kit.spec.vendor.logo).read_bytes()

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.web
        assert spec is not None
        ctx = template_context(self.kit, brand, link, logo_src="", vendor_logo_src="")
        partner, vendor = lockup_logos(ctx, brand, self.vendor_logo, PAGE_LOGO_ROOM)
        ctx["partner"]["logo_src"] = _data_uri(partner.png, "image/png") if partner else ""
        ctx["vendor"]["logo_src"] = _data_uri(vendor.png, "image/png")
        ctx["kit_image"] = lambda path: kit_image(str(self.kit.root), str(path))
        fragment = self.env.get_template(spec.template).render(ctx)
        return RenderedAsset(
            channel="web",
            asset="snippet",
            files=(RenderedFile("snippet.html", "text/html", fragment.encode()),),
        )


def _data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@lru_cache(maxsize=64)
def kit_image(root: str, path: str) -> str:
    """A kit image (a template's `kit_image('assets/x.jpg')`) as a JPEG data: URI at most
    IMAGE_WIDTH wide; a path outside the kit folder is refused."""
    base = Path(root).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise ValueError(f"kit_image('{path}'): no such file in the kit")
    with Image.open(target) as source:
        image = source.convert("RGB")
    image.thumbnail((IMAGE_WIDTH, IMAGE_WIDTH * 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, optimize=True)
    return _data_uri(out.getvalue(), "image/jpeg")
