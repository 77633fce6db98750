"""A partner editing its own brand and contact details (the portal's profile page)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.db.results import affected_rows
from campaign_engine.domain.brand import contrast_ratio
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.domain.words import N_, Words
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.services.access.confirmations import request_contact_change
from campaign_engine.services.assets.brand.logos import normalise_logo
from campaign_engine.services.assets.brand.warnings import logo_warnings, name_warnings
from campaign_engine.services.partners.directory import PartnerRow


@dataclass(frozen=True)
class ContactChange:
    email: str  # normalised by validation: what is stored, and where the link goes
    token: str


EDITABLE = (
    "short_name",
    "contact_email",
    "phone",
    "website",
    "postal_address",
    "primary_color",
    "secondary_color",
)


def update_profile(
    session: Session,
    partner: Partner,
    values: dict[str, str],
    logo: bytes | None,
    *,
    actor: str,
    now: datetime,
    logo_on_dark: bytes | None = None,
) -> ContactChange | None:
    """All or nothing: the same rules as the CSV import, one clear message per field.

    A new contact address is not applied: it waits for its owner to confirm it; the
    address as validated and the token for its link are returned (None: unchanged)."""
    current = {f: getattr(partner, f) for f in PartnerRow.model_fields if hasattr(partner, f)}
    merged: dict[str, Any] = {**current, "logo": "", "tags": ""}
    merged.update({k: v for k, v in values.items() if k in EDITABLE})
    try:
        row = PartnerRow.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(first["msg"], where=str(first["loc"][0])) from None
    png = normalise_logo(logo, where="logo") if logo else None
    dark = normalise_logo(logo_on_dark, where="logo_on_dark") if logo_on_dark else None
    change = None
    if row.contact_email.lower() != partner.contact_email.lower():
        email = row.contact_email.lower()
        token = request_contact_change(session, partner, email, now=now, actor=actor)
        change = ContactChange(email, token)
    for field in EDITABLE:
        if field != "contact_email":
            setattr(partner, field, getattr(row, field))
    if png is not None:
        partner.logo_png, partner.logo_sha256 = png, hashlib.sha256(png).hexdigest()
    if dark is not None:
        partner.logo_on_dark_png = dark
        partner.logo_on_dark_sha256 = hashlib.sha256(dark).hexdigest()
    changed = sorted(k for k in values if k in EDITABLE)
    changed += (["logo"] if png else []) + (["logo_on_dark"] if dark else [])
    requeued = retry_held(session, partner, now=now)
    record(
        session,
        actor,
        "profile.update",
        "partner",
        partner.slug,
        {"fields": changed, "requeued": requeued},
    )
    return change


def retry_held(session: Session, partner: Partner, *, now: datetime) -> int:
    """A profile fixed: what preflight held or a missing field stopped goes back to the
    queue, due now, in campaigns still running. Preflight checks it again before it goes."""
    running = select(Campaign.id).where(
        Campaign.status.in_((CampaignStatus.LAUNCHING, CampaignStatus.LIVE))
    )
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.partner_id == partner.id,
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.reason.in_((Reason.HELD_BY_PREFLIGHT, Reason.MISSING_FIELD)),
            Delivery.campaign_id.in_(running),
        )
        .values(status=DeliveryStatus.PENDING, reason=None, due_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def brand_warnings(partner: Partner) -> list[Words]:
    """What would make the co-branded assets fall back or read badly, in words the portal
    translates (the console and the API read them in English)."""
    warnings = []
    if not partner.logo_sha256:
        warnings.append(Words(N_("No logo: your assets show your name in your colour instead.")))
    if contrast_ratio(partner.primary_color, "#ffffff") < 3:
        warnings.append(
            Words(
                N_(
                    "Your primary colour is too light to read on white; headings use a "
                    "darker shade."
                )
            )
        )
    if partner.logo_png:
        for warning in logo_warnings(partner.logo_png, bool(partner.logo_on_dark_sha256)):
            warnings.append(warning.message)
    for field, label in (("name", N_("your name")), ("postal_address", N_("your postal address"))):
        for found in name_warnings(getattr(partner, field) or ""):
            warnings.append(
                Words(N_("In %(field)s: %(problem)s"), {"field": Words(label), "problem": found})
            )
    if not partner.phone:
        warnings.append(Words(N_("No phone number: assets that need it cannot go out for you.")))
    if not partner.postal_address:
        warnings.append(Words(N_("No postal address: assets that need it cannot go out for you.")))
    return warnings
