"""What stays of an erased person: a keyed hash of the address, so it is never imported
or mailed again (services/stewardship/erasure.py), and nothing that names them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from campaign_engine.db.base import Base, utcnow


class ErasedAddress(Base):
    """The suppression list of erased addresses. `email_hash` is HMAC-SHA256 of the
    lowercased address under a key derived from the secret key (services/stewardship/keys.py):
    without that key, the hash cannot be matched against a list of addresses. `partner_id`
    None: erased for every partner (and any partner to come)."""

    __tablename__ = "erased_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
