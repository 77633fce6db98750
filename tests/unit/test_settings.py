"""Configuration: file, environment overrides, relative paths, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from campaign_engine.errors import ConfigError
from campaign_engine.settings import load_settings


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.executor == "local"
    assert settings.email.transport == "outbox"
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'campaign_engine.db'}"


def test_relative_paths_resolve_against_the_files_folder(tmp_path, monkeypatch):
    folder = tmp_path / "deploy"
    folder.mkdir()
    config = write(
        folder / "c.yaml",
        "storage_dir: data/store\ndatabase_url: sqlite:///db/x.db\nemail: {outbox_dir: mail}\n",
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config)
    assert settings.storage_dir == folder / "data" / "store"
    assert settings.email.outbox_dir == folder / "mail"
    assert settings.database_url == f"sqlite:///{folder / 'db' / 'x.db'}"


def test_environment_overrides_nested_keys(tmp_path, monkeypatch):
    config = write(tmp_path / "c.yaml", "email: {smtp: {port: 25, host: mail.example}}\n")
    monkeypatch.setenv("CAMPAIGN_ENGINE_CONFIG", str(config))
    monkeypatch.setenv("CAMPAIGN_ENGINE_EMAIL__SMTP__PORT", "2525")
    monkeypatch.setenv("CAMPAIGN_ENGINE_EXECUTOR", "celery")
    settings = load_settings()
    assert settings.email.smtp.port == 2525
    assert settings.email.smtp.host == "mail.example"
    assert settings.executor == "celery"


def test_a_bad_value_names_the_key_and_its_variable(tmp_path):
    config = write(tmp_path / "c.yaml", "email: {smtp: {port: lots}}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert "email.smtp.port" in message and "CAMPAIGN_ENGINE_EMAIL__SMTP__PORT" in message
    assert "\n" not in message


def test_an_unknown_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="executer"):
        load_settings(write(tmp_path / "c.yaml", "executer: local\n"))


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match="line 2"):
        load_settings(write(tmp_path / "c.yaml", "executor: local\n\temail: x\n"))


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"CAMPAIGN_ENGINE_EMAIL__SMTP__PORT": "abc"}, "email.smtp.port"),
        ({"CAMPAIGN_ENGINE_CONFIG": "/nonexistent/config.yaml"}, "does not exist"),
        ({"CAMPAIGN_ENGINE_EXECUTOR": "threads"}, "executor"),
    ],
)
def test_the_installed_command_prints_one_line_for_a_bad_config(tmp_path, env, fragment):
    import os

    result = subprocess.run(
        [sys.executable, "-m", "campaign_engine", "partners", "list"],
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_a_token_warning_reaches_a_german_partner_in_german():
    """Partner-facing mail in the partner's language, outside any request (issue 15)."""
    from datetime import UTC, datetime

    from campaign_engine.services.delivery.token_expiry import _warning

    when = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    subject, body = _warning("LinkedIn", when, False, "Café GmbH", "https://p.example", "de-DE")
    assert subject.startswith("Ihre LinkedIn-Verbindung läuft am 24. Dezember ab")
    assert "Guten Tag Café GmbH," in body and "https://p.example/portal/" in body
    english, _ = _warning("LinkedIn", when, True, "Acme", "https://p.example", "en-GB")
    assert english == "Your LinkedIn connection expired on 24 December: reconnect to keep posting"
