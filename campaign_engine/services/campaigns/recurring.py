"""Recurring campaigns: each occurrence re-launches the kit's latest version to whoever is
in the audience now, as a child campaign with its own ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, KitVersion
from campaign_engine.domain.consent import ConsentRules
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign


def relaunch(session: Session, parent_id: int, *, now: datetime, rules: ConsentRules) -> int:
    parent = session.get(Campaign, parent_id)
    if parent is None or parent.status == "cancelled":
        return 0
    name = f"{parent.name} ({now:%Y-%m-%d})"
    if session.scalar(
        select(Campaign.id).where(Campaign.parent_id == parent_id, Campaign.name == name)
    ):
        return 0  # this occurrence already ran (a second scheduler, a retried job)
    latest = session.scalar(
        select(KitVersion)
        .where(KitVersion.kit_id == parent.kit_version.kit_id)
        .order_by(KitVersion.id.desc())
    )
    assert latest is not None
    child = create_campaign(session, latest, name, dict(parent.audience), None, actor="scheduler")
    child.parent_id = parent.id
    child.send_time, child.send_weekday = parent.send_time, parent.send_weekday
    child.consent_default = parent.consent_default
    child.partner_title = parent.partner_title
    child.partner_description = parent.partner_description
    child.banner_priority, child.preview_days = parent.banner_priority, parent.preview_days
    return launch_campaign(session, child, now=now, actor="scheduler", rules=rules)
