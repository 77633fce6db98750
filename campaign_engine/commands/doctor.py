"""`campaign-engine doctor`: is this deployment set up to run? (services/delivery/health/doctor)"""

from __future__ import annotations

import click

from campaign_engine.cli import cli, emit, runtime
from campaign_engine.errors import ConfigError


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True)
def doctor(as_json: bool) -> None:
    """Check a deployment's config, services and secrets; say what to fix.

    The config, database and migration head, broker, SMTP, storage, secrets and
    base_url; exits 1 when anything needs fixing."""
    from campaign_engine.services.delivery.health.doctor import examine
    from campaign_engine.settings import load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        emit(
            {"ok": False, "findings": [{"name": "config", "ok": False, "detail": str(exc)}]},
            as_json,
            f"config  PROBLEM  {exc}\n  fix: correct the file or the environment variable named",
        )
        raise click.exceptions.Exit(exc.exit_code) from None
    with runtime(settings) as rt:
        findings = examine(rt)
    problems = [f for f in findings if not f.ok]
    lines = ["config  ok  loaded"]
    for f in findings:
        lines.append(f"{f.name}  {'ok' if f.ok else 'PROBLEM'}  {f.detail}")
        if f.fix:
            lines.append(f"  fix: {f.fix}")
    lines.append(f"{len(problems)} problem(s)" if problems else "ready to run")
    emit(
        {"ok": not problems, "findings": [vars(f) for f in findings]},
        as_json,
        "\n".join(lines),
    )
    if problems:
        raise click.exceptions.Exit(1)
