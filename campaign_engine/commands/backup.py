"""`backup DEST` and `restore SRC` (services/stewardship/backup)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from campaign_engine.cli import cli, emit


@cli.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--wait-seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="How long to wait for sends in flight to be recorded before the snapshot.",
)
@click.option("--json", "as_json", is_flag=True)
def backup(dest: Path, wait_seconds: float, as_json: bool) -> None:
    """A consistent backup of the database, storage and outbox.

    DEST is a new folder. Safe while the engine runs: sending pauses while it copies, so
    nothing is half-sent in it; cron can run it (docs/deploy.md, Backups)."""
    from campaign_engine.db.session import make_engine
    from campaign_engine.services.stewardship.backup import take_backup
    from campaign_engine.settings import load_settings

    # SIGTERM (cron's timeout, systemd) ends the backup as an error would: the partial
    # folder removed, the pause on sending lifted, instead of both left behind.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        manifest = take_backup(settings, engine, dest, drain_seconds=wait_seconds)
    finally:
        engine.dispose()
    size = sum(entry.size for entry in manifest.files)
    emit(
        {
            "path": str(dest.resolve()),
            "files": len(manifest.files),
            "bytes": size,
            "database": manifest.database,
            "migration_head": manifest.migration_head,
            "in_flight": manifest.in_flight,
        },
        as_json,
        f"backup written to {dest.resolve()}: {manifest.database} database at migration "
        f"{manifest.migration_head}, {len(manifest.files)} files, {size} bytes"
        + (
            f"; {manifest.in_flight} sends were still in flight (a process that died holding"
            " them?): a restore sends those again"
            if manifest.in_flight
            else ""
        ),
    )


@cli.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Only check the manifest and checksums.")
def restore(src: Path, check: bool) -> None:
    """Restore a backup into an empty database and folders.

    SRC is a folder `backup` wrote; the database and folders are this configuration's.
    The manifest and every checksum are checked first; a target holding data is refused.
    Start the engine afterwards: it sends what the backup had not sent, each once."""
    from campaign_engine.db.session import make_engine
    from campaign_engine.services.stewardship.backup_databases import current_revision
    from campaign_engine.services.stewardship.restore import restore_backup, verify_backup
    from campaign_engine.settings import load_settings

    if check:
        manifest = verify_backup(src)
        click.echo(f"{src}: {len(manifest.files)} files match the manifest")
        return
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        manifest = restore_backup(settings, engine, src)
        restored = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(
        f"restored {len(manifest.files)} files from {src} (taken {manifest.created_at} "
        f"by campaign-engine {manifest.engine_version})"
    )
    from alembic.script import ScriptDirectory

    from campaign_engine.migrate import alembic_config

    if restored != ScriptDirectory.from_config(alembic_config(engine)).get_current_head():
        click.echo(f"the database is at migration {restored}: run campaign-engine db upgrade")
