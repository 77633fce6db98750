"""What one erasure may not reach (found by attacking it): a partner's erasure touches its
own mails, rows and audit entries only; an address that only sends mail (the vendor's
From, a partner's Reply-To) deletes nothing; a user's audit trail keeps its name; the
address is matched whole, never inside a longer one; nonsense is refused."""

from __future__ import annotations

import pytest

from campaign_engine.errors import InvalidInput
from campaign_engine.services.stewardship.erasure import _scrubbed_text
from campaign_engine.services.stewardship.request import erase
from tests.privacy_world import PERSON, build
from tests.worlds import outbox_messages


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    built = build(
        tmp_path_factory.mktemp("bounds"),
        "sqlite:///" + str(tmp_path_factory.mktemp("bounds-db") / "engine.db"),
    )
    yield built
    built.runtime.close()


def mails_of(world, slug: str) -> int:
    return sum(1 for m in outbox_messages(world.runtime) if m["X-Campaign-Partner"] == slug)


def test_a_partner_erasing_another_partners_address_touches_nothing_of_theirs(world):
    rt = world.runtime
    before = mails_of(world, "partner-01")
    reply_to = next(
        str(m["Reply-To"]) for m in outbox_messages(rt) if m["X-Campaign-Partner"] == "partner-01"
    )
    sender = str(outbox_messages(rt)[0]["From"]).split("<")[-1].rstrip(">")
    for address in (reply_to, sender, "other@partner-01-customer.example"):
        done = erase(rt, address, partner_slug="partner-00", actor="partner-00 user")
        assert done.files == 0, address
    assert mails_of(world, "partner-01") == before
    assert mails_of(world, "partner-00") > 0, "the From address names no person"


def test_the_address_is_matched_whole(world):
    rt = world.runtime
    before = len(outbox_messages(rt))
    done = erase(rt, "her@partner-00-customer.example", actor="admin")  # in "other@..."
    assert done.files == 0 and len(outbox_messages(rt)) == before


@pytest.mark.parametrize("nonsense", ["f@.", "k@.", "a\x00@x.example", "no-at-sign", ""])
def test_nonsense_is_refused_before_any_search(world, nonsense):
    with pytest.raises(InvalidInput):
        erase(world.runtime, nonsense, actor="admin")


def test_a_user_keeps_their_name_in_the_audit_trail(world):
    from sqlalchemy import select

    from campaign_engine.db import AuditEntry
    from campaign_engine.infra.audit import record
    from campaign_engine.services.access.accounts import create_user

    rt = world.runtime
    with rt.sessions.begin() as session:
        create_user(session, "admin@vendor.example", "admin", password="correct-horse-1")
        record(session, "admin@vendor.example", "owner.assign", "partner", "partner-00", {})
    erase(rt, "admin@vendor.example", actor="admin")
    with rt.sessions() as session:
        actors = set(session.scalars(select(AuditEntry.actor)))
    assert "admin@vendor.example" in actors


def test_scrubbing_cuts_at_the_address_whatever_precedes_it():
    text = "İİİİİİ note about Victim@Customer.example, twice: victim@customer.example"
    assert _scrubbed_text(text, "victim@customer.example") == (
        "İİİİİİ note about [erased], twice: [erased]"
    )


def test_the_person_is_still_erased_from_the_partner_that_asked(world):
    done = erase(world.runtime, PERSON, partner_slug="partner-00", actor="partner-00 user")
    assert done.contacts == 1 and done.files >= 1
    to = {
        str(m["To"]).lower()
        for m in outbox_messages(world.runtime)
        if m["X-Campaign-Partner"] == "partner-00"
    }
    assert PERSON.lower() not in to
    kept = {
        str(m["To"]).lower()
        for m in outbox_messages(world.runtime)
        if m["X-Campaign-Partner"] == "partner-01"
    }
    assert PERSON.lower() in kept, "partner-01's copy is its own"
