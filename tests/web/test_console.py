"""The vendor console's workflows through the real app: import partners, upload a kit,
build a campaign with a live audience count, launch, pause, preview, export."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.services.access.accounts import create_user
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, write_config
from tests.factories import partner_row

PASSWORD = "correct-horse-1"


@pytest.fixture
def console(tmp_path, sqlite_url):
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        create_user(session, "marketer@vendor.example", "marketer", password=PASSWORD)
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "marketer@vendor.example", "password": PASSWORD}
        ).status_code
        == 302
    )
    yield client, runtime
    runtime.close()


def partners_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload_partners(client, rows) -> str:
    response = client.post(
        "/partners/import",
        data={"file": (io.BytesIO(partners_csv(rows)), "partners.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.rglob("*"):
            if path.is_file():
                archive.write(path, Path("my-kit") / path.relative_to(folder))
    return buffer.getvalue()


def upload_kit(client, data: bytes):
    return client.post(
        "/kits",
        data={"kit": (io.BytesIO(data), "kit.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_bad_partner_row_is_named_and_nothing_is_imported(console):
    client, runtime = console
    rows = [partner_row(1, logo=""), partner_row(2, logo="", primary_color="teal")]
    page = upload_partners(client, rows)
    assert "Nothing imported" in page and "row 3" in page and "primary_color" in page
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Partner)) == 0
    page = upload_partners(client, [partner_row(i, logo="") for i in range(1, 4)])
    assert "3 new, 0 updated" in page
    listed = client.get("/partners?tier=gold").get_data(as_text=True)
    shown = re.findall(r'data-slug="([^"]+)"', listed)
    assert shown and all(s.startswith("partner-") for s in shown)
    assert "no logo" in listed, "profile completeness shows what is missing"


def test_a_broken_kit_zip_shows_every_problem_with_its_file_and_line(console, tmp_path):
    client, _ = console
    broken = tmp_path / "broken"
    shutil.copytree(SAMPLE_KIT, broken)
    spec = (broken / "kit.yaml").read_text()
    (broken / "kit.yaml").write_text(spec.replace("max_length: 32", "max_length: -3", 1))
    response = upload_kit(client, zipped(broken))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "was not loaded" in page and "kit.yaml:" in page
    outside = io.BytesIO()
    with zipfile.ZipFile(outside, "w") as archive:
        archive.writestr("../../evil.txt", "x")
    assert upload_kit(client, outside.getvalue()).status_code == 422


def test_build_launch_pause_and_export_a_campaign_from_the_console(console, tmp_path):
    client, runtime = console
    upload_partners(client, [partner_row(i, logo="") for i in range(1, 5)])
    assert "loaded" in upload_kit(client, zipped(SAMPLE_KIT)).get_data(as_text=True)

    count = client.get("/campaigns/audience-count?partner=partner-01&partner=partner-02")
    assert re.search(r'class="count">2<', count.get_data(as_text=True))
    created = client.post(
        "/campaigns",
        data={
            "name": "Console Q3",
            "kit": "secure-cloud-q3",
            "partner": ["partner-01", "partner-02"],
            "consent_default": "auto",
            "preview_days": "0",
        },
    )
    assert created.status_code == 302
    campaign_path = created.headers["Location"]
    page = client.get(campaign_path).get_data(as_text=True)
    assert "Console Q3" in page and 'id="launch"' in page

    launched = client.post(f"{campaign_path}/launch", follow_redirects=True)
    assert "deliveries planned" in launched.get_data(as_text=True)
    with runtime.sessions() as session:
        campaign = session.scalar(select(Campaign))
        partners = set(session.scalars(select(Delivery.partner_id).distinct()))
        assert campaign.status == "live" and len(partners) == 2
    paused = client.post(f"{campaign_path}/pause", follow_redirects=True).get_data(as_text=True)
    assert "paused" in paused and 'id="resume"' in paused
    assert client.post(f"{campaign_path}/pause").status_code == 409, "already paused"

    grid = client.get(f"{campaign_path}/preview?partner=partner-02").get_data(as_text=True)
    assert grid.count("data:image/png;base64,") >= 1, "the brochure as a thumbnail"
    assert "data:image/jpeg;base64," in grid, "the social images"
    report = client.get(f"{campaign_path}/report.csv")
    assert report.headers["Content-Type"].startswith("text/csv")
    assert "partner-01" in report.get_data(as_text=True)


def test_the_programme_dashboard_carries_its_chart_data(console):
    client, _ = console
    page = client.get("/programme").get_data(as_text=True)
    assert 'id="programme-data"' in page and "0 partners (0 signed), 0 live" in page
    assert client.get("/programme/report.csv").status_code == 200
