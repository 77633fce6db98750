"""Logos of any shape get the same visual weight, a readable short side, or no size."""

import pytest

from campaign_engine.domain.logo_fit import LogoRoom, fit_logo

EMAIL = LogoRoom(max_width=300, max_height=96, weight=220 * 48 * 0.6, min_short=24)


@pytest.mark.parametrize("aspect", [12, 10, 4, 3, 1, 1 / 3, 1 / 4])
def test_every_shape_is_readable_and_inside_the_room(aspect: float) -> None:
    width, height = fit_logo(aspect * 100, 100, EMAIL)
    assert min(width, height) >= 24 - 1e-6
    assert width <= 300 + 1e-6 and height <= 96 + 1e-6
    assert width / height == pytest.approx(aspect)


def test_shapes_weigh_alike_where_the_room_allows() -> None:
    square = fit_logo(100, 100, EMAIL)
    wide = fit_logo(300, 100, EMAIL)
    assert square[0] * square[1] == pytest.approx(wide[0] * wide[1], rel=0.01)


def test_a_shape_the_room_cannot_hold_readably_gets_no_size() -> None:
    assert fit_logo(2000, 100, EMAIL) is None  # 20:1 at 24 px tall is 480 px wide
    assert fit_logo(10, 100, EMAIL) is None  # 1:10 at 24 px wide is 240 px tall
    assert fit_logo(0, 100, EMAIL) is None
