"""Pure renderers: (kit, BrandContext, links) -> RenderedAsset. No database, no network."""

RENDERER_VERSION = "3"  # bump when output changes: it is part of every artifact key
