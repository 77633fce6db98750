"""Erasing one person: every row that names their address is deleted or rewritten so it
no longer does, while each figure a report reads stays as it was.

What goes and what stays:
- contacts and plain suppressions of the address: deleted; a keyed hash
  (ErasedAddress, keys.py) takes the suppression's place, so an import skips the
  address and a send refuses it;
- deliveries and not-planned rows to it: kept for the counts, the recipient replaced by a
  pseudonym and the idempotency key (an unsalted hash of the address) by a keyed one;
  anything not yet sent is skipped, never sent to the pseudonym;
- opens of those deliveries: kept as counted, without the delivery they name or the
  visitor hash; their first-visit rows are deleted (the tallies already hold the counts);
- landing-page leads the person left: the lead, its event and its deal record keep
  their state, times and amounts; what the visitor gave is removed and the external id
  (a hash of the address) becomes a keyed pseudonym in all three;
- audit entries: the address, as actor or in a detail, becomes "[erased]".
Clicks name a partner's link, never a person, so they have nothing to erase. Files (the
outbox, storage) are files.py's; the caller runs both (commands, web).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, func, select, true
from sqlalchemy.orm import Session

from campaign_engine.db import (
    AuditEntry,
    Contact,
    DealRecord,
    Delivery,
    ErasedAddress,
    Event,
    Lead,
    NotPlanned,
    Suppression,
    UniqueEngagement,
    User,
)
from campaign_engine.db.results import affected_rows
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import FINAL, DeliveryStatus
from campaign_engine.infra.audit import record
from campaign_engine.services.stewardship.keys import address_hash, address_hashes, keyed

ERASED = "[erased]"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real mailbox


@dataclass
class Erased:
    """What one erasure changed, by kind: counts only, never the address."""

    contacts: int = 0
    suppressions: int = 0
    deliveries: int = 0
    not_planned: int = 0
    opens: int = 0
    leads: int = 0
    audit_entries: int = 0
    files: int = 0
    newly_suppressed: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "contacts": self.contacts,
            "suppressions": self.suppressions,
            "deliveries": self.deliveries,
            "not_planned": self.not_planned,
            "opens": self.opens,
            "leads": self.leads,
            "audit_entries": self.audit_entries,
            "files": self.files,
        }

    @property
    def nothing_left(self) -> bool:
        """True when the address was found nowhere (a second run, or never known)."""
        return not any(self.counts().values())


@dataclass(frozen=True)
class Scope:
    """Whose data: one partner's (its id), or every partner's (None)."""

    partner_id: int | None

    def where(self, column: Any) -> Any:
        return true() if self.partner_id is None else column == self.partner_id


def erase_rows(
    session: Session,
    address: str,
    scope: Scope,
    *,
    keys: list[str],
    actor: str,
    subject: str,
) -> Erased:
    """Erase `address` (normalised, keys.checked) from the database for `scope`; the
    audit entry names `subject` (a partner's slug, or "*" for all) and the counts."""
    secret = keys[-1]  # the signing key: what new pseudonyms and hashes are made with
    done = Erased()
    done.newly_suppressed = _suppress(session, address, scope, keys)
    done.contacts = _delete_contacts(session, address, scope)
    done.suppressions = _delete_suppressions(session, address, scope)
    pseudonym = f"erased-{address_hash(address, secret)[:16]}@{ERASED_DOMAIN}"
    erased_ids = _pseudonymise_deliveries(session, address, pseudonym, scope, secret)
    done.deliveries = len(erased_ids)
    done.not_planned = _pseudonymise_not_planned(session, address, pseudonym, scope)
    done.opens = _forget_opens(session, erased_ids)
    done.leads = _forget_leads(session, address, scope, secret)
    done.audit_entries = _scrub_audit(session, address, scope, subject)
    record(session, actor, "contact.erase", "partner", subject, {"removed": done.counts()})
    return done


def _suppress(session: Session, address: str, scope: Scope, keys: list[str]) -> bool:
    """The keyed hash, once per scope (a programme-wide one covers every partner)."""
    known = session.scalar(
        select(ErasedAddress.id).where(
            ErasedAddress.email_hash.in_(address_hashes(address, keys)),
            ErasedAddress.partner_id.is_(None)
            | (ErasedAddress.partner_id == (scope.partner_id or -1)),
        )
    )
    if known is not None:
        return False
    session.add(
        ErasedAddress(email_hash=address_hash(address, keys[-1]), partner_id=scope.partner_id)
    )
    return True


def _delete_contacts(session: Session, address: str, scope: Scope) -> int:
    result = session.execute(
        delete(Contact)
        .where(func.lower(Contact.email) == address, scope.where(Contact.partner_id))
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def _delete_suppressions(session: Session, address: str, scope: Scope) -> int:
    result = session.execute(
        delete(Suppression)
        .where(func.lower(Suppression.email) == address, scope.where(Suppression.partner_id))
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def _pseudonymise_deliveries(
    session: Session, address: str, pseudonym: str, scope: Scope, secret: str
) -> list[int]:
    """Each delivery to the address keeps its counts under a pseudonym; one not sent yet
    is skipped (suppressed), so nothing ever goes to the pseudonym."""
    rows = session.scalars(
        select(Delivery).where(
            Delivery.channel == "email",
            func.lower(Delivery.recipient) == address,
            scope.where(Delivery.partner_id),
        )
    ).all()
    for delivery in rows:
        old_key = delivery.idempotency_key
        delivery.recipient = pseudonym
        delivery.idempotency_key = "erased-" + keyed(old_key, secret, 40)
        if delivery.provider_ref and old_key in delivery.provider_ref:
            delivery.provider_ref = delivery.provider_ref.replace(old_key, delivery.idempotency_key)
        delivery.last_error = _scrubbed_text(delivery.last_error, address)
        delivery.provider_detail = _scrubbed_text(delivery.provider_detail, address)
        if delivery.status not in FINAL:
            delivery.status, delivery.reason = DeliveryStatus.SKIPPED, Reason.SUPPRESSED
            delivery.last_error = "recipient erased at their request"
            delivery.lease_owner = delivery.lease_expires_at = None
    return [d.id for d in rows]


def _pseudonymise_not_planned(session: Session, address: str, pseudonym: str, scope: Scope) -> int:
    rows = session.scalars(
        select(NotPlanned).where(
            func.lower(NotPlanned.recipient) == address, scope.where(NotPlanned.partner_id)
        )
    ).all()
    for row in rows:
        row.recipient = pseudonym
        row.detail = _scrubbed_text(row.detail, address)
    return len(rows)


def _forget_opens(session: Session, delivery_ids: list[int]) -> int:
    """Opens of the erased deliveries stay counted (tallies) but name neither the
    delivery nor the visitor; their first-visit rows go (the unique counts are tallied)."""
    if not delivery_ids:
        return 0
    targets = [f"delivery:{i}" for i in delivery_ids]
    session.execute(
        delete(UniqueEngagement)
        .where(UniqueEngagement.type == "open", UniqueEngagement.target.in_(targets))
        .execution_options(synchronize_session=False)
    )
    campaigns = select(Delivery.campaign_id).where(Delivery.id.in_(delivery_ids)).distinct()
    wanted = set(delivery_ids)
    changed = 0
    for event in session.scalars(
        select(Event).where(Event.type == "open", Event.campaign_id.in_(campaigns))
    ):
        if (event.data or {}).get("delivery") in wanted:
            event.data, event.visitor = {}, None
            changed += 1
    return changed


def _given_address(data: dict[str, Any] | None) -> str:
    """The address a landing-page visitor gave, as stored on its event or held lead."""
    lead = (data or {}).get("lead") or {}
    return str(lead.get("email", "")).strip().lower() if isinstance(lead, dict) else ""


def _forget_leads(session: Session, address: str, scope: Scope, secret: str) -> int:
    """Landing-page leads the person left, found by what they gave (events, held and
    unconfirmed leads): state, times and amounts stay; what they gave goes."""
    external_ids: set[tuple[int | None, str]] = set()
    for event in session.scalars(
        select(Event).where(Event.type == "lead.created", scope.where(Event.partner_id))
    ):
        if _given_address(event.data) == address and event.external_id:
            external_ids.add((event.partner_id, event.external_id))
    for lead in session.scalars(
        select(Lead).where(Lead.pending.is_not(None), scope.where(Lead.partner_id))
    ):
        if _given_address(lead.pending) == address:
            external_ids.add((lead.partner_id, lead.external_id))
    for partner_id, external_id in external_ids:
        rename_lead(session, partner_id, external_id, "erased-" + keyed(external_id, secret))
    return len(external_ids)


def rename_lead(session: Session, partner_id: int | None, old: str, new: str) -> None:
    """One lead's pseudonym in its row, its events and its deal records alike, so the
    figures that join them (deals, lead outcomes) still do."""
    same_partner = (
        Event.partner_id.is_(None) if partner_id is None else Event.partner_id == partner_id
    )
    for event in session.scalars(select(Event).where(Event.external_id == old, same_partner)):
        source = (event.data or {}).get("source", "")
        event.external_id, event.data = new, {"source": source, "external_id": new}
        if event.dedupe_key:
            event.dedupe_key = "erased:" + keyed(event.dedupe_key, new, 40)
        event.visitor = None
    if partner_id is None:
        return
    for lead in session.scalars(
        select(Lead).where(Lead.partner_id == partner_id, Lead.external_id == old)
    ):
        lead.external_id, lead.pending, lead.client, lead.network = new, None, None, None
    for deal in session.scalars(
        select(DealRecord).where(DealRecord.partner_id == partner_id, DealRecord.external_id == old)
    ):
        deal.external_id = new


def _scrub_audit(session: Session, address: str, scope: Scope, slug: str) -> int:
    """The address wherever the audit trail holds it: as the actor (an unsubscribe is
    recorded in the recipient's name) or inside a detail (a lifted suppression). One
    partner's erasure reaches the entries about that partner only, and no erasure
    rewrites what a user of the engine did (a user's address is not a customer's)."""
    escaped = json.dumps(address)[1:-1]
    query = select(AuditEntry).where(
        (func.lower(AuditEntry.actor) == address)
        | func.lower(cast(AuditEntry.detail, Text)).contains(escaped, autoescape=True)
        | func.lower(cast(AuditEntry.detail, Text)).contains(address, autoescape=True)
    )
    if scope.partner_id is not None:
        query = query.where(
            AuditEntry.subject_type == "partner",
            AuditEntry.subject_id.in_([str(scope.partner_id), slug]),
        )
    user = session.scalar(select(User.id).where(func.lower(User.email) == address))
    entries = session.scalars(query).all()
    for entry in entries:
        if entry.actor.lower() == address and user is None:
            entry.actor = ERASED
        entry.detail = _scrubbed(entry.detail, address)
    return len(entries)


def _scrubbed(value: Any, address: str) -> Any:
    """`value` (JSON) with every string holding the address rewritten."""
    if isinstance(value, dict):
        return {k: _scrubbed(v, address) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, address) for v in value]
    if isinstance(value, str):
        return _scrubbed_text(value, address)
    return value


def _scrubbed_text(text: str | None, address: str) -> str | None:
    """`text` with the address (in any case) replaced by "[erased]". Matched on the text
    itself: a character whose lower case is longer ("İ") would shift positions found in
    a lowercased copy, and cut the address in the wrong place."""
    if not text:
        return text
    return re.sub(re.escape(address), ERASED, text, flags=re.IGNORECASE)
