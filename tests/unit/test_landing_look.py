"""The vendor's logo on the landing page is fitted into a box, whatever its shape: a
100000x1 image scaled to 56 px tall would have taken gigabytes (an attack test)."""

from __future__ import annotations

import base64
import io

from PIL import Image

from campaign_engine.web.landing_look import VENDOR_LOGO_HEIGHT, VENDOR_LOGO_WIDEST, _vendor_logo


def test_a_vendor_logo_of_any_shape_fits_its_box(tmp_path):
    for size in ((100_000, 1), (1, 4_000)):  # strips: named in words, never decoded
        path = tmp_path / f"{size[0]}x{size[1]}.png"
        Image.new("RGBA", size, (11, 61, 145, 255)).save(path)
        assert _vendor_logo(path, f"{size}") is None
    for size in ((800, 20), (40, 20), (600, 200)):
        path = tmp_path / f"{size[0]}x{size[1]}.png"
        Image.new("RGBA", size, (11, 61, 145, 255)).save(path)
        found = _vendor_logo(path, f"{size}")
        assert found is not None
        _, shown = found
        assert 1 <= shown["width"] <= VENDOR_LOGO_WIDEST, size
        assert 1 <= shown["height"] <= VENDOR_LOGO_HEIGHT, size
        with Image.open(io.BytesIO(base64.b64decode(shown["data"]))) as png:
            assert png.width <= 2 * VENDOR_LOGO_WIDEST and png.height <= 2 * VENDOR_LOGO_HEIGHT
    assert _vendor_logo(tmp_path / "600x200.png", "again")[1]["height"] == VENDOR_LOGO_HEIGHT
