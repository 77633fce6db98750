"""Commands start fast: the CLI imports no renderer, image library, Celery or web app
until a command needs it (the ratios to a bare `import flask, sqlalchemy` are measured
by bench/startup.py; this test holds the imports that made them slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click

HEAVY = ("weasyprint", "PIL", "cairosvg", "celery", "requests", "campaign_engine.app", "renderers")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


def test_importing_the_cli_pulls_in_no_renderer_or_web_app():
    assert _heavy(_modules_after("import campaign_engine.cli")) == []


def test_help_and_status_load_only_what_they_need():
    help_run = (
        "from campaign_engine.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='campaign-engine')\nexcept SystemExit:\n    pass"
    )
    assert _heavy(_modules_after(help_run)) == []
    status = "import campaign_engine.commands.campaigns"
    assert _heavy(_modules_after(status)) == []


def test_the_help_table_says_what_each_command_says():
    from campaign_engine.cli import COMMANDS, cli

    context = click.Context(cli)
    for name, (_, short) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=90) == short, name


def test_status_builds_only_the_models_it_reads(tmp_path):
    """`campaigns status` reads campaigns and deliveries: the account, runway, tracking and
    coordination models and the adapters' protocols stay out."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path}/s.db\ndata_dir: {tmp_path}\n")
    env = {**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config)}
    subprocess.run([sys.executable, "-m", "campaign_engine", "db", "upgrade"], env=env, check=True)
    code = (
        "import sys, json\n"
        "from campaign_engine.cli import cli\n"
        "try:\n    cli.main(['campaigns', 'status', '1'], prog_name='campaign-engine')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "no campaign with id 1" in run.stderr  # it ran: the database has no campaign
    modules = set(json.loads(run.stdout.splitlines()[-1]))
    assert "campaign_engine.db.campaigns" in modules
    unwanted = {
        "campaign_engine.db.accounts",
        "campaign_engine.db.runway",
        "campaign_engine.db.tracking",
        "campaign_engine.db.coordination",
        "campaign_engine.ports",
    }
    assert sorted(modules & unwanted) == []
    assert _heavy(modules) == []
