"""Preflight for partners no fixture knew: Thai, Devanagari, Korean, Arabic and emoji
names and addresses, a four-line address, a light yellow brand (#FFE600), 10:1 and 1:4
logos, no phone or website. What the engine renders for them well is not blocked (the old
glyph list and the PDF heuristic held the Thai and Hindi partners); the same partners
with the defects of the issue put back into the kit are blocked with the right codes."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from PIL import Image, ImageDraw

from campaign_engine import bootstrap
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, Cli, write_config
from tests.factories import partner_row, write_partners

FOUR_LINES = "Suite 4100\n1234 North Michigan Avenue\nChicago, IL 60601\nUnited States"


def shaped_logo(path, size: tuple[int, int], colour: str) -> None:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] - 1, size[1] - 1), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())


ROWS = [
    partner_row(
        1,
        slug="thai",
        name="บริษัท คลาวด์ไทย โซลูชั่น จำกัด",
        postal_address="99/1 อาคารสาทรซิตี้ทาวเวอร์ ชั้น 12\nถนนสาทรใต้\nกรุงเทพมหานคร 10120",
        locale="th-TH",
        timezone="Asia/Bangkok",
    ),
    partner_row(
        2,
        slug="hindi",
        name="क्लाउड सेवाएँ प्राइवेट लिमिटेड",
        postal_address="१२ महात्मा गांधी मार्ग\nमुंबई 400001",
        locale="hi-IN",
        timezone="Asia/Kolkata",
    ),
    partner_row(3, slug="emoji", name="Rocket 🚀 Backup Partners"),
    partner_row(4, slug="korean", name="클라우드 백업 주식회사", locale="ko-KR"),
    partner_row(5, slug="arabic", name="شركة السحابة الآمنة", locale="ar-AE"),
    partner_row(
        6,
        slug="yellow-chicago",
        primary_color="#ffe600",
        postal_address=FOUR_LINES,
        locale="en-US",
        timezone="America/Chicago",
    ),
    partner_row(7, slug="wide-logo", logo="logos/wide.png"),
    partner_row(8, slug="tall-logo", logo="logos/tall.png"),
    partner_row(9, slug="bare", phone="", website=""),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anypartner")
    (folder / "logos").mkdir()
    shaped_logo(folder / "logos" / "wide.png", (2000, 200), "#0a6e4f")
    shaped_logo(folder / "logos" / "tall.png", (100, 400), "#7a1fa2")
    cli = Cli(write_config(folder, f"sqlite:///{folder}/engine.db"))
    cli("db", "upgrade")
    cli("partners", "import", str(write_partners(folder, ROWS)))
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    with runtime.sessions() as session:  # a quoted field keeps its line breaks
        assert get_partner(session, "yellow-chicago").postal_address == FOUR_LINES
    runtime.close()
    return cli


def problems(cli, kit, *slugs: str) -> dict[str, dict[str, str]]:
    only = [arg for slug in slugs for arg in ("--partner", slug)]
    result = cli("kits", "preflight", str(kit), "--json", *only, ok=False)
    report = json.loads(result.output)["partners"]
    return {
        slug: {p["code"]: p["severity"] for p in item["problems"]} for slug, item in report.items()
    }


def test_partners_the_engine_renders_well_are_not_blocked(world):
    found = problems(world, SAMPLE_KIT)
    blocked = {
        slug: sorted(code for code, severity in codes.items() if severity == "block")
        for slug, codes in found.items()
    }
    assert blocked == {slug: [] for slug in blocked}
    assert found["bare"]["required_field_missing"] == "warn", "its brochure is held, not it"


def test_the_issues_defects_put_back_into_the_kit_are_blocked(world, tmp_path):
    kit = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, kit)
    email = kit / "templates" / "email.mjml"
    source = email.read_text()
    loop = "{% for line in partner.address_lines %}<br>{{ bdi(line) }}{% endfor %}"
    band = 'mj-section background-color="{{ partner.band_color }}"'
    size = 'width="{{ partner.logo_width }}px" height="{{ partner.logo_height }}px"'
    for part in (loop, band, size):
        assert part in source, part
    source = source.replace(loop, '<br>{{ partner.address_lines|join("") }}')
    source = source.replace(band, 'mj-section background-color="#9a8c00"')
    source = source.replace(size, 'width="60px" height="6px"')
    email.write_text(source)
    found = problems(world, kit, "yellow-chicago", "emoji")
    chicago = found["yellow-chicago"]
    for code in ("address_lines_lost", "brand_fill_off", "logo_email_small"):
        assert chicago.get(code) == "block", (code, chicago)
    assert "address_lines_lost" not in found["emoji"], "a one-line address has no lines to lose"
