"""What a kit's assets need of a partner's profile (kit.yaml `requires`), checked by one
rule wherever an asset is made: a launch, a preview, the brochure attached to a runway
email, the portal's library and preflight."""

from __future__ import annotations

from collections.abc import Callable

from campaign_engine.db import Partner
from campaign_engine.domain.kit import KitSpec
from campaign_engine.errors import MissingField
from campaign_engine.ports import BrandContext

# A profile field as the marketer reads it in a reason (the column name follows it).
FIELD_WORDS = {
    "postal_address": "a postal address",
    "phone": "a phone number",
    "contact_email": "a contact email",
    "website": "a website",
    "logo": "a logo",
}


def check_requirements(partner: Partner, spec: KitSpec, channel: str) -> None:
    """A permanent failure, with the reason the marketer needs, when the partner's profile
    lacks a field the kit's assets for this channel declare they need."""
    missing = missing_fields(spec, channel, partner_has(partner))
    if missing:
        raise MissingField(requirement_reason(partner.name, channel, missing))


def missing_fields(spec: KitSpec, channel: str, has: Callable[[str], bool]) -> list[str]:
    """The fields the kit's assets for `channel` ("brochure" for the PDF) require that
    `has` says the partner lacks: one rule for a launch, a preview, the brochure attached
    to a runway email, the portal's library and preflight."""
    return [field for field in spec.requirements(channel) if not has(field)]


def partner_has(partner: Partner) -> Callable[[str], bool]:
    """A profile field is there: a stored logo, or non-blank text."""
    return lambda field: bool(
        partner.logo_sha256 if field == "logo" else (getattr(partner, field) or "").strip()
    )


def brand_has(brand: BrandContext) -> Callable[[str], bool]:
    """The same for a BrandContext (the name lockup stands in for a missing logo)."""
    return lambda field: bool(
        brand.logo_kind != "name" if field == "logo" else (getattr(brand, field) or "").strip()
    )


def requirement_reason(name: str, channel: str, missing: list[str]) -> str:
    words = ", ".join(FIELD_WORDS.get(field, field.replace("_", " ")) for field in missing)
    what = "brochure needs" if channel == "brochure" else f"{channel} assets need"
    return (
        f"The profile of {name} lacks {words} ({', '.join(missing)}), which the kit's "
        f"{what}; complete the profile and retry"
    )
