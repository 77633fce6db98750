"""What would make a partner's brand look wrong in an asset, said at import and in the
portal before any asset is made: each with a code (for preflight and tests) and a message
the partner can act on."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from campaign_engine.domain.words import N_, Words
from campaign_engine.services.assets.brand.logos import (
    is_blank,
    is_opaque,
    logo_luminance,
    logo_plate,
)

# The largest box an asset shows the partner's logo in (CSS px for the email lockup); a
# logo needs twice that for high-density screens.
EMAIL_BOX = (220, 48)


@dataclass(frozen=True)
class BrandWarning:
    code: str
    message: Words  # translated where it is read: the portal, or English at import


BLANK = BrandWarning(
    "logo_blank",
    Words(
        N_(
            "The logo shows nothing that stands out from its own background (a blank or "
            "nearly white image): the assets set your name instead. Upload the logo itself."
        )
    ),
)

NEAR_WHITE = BrandWarning(
    "logo_near_white",
    Words(
        N_(
            "The logo is nearly white: it is shown on a dark plate. Upload a version for light "
            "backgrounds as the logo, and this one as the logo for dark ones."
        )
    ),
)
PALE = BrandWarning(
    "logo_pale",
    Words(
        N_(
            "The logo is too pale to be seen on white: it is shown on a dark plate. Upload a "
            "version for light backgrounds as the logo, and this one as the logo for dark ones."
        )
    ),
)
NEAR_BLACK = BrandWarning(
    "logo_near_black",
    Words(
        N_(
            "The logo is nearly black: it vanishes on dark bands. Add a logo for dark "
            "backgrounds (a white version)."
        )
    ),
)


def logo_warnings(png: bytes, has_dark_variant: bool = False) -> list[BrandWarning]:
    """What would make a normalised logo look wrong somewhere, said before it is used."""
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    found = []
    if width < 2 * EMAIL_BOX[0] and height < 2 * EMAIL_BOX[1]:
        found.append(
            BrandWarning(
                "logo_low_resolution",
                Words(
                    N_(
                        "The logo is %(width)dx%(height)d pixels; it looks blurred on phones "
                        "and in print. Upload one at least %(least)d pixels tall."
                    ),
                    {"width": width, "height": height, "least": 2 * EMAIL_BOX[1]},
                ),
            )
        )
    if is_blank(png):
        return [*found, BLANK]
    if is_opaque(png):
        # its own ground goes everywhere with it and it gets no plate: a pale or dark tile
        # is neither "shown on a dark plate" nor lost on a dark band (a review by eye)
        return found
    return found + _lightness_warnings(png, has_dark_variant)


def _lightness_warnings(png: bytes, has_dark_variant: bool) -> list[BrandWarning]:
    """A logo with transparency too light for white (it gets the dark plate) or too dark
    for dark bands."""
    luminance = logo_luminance(png)
    if luminance > 0.8:
        return [NEAR_WHITE]
    if logo_plate(png) == "dark":
        # a pastel logo is not nearly white, but gets the same dark plate everywhere, and
        # nothing told its partner why (a review by eye)
        return [PALE]
    if luminance < 0.03 and not has_dark_variant:  # its white sibling covers dark bands
        return [NEAR_BLACK]
    return []


def name_warnings(name: str) -> list[Words]:
    """Characters of a name or an address that no installed font draws (they would print
    as boxes): fontconfig's answer, the fallback chain WeasyPrint and Chromium use; and
    those the social images and the signature banner cannot draw with their own chain
    of fonts (Pillow has no fallback), as preflight's glyph check asks both."""
    from campaign_engine.services.assets.preflight.fonts import missing_glyphs
    from campaign_engine.typeset.glyphs import missing_glyphs as missing_in_images

    found = []
    missing = missing_glyphs(name)
    if missing:
        message = N_("No installed font draws %(characters)s; those characters print as boxes.")
        found.append(Words(message, {"characters": " ".join(missing)}))
    in_images = [c for c in missing_in_images(name) if c not in missing]
    if in_images:
        message = N_(
            "The social images and the email signature banner have no font for "
            "%(characters)s; they would show boxes there."
        )
        found.append(Words(message, {"characters": " ".join(in_images)}))
    return found
