"""Regenerate the kit documentation's pictures: the sample kit for three hard partners.

    .venv/bin/python docs/pictures.py

A long name with a logo, no logo at all, and a light yellow brand colour; each partner's
email (screenshot in Chromium), both brochure pages and the LinkedIn image land in
docs/img/<slug>/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from random import Random

import pypdfium2
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from campaign_engine.cli import cli  # noqa: E402
from campaign_engine.demo.programme import sample_logo  # noqa: E402
from tests.factories import partner_row, write_partners  # noqa: E402

PARTNERS = [
    partner_row(
        1,
        slug="long-name",
        name="Schmidt-Hoffmann Informationstechnologie und Netzwerkdienste GmbH & Co. KG",
        locale="de-DE",
        timezone="Europe/Berlin",
        phone="+49 89 2180 4455",
        primary_color="#0b5d8f",
    ),
    partner_row(
        2,
        slug="no-logo",
        name="Harbor Lane IT",
        logo="",
        primary_color="#b3261e",
        locale="en-US",
        timezone="America/Chicago",
        phone="+1 312 555 0142",
    ),
    partner_row(
        3,
        slug="light-yellow",
        name="Soleil Numérique",
        primary_color="#fff176",
        secondary_color="#ffd54f",
        locale="fr-FR",
        timezone="Europe/Paris",
        phone="+33 1 44 55 66 77",
    ),
]


def main() -> None:
    work = Path(tempfile.mkdtemp())
    env = {
        "CAMPAIGN_ENGINE_CONFIG": str(ROOT / "config.yaml"),
        "CAMPAIGN_ENGINE_DATABASE_URL": f"sqlite:///{work / 'pictures.db'}",
        "CAMPAIGN_ENGINE_STORAGE_DIR": str(work / "storage"),
    }
    (work / "logos").mkdir()
    for row in PARTNERS:
        if row["logo"]:
            logo = sample_logo(row["name"].split(" ")[0], row["primary_color"], Random(1))
            (work / row["logo"]).write_bytes(logo)
    runner = CliRunner()
    for args in (["db", "upgrade"], ["partners", "import", str(write_partners(work, PARTNERS))]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    for row in PARTNERS:
        out = work / row["slug"]
        result = runner.invoke(
            cli,
            [
                "kits",
                "preview",
                str(ROOT / "kits" / "secure-cloud-q3"),
                "--partner",
                row["slug"],
                "--out",
                str(out),
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
        target = ROOT / "docs" / "img" / row["slug"]
        target.mkdir(parents=True, exist_ok=True)
        screenshot(out / "email.html", target / "email.png")
        pdf = pypdfium2.PdfDocument(out / "brochure.pdf")
        for number in range(len(pdf)):
            pdf[number].render(scale=1.1).to_pil().save(target / f"brochure-{number + 1}.png")
        shutil.copy(out / "launch-linkedin.jpg", target / "linkedin.jpg")
        print("wrote", target)


def screenshot(html: Path, png: Path) -> None:
    subprocess.run(
        [
            "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tempfile.mkdtemp()}",
            f"--screenshot={png}",
            "--window-size=680,1400",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
        env={**os.environ, "HOME": "/tmp"},
    )


if __name__ == "__main__":
    main()
