"""One erasure request, end to end: the rows (erasure.py) in one transaction, then the
files (files.py), then SQLite's log emptied so the old pages are gone from disk too."""

from __future__ import annotations

from campaign_engine.runtime import Runtime
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.stewardship.archives import scrub_archives
from campaign_engine.services.stewardship.erasure import Erased, Scope, erase_rows
from campaign_engine.services.stewardship.files import checkpoint, erase_files
from campaign_engine.services.stewardship.keys import checked


def erase(
    runtime: Runtime,
    email: str,
    *,
    partner_slug: str | None = None,
    partner_id: int | None = None,
    actor: str,
) -> Erased:
    """Erase `email` for one partner (by slug or id) or, given neither, for every
    partner. Files naming the address are deleted whatever the scope: an outbox copy of
    an email is a record of a send the database keeps (pseudonymised) anyway, and a
    person who asked one partner to forget them is not kept on disk for another."""
    address = checked(email)
    with runtime.sessions.begin() as session:
        subject = "*"
        if partner_slug is not None:
            partner = get_partner(session, partner_slug)
            partner_id, subject = partner.id, partner.slug
        elif partner_id is not None:
            subject = str(partner_id)
        done = erase_rows(
            session,
            address,
            Scope(partner_id),
            keys=runtime.settings.signing_keys,
            actor=actor,
            subject=subject,
        )
    settings = runtime.settings
    done.files = erase_files(
        address, outbox=settings.email.outbox_dir, storage=settings.storage_dir
    ) + scrub_archives(settings.storage_dir, address)
    checkpoint(runtime.engine)
    return done
