"""Kits: complete validation with file:line, the sandbox, and per-partner previews."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row, write_partners


@pytest.fixture
def cli(sqlite_url, make_cli):
    return make_cli(sqlite_url)


@pytest.fixture
def kit_copy(tmp_path):
    target = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, target)
    return target


def test_the_sample_kit_is_valid(cli):
    result = cli("kits", "validate", str(SAMPLE_KIT))
    assert "is valid" in result.output and "email, social, crm, web" in result.output


def test_every_problem_is_reported_at_once_with_file_and_line(cli, kit_copy):
    html = kit_copy / "templates" / "email.mjml"
    lines = html.read_text().splitlines()
    lines[30] = lines[30] + "{% if %}"
    html.write_text("\n".join(lines))
    (kit_copy / "assets" / "bg-proof.jpg").unlink()
    manifest = (kit_copy / "kit.yaml").read_text()
    (kit_copy / "kit.yaml").write_text(manifest.replace("link: webinar", "link: nowhere"))

    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert result.exit_code == 1
    assert "templates/email.mjml:31: template syntax" in result.output
    assert "file 'assets/bg-proof.jpg' does not exist" in result.output
    assert "link 'nowhere' is not declared" in result.output
    assert "3 problem(s)" in result.output


def test_an_undefined_variable_is_located(cli, kit_copy):
    text = kit_copy / "templates" / "email.txt"
    text.write_text(text.read_text() + "\n{{ partner.fax_number }}\n")
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert "templates/email.txt:" in result.output
    assert "fax_number" in result.output


def test_a_template_reaching_for_python_internals_is_refused(cli, kit_copy):
    web = kit_copy / "templates" / "web.html"
    web.write_text("{{ partner.__class__.__mro__ }}\n" + web.read_text())
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert "templates/web.html:1: '__class__' reaches for Python internals" in result.output


def test_web_html_the_script_embed_would_drop_is_named_at_validation(cli, kit_copy):
    """A <style> block or a background image would vanish from the partner's site (the
    script embed's allowlist drops them): said at validation, with the line."""
    web = kit_copy / "templates" / "web.html"
    web.write_text(
        "<style>.x { color: red }</style>\n"
        + web.read_text().replace("background-color:#ffffff;", "background:url(x.png);", 1)
    )
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert "rendered web HTML line 1: a <style> block, which the script embed drops" in (
        result.output
    )
    assert "a CSS url(), which the script embed drops" in result.output


def test_an_email_that_cannot_wrap_a_long_name_is_refused_with_its_width(cli, kit_copy):
    """Measured in Chromium at 390 px for a partner whose texts are long unbroken words:
    the kit decides whether any partner's email fits a phone, so the kit is checked."""
    email = kit_copy / "templates" / "email.mjml"
    email.write_text(
        email.read_text().replace(
            "<strong>{{ bdi(partner.name) }}</strong>",
            '<strong style="white-space:nowrap">{{ bdi(partner.name) }}</strong>',
        )
    )
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert "templates/email.mjml: the email is " in result.output
    assert "px wide on a 390 px phone for a partner whose name" in result.output
    assert "(de)" in result.output


def test_a_browser_that_will_not_start_does_not_refuse_a_kit(cli, kit_copy, monkeypatch):
    from campaign_engine.services.assets.preflight import browser

    def broken(pages):
        raise RuntimeError("Chromium crashed on launch")

    monkeypatch.setattr(browser, "email_widths", broken)
    result = cli("kits", "validate", str(kit_copy))
    assert "is valid" in result.output


def test_a_bad_manifest_value_names_its_line(cli, kit_copy):
    manifest = (kit_copy / "kit.yaml").read_text()
    (kit_copy / "kit.yaml").write_text(
        manifest.replace('brand_color: "#0b3d91"', "brand_color: navy")
    )
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert "kit.yaml:10: vendor.brand_color" in result.output


def test_loading_the_same_kit_twice_keeps_one_version(cli):
    first = cli("kits", "load", str(SAMPLE_KIT), "--json").output
    second = cli("kits", "load", str(SAMPLE_KIT), "--json").output
    assert first == second


def test_preview_writes_every_asset_for_a_german_partner(cli, tmp_path):
    row = partner_row(
        1,
        name="Müller Systemhaus GmbH",
        locale="de-DE",
        timezone="Europe/Berlin",
        phone="+49 30 901820",
    )
    cli("partners", "import", str(write_partners(tmp_path, [row])))
    out = tmp_path / "preview"
    cli("kits", "preview", str(SAMPLE_KIT), "--partner", "partner-01", "--out", str(out))
    names = {p.name for p in out.iterdir()}
    assert {
        "email.html",
        "email.txt",
        "email.eml",
        "brochure.pdf",
        "talking-points.md",
        "talking-points.json",
        "snippet.html",
        "launch-linkedin.jpg",
        "brochure-page1.png",
    } <= names
    pdf_text = "".join(page.extract_text() for page in PdfReader(out / "brochure.pdf").pages)
    assert "Müller Systemhaus GmbH" in pdf_text
    assert "+49 30 901820" in pdf_text
    assert "Was Sie bekommen" in pdf_text, "German partner, German copy"
    assert "Hallo Jordan" in (out / "email.txt").read_text()
    assert len(PdfReader(out / "brochure.pdf").pages) == 2


def test_a_bad_manifest_does_not_hide_template_errors(cli, kit_copy):
    """A bad slug made validation stop at kit.yaml; the broken template was found only
    after the slug was fixed."""
    manifest = kit_copy / "kit.yaml"
    manifest.write_text(manifest.read_text().replace("slug: secure-cloud-q3", "slug: Bad Slug!"))
    html = kit_copy / "templates" / "email.mjml"
    lines = html.read_text().splitlines()
    lines[30] = lines[30] + "{% if %}"
    html.write_text("\n".join(lines))
    result = cli("kits", "validate", str(kit_copy), ok=False)
    assert result.exit_code == 1
    assert "slug" in result.output
    assert "templates/email.mjml:31: template syntax" in result.output


def test_preview_names_every_file_with_its_extension(cli, tmp_path):
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(3)])))
    out = tmp_path / "preview-ext"
    cli("kits", "preview", str(SAMPLE_KIT), "--partner", "partner-03", "--out", str(out))
    names = {p.name for p in out.iterdir()}
    assert {"partner-logo.png", "vendor-logo.png"} <= names
    assert all(Path(name).suffix for name in names), names
