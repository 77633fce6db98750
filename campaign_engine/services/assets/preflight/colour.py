"""Whether a fill the engine drew in the partner's name is the partner's colour."""

from __future__ import annotations

from campaign_engine.domain.brand import delta_e, white_brand
from campaign_engine.ports import BrandContext

FILL_DELTA_E = 10.0  # CIE76: further than this from the partner's colour is another colour


def fill_is_brand(fill: str, brand: BrandContext) -> bool:
    """Within FILL_DELTA_E of the partner's primary colour; for a primary too close to
    white to show on a white page (a white brand), its secondary colour is the partner's
    too. A grey the engine would invent instead (the outline shade of a white fill) is
    no colour of the partner's: a white band on a white banner is honest, a grey one is
    another brand."""
    if delta_e(fill, brand.primary_color) <= FILL_DELTA_E:
        return True
    if not white_brand(brand.primary_color):
        return False
    secondary = brand.secondary_color.strip()
    return bool(secondary) and delta_e(fill, secondary) <= FILL_DELTA_E
