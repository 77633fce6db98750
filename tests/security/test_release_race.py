"""A held lead released many times at once (an attack test): each racing request passed
`lead.state != HELD` on a double opt-in partner's page and mailed the visitor its own
confirmation link, eight for one lead. One conditional UPDATE lets one release win; the
others are told the lead is held no longer (422). On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.security.conftest import world  # noqa: F401
from tests.worlds import outbox_messages


@pytest.fixture
def sqlite_url(database_url):  # the security world, on PostgreSQL too
    return database_url


# de-DE: double opt-in, the branch that raced; en-US (counted at once) went through
# count()'s conditional claim, which test_landing's confirmation race covers
@pytest.mark.parametrize("locale", ["de-DE"])
def test_a_held_lead_released_at_once_asks_its_visitor_once(world, locale):  # noqa: F811
    from campaign_engine.db import Campaign, Lead, Partner, TrackedLink
    from campaign_engine.services.attribution.leads.intake import Arrival, Visitor, admit

    world.app.config["WTF_CSRF_ENABLED"] = False
    with world.runtime.sessions.begin() as session:
        a = session.scalar(select(Partner).where(Partner.slug == "partner-01"))
        a.locale = locale  # de-DE: double opt-in; en-US: counted at once
        link = session.scalar(
            select(TrackedLink).where(
                TrackedLink.partner_id == a.id, TrackedLink.name == "assessment"
            )
        )
        campaign = session.get(Campaign, link.campaign_id)
        lead = {"email": "race@c.example", "name": "Eva", "consent": "yes"}
        arrival = Arrival(a.id, campaign.id, link.channel, link.token, "r" * 64, lead, "ok")
        held_id = admit(
            session, arrival, Visitor("c" * 16, "n" * 16), "held", world.runtime.clock()
        ).id
    ready = threading.Barrier(8)
    answers: list[int] = []

    def release() -> None:
        client = world.app.test_client()
        headers = {"Authorization": f"Bearer {world.partner_bearer}"}
        ready.wait()
        answers.append(
            client.patch(
                f"/api/v1/me/leads/{held_id}", json={"state": "released"}, headers=headers
            ).status_code
        )

    threads = [threading.Thread(target=release) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    asked = [m for m in outbox_messages(world.runtime) if m["To"] == "race@c.example"]
    if locale == "en-US":  # the partner is mailed the lead once: count() is conditional
        asked = [
            m
            for m in outbox_messages(world.runtime)
            if "race@c.example" in m.get_body(("plain",)).get_content()
        ]
    with world.runtime.sessions() as session:
        state = session.get(Lead, held_id).state
    # one wins; the others find it held no longer (422), or, once it waits for its
    # visitor, no lead of theirs to show (404)
    assert answers.count(200) == 1 and set(answers) <= {200, 404, 422}, answers
    assert state == ("unconfirmed" if locale == "de-DE" else "new")
    assert len(asked) == 1, f"the visitor got {len(asked)} confirmation emails for one lead"
