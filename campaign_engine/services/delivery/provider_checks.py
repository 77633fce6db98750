"""Asking the services that can tell whether what they accepted is still there: a post the
partner deleted from its page, a CRM note removed, a task completed. "Sent" is what we did;
this is what the partner's audience can still see."""

from __future__ import annotations

from collections import Counter
from typing import cast

from sqlalchemy import select

from campaign_engine.db import ChannelEndpoint, Delivery
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import DeliveryError
from campaign_engine.infra.secrets import unseal
from campaign_engine.ports import Endpoint, StatusLookup
from campaign_engine.runtime import Runtime


def check_provider_status(runtime: Runtime, campaign_id: int) -> Counter[str]:
    """Counts of "<provider> <state>" over the campaign's sent items; "unreachable" when
    the service could not be asked (the previous answer, if any, is kept)."""
    lookups = {
        name: cast(StatusLookup, connector)
        for name, connector in runtime.connectors.items()
        if callable(getattr(connector, "fetch_status", None))
    }
    with runtime.sessions() as session:
        rows = session.execute(
            select(Delivery.id, Delivery.provider, Delivery.provider_ref, ChannelEndpoint)
            .join(
                ChannelEndpoint,
                (ChannelEndpoint.partner_id == Delivery.partner_id)
                & (ChannelEndpoint.channel == Delivery.channel),
            )
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.provider.in_(list(lookups)),
                Delivery.provider_ref.is_not(None),
            )
        ).all()
        targets = [
            (
                delivery_id,
                provider,
                ref,
                Endpoint(
                    row.kind, row.url, unseal(row.config or {}, runtime.settings.signing_keys)
                ),
            )
            for delivery_id, provider, ref, row in rows
            if provider is not None and ref is not None  # the query's own condition, as types
        ]
    counts: Counter[str] = Counter()
    for delivery_id, provider, ref, endpoint in targets:
        try:
            status = lookups[provider].fetch_status(ref, endpoint)
        except DeliveryError:
            counts[f"{provider} unreachable"] += 1
            continue
        counts[f"{provider} {status.state}"] += 1
        with runtime.sessions.begin() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is not None:
                delivery.provider_status = status.state
                delivery.provider_detail = status.detail[:200]
                delivery.provider_checked_at = runtime.clock()
    return counts
