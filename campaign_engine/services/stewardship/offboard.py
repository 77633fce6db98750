"""A partner leaving the programme takes its data with it: its contacts, leads and results
are exported as a zip it can be sent (export.py), then its customers leave the engine as
an erased person does (erasure.py), in bulk: contacts deleted, deliveries and ledger rows
pseudonymised, opens unlinked, what lead visitors gave removed, outbox emails deleted.
Its figures stay, anonymised, in every programme report; its unsubscribes stay honoured
as keyed hashes; it is switched off programme-wide so no later campaign targets it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import (
    ApiToken,
    AuditEntry,
    Contact,
    Delivery,
    ErasedAddress,
    Event,
    Lead,
    Membership,
    NotPlanned,
    Partner,
    Suppression,
    UniqueEngagement,
    User,
)
from campaign_engine.db.results import affected_rows
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import FINAL, DeliveryStatus
from campaign_engine.infra.audit import record
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.sessions import revoke_all
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.stewardship.erasure import (
    ERASED,
    ERASED_DOMAIN,
    _given_address,
    _scrubbed,
    rename_lead,
)
from campaign_engine.services.stewardship.export import partner_export
from campaign_engine.services.stewardship.files import checkpoint, mail_partner, parsed_mail
from campaign_engine.services.stewardship.keys import address_hash, keyed


@dataclass(frozen=True)
class Offboarded:
    archive: Path
    contacts: int
    deliveries: int
    leads: int
    files: int


def offboard(runtime: Runtime, slug: str, archive: Path, *, actor: str) -> Offboarded:
    """Export to `archive` (refusing to overwrite one), then erase the partner's
    customers. The zip is on disk, flushed, before anything is erased."""
    from campaign_engine.errors import InvalidInput

    if archive.exists():
        raise InvalidInput(f"{archive.name} exists already; name a new file", where="--out")
    now = runtime.clock()
    with runtime.sessions() as session:
        partner = get_partner(session, slug)
        left = offboarded_at(session, partner)
        if left is not None:
            raise InvalidInput(
                f"{slug} left the programme on {left:%Y-%m-%d %H:%M} UTC; its data went into "
                "the zip made then",
                where="partner",
            )
        data = partner_export(session, partner, now=now)
    _write(archive, data)
    secret = runtime.settings.secret_key
    with runtime.sessions.begin() as session:
        partner = get_partner(session, slug)
        addresses = _addresses(session, partner.id)
        contacts = _forget_contacts(session, partner.id, secret)
        deliveries = _pseudonymise(session, partner.id, secret)
        leads = _strip_leads(session, partner.id, secret)
        _scrub_audit(session, partner, addresses)
        _switch_off(session, runtime, partner)
        _close_access(session, partner, now)
        counts = {"contacts": contacts, "deliveries": deliveries, "leads": leads}
        record(session, actor, "partner.offboard", "partner", slug, counts)
    files = _delete_mail(runtime.settings.email.outbox_dir, addresses, partner.slug)
    checkpoint(runtime.engine)
    return Offboarded(archive, contacts, deliveries, leads, files)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _addresses(session: Session, partner_id: int) -> set[str]:
    """Every customer address the partner's rows hold: contacts, recipients, suppressions,
    and what landing-page visitors gave (events and held leads)."""
    found = set(session.scalars(select(Contact.email).where(Contact.partner_id == partner_id)))
    found |= set(
        session.scalars(
            select(Delivery.recipient)
            .where(Delivery.partner_id == partner_id, Delivery.channel == "email")
            .distinct()
        )
    )
    found |= set(
        session.scalars(select(Suppression.email).where(Suppression.partner_id == partner_id))
    )
    for data in session.scalars(
        select(Event.data).where(Event.partner_id == partner_id, Event.type == "lead.created")
    ):
        found.add(_given_address(data))
    for pending in session.scalars(
        select(Lead.pending).where(Lead.partner_id == partner_id, Lead.pending.is_not(None))
    ):
        found.add(_given_address(pending))
    return {a.lower() for a in found if a and "@" in a and not a.endswith(ERASED_DOMAIN)}


def _forget_contacts(session: Session, partner_id: int, secret: str) -> int:
    """Contacts go; each unsubscribe or bounce stays honoured, as a keyed hash."""
    for email in session.scalars(
        select(Suppression.email).where(Suppression.partner_id == partner_id)
    ):
        session.add(ErasedAddress(email_hash=address_hash(email, secret), partner_id=partner_id))
    session.execute(delete(Suppression).where(Suppression.partner_id == partner_id))
    result = session.execute(delete(Contact).where(Contact.partner_id == partner_id))
    return affected_rows(result)


def _pseudonymise(session: Session, partner_id: int, secret: str) -> int:
    """Email deliveries and ledger rows keep their counts under pseudonyms; opens lose
    the delivery and visitor they named; nothing unsent goes out."""
    rows = session.scalars(
        select(Delivery).where(
            Delivery.partner_id == partner_id,
            Delivery.channel == "email",
            ~Delivery.recipient.like(f"%@{ERASED_DOMAIN}"),
        )
    ).all()
    for delivery in rows:
        name = address_hash(delivery.recipient, secret)[:16]
        old_key = delivery.idempotency_key
        delivery.recipient = f"erased-{name}@{ERASED_DOMAIN}"
        delivery.idempotency_key = "erased-" + keyed(old_key, secret, 40)
        delivery.provider_ref = (delivery.provider_ref or "").replace(
            old_key, delivery.idempotency_key
        ) or None
        delivery.last_error = delivery.provider_detail = None
        if delivery.status not in FINAL:
            delivery.status, delivery.reason = DeliveryStatus.SKIPPED, Reason.SUPPRESSED
            delivery.last_error = "the partner left the programme"
            delivery.lease_owner = delivery.lease_expires_at = None
    for row in session.scalars(
        select(NotPlanned).where(NotPlanned.partner_id == partner_id, NotPlanned.recipient != "")
    ):
        if "@" in row.recipient and not row.recipient.endswith(ERASED_DOMAIN):
            name = address_hash(row.recipient, secret)[:16]
            row.recipient, row.detail = f"erased-{name}@{ERASED_DOMAIN}", None
    session.execute(
        delete(UniqueEngagement).where(
            UniqueEngagement.partner_id == partner_id, UniqueEngagement.type == "open"
        )
    )
    for event in session.scalars(
        select(Event).where(Event.partner_id == partner_id, Event.type == "open")
    ):
        event.data, event.visitor = {}, None
    return len(rows)


def _strip_leads(session: Session, partner_id: int, secret: str) -> int:
    """Every landing-page lead of the partner, as retention strips an old one."""
    leads = session.scalars(
        select(Lead).where(Lead.partner_id == partner_id, Lead.external_id.like("landing-%"))
    ).all()
    for lead in leads:
        rename_lead(
            session, partner_id, lead.external_id, "erased-" + keyed(lead.external_id, secret)
        )
    return len(leads)


def _scrub_audit(session: Session, partner: Partner, addresses: set[str]) -> None:
    """Unsubscribes are recorded in the recipient's name; lifts name the address. What a
    user of the engine did keeps its name."""
    users = {e.lower() for e in session.scalars(select(User.email))}
    for entry in session.scalars(
        select(AuditEntry).where(
            AuditEntry.subject_type == "partner",
            AuditEntry.subject_id.in_([str(partner.id), partner.slug]),
        )
    ):
        if entry.actor.lower() in addresses and entry.actor.lower() not in users:
            entry.actor = ERASED
        for address in addresses:
            entry.detail = _scrubbed(entry.detail, address)


def offboarded_at(session: Session, partner: Partner) -> datetime | None:
    """When the partner left (its audit entry), or None."""
    return session.scalar(
        select(AuditEntry.at).where(
            AuditEntry.action == "partner.offboard",
            AuditEntry.subject_type == "partner",
            AuditEntry.subject_id == partner.slug,
        )
    )


def _close_access(session: Session, partner: Partner, now: datetime) -> None:
    """Its users lose the portal and the API: memberships gone, sessions ended, tokens
    revoked. The accounts stay (an admin removes them with `users remove`)."""
    members = list(
        session.scalars(select(Membership.user_id).where(Membership.partner_id == partner.id))
    )
    for user_id in members:
        revoke_all(session, user_id, now=now)
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    session.execute(delete(Membership).where(Membership.partner_id == partner.id))


def _switch_off(session: Session, runtime: Runtime, partner: Partner) -> None:
    """Off programme-wide: no later campaign plans anything for it."""
    from campaign_engine.services.partners.consent.record import set_consent

    set_consent(
        session,
        partner,
        ConsentMode.OFF,
        actor="offboard",
        via="cli",
        rules=runtime.settings.programme.rules(),
        now=runtime.clock(),
    )


EMAILISH = re.compile(r"[\w.+'%-]+@[\w-]+(?:\.[\w-]+)+")


def _delete_mail(outbox: Path, addresses: set[str], slug: str) -> int:
    """The partner's outbox emails (X-Campaign-Partner) naming any of the addresses (sent
    to one, or a lead's details mailed to the partner), in one pass: each file's
    addresses, decoded as a mail client reads them, are looked up in the set. Another
    partner's mail to a customer both had is that partner's, and stays."""
    if not addresses:
        return 0
    removed = 0
    for sub in ("new", "cur", "tmp"):
        folder = outbox / sub
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                data = path.read_bytes()
            except OSError:
                continue
            message = parsed_mail(data)
            if message is None or mail_partner(message) != slug:
                continue
            if _named(data, message) & addresses:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _named(data: bytes, message: EmailMessage) -> set[str]:
    """Every address in a mail (`message`, parsed once by the caller from `data`): raw
    bytes, headers and decoded text parts."""
    raw = data.decode("utf-8", "replace")
    try:
        texts = [raw, *(str(value) for value in message.values())]
        texts += [
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        ]
    except (LookupError, ValueError, TypeError):  # will not decode: the raw text decides
        return {m.lower() for m in EMAILISH.findall(raw)}
    return {m.lower() for text in texts if isinstance(text, str) for m in EMAILISH.findall(text)}
