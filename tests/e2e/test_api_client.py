"""A client generated from the served OpenAPI document by openapi-python-client, as an
integrator would generate one, creates, launches and reports a campaign against a running
`campaign-engine serve`: the document is not only valid, it describes the API truly."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.test_browser import served
from tests.factories import partner_row, write_contacts, write_partners

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generate(spec: Path, folder: Path) -> Path:
    """The client package, generated without post-hooks (it would run ruff on it)."""
    config = folder / "client.yaml"
    config.write_text("post_hooks: []\npackage_name_override: engine_client\n")
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--output-path",
            str(folder / "engine_client"),
            "--meta",
            "none",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return folder


def test_a_generated_client_creates_launches_and_reports_a_campaign(tmp_path, make_cli):
    cli = make_cli(f"sqlite:///{tmp_path}/api.db", dispatch={"tick_seconds": 0.3})
    cli("users", "create", "--admin", "admin@vendor.example", "--password", "correct-horse-1")
    token = cli("users", "token", "admin@vendor.example", "--name", "client").output.strip()
    rows = [partner_row(i, logo="") for i in range(1, 5)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], 1)))
    cli("kits", "load", str(Path(__file__).parents[2] / "kits" / "secure-cloud-q3"))
    cli("consent", "set", "--partner", "partner-02", "--opt-out", "--channel", "email")

    with served(cli, tmp_path) as base:
        spec = tmp_path / "openapi.json"
        spec.write_bytes(urllib.request.urlopen(f"{base}/api/openapi.json").read())
        sys.path.insert(0, str(generate(spec, tmp_path)))
        try:
            _use_the_client(f"{base}/api/v1", token)
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.startswith("engine_client")]:
                del sys.modules[name]


def _use_the_client(base_url: str, token: str) -> None:
    client_module = importlib.import_module("engine_client")
    api = importlib.import_module("engine_client.api.default")
    models = importlib.import_module("engine_client.models")
    operations = {
        name: importlib.import_module(f"engine_client.api.default.{name}")
        for name in (
            "post_campaigns",
            "post_campaigns_campaign_id_launch",
            "get_campaigns_campaign_id_status",
            "get_campaigns_campaign_id_report",
            "get_campaigns_campaign_id_not_sent",
        )
    }
    assert api is not None
    client = client_module.AuthenticatedClient(base_url=base_url, token=token)

    body = models.NewCampaign(
        name="API Q3",
        kit="secure-cloud-q3",
        audience=models.NewCampaignAudience.from_dict({"exclude": ["partner-04"]}),
        send_time=None,
        preview_days=0,
    )
    created = operations["post_campaigns"].sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    campaign = created.parsed
    assert isinstance(campaign, models.Campaign) and campaign.name == "API Q3"

    launched = operations["post_campaigns_campaign_id_launch"].sync_detailed(
        campaign.id, client=client
    )
    assert launched.status_code == 200, launched.content

    status = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = operations["get_campaigns_campaign_id_status"].sync(campaign.id, client=client)
        email = status.deliveries.additional_properties["email"]
        if email.sent == 2 and email.pending == 0:
            break
        time.sleep(0.3)
    assert status is not None and email.sent == 2, "partner-01 and partner-03: one contact each"
    assert status.ledger.targeted.additional_properties["email"] == 3
    reasons = {(r.reason, r.channel): r.count for r in status.ledger.not_sent}
    assert reasons[("opted_out", "email")] == 1
    assert status.ledger.outside_audience == 1

    report = operations["get_campaigns_campaign_id_report"].sync(campaign.id, client=client)
    assert report.totals.targeted == 3 and report.totals.delivered >= 2  # typed, not a map

    page = operations["get_campaigns_campaign_id_not_sent"].sync(
        campaign.id, client=client, reason=models.Reason("opted_out")
    )
    assert [(i.partner, i.channel) for i in page.items] == [("partner-02", "email")]
