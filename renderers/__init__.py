"""Pure renderers: (kit, BrandContext, links) -> RenderedAsset. No database, no network.
What they share with the services (typesetting, the kit sandbox) is campaign_engine.typeset;
RENDERER_VERSION there is part of every artifact key."""
