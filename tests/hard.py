"""The hard partners (tests/fixtures/hard_partners.csv), with the logos each one needs drawn
here: every case a real partner list contains and a sample list never does."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from campaign_engine.runtime import Runtime

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "hard_partners.csv"


def _save(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()


def _wordmark(color: str, size: tuple[int, int] = (480, 160), mode: str = "RGBA") -> Image.Image:
    """A mark and a bar of 'lettering' on transparency."""
    image = Image.new(mode, size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((h * 0.15, h * 0.15, h * 0.85, h * 0.85), fill=color)
    for i in range(4):
        x = h + i * (w - h) // 4.5
        draw.rectangle((x, h * 0.35, x + (w - h) // 6, h * 0.65), fill=color)
    return image


def white_logo() -> bytes:
    return _save(_wordmark("#ffffff"))


def snowline() -> bytes:
    """The colour logo for light grounds; its white sibling is the `logo_on_dark`."""
    return _save(_wordmark("#1f4e79"))


def tiny_logo() -> bytes:
    image = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((2, 2, 13, 13), fill="#7a1fa2")
    return _save(image)


def corner_mark() -> bytes:
    """Opaque white background with the mark touching the top-left corner: the old trim
    took the corner pixel for background and cut the mark away."""
    image = Image.new("RGB", (480, 160), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 40, 40), fill="#2a9d8f")
    draw.rectangle((80, 50, 440, 110), fill="#264653")
    return _save(image)


def solid_badge() -> bytes:
    """A filled badge edge to edge with light lettering: all of it is the logo."""
    image = Image.new("RGB", (400, 200), "#e76f51")
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 80, 340, 120), fill="#ffffff")
    return _save(image, "JPEG")


def grey16() -> bytes:
    """A 16-bit greyscale PNG (mode I;16): a dark mark on a light grey ground."""
    light, dark = (56000).to_bytes(2, "little"), (9000).to_bytes(2, "little")
    rows = [
        b"".join(dark if 40 <= y < 120 and 40 <= x < 440 else light for x in range(480))
        for y in range(160)
    ]
    return _save(Image.frombytes("I;16", (480, 160), b"".join(rows)))


def palette_logo() -> bytes:
    return _save(_wordmark("#003566").convert("P", palette=Image.Palette.ADAPTIVE))


def cmyk_logo() -> bytes:
    image = Image.new("CMYK", (400, 160), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((40, 40, 360, 120), fill=(60, 80, 0, 20))
    return _save(image, "JPEG")


def coloured(color: str) -> Callable[[], bytes]:
    return lambda: _save(_wordmark(color))


LOGOS: dict[str, Callable[[], bytes]] = {
    "white-logo.png": white_logo,
    "snowline.png": snowline,
    "snowline-on-dark.png": white_logo,
    "tiny-logo.png": tiny_logo,
    "long-name.png": coloured("#264653"),
    "japanese.png": coloured("#c1121f"),
    "greek.png": coloured("#0d5eaf"),
    "german.png": coloured("#d62828"),
    "french.png": coloured("#3a0ca3"),
    "us-letter.png": coloured("#bf5700"),
    "corner-mark.png": corner_mark,
    "solid-badge.jpg": solid_badge,
    "grey16.png": grey16,
    "white-primary.png": coloured("#1d3557"),
    "hostile-name.png": coloured("#006d77"),
    "palette-logo.png": palette_logo,
    "cmyk-logo.jpg": cmyk_logo,
    "black-logo.png": coloured("#000000"),
}


def write_hard_partners(folder: Path) -> Path:
    """The fixture CSV copied into `folder`, with its logos drawn beside it."""
    (folder / "logos").mkdir(parents=True, exist_ok=True)
    for name, draw in LOGOS.items():
        (folder / "logos" / name).write_bytes(draw())
    return Path(shutil.copy(FIXTURE, folder / "hard_partners.csv"))


def hard_partner_world(folder: Path, database_url: str) -> Runtime:
    """A runtime on `database_url` with the hard partners imported."""
    from campaign_engine import bootstrap, migrate
    from campaign_engine.services.partners.directory import import_partners
    from campaign_engine.settings import load_settings
    from tests.conftest import write_config

    runtime = bootstrap.build_runtime(load_settings(write_config(folder, database_url)))
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        import_partners(session, write_hard_partners(folder))
    return runtime
