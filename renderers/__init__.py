"""Pure renderers: (kit, BrandContext, links) -> RenderedAsset. No database, no network."""

RENDERER_VERSION = "1"
