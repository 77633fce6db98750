"""Upgrades from the past: a database the first release created (migration 0001 only),
filled with a programme as that release wrote it, brought to head by `db upgrade`.

Every row of the first schema must come through with the values it had (counts and
every original column compared), the migrations that move data (0010 tallies and deal
records from events, 0011 memberships from users.partner_id, 0013 delivery reasons from
the words then written) must derive what they promise, and today's commands must read the
result. The rows are written through the schema reflected at 0001, never through today's
models, so the fixture stays what that release wrote however the models change."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, insert, select

from campaign_engine import migrate
from campaign_engine.db.session import make_engine
from tests.conftest import Cli, write_config

T0 = datetime(2026, 7, 1, 9, 0, 0)  # naive UTC, as the first release stored times
PARTNERS, CONTACTS = 3, 2
DATA_MIGRATIONS = ("0010", "0011", "0013")
# Delivery rows of the first release: (status, last_error) -> the reason 0013 gives them.
OUTCOMES = [
    ("sent", None, None),
    ("skipped", "partner opted out", "opted_out"),
    ("skipped", "campaign cancelled", "cancelled"),
    ("skipped", "recipient unsubscribed or bounced", "suppressed"),
    ("failed", "the partner's profile lacks postal_address", "missing_field"),
    ("failed", "SMTP 550 mailbox unavailable", "send_failed"),
]
# Opens and clicks: (type, channel, is_bot) per partner; bots are never tallied.
ENGAGEMENT = [
    ("open", "email", False),
    ("open", "email", False),
    ("click", "email", False),
    ("click", "email", True),
    ("click", "social", False),
]


@pytest.fixture
def first_release(empty_database_url: str) -> tuple[str, Engine]:
    engine = make_engine(empty_database_url)
    migrate.upgrade(engine, "0001")
    fill_as_release_one(engine)
    yield empty_database_url, engine
    engine.dispose()


def fill_as_release_one(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:

        def put(table: str, rows: list[dict]) -> None:
            conn.execute(insert(t[table]), rows)

        put("kits", [{"id": 1, "slug": "q3", "name": "Q3 kit", "created_at": T0}])
        put(
            "kit_versions",
            [
                {
                    "id": 1,
                    "kit_id": 1,
                    "content_hash": "a" * 64,
                    "spec": {"name": "Q3 kit", "assets": {"email": {}}},
                    "archive": b"PK\x05\x06" + bytes(18),
                    "source_path": "/srv/kits/q3",
                    "created_at": T0,
                }
            ],
        )
        put("partners", [partner(i) for i in range(1, PARTNERS + 1)])
        put(
            "contacts",
            [
                {
                    "id": (p - 1) * CONTACTS + n + 1,
                    "partner_id": p,
                    "email": f"buyer{n}@p{p}-customer.example",
                    "first_name": f"Buyer{n}",
                    "last_name": "Müller",
                    "company": f"Customer of P{p}",
                    "created_at": T0,
                }
                for p in range(1, PARTNERS + 1)
                for n in range(CONTACTS)
            ],
        )
        put(
            "suppressions",
            [
                {
                    "id": 1,
                    "partner_id": 1,
                    "email": "gone@p1-customer.example",
                    "reason": "unsubscribed",
                    "detail": "link in the email",
                    "created_at": T0,
                }
            ],
        )
        put(
            "users",
            [
                {"id": 1, "email": "admin@vendor.example", "password_hash": "x", "role": "admin"}
                | {"partner_id": None, "created_at": T0},
                {"id": 2, "email": "owner@p2.example", "password_hash": None, "role": "partner"}
                | {"partner_id": 2, "created_at": T0},
            ],
        )
        put(
            "channel_endpoints",
            [
                {
                    "id": 1,
                    "partner_id": 1,
                    "channel": "crm",
                    "kind": "webhook",
                    "url": "https://crm.p1.example/hook",
                    "config": {"secret": "sealed"},
                    "created_at": T0,
                }
            ],
        )
        put(
            "artifacts",
            [
                {
                    "id": 1,
                    "key": "b" * 64,
                    "kit_version_id": 1,
                    "partner_id": 1,
                    "channel": "email",
                    "asset": "email",
                    "files": [{"name": "email.html", "path": "ab/cd.html"}],
                    "meta": {"subject": "Q3"},
                    "created_at": T0,
                }
            ],
        )
        put(
            "campaigns",
            [
                {
                    "id": 1,
                    "name": "Q3 launch",
                    "slug": "q3-launch",
                    "kit_version_id": 1,
                    "status": "live",
                    "audience": {"tiers": ["gold"]},
                    "launch_at": T0,
                    "launched_at": T0,
                    "completed_at": None,
                    "created_at": T0,
                    "updated_at": T0,
                }
            ],
        )
        put(
            "consents",
            [
                {
                    "id": 1,
                    "partner_id": 3,
                    "scope": "campaign:1",
                    "channel": "*",
                    "mode": "off",
                    "updated_at": T0,
                }
            ],
        )
        put(
            "consent_events",
            [
                {
                    "id": 1,
                    "partner_id": 3,
                    "campaign_id": 1,
                    "channel": "*",
                    "mode": "off",
                    "actor": "owner@p3.example",
                    "via": "portal",
                    "at": T0,
                }
            ],
        )
        put("deliveries", deliveries())
        put(
            "tracked_links",
            [
                {
                    "id": p,
                    "token": f"tok{p:029d}",
                    "campaign_id": 1,
                    "partner_id": p,
                    "channel": "email",
                    "name": "cta",
                    "target_url": f"https://vendor.example/q3?p={p}",
                    "created_at": T0,
                }
                for p in range(1, PARTNERS + 1)
            ],
        )
        put("events", events())
        put(
            "audit_entries",
            [
                {
                    "id": 1,
                    "at": T0,
                    "actor": "admin@vendor.example",
                    "action": "campaign.launch",
                    "subject_type": "campaign",
                    "subject_id": "1",
                    "detail": {"planned": len(OUTCOMES) + 1},
                }
            ],
        )


def partner(i: int) -> dict:
    return {
        "id": i,
        "slug": f"p{i}",
        "name": f"Partner {i} GmbH",
        "contact_email": f"sales@p{i}.example",
        "website": f"https://p{i}.example",
        "phone": f"+49 30 1234{i}",
        "postal_address": f"Straße {i}, Berlin",
        "logo_png": b"\x89PNG\r\n\x1a\n" + bytes([i]) * 16,
        "logo_sha256": f"{i}" * 64,
        "primary_color": "#c2185b",
        "secondary_color": "#f2b705",
        "tier": "gold" if i % 2 else "silver",
        "region": "emea",
        "vertical": "retail",
        "timezone": "Europe/Berlin",
        "locale": "de-DE",
        "tags": ["early"],
        "signed_at": T0,
        "created_at": T0,
        "updated_at": T0,
    }


def deliveries() -> list[dict]:
    rows = []
    for n, (status, error, _) in enumerate([*OUTCOMES, ("pending", None, None)], start=1):
        rows.append(
            {
                "id": n,
                "campaign_id": 1,
                "partner_id": 1 + n % PARTNERS,
                "channel": "email",
                "asset": "email",
                "recipient": f"r{n}@customer.example",
                "idempotency_key": f"key-{n:04d}",
                "due_at": T0,
                "status": status,
                "attempts": 0 if status == "pending" else 1,
                "lease_owner": None,
                "lease_expires_at": None,
                "last_error": error,
                "provider": "smtp" if status == "sent" else None,
                "provider_ref": "<key-0001@vendor.example>" if status == "sent" else None,
                "sent_at": T0 if status == "sent" else None,
                "created_at": T0,
                "updated_at": T0,
            }
        )
    return rows


def events() -> list[dict]:
    rows = []
    for p in range(1, PARTNERS + 1):
        for kind, channel, bot in ENGAGEMENT:
            rows.append(engagement(len(rows) + 1, p, kind, channel, bot))
        rows.append(
            engagement(len(rows) + 1, p, "lead.created", "email", False)
            | {"external_id": f"lead-{p}", "dedupe_key": f"crm:lead-{p}"}
        )
        for repeat in range(2):  # the same deal reported twice: one record
            rows.append(
                engagement(len(rows) + 1, p, "deal.closed_won", "email", False)
                | {
                    "external_id": f"deal-{p}",
                    "dedupe_key": f"crm:deal-{p}:{repeat}",
                    "amount": Decimal(f"{p}000.50"),
                    "currency": "EUR",
                }
            )
    return rows


def engagement(n: int, p: int, kind: str, channel: str, bot: bool) -> dict:
    return {
        "id": n,
        "type": kind,
        "campaign_id": 1,
        "partner_id": p,
        "channel": channel,
        "link_id": p if kind == "click" else None,
        "dedupe_key": None,
        "external_id": None,
        "amount": None,
        "currency": None,
        "is_bot": bot,
        "data": {"ua": "Mozilla/5.0", "ip": f"203.0.113.{n}"},
        "occurred_at": T0,
        "received_at": T0,
    }


def first_schema_rows(engine: Engine, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of the first release's tables, on the columns it had (still present)."""
    meta = MetaData()
    meta.reflect(engine)
    found = {}
    for name, wanted in columns.items():
        table = meta.tables[name]
        kept = [table.c[c] for c in wanted if c in table.c]
        with engine.connect() as conn:
            found[name] = [tuple(row) for row in conn.execute(select(*kept).order_by(kept[0]))]
    return found


