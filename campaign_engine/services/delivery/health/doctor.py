"""`campaign-engine doctor`: a deployment's configuration, services and secrets, each
with what to fix. The same checks as /readyz where they overlap (checks.py), plus what
only an operator may see: hosts, paths, migration state and secrets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.health.checks import (
    Check,
    broker_check,
    database_check,
    smtp_check,
    storage_check,
)
from campaign_engine.settings import ENV_PREFIX, Settings, _is_loopback, published_secrets


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def examine(runtime: Runtime) -> list[Finding]:
    """Every finding, good and bad, in a stable order."""
    settings = runtime.settings
    findings = [
        _run(
            "database",
            lambda: database_check(runtime),
            f"start the database or correct database_url (${ENV_PREFIX}DATABASE_URL)",
        ),
        migration_finding(runtime),
        *maintenance_findings(runtime),
        _run(
            "storage",
            lambda: storage_check(settings),
            "free space (or lower "
            "health.storage_min_free_mb) and make storage_dir writable by this user",
        ),
    ]
    if settings.executor == "celery":
        findings.append(
            _run(
                "broker",
                lambda: broker_check(settings),
                f"start the broker or correct celery.broker_url (${ENV_PREFIX}CELERY__BROKER_URL)",
            )
        )
    if settings.email.transport == "smtp":
        findings.append(
            _run(
                "smtp",
                lambda: smtp_check(settings),
                "start the MTA or correct email.smtp.host/port/security",
            )
        )
    return [*findings, *secret_findings(settings), base_url_finding(settings)]


def _run(name: str, check: Callable[[], Check], fix: str) -> Finding:
    try:
        result = check()
    except Exception as exc:
        return Finding(name, False, f"{type(exc).__name__}: {exc}".splitlines()[0][:300], fix)
    return Finding(name, result.ok, result.detail, "" if result.ok else fix)


def migration_finding(runtime: Runtime) -> Finding:
    """The database's revision against the code's head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from campaign_engine.migrate import alembic_config

    try:
        head = ScriptDirectory.from_config(alembic_config(runtime.engine)).get_current_head()
        with runtime.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        return Finding("migrations", False, f"cannot read: {type(exc).__name__}", "")
    if current != head:
        return Finding(
            "migrations",
            False,
            f"database at {current or 'no schema'}, code at {head}",
            "run: campaign-engine db upgrade",
        )
    return Finding("migrations", True, f"at head ({head})")


# Tables whose statistics steer the report's and the claim's plans: with autovacuum off,
# a million-row launch leaves the planner guessing from an empty table (measured: the
# report went from 0.2 s to several seconds until a manual VACUUM ANALYZE).
MAINTAINED_TABLES = ("deliveries", "contacts", "events", "partners")


def maintenance_findings(runtime: Runtime) -> list[Finding]:
    """PostgreSQL only: autovacuum (and the statistics it needs) on for the server and
    not switched off on the tables that grow with every launch."""
    if runtime.engine.dialect.name != "postgresql":
        return []
    from sqlalchemy import text

    try:
        with runtime.engine.connect() as conn:
            server = {
                name: conn.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("autovacuum", "track_counts")
            }
            tables = conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relname = ANY(:names) "
                    "AND relnamespace = current_schema()::regnamespace "  # the engine's own
                    "AND 'autovacuum_enabled=false' = ANY(coalesce(reloptions, '{}'))"
                ),
                {"names": list(MAINTAINED_TABLES)},
            ).scalars()
            switched_off = sorted(tables)
    except Exception as exc:
        return [Finding("autovacuum", False, f"cannot read: {type(exc).__name__}", "")]
    off = [name for name, value in server.items() if value != "on"]
    if off:
        return [
            Finding(
                "autovacuum",
                False,
                f"{' and '.join(off)} off on the server: statistics go stale after a launch",
                "set autovacuum = on and track_counts = on in postgresql.conf, or run "
                "VACUUM ANALYZE after every launch",
            )
        ]
    if switched_off:
        return [
            Finding(
                "autovacuum",
                False,
                f"switched off for table(s) {', '.join(switched_off)}",
                f"ALTER TABLE {switched_off[0]} RESET (autovacuum_enabled)",
            )
        ]
    return [Finding("autovacuum", True, "on")]


def secret_findings(settings: Settings) -> list[Finding]:
    published = published_secrets(settings)
    if published:
        return [
            Finding(
                "secrets",
                False,
                f"{', '.join(published)} still the value published with campaign-engine",
                "remove it from the config to use a generated one, or set your own "
                f"(e.g. ${ENV_PREFIX}SECRET_KEY)",
            )
        ]
    return [Finding("secrets", True, "set, none of them a published value")]


def base_url_finding(settings: Settings) -> Finding:
    """Links in partners' emails and the session cookie need https beyond loopback."""
    parts = urlsplit(settings.base_url)
    if parts.scheme == "https" or _is_loopback(parts.hostname or ""):
        return Finding("base_url", True, settings.base_url)
    return Finding(
        "base_url",
        False,
        f"{settings.base_url} is not https",
        f"serve behind TLS and set base_url (${ENV_PREFIX}BASE_URL) to its https:// address",
    )
