"""Uploaded logos are hostile until proven otherwise: real payloads, each refused clearly."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.brand.logos import logo_plate, normalise_logo
from tests.factories import logo_png

WHERE = "partners.csv row 2, column logo"


def refused(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalise_logo(data, where=WHERE)
    assert str(info.value).startswith(WHERE)
    assert fragment in str(info.value)


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_a_text_file_is_not_a_logo():
    refused(b"hello, I am not a picture", "not a readable")


def test_a_truncated_png_is_refused():
    data = logo_png("#336699", (400, 300))
    refused(data[: len(data) // 2], "damaged")


def test_a_pixel_bomb_is_refused_before_it_is_decoded():
    bomb = encode(Image.new("1", (20000, 20000)), "PNG")  # 400 Mpx in a few hundred KB
    assert len(bomb) < 1_000_000
    refused(bomb, "pixels")


def test_a_fifty_megabyte_file_is_refused():
    refused(b"\x89PNG\r\n\x1a\n" + b"\0" * 50_000_000, "limit is 5 MB")


def test_a_gif_is_not_accepted():
    refused(encode(Image.new("RGB", (50, 50), "red"), "GIF"), "use PNG, JPEG, WebP or SVG")


@pytest.mark.parametrize(
    "svg, fragment",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            b'<rect width="9" height="9"/></svg>',
            "event handler",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b'<image xlink:href="http://tracker.example/p.png" width="9" height="9"/></svg>',
            "external resource",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
            "external resource",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://x.example/a.css);'
            b"</style></svg>",
            "external resources",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
            "entities",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>',
            "<foreignobject>",
        ),
    ],
)
def test_hostile_svgs_are_refused(svg, fragment):
    refused(svg, fragment)


def test_a_clean_svg_is_rasterised_and_trimmed():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
        b'<rect x="100" y="50" width="200" height="100" fill="#c2185b"/></svg>'
    )
    with Image.open(io.BytesIO(normalise_logo(svg, where=WHERE))) as image:
        assert image.format == "PNG"
        assert abs(image.width / image.height - 2.0) < 0.05, "transparent edges trimmed"
        assert image.convert("RGB").getpixel((image.width // 2, image.height // 2)) == (194, 24, 91)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_common_formats_are_normalised_to_png(fmt):
    image = Image.new("RGB", (900, 300), "white")
    image.paste(Image.new("RGB", (300, 100), "#1565c0"), (300, 100))
    with Image.open(io.BytesIO(normalise_logo(encode(image, fmt), where=WHERE))) as logo:
        assert logo.format == "PNG"
        assert logo.size[0] <= 600 and logo.size[1] <= 200
        assert abs(logo.width / logo.height - 3.0) < 0.1, "white margins trimmed"


def test_a_light_logo_gets_a_dark_plate_and_a_dark_logo_none():
    assert logo_plate(logo_png("#fff59d")) == "dark"
    assert logo_plate(logo_png("#0b3d91")) is None


def test_corrupt_zlib_stream_is_refused():
    good = logo_png("#336699")
    idat = good.index(b"IDAT")
    broken = good[: idat + 4] + zlib.compress(b"garbage")[:8] + good[idat + 12 :]
    refused(broken, "logo")


def test_an_svg_that_takes_too_long_to_draw_is_refused_in_seconds(monkeypatch):
    """A long path reused through nested <use> kept a worker busy for minutes: the drawing
    runs in a child process under a CPU limit (1 s here, 10 s in service)."""
    import time

    from campaign_engine.services.assets.brand import svg as svg_module

    path = "M0 0 " + " ".join(f"L{i % 97} {i % 89}" for i in range(20_000))
    uses = "".join(f'<use href="#p" x="{i}"/>' for i in range(10))
    levels = [f'<g id="l0"><path id="p" d="{path}" stroke="#000"/>{uses}</g>']
    for n in range(1, 4):
        levels.append(f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * 10 + "</g>")
    bomb = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>'
        + "".join(levels)
        + '</defs><use href="#l3"/></svg>'
    ).encode()
    monkeypatch.setattr(svg_module, "DRAW", svg_module.DRAW.replace("(10, 10)", "(1, 1)"))
    started = time.monotonic()
    refused(bomb, "too much time or memory")
    assert time.monotonic() - started < 8


def test_the_lockup_font_is_the_packages_own():
    """The name lockup is set in the package's font: a path to nothing (once, after the
    module moved a folder deeper) fell back to another font without a word."""
    from campaign_engine.services.assets.brand import logos

    assert logos.FONT.is_file(), logos.FONT


def test_a_40_px_square_is_a_mark_set_beside_the_name():
    """A review by eye: a 40x40 mark was shown alone, blurred, the name nowhere."""
    from campaign_engine.services.assets.brand.logos import is_mark

    def png(size: tuple[int, int]) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", size, "#1565c0").save(out, format="PNG")
        return out.getvalue()

    assert is_mark(png((40, 40))) and is_mark(png((16, 16))) and is_mark(png((90, 30)))
    assert not is_mark(png((120, 40))) and not is_mark(png((60, 60)))


def test_a_blank_white_logo_gives_way_to_the_name_and_is_warned_about():
    """A generated partner uploaded a white image whose faint artwork was within JPEG noise
    of white: every asset showed an empty white box. Its name stands in, and the import
    says why; a logo drawn on its white ground keeps its place."""
    from types import SimpleNamespace

    from PIL import ImageDraw

    from campaign_engine.services.assets.brand.context import partner_logo
    from campaign_engine.services.assets.brand.logos import is_blank
    from campaign_engine.services.assets.brand.warnings import logo_warnings

    faint = Image.new("RGB", (540, 350), "#ffffff")
    ImageDraw.Draw(faint).ellipse((100, 80, 440, 270), fill="#f6fcf0")
    blank = normalise_logo(encode(faint, "JPEG"), where=WHERE)
    drawn = Image.new("RGB", (540, 350), "#ffffff")
    ImageDraw.Draw(drawn).ellipse((100, 80, 440, 270), fill="#1565c0")
    logo = normalise_logo(encode(drawn, "JPEG"), where=WHERE)
    assert is_blank(blank) and not is_blank(logo)
    purple = normalise_logo(encode(Image.new("RGB", (120, 120), "#7a1fa2"), "PNG"), where=WHERE)
    assert not is_blank(purple)  # a plain coloured square is a mark

    def partner(png: bytes) -> SimpleNamespace:
        return SimpleNamespace(
            logo_png=png,
            name="Alpha Security",
            short_name="",
            primary_color="#0b3d91",
            locale="en-GB",
        )

    assert partner_logo(partner(blank))[1] == "name"  # type: ignore[arg-type]
    assert partner_logo(partner(logo)) == (logo, "own")  # type: ignore[arg-type]
    assert "logo_blank" in [w.code for w in logo_warnings(blank)]
    assert "logo_blank" not in [w.code for w in logo_warnings(logo)]


def test_a_mark_of_the_badges_own_colour_sits_on_a_white_tile():
    """A light-blue mark beside the name on a light-blue badge vanished into it."""
    import io

    from PIL import Image, ImageDraw

    from campaign_engine.services.assets.brand.lockup import mark_lockup

    mark = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(mark).ellipse((2, 2, 38, 38), fill=(120, 200, 255, 255))
    data = io.BytesIO()
    mark.save(data, "PNG")
    lockup = Image.open(io.BytesIO(mark_lockup(data.getvalue(), "Skyline IT", "#78c8ff")))
    rgb = lockup.convert("RGB")
    left = rgb.crop((0, 0, rgb.height, rgb.height))  # the mark's end of the lockup
    white = sum(1 for p in left.get_flattened_data() if min(p) >= 250)
    assert white >= 0.05 * left.width * left.height, "the mark has a tile to stand on"


def test_no_plate_hides_the_letters_that_read_on_white():
    """A navy wordmark in a large pale glow reads on white at about 9:1; by pixel count
    the glow asked for the dark plate, on which the letters fell to 1.7:1."""
    import io

    from PIL import Image, ImageDraw

    from campaign_engine.domain.brand import PLATE_COLOURS, contrast_ratio
    from campaign_engine.services.assets.brand.logos import logo_plate

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, 600, 200), fill=(216, 243, 240, 255))  # the glow
    for i in range(9):  # the letters
        draw.rectangle((60 + i * 55, 70, 95 + i * 55, 130), fill=(11, 42, 91, 255))
    data = io.BytesIO()
    image.save(data, "PNG")
    plate = logo_plate(data.getvalue())
    ground = PLATE_COLOURS[plate] if plate else "#ffffff"
    assert contrast_ratio("#0b2a5b", ground) >= 3.0, (plate, ground)
