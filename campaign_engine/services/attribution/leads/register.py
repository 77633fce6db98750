"""Every attributed lead gets its row, whichever way it came (landing page, CRM webhook,
callback, CSV), in the same transaction as its event: none is left without a state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from campaign_engine.db import Lead
from campaign_engine.db.bulk import insert_new


def open_leads(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Rows for the new lead.created events that name a partner; a lead already known
    (the same partner and external id) is left as it is. Returns how many were opened."""
    fresh: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        if row.get("type") != "lead.created" or not row.get("partner_id"):
            continue
        key = (row["partner_id"], row["external_id"])
        fresh.setdefault(
            key,
            {
                "partner_id": row["partner_id"],
                "campaign_id": row.get("campaign_id"),
                "channel": row.get("channel"),
                "external_id": row["external_id"],
                "source": str((row.get("data") or {}).get("source", ""))[:200],
                "state": "new",
                "reason": "",
                "received_at": row["received_at"],
            },
        )
    inserted = insert_new(
        session.connection(),
        Lead.__table__,
        list(fresh.values()),
        returning=["id"],
        conflict=["partner_id", "external_id"],
    )
    return len(inserted)