def release_one_columns(engine: Engine) -> dict[str, list[str]]:
    meta = MetaData()
    meta.reflect(engine)
    return {
        name: [c.name for c in table.columns]
        for name, table in meta.tables.items()
        if name != "alembic_version"
    }


def without(rows: dict[str, list[tuple]], table: str, index: int) -> dict[str, list[tuple]]:
    return {**rows, table: [row[:index] + row[index + 1 :] for row in rows[table]]}


def check_data_migrations(engine: Engine, upto: str) -> None:
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.connect() as conn:
        if upto >= "0010":
            tallies = conn.execute(
                select(t["event_tallies"].c["partner_id", "channel", "type", "count"]).order_by(
                    "partner_id", "channel", "type"
                )
            ).all()
            assert [tuple(r) for r in tallies] == [
                row
                for p in range(1, PARTNERS + 1)
                for row in (
                    (p, "email", "click", 1),
                    (p, "email", "open", 2),
                    (p, "social", "click", 1),
                )
            ]
            deals = conn.execute(
                select(t["deal_records"].c["partner_id", "type", "external_id", "amount"]).order_by(
                    "partner_id", "type"
                )
            ).all()
            assert [tuple(r) for r in deals] == [
                row
                for p in range(1, PARTNERS + 1)
                for row in (
                    (p, "deal.closed_won", f"deal-{p}", Decimal(f"{p}000.50")),
                    (p, "lead.created", f"lead-{p}", None),
                )
            ]
        if upto >= "0011":
            memberships = conn.execute(
                select(t["memberships"].c["user_id", "partner_id", "granted_by"])
            ).all()
            assert [tuple(r) for r in memberships] == [(2, 2, "migration")]
        if upto >= "0013":
            reasons = conn.execute(select(t["deliveries"].c["id", "reason"]).order_by("id")).all()
            expected = [reason for _, _, reason in OUTCOMES] + [None]
            assert [r for _, r in reasons] == expected


