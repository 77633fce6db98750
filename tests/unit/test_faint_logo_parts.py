"""A logo with a faint part: a blush disc (#fbe9eb, 22 off white in one channel) beside
dark letters, on an opaque white ground (generated partner g2027-073). The trim cut into
the disc, and the email sized the whole mark to the least size, so its letters read 17 px
and preflight held the email."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from campaign_engine.services.assets.brand.logos import normalise_logo
from campaign_engine.typeset.logo_size import read_share, visible
from campaign_engine.typeset.slots import PARTNER_LOGO_ROOM, shown_size

FONT = Path(__file__).resolve().parents[2] / "campaign_engine" / "assets" / "DejaVuSans-Bold.ttf"
BLUSH = (251, 233, 235)


def blush_logo() -> bytes:
    """The logo as a WebP upload."""
    image = Image.new("RGB", (616, 364), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((43, 43, 320, 320), fill=BLUSH)
    font = ImageFont.truetype(str(FONT), 96)
    draw.text((365, 140), "ZEN", font=font, fill=(16, 24, 16))
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=90)
    return out.getvalue()


def test_the_trim_keeps_the_faint_disc_whole():
    data = blush_logo()
    with Image.open(io.BytesIO(normalise_logo(data, where="logo"))) as logo:
        rgb = logo.convert("RGB")
        # the disc's top and left edges are inside the image, with white around them
        column = [rgb.getpixel((x, rgb.height // 2)) for x in range(rgb.width // 3)]
        assert any(abs(p[1] - BLUSH[1]) < 8 for p in column), "the disc is kept"
        assert rgb.height / rgb.width > 0.5, "trimmed to the letters' height, it was 0.2"


def test_the_letters_that_read_reach_the_emails_least_size():
    data = blush_logo()
    png = visible(normalise_logo(data, where="logo"))
    width, height = shown_size(png, PARTNER_LOGO_ROOM)
    read_w, read_h = read_share(png)
    assert read_h < 0.5, "only the letters read: the disc is drawn, not read"
    assert min(width * read_w, height * read_h) >= PARTNER_LOGO_ROOM.min_short


def test_a_logo_without_a_faint_part_reads_whole():
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 299, 99), fill=(11, 61, 145, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    assert read_share(out.getvalue()) == (1.0, 1.0)
