"""A partner's own data, as files it can take away: its contacts, its leads (with what
each visitor gave) and its results per campaign. The portal and API download it at any
time; `partners offboard` writes it before erasing (offboard.py)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Contact, Lead, Partner
from campaign_engine.services.attribution.leads.disposition import contact_of
from campaign_engine.services.insights.reports import rows_to_csv
from campaign_engine.services.partners.view import partner_results

CONTACT_COLUMNS = ["email", "first_name", "last_name", "company", "created_at"]
LEAD_COLUMNS = [
    "id",
    "state",
    "reason",
    "campaign_id",
    "channel",
    "source",
    "received_at",
    "first_touch_at",
    "name",
    "email",
    "company",
]
RESULT_COLUMNS = ["campaign", "clicks", "unique_clicks", "leads", "pipeline", "revenue"]


def contact_rows(session: Session, partner_id: int) -> list[dict[str, Any]]:
    contacts = session.scalars(
        select(Contact).where(Contact.partner_id == partner_id).order_by(Contact.email)
    )
    return [{column: getattr(c, column) for column in CONTACT_COLUMNS} for c in contacts]


def lead_rows(session: Session, partner_id: int) -> list[dict[str, Any]]:
    """Every lead of the partner, whatever its state, with what its visitor gave."""
    leads = session.scalars(
        select(Lead).where(Lead.partner_id == partner_id).order_by(Lead.received_at, Lead.id)
    )
    rows = []
    for lead in leads:
        given = contact_of(session, lead)
        rows.append(
            {
                **{c: getattr(lead, c) for c in LEAD_COLUMNS[:8]},
                **{c: given.get(c, "") for c in ("name", "email", "company")},
            }
        )
    return rows


def result_rows(session: Session, partner_id: int, now: datetime) -> list[dict[str, Any]]:
    results = partner_results(session, partner_id, now=now)["campaigns"]
    return [{"campaign": name, **figures} for name, figures in sorted(results.items())]


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """The rows as CSV with a header even when there are none (rows_to_csv needs one)."""
    return rows_to_csv(rows) if rows else ",".join(columns) + "\r\n"


def partner_export(session: Session, partner: Partner, *, now: datetime) -> bytes:
    """contacts.csv, leads.csv, results.csv and a manifest, zipped."""
    files = {
        "contacts.csv": _csv(contact_rows(session, partner.id), CONTACT_COLUMNS),
        "leads.csv": _csv(lead_rows(session, partner.id), LEAD_COLUMNS),
        "results.csv": _csv(result_rows(session, partner.id, now), RESULT_COLUMNS),
    }
    manifest = {
        "partner": partner.slug,
        "name": partner.name,
        "exported_at": now.isoformat(),
        "files": sorted(files),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()