def test_db_upgrade_brings_the_first_release_to_head_with_every_row(first_release, tmp_path):
    url, engine = first_release
    columns = release_one_columns(engine)
    before = first_schema_rows(engine, columns)
    assert sum(len(rows) for rows in before.values()) > 50

    cli = Cli(write_config(tmp_path, url))
    cli("db", "upgrade")

    head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
    after = first_schema_rows(engine, columns)
    users_partner = columns["users"].index("partner_id")  # moved to memberships by 0011
    assert after == without(before, "users", users_partner)
    check_data_migrations(engine, head)

    # Today's code reads what the first release wrote.
    status = json.loads(cli("campaigns", "status", "1", "--json").output)
    email = status["deliveries"]["email"]
    assert (email["sent"], email["pending"], email["skipped"], email["failed"]) == (1, 1, 3, 2)
    partners = cli("partners", "list").output
    assert all(f"p{i}" in partners for i in range(1, PARTNERS + 1))
    not_sent = cli("campaigns", "not-sent", "1", "--json").output
    assert "opted_out" in not_sent and "missing_field" in not_sent


def test_each_migration_keeps_every_row(first_release):
    """One revision at a time, so a migration that loses or changes a row is named."""
    _url, engine = first_release
    columns = release_one_columns(engine)
    before = first_schema_rows(engine, columns)
    users_partner = columns["users"].index("partner_id")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))][1:]
    for revision in revisions:
        migrate.upgrade(engine, revision)
        expected = before if revision < "0011" else without(before, "users", users_partner)
        assert first_schema_rows(engine, columns) == expected, f"migration {revision}"
        if revision in DATA_MIGRATIONS:
            check_data_migrations(engine, revision)


def test_a_backup_of_the_first_release_restores_then_upgrades(first_release, tmp_path, request):
    """An old backup restored by today's engine: restored as it was, then `db upgrade`."""
    from tests.conftest import _pg_database

    url, engine = first_release
    before = first_schema_rows(engine, release_one_columns(engine))
    Cli(write_config(tmp_path, url, data_dir="var"))("backup", str(tmp_path / "backup"))
    folder = tmp_path / "restored"
    folder.mkdir()
    if url.startswith("sqlite"):
        fresh = f"sqlite:///{folder / 'engine.db'}"
    else:
        databases = _pg_database(request.getfixturevalue("postgres_server"))
        fresh = next(databases)
        request.addfinalizer(lambda: next(databases, None))
    restored = Cli(write_config(folder, fresh, data_dir="var"))
    out = restored("restore", str(tmp_path / "backup")).output
    assert "at migration 0001: run campaign-engine db upgrade" in out
    restored_engine = make_engine(fresh)
    try:
        assert first_schema_rows(restored_engine, release_one_columns(engine)) == before
        restored("db", "upgrade")
        head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
        check_data_migrations(restored_engine, head)
    finally:
        restored_engine.dispose()
    assert json.loads(restored("campaigns", "status", "1", "--json").output)["status"]
