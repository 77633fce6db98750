"""A partner's own destinations per channel (their CRM, their LinkedIn page, a webhook)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import ChannelEndpoint, Partner
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.infra.secrets import redacted, seal

KINDS = {"social": {"webhook", "linkedin"}, "crm": {"webhook", "hubspot", "salesforce"}}


def set_endpoint(
    session: Session,
    partner: Partner,
    channel: str,
    kind: str,
    url: str | None,
    config: dict[str, str],
    *,
    secret_key: str,
    actor: str,
) -> ChannelEndpoint:
    if channel not in KINDS:
        raise InvalidInput(
            f"channel '{channel}' has no partner endpoints; use {' or '.join(KINDS)}",
            where="--channel",
        )
    if kind not in KINDS[channel]:
        raise InvalidInput(
            f"{channel} endpoints are {', '.join(sorted(KINDS[channel]))}", where="--kind"
        )
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidInput("not an http(s) URL", where="--url")
    row = session.scalar(
        select(ChannelEndpoint).where(
            ChannelEndpoint.partner_id == partner.id, ChannelEndpoint.channel == channel
        )
    )
    if row is None:
        row = ChannelEndpoint(partner_id=partner.id, channel=channel, kind=kind)
        session.add(row)
    row.kind, row.url, row.config = kind, url, seal(config, secret_key)
    row.token_warned_at = None  # a new token gets its own warning
    record(
        session,
        actor,
        "endpoint.set",
        "partner",
        partner.slug,
        {"channel": channel, "kind": kind, "config": redacted(config)},
    )
    return row
