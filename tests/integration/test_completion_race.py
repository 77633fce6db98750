"""Two last sends finishing at the same moment each saw the other's row still open, so
neither completed the campaign: it stayed "live" at 100% sent (found by a test comparing
figures before and after, which the status flipped under). The dispatcher and `launch
--wait` now sweep for such campaigns; a campaign with anything still open stays live."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from campaign_engine.db import Campaign, Delivery
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.pipeline.executors import LocalExecutor
from campaign_engine.pipeline.runner import Dispatcher, run_until_sent
from tests.worlds import launched_campaign


def _status(runtime, campaign_id: int) -> str:
    with runtime.sessions() as session:
        return str(session.get(Campaign, campaign_id).status)


def _as_the_race_leaves_it(runtime, campaign_id: int) -> None:
    """Every delivery final (the posts the cadence keeps for later too), the campaign
    still live."""
    with runtime.sessions.begin() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.campaign_id == campaign_id, Delivery.status != DeliveryStatus.SENT)
            .values(status=DeliveryStatus.SENT)
        )
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(status=CampaignStatus.LIVE)
        )


def test_a_campaign_left_live_at_100_percent_is_completed_by_the_sweep(tmp_path, database_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Race Q3"
    )
    try:
        _as_the_race_leaves_it(runtime, campaign_id)
        run_until_sent(runtime, campaign_id, workers=1, timeout=10)  # `launch --wait`
        assert _status(runtime, campaign_id) == "completed"

        _as_the_race_leaves_it(runtime, campaign_id)
        dispatcher = Dispatcher(runtime, LocalExecutor(runtime, 1))
        dispatcher.round()  # serve's loop, with nothing to claim
        assert _status(runtime, campaign_id) == "completed"

        # one row still open (a post the cadence sends later): live it stays
        _as_the_race_leaves_it(runtime, campaign_id)
        with runtime.sessions.begin() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == session.query(Delivery.id).limit(1).scalar_subquery())
                .values(status=DeliveryStatus.PENDING, due_at=datetime(2099, 1, 1, tzinfo=UTC))
            )
        dispatcher.swept_at = 0.0
        dispatcher.round()
        dispatcher.executor.shutdown()
        assert _status(runtime, campaign_id) == "live"
    finally:
        runtime.close()
