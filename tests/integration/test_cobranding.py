"""Co-branded outputs read back as a user would see them, plus customisation and cache."""

from __future__ import annotations

import io
import json
import shutil
from email import message_from_bytes, policy

import pytest
from PIL import Image
from pypdf import PdfReader

from campaign_engine.domain.kit import kit_schema
from campaign_engine.typeset.posts import post_length
from tests.conftest import ROOT, SAMPLE_KIT
from tests.factories import logo_png, partner_row, write_partners

SIZES = {
    "linkedin": (1200, 627),
    "instagram": (1080, 1080),
    "instagram-4x5": (1080, 1350),
    "x": (1600, 900),
}


@pytest.fixture
def cli(sqlite_url, make_cli, tmp_path):
    cli = make_cli(sqlite_url)
    rows = [
        partner_row(1, primary_color="#c2185b"),
        partner_row(
            2,
            name="Café Numérique",
            locale="fr-FR",
            timezone="Europe/Paris",
            phone="+33 1 44 55 66 77",
            primary_color="#1565c0",
        ),
        partner_row(3, logo="", postal_address=""),
    ]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("kits", "load", str(SAMPLE_KIT))
    return cli


def preview(cli, tmp_path, slug):
    out = tmp_path / f"out-{slug}"
    result = cli("kits", "preview", str(SAMPLE_KIT), "--partner", slug, "--out", str(out))
    return out, result.output


