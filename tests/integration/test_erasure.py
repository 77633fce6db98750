"""Erasure (services/stewardship): after a launch in which one person opened, clicked, left a
lead and unsubscribed, `contacts erase` leaves their address in no file the engine wrote
(the SQLite file and its -wal and -shm included), in no row (PostgreSQL), in no outbox
email, and no report figure changes; a second run finds nothing, and a re-import skips
the address."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

from campaign_engine.db import AuditEntry, Contact, ErasedAddress, Lead
from campaign_engine.services.stewardship.files import checkpoint
from tests.conftest import Cli
from tests.privacy_world import PERSON, build, figures, write_people


def needles(address: str) -> list[bytes]:
    """The address as typed, lowercased, case-folded and upper-cased."""
    forms = {address, address.lower(), address.casefold(), address.upper()}
    return sorted(form.encode() for form in forms)


def files_naming(folders: list[Path], address: str) -> list[str]:
    """Every file under the folders whose bytes hold the address, in any case."""
    found = []
    wanted = address.lower().encode()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if wanted in data.lower() or any(n in data for n in needles(address)):
                found.append(str(path))
    return found


def rows_naming(runtime, address: str) -> list[str]:
    """Every row of every table whose text holds the address (any engine)."""
    found = []
    metadata = MetaData()
    metadata.reflect(runtime.engine)
    with runtime.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                if address.lower() in str(tuple(row)).lower():
                    found.append(f"{table.name}: {tuple(row)}")
    return found


def engine_folders(world) -> list[Path]:
    settings = world.runtime.settings
    return [settings.storage_dir, settings.email.outbox_dir, settings.data_dir]


def sqlite_files(world) -> list[Path]:
    path = Path(world.runtime.engine.url.database)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


@pytest.fixture
def world(tmp_path, database_url):
    world = build(tmp_path, database_url)
    yield world
    world.runtime.close()


def test_an_erased_person_is_nowhere_and_no_figure_changes(world):
    before = figures(world.runtime, world.campaign_id)
    totals = before["campaign"]["totals"]
    assert (totals["leads"], totals["opens"], totals["unique_opens"]) == (1, 1, 1), totals
    assert totals["clicks"] >= 2 and totals["delivered"] == 4, totals
    assert rows_naming(world.runtime, PERSON), "the world left the person's traces"
    assert files_naming([world.runtime.settings.email.outbox_dir], PERSON)
    cli = Cli(world.config)
    checkpoint(world.runtime.engine)  # as a running engine does: the traces in the file

    first = cli("contacts", "erase", PERSON)
    assert first.output.startswith("erased: "), first.output
    assert PERSON.lower() not in first.output.lower(), "the terminal may be logged"

    assert rows_naming(world.runtime, PERSON) == []
    sqlite = sqlite_files(world) if world.runtime.engine.dialect.name == "sqlite" else []
    assert files_naming(engine_folders(world), PERSON) == []
    for path in sqlite:
        data = path.read_bytes()
        assert not any(n in data or n in data.lower() for n in needles(PERSON)), path
    assert figures(world.runtime, world.campaign_id) == before

    again = cli("contacts", "erase", PERSON.upper())
    assert "nothing left to erase" in again.output
    with world.runtime.sessions() as session:
        assert len(session.scalars(select(ErasedAddress)).all()) == 1
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "contact.erase")
        ).all()
        assert len(audit) == 2 and all(e.detail["removed"] for e in audit)
        assert all(lead.pending is None for lead in session.scalars(select(Lead)))

    answer = cli("contacts", "import", str(write_people(world.folder, ["partner-00"], "again.csv")))
    assert "again.csv row 2: skipped, this address was erased" in answer.output
    assert "imported 1 contacts (0 new, 1 updated)" in answer.output
    with world.runtime.sessions() as session:
        emails = set(session.scalars(select(Contact.email)))
    assert PERSON.lower() not in emails and len(emails) == 2


def test_a_partner_erases_only_its_own_copy(tmp_path, sqlite_url):
    world = build(tmp_path, sqlite_url)
    try:
        cli = Cli(world.config)
        result = cli("contacts", "erase", PERSON, "--partner", "partner-01", "--json")
        assert '"contacts": 1' in result.output
        with world.runtime.sessions() as session:
            owners = session.execute(
                text("SELECT partner_id FROM contacts WHERE email = :e"), {"e": PERSON.lower()}
            ).all()
        assert len(owners) == 1, "partner-00 keeps its own contact"
        refused = cli("contacts", "erase", "not-an-address", ok=False)
        assert refused.exit_code != 0 and "email: not an email address" in refused.output
        unknown = cli("contacts", "erase", PERSON, "--partner", "nobody", ok=False)
        assert unknown.exit_code != 0
    finally:
        world.runtime.close()


def test_sending_refuses_an_erased_address_that_came_back_another_way(tmp_path, sqlite_url):
    """Imports skip it; should a row appear anyway (a direct insert, a restored table),
    the worker refuses it at the moment of sending."""
    from campaign_engine.db import Delivery, Partner
    from campaign_engine.pipeline.runner import run_until_sent
    from campaign_engine.services.campaigns.launch import launch_campaign
    from campaign_engine.services.campaigns.lifecycle import create_campaign, get_campaign
    from tests.worlds import RULES, outbox_messages

    world = build(tmp_path, sqlite_url)
    try:
        Cli(world.config)("contacts", "erase", PERSON)
        sent_before = len(outbox_messages(world.runtime))
        with world.runtime.sessions.begin() as session:
            partner = session.scalar(select(Partner).where(Partner.slug == "partner-00"))
            session.add(Contact(partner_id=partner.id, email=PERSON.lower()))
            version = get_campaign(session, world.campaign_id).kit_version
            again = create_campaign(session, version, "Privacy Q4", {}, None)
            launch_campaign(session, again, now=world.runtime.clock(), actor="t", rules=RULES)
            again_id = again.id
        run_until_sent(world.runtime, again_id, workers=2, timeout=60)
        with world.runtime.sessions() as session:
            refused = session.scalars(
                select(Delivery).where(
                    Delivery.campaign_id == again_id, Delivery.recipient == PERSON.lower()
                )
            ).all()
        assert [(d.status, d.reason, d.last_error) for d in refused] == [
            ("skipped", "suppressed", "recipient erased at their request")
        ]
        mailed = [m["To"].lower() for m in outbox_messages(world.runtime)]
        assert PERSON.lower() not in mailed
        assert len(mailed) == sent_before + 2, "each partner's other contact got theirs"
    finally:
        world.runtime.close()


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", "Zoë.Große@Bücher.Example"),
        "ZOË.GROSSE@xn--bcher-kva.example".replace("SS", "ß"),
    ],
    ids=["decomposed", "punycode-domain"],
)
def test_an_address_typed_another_way_is_the_same_person(tmp_path, sqlite_url, typed):
    """Imports store addresses as email_validator writes them (NFC, a Unicode domain):
    an erasure given the decomposed form or the punycode domain finds that person."""
    from sqlalchemy import func

    from campaign_engine.services.stewardship.request import erase

    world = build(tmp_path, sqlite_url)

    def count() -> int:
        with world.runtime.sessions() as session:
            return session.scalar(
                select(func.count()).where(Contact.email == "zoë.große@bücher.example")
            )

    try:
        people = write_people(tmp_path, ["partner-00"], "zoe.csv")
        text = people.read_text().replace(PERSON.lower(), "zoë.große@bücher.example")
        people.write_text(text, encoding="utf-8")
        Cli(world.config)("contacts", "import", str(people))
        assert count() == 1
        done = erase(world.runtime, typed, actor="test")
        assert not done.nothing_left and count() == 0
    finally:
        world.runtime.close()
