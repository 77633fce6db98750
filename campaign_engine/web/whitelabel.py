"""The vendor's programme as partners see it (settings.programme: name, logo, colour), in
every page's header and title instead of the product's name. The logo is read once, at
start-up, and inlined: it is a few kilobytes, and needs no route of its own."""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass

from flask import Flask

from campaign_engine.errors import ConfigError
from campaign_engine.settings import Settings

LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}
MAX_LOGO = 512 * 1024


@dataclass(frozen=True)
class Programme:
    name: str
    logo: str | None  # a data: URI
    color: str


def programme(settings: Settings) -> Programme:
    config = settings.programme
    logo = None
    if config.logo is not None:
        kind = mimetypes.guess_type(str(config.logo))[0]
        if kind not in LOGO_TYPES:
            raise ConfigError(f"config key 'programme.logo': {config.logo} is not PNG, JPEG or SVG")
        try:
            data = config.logo.read_bytes()
        except OSError as exc:
            raise ConfigError(f"config key 'programme.logo': {exc}") from None
        if len(data) > MAX_LOGO:
            raise ConfigError("config key 'programme.logo': larger than 512 KB")
        logo = f"data:{kind};base64,{base64.b64encode(data).decode()}"
    return Programme(config.name, logo, config.brand_color)


def init_app(app: Flask, settings: Settings) -> None:
    app.jinja_env.globals["programme"] = programme(settings)