def close(a, b, tolerance=14):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_the_pdf_names_the_partner_and_embeds_its_logo(cli, tmp_path):
    out, _ = preview(cli, tmp_path, "partner-01")
    reader = PdfReader(out / "brochure.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Partner 01 Systems" in text and "+44 20 7946 0001" in text
    images = [img.image.convert("RGB") for img in reader.pages[0].images]
    centre_colours = [img.getpixel((img.width // 2, img.height // 2)) for img in images]
    assert any(close(c, (0xC2, 0x18, 0x5B)) for c in centre_colours), "partner logo on page 1"
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1), "A4 for en-GB"


def test_social_images_have_platform_sizes_brand_band_and_logo(cli, tmp_path):
    out, _ = preview(cli, tmp_path, "partner-01")
    images = sorted(out.glob("*.jpg"))
    links: dict[str, dict[str, str]] = {}
    assert len(images) == 9  # 7 posts per network, and Instagram's two also at 4:5
    for path in images:
        shape = "instagram-4x5" if path.stem.endswith("-4x5") else path.stem.split("-")[-1]
        with Image.open(path) as image:
            assert image.size == SIZES[shape]
            rgb = image.convert("RGB")
            band = rgb.getpixel((image.width // 2, image.height - 5))
            assert close(band, (0xC2, 0x18, 0x5B)), f"brand colour band in {path.name}"
            margin = image.width // 20
            logo_box = rgb.crop(
                (margin, margin, margin + image.width // 3, margin + image.height // 7)
            )
            assert any(close(p, (0xC2, 0x18, 0x5B)) for p in logo_box.get_flattened_data()), (
                "logo pixels"
            )
            vendor_box = rgb.crop((image.width * 2 // 3, margin, image.width - margin, margin * 3))
            assert any(close(p, (0x0B, 0x3D, 0x91), 40) for p in vendor_box.get_flattened_data()), (
                f"the vendor's logo, top right, in {path.name}"
            )
        if shape == "instagram-4x5":
            continue
        platform = shape
        text = (out / f"{path.stem}.txt").read_text()
        limit = {"x": 280, "instagram": 2200, "linkedin": 3000}[platform]
        if platform == "instagram":  # no dead link in a caption; the website in words
            assert "http" not in text and "partner01.example" in text
            assert len(text) <= limit
            continue
        url = text.rsplit("\n", 1)[-1]
        # counted as the network counts it (X: twitter-text, which counts a link as 23 only
        # when it knows the link for one), with a link shaped as the send's tracked one
        assert post_length(text, platform) <= limit
        prefix, token = url.rsplit("/r/", 1)
        assert prefix.startswith("http") and len(token) == 16
        links.setdefault(path.stem.rsplit("-", 1)[0], {})[platform] = url
    for post, by_network in links.items():  # one tracked link per network
        assert len(set(by_network.values())) == len(by_network), post


def test_a_french_partner_gets_french_copy_everywhere(cli, tmp_path):
    out, _ = preview(cli, tmp_path, "partner-02")
    mail = message_from_bytes((out / "email.eml").read_bytes(), policy=policy.default)
    assert "Café Numérique" in mail["Subject"]
    html = mail.get_body(("html",)).get_content()
    assert "Bonjour Jordan" in html and ">avec<" in html and 'lang="fr"' in html
    assert "Ce que vous obtenez" in "".join(
        p.extract_text() for p in PdfReader(out / "brochure.pdf").pages
    )
    assert "Comment cela fonctionne avec Café Numérique" in "".join(
        p.extract_text() for p in PdfReader(out / "brochure.pdf").pages
    )


def test_a_partner_without_a_logo_gets_its_name_as_a_lockup(cli, tmp_path):
    # partner-03 lacks a postal address too: its email is not made, and says why
    _, said = preview(cli, tmp_path, "partner-03")
    assert "not made: email:" in said and "postal address" in said
    rows = [partner_row(5, logo="")]
    cli("partners", "import", str(write_partners(tmp_path, rows, "no-logo.csv")))
    out, _ = preview(cli, tmp_path, "partner-05")
    mail = message_from_bytes((out / "email.eml").read_bytes(), policy=policy.default)
    lockup = next(p for p in mail.walk() if p["Content-ID"] == "<partner-logo>").get_content()
    with Image.open(io.BytesIO(lockup)) as image:
        assert image.width > 2 * image.height, "a wordmark, not a blank"


def test_crm_talking_points_are_structured_and_vertical_specific(cli, tmp_path):
    cli(
        "partners",
        "import",
        str(write_partners(tmp_path, [partner_row(4, vertical="healthcare")], "health.csv")),
    )
    out, _ = preview(cli, tmp_path, "partner-04")
    points = json.loads((out / "talking-points.json").read_text())
    assert set(points) >= {"pitch", "why_now", "discovery_questions", "objections", "next_step"}
    assert len(points["discovery_questions"]) == 3
    assert "patient" in points["pitch"]
    assert "## Objections" in (out / "talking-points.md").read_text()


def test_a_second_preview_renders_nothing_and_a_new_logo_rerenders_that_partner(cli, tmp_path):
    _, first = preview(cli, tmp_path, "partner-01")
    assert "artifact cache" not in first
    assert "all from the artifact cache" in preview(cli, tmp_path, "partner-01")[1]
    preview(cli, tmp_path, "partner-02")
    (tmp_path / "logos" / "partner-01.png").write_bytes(logo_png("#2e7d32"))
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1)], "new-logo.csv")))
    assert "artifact cache" not in preview(cli, tmp_path, "partner-01")[1]
    assert "all from the artifact cache" in preview(cli, tmp_path, "partner-02")[1]


def test_customisations_within_limits_change_the_assets(cli, tmp_path):
    cli(
        "partners",
        "customise",
        "partner-01",
        "--kit",
        "secure-cloud-q3",
        "intro=We have protected Bristol's dentists since 2009.",
        "posts=launch,proof",
    )
    out, _ = preview(cli, tmp_path, "partner-01")
    assert "protected Bristol's dentists" in (out / "email.txt").read_text()
    assert not list(out.glob("webinar-*")), "the partner chose launch and proof only"
    too_long = cli(
        "partners",
        "customise",
        "partner-01",
        "--kit",
        "secure-cloud-q3",
        "cta_text=" + "x" * 33,
        ok=False,
    )
    assert too_long.exit_code == 1
    assert "customisation 'cta_text': 33 characters; the limit is 32" in too_long.output
    wrong = cli(
        "partners",
        "customise",
        "partner-01",
        "--kit",
        "secure-cloud-q3",
        "posts=launch,tiktok",
        ok=False,
    )
    assert "tiktok not among launch, webinar, proof" in wrong.output


def test_the_committed_json_schema_matches_the_kit_format():
    committed = json.loads((ROOT / "docs" / "kit.schema.json").read_text())
    assert committed == json.loads(json.dumps(kit_schema())), "run: campaign-engine kits schema"


@pytest.fixture
def kit_copy(tmp_path):
    target = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, target)
    return target


def test_validation_catches_small_images_missing_glyphs_and_overflowing_headlines(cli, kit_copy):
    Image.new("RGB", (800, 400), "navy").save(kit_copy / "assets" / "bg-webinar.jpg")
    copy = kit_copy / "copy" / "en.yaml"
    text = copy.read_text()
    text = text.replace(
        'headline: "Backups ransomware can\'t touch"',
        'headline: "' + "Unbelievably long headline words " * 40 + '"',
    )
    copy.write_text(text.replace("Book a free backup check", "Book a free backup check 🚀"))
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert (
        "'assets/bg-webinar.jpg' is 800x400; its platforms need at least 1600x900" in result.output
    )
    assert "overflows the" in result.output
    assert "has no glyph" in result.output and "🚀" in result.output


def test_a_partner_missing_a_required_field_fails_with_the_reason(cli, tmp_path):
    from tests.factories import write_contacts

    cli("contacts", "import", str(write_contacts(tmp_path, ["partner-01", "partner-03"], 1)))
    created = cli("campaigns", "create", "--kit", "secure-cloud-q3", "--name", "Req", "--json")
    campaign_id = json.loads(created.output)["id"]
    launched = cli("campaigns", "launch", str(campaign_id), "--wait", ok=False)
    assert launched.exit_code == 1
    status = cli("campaigns", "status", str(campaign_id)).output
    assert (
        "email failed: The profile of Partner 03 Systems lacks a postal address (postal_address)"
        in status
    )
    counts = json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)
    assert counts["deliveries"]["email"]["sent"] == 1
    assert counts["deliveries"]["email"]["failed"] == 1
