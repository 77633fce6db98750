"""One erasure request, end to end: the rows (erasure.py) in one transaction, then the
files (files.py), then SQLite's log emptied so the old pages are gone from disk too."""

from __future__ import annotations

from campaign_engine.db import Partner
from campaign_engine.errors import NotFound
from campaign_engine.runtime import Runtime
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.stewardship.archives import scrub_archives
from campaign_engine.services.stewardship.erasure import Erased, Scope, erase_rows
from campaign_engine.services.stewardship.files import checkpoint, erase_mail, erase_stored
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
    partner. One partner's erasure reaches its own rows and its own files only (its
    outbox mails, its kept offboarding zip); the vendor's reaches every partner's, and
    the storage folder's files."""
    address = checked(email)
    with runtime.sessions.begin() as session:
        subject, slug = "*", None
        if partner_slug is not None or partner_id is not None:
            partner = get_partner(session, partner_slug) if partner_slug else None
            partner = partner or session.get(Partner, partner_id)
            if partner is None:
                raise NotFound(f"no partner {partner_id}")
            partner_id, subject, slug = partner.id, partner.slug, partner.slug
        done = erase_rows(
            session,
            address,
            Scope(partner_id),
            keys=runtime.settings.signing_keys,
            actor=actor,
            subject=subject,
        )
    settings = runtime.settings
    done.files = erase_mail(address, settings.email.outbox_dir, partner=slug)
    if slug is None:  # the vendor's erasure: storage too (never a partner's to reach)
        done.files += erase_stored(address, settings.storage_dir)
    done.files += scrub_archives(settings.storage_dir, address, partner=slug)
    checkpoint(runtime.engine)
    return done
