"""Whether a fill the engine drew in the partner's name is the partner's colour."""

from __future__ import annotations

from campaign_engine.domain.brand import EDGE_DELTA_E, LIGHT_TEXT, delta_e, fill_edge
from campaign_engine.ports import BrandContext

FILL_DELTA_E = 10.0  # CIE76: further than this from the partner's colour is another colour


def fill_is_brand(fill: str, brand: BrandContext) -> bool:
    """Within FILL_DELTA_E of the partner's primary colour; for a primary too close to
    white to show on a white page (a white brand), its secondary colour or the darker
    shade the engine outlines such a fill with are the partner's too (a white band on a
    white banner is no band)."""
    if delta_e(fill, brand.primary_color) <= FILL_DELTA_E:
        return True
    if delta_e(brand.primary_color, LIGHT_TEXT) >= EDGE_DELTA_E:
        return False
    stand_ins = [fill_edge(brand.primary_color)]
    if brand.secondary_color.strip():
        stand_ins.append(brand.secondary_color)
    return any(delta_e(fill, other) <= FILL_DELTA_E for other in stand_ins)
