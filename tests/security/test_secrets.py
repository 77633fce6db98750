"""Secrets: none is published with the project; a published one never guards a public
interface; the embedded default generates its own, readable by its owner only."""

from __future__ import annotations

import shutil
import stat

import pytest
import yaml
from click.testing import CliRunner

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.cli import cli
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.settings import PUBLISHED_SECRETS, load_settings
from tests.conftest import ROOT

PUBLISHED_KEY = "demo-secret-key-change-me-in-production"


@pytest.fixture
def shipped_config(tmp_path):
    """The repository's own config.yaml, in a folder of its own, with the file it names
    (the programme's logo, a path relative to the config)."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    logo = yaml.safe_load((ROOT / "config.yaml").read_text())["programme"]["logo"]
    (tmp_path / logo).parent.mkdir(parents=True)
    shutil.copy(ROOT / logo, tmp_path / logo)
    return tmp_path / "config.yaml"


def test_the_shipped_config_publishes_no_secret(shipped_config):
    text = shipped_config.read_text()
    assert not any(secret in text for secret in PUBLISHED_SECRETS)
    config = yaml.safe_load(text)
    assert "secret_key" not in config and "inbound_secret" not in str(config)


def test_the_embedded_default_generates_secrets_once_into_a_private_file(shipped_config):
    first = load_settings(shipped_config)
    path = shipped_config.parent / "var" / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_settings(shipped_config)
    assert first.secret_key == again.secret_key and len(first.secret_key) >= 32
    assert first.webhooks.inbound_secret == again.webhooks.inbound_secret
    assert first.webhooks.inbound_secret != first.webhooks.outbound_secret
    values = (first.secret_key, first.webhooks.inbound_secret, first.webhooks.outbound_secret)
    assert not set(values) & PUBLISHED_SECRETS


def test_a_link_forged_with_the_published_secret_opens_nothing(shipped_config, monkeypatch):
    monkeypatch.chdir(shipped_config.parent)
    settings = load_settings(shipped_config)
    runtime = bootstrap.build_runtime(settings)
    migrate.upgrade(runtime.engine)
    try:
        client = create_app(runtime).test_client()
        forged = PartnerLinks(PUBLISHED_KEY).make(1, 1)
        assert client.get(f"/portal/preview/{forged}").status_code == 404
    finally:
        runtime.close()


@pytest.mark.parametrize(
    "args, base_url",
    [
        (["serve", "--host", "0.0.0.0"], "http://127.0.0.1:8000"),
        (["serve"], "https://partners.vendor.example"),
        (["scheduler"], "https://partners.vendor.example"),
        (["worker"], "https://partners.vendor.example"),
    ],
)
def test_public_processes_refuse_a_published_secret_and_say_how_to_set_one(
    shipped_config, args, base_url
):
    result = CliRunner().invoke(
        cli,
        args,
        env={
            "CAMPAIGN_ENGINE_CONFIG": str(shipped_config),
            "CAMPAIGN_ENGINE_SECRET_KEY": PUBLISHED_KEY,
            "CAMPAIGN_ENGINE_BASE_URL": base_url,
        },
    )
    assert result.exit_code != 0
    assert "secret_key ($CAMPAIGN_ENGINE_SECRET_KEY)" in result.output
    assert "published" in result.output and "CAMPAIGN_ENGINE_SECRET_KEY=" in result.output
