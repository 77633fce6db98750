"""Partner customisations: checked against the kit's limits when set and again at render."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Customisation, Kit, KitVersion, Partner
from campaign_engine.domain.kit import KitSpec, check_customisation, valid_customisations
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record


def set_customisations(
    session: Session, partner: Partner, version: KitVersion, values: dict[str, str], *, actor: str
) -> dict[str, object]:
    """Validate every value first (all or nothing), then store; returns the stored values."""
    spec = KitSpec.model_validate(version.spec)
    cleaned: dict[str, object] = {}
    for key, value in values.items():
        try:
            cleaned[key] = check_customisation(spec, key, value)
        except ValueError as exc:
            raise InvalidInput(str(exc), where=f"customisation '{key}'") from None
    row = session.scalar(
        select(Customisation).where(
            Customisation.partner_id == partner.id, Customisation.kit_id == version.kit_id
        )
    )
    if row is None:
        row = Customisation(partner_id=partner.id, kit_id=version.kit_id, values={})
        session.add(row)
    row.values = {**row.values, **cleaned}
    row.updated_by = actor
    record(
        session,
        actor,
        "customisation.set",
        "partner",
        partner.slug,
        {"kit": version.kit.slug, "values": cleaned},
    )
    return dict(row.values)


def customisations_for(
    session: Session, partner_id: int, version: KitVersion, spec: KitSpec | None = None
) -> dict[str, object]:
    """The partner's stored customisations that the kit still allows. `spec`, when the
    caller has the kit loaded, saves validating the whole kit again (the sending loop)."""
    values = session.scalar(
        select(Customisation.values).where(
            Customisation.partner_id == partner_id, Customisation.kit_id == version.kit_id
        )
    )
    return valid_customisations(spec or KitSpec.model_validate(version.spec), values or {})


def stored_customisations(session: Session, spec: KitSpec, partner_id: int) -> dict[str, object]:
    """What the partner stored for the kit of this slug, as this kit's spec allows it: a
    kit folder being checked before it is loaded is checked as partners would send it."""
    values = session.scalar(
        select(Customisation.values)
        .join(Kit, Kit.id == Customisation.kit_id)
        .where(Kit.slug == spec.slug, Customisation.partner_id == partner_id)
    )
    return valid_customisations(spec, values or {})
