"""`contacts unsuppress`: the way back for an address a bounce or an unsubscribe put on a
partner's suppression list (issue #27: `campaigns retry` points here)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from campaign_engine.db import AuditEntry, Partner, Suppression
from campaign_engine.services.attribution.tracking import suppress
from tests.factories import partner_row, write_partners

ADDRESS = "buyer@customer.example"


@pytest.fixture
def world(database_url, make_cli, tmp_path):
    """Three partners; the address is suppressed for partner-01 (a bounce) and partner-02
    (an unsubscribe), not for partner-03."""
    cli = make_cli(database_url)
    rows = [partner_row(i, logo="") for i in range(1, 4)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        ids = dict(session.execute(select(Partner.slug, Partner.id)).all())
        suppress(session, ids["partner-01"], ADDRESS, "bounce", "550 5.1.1 mailbox unavailable")
        suppress(session, ids["partner-02"], ADDRESS, "unsubscribe", "campaign 1 via link")
    yield cli, engine
    engine.dispose()


def suppressed_for(engine) -> list[str]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Partner.slug)
                .join(Suppression, Suppression.partner_id == Partner.id)
                .where(Suppression.email == ADDRESS)
                .order_by(Partner.slug)
            )
        )


def lifts(engine) -> list[tuple[str, str, dict]]:
    with Session(engine) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "suppression.lift")
            .order_by(AuditEntry.id)
        )
        return [(e.actor, e.subject_id, e.detail) for e in entries]


def test_lifting_for_one_partner_leaves_the_others_and_is_audited(world):
    cli, engine = world
    said = cli("contacts", "unsuppress", "Buyer@Customer.example", "--partner", "partner-01")
    assert said.output.strip() == (
        f"{ADDRESS} may be mailed again for partner-01 (it was suppressed: bounce)"
    )
    assert suppressed_for(engine) == ["partner-02"]
    assert lifts(engine) == [
        (
            "cli",
            "partner-01",
            {"email": ADDRESS, "reason": "bounce", "detail": "550 5.1.1 mailbox unavailable"},
        )
    ]


def test_without_a_partner_every_suppression_of_the_address_is_lifted_and_named(world):
    cli, engine = world
    said = cli("contacts", "unsuppress", ADDRESS)
    assert said.output.strip() == (
        f"{ADDRESS} may be mailed again for 2 partners: "
        "partner-01 (it was suppressed: bounce), partner-02 (it was suppressed: unsubscribe)"
    )
    assert suppressed_for(engine) == []
    assert [subject for _, subject, _ in lifts(engine)] == ["partner-01", "partner-02"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("nobody@customer.example",),
            "error: nobody@customer.example is not suppressed for any partner",
        ),
        (
            (ADDRESS, "--partner", "partner-03"),
            f"error: {ADDRESS} is not suppressed for partner-03 (it is for partner-01, partner-02)",
        ),
        (
            (ADDRESS, "--partner", "ghost"),
            "error: no partner with slug 'ghost' (see: campaign-engine partners list)",
        ),
    ],
)
def test_no_such_suppression_exits_1_naming_the_address_and_lifts_nothing(world, args, message):
    cli, engine = world
    result = cli("contacts", "unsuppress", *args, ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert suppressed_for(engine) == ["partner-01", "partner-02"]
    assert lifts(engine) == []
