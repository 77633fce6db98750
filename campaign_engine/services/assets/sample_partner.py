"""The sample partners a kit is validated for: one with a very long name, and the worst
case, every text it can change one unbroken word at its longest."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from campaign_engine.domain.kit import KitSpec
from campaign_engine.ports import BrandContext
from campaign_engine.services.assets.brand.lockup import fallback_lockup


@lru_cache(maxsize=1)
def sample_brand() -> BrandContext:
    """A partner with a very long name and a generated lockup: what validation renders
    for. Built on first use, not at import (every CLI command imports this module)."""
    return BrandContext(
        slug="sample-partner",
        name="Sample Partner Systems & Services International GmbH",
        primary_color="#0a6e4f",
        secondary_color="#f2b705",
        text_on_primary="#ffffff",
        text_on_secondary="#1d2433",
        logo_png=fallback_lockup("Sample Partner Systems", "#0a6e4f"),
        logo_on_plate=None,
        contact_email="sales@sample.example",
        phone="+44 20 7946 0000",
        phone_display="+44 20 7946 0000",
        website="https://sample.example",
        postal_address="1 Sample Street, London",
        locale="en",
        timezone="UTC",
        vertical="",
    )


def worst_case_brand(spec: KitSpec, locale: str) -> BrandContext:
    """The sample partner with every text it can change as one unbroken word: a name of
    90 characters, an address, a website and each customisable text at its longest."""
    word = "Ŵ" * 30 + "W" * 60
    custom = {
        key: ("W" * field.max_length)
        for key, field in spec.customisable.items()
        if field.max_length and not field.choices
    }
    return replace(
        sample_brand(),
        name=word,
        short_name=word[:40],
        postal_address=word + " " + word,
        website="https://" + "w" * 60 + ".example/" + "p" * 40,
        contact_email="sales@" + "w" * 60 + ".example",
        locale=locale,
        customisations=custom,
    )
