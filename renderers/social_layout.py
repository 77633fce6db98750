"""Where things go on each platform's canvas, and how much of it the partner's logo may
take."""

from __future__ import annotations

import math
from dataclasses import dataclass

from campaign_engine.domain.kit import PLATFORM_SIZES
from campaign_engine.domain.logo_fit import LogoRoom

# The partner's logo covers this share of the image, in its own shape (logo_fit), and its
# short side is at least MIN_SHOWN px where the network shows the image (SHOWN_WIDTH):
# 53 px of LinkedIn's 1200, 76 of X's 1600, 56 of Instagram's 1080. A 10:1 wordmark was
# a strip 38 px tall here, a 1:4 mark a stick 18 px wide.
LOGO_WEIGHT = 0.028
MIN_SHOWN = 24
SHOWN_WIDTH = {"linkedin": 552, "x": 506, "instagram": 470, "instagram_portrait": 470}


# of the image: the vendor's block keeps the rest of the top row (0.64 dropped a 13:1
# wordmark from Instagram for the name, while LinkedIn showed it: a review by eye)
LOGO_MAX_WIDTH = 0.7
LOGO_MAX_HEIGHT = 0.3  # of the image's width, and at most
LOGO_MAX_SHARE_OF_HEIGHT = 0.4  # of its height: the headline keeps the rest


@dataclass(frozen=True)
class Layout:
    """Where things go on one platform's canvas; the logo box is the safe area."""

    size: tuple[int, int]
    logo_box: tuple[int, int, int, int]
    text_box: tuple[int, int, int, int]
    band: tuple[int, int, int, int]
    shown_width: int  # how wide the network shows the image in its feed

    @classmethod
    def for_platform(cls, platform: str) -> Layout:
        width, height = platform_size(platform)
        margin = width // 20
        band_height = max(24, height // 14)
        return cls(
            size=(width, height),
            logo_box=(margin, margin, margin + width // 3, margin + height // 7),
            text_box=(margin, height // 3, width - margin, height - band_height - margin),
            band=(0, height - band_height, width, height),
            shown_width=SHOWN_WIDTH.get(platform, 550),
        )

    @property
    def margin(self) -> int:
        return self.logo_box[0]

    def partner_room(self) -> LogoRoom:
        """What the partner's logo may take: its weight, the top row left of the vendor
        and above the headline."""
        width, height = self.size
        return LogoRoom(
            max_width=width * LOGO_MAX_WIDTH,
            max_height=min(height * LOGO_MAX_SHARE_OF_HEIGHT, width * LOGO_MAX_HEIGHT),
            weight=width * height * LOGO_WEIGHT,
            min_short=math.ceil(MIN_SHOWN * width / self.shown_width),
        )


# Instagram's portrait post (4:5) beside its square one: a taller image takes more of the
# feed. Rendered from the same post as the square, named <post>-instagram-4x5.jpg.
PORTRAIT = "instagram_portrait"
PORTRAIT_SIZE = (1080, 1350)


def platform_size(platform: str) -> tuple[int, int]:
    return PORTRAIT_SIZE if platform == PORTRAIT else PLATFORM_SIZES[platform]
