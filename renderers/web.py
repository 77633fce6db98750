"""Website syndication: an HTML fragment the partner's site embeds."""

from __future__ import annotations

from collections.abc import Callable

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import template_context
from renderers.sandbox import make_environment


class WebRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.env = make_environment(kit.root)

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.web
        assert spec is not None
        ctx = template_context(self.kit, brand, link, logo_src="", vendor_logo_src="")
        fragment = self.env.get_template(spec.template).render(ctx)
        return RenderedAsset(
            channel="web",
            asset="snippet",
            files=(RenderedFile("snippet.html", "text/html", fragment.encode()),),
        )
