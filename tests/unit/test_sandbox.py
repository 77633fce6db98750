"""Kit templates are untrusted: escapes are inert at render, files outside the kit refused."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError, TemplateNotFound, UndefinedError
from pypdf import PdfReader

from campaign_engine.bootstrap import make_renderers
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.sample_partner import sample_brand
from renderers.fetcher import KitUrlFetcher, RefusedURL
from tests.factories import render_web


@pytest.mark.parametrize(
    "payload",
    [
        "{{ partner.__class__.__mro__ }}",
        "{{ link.__globals__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ copy.items.__self__.__init__.__globals__['os'] }}",
    ],
)
def test_reaching_for_python_internals_is_inert_at_render(kit_dir, payload):
    with pytest.raises((SecurityError, UndefinedError)):
        render_web(kit_dir, payload)


def test_include_cannot_leave_the_kit(kit_dir):
    with pytest.raises(TemplateNotFound):
        render_web(kit_dir, "{% include '../../../../etc/passwd' %}")


def test_undefined_variables_fail_instead_of_rendering_blank(kit_dir):
    with pytest.raises(UndefinedError):
        render_web(kit_dir, "Call {{ partner.fax }}")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.css",
        "kit:../../../etc/passwd",
        "kit:/../../outside.txt",
        "partner:someone-elses-logo.png",
        "data:text/plain,hello",
    ],
)
def test_the_pdf_fetcher_refuses_everything_outside_the_kit(kit_dir, url):
    fetcher = KitUrlFetcher(kit_dir, {"logo.png": b"png"})
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_a_brochure_pointing_at_local_files_renders_without_them(kit_dir):
    secret = kit_dir.parent / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = kit_dir / "templates" / "brochure.html"
    template = html.read_text()
    body_ends = template.index(">", template.index("<body")) + 1  # <body class=...> too
    planted = (
        f'<img src="file://{secret}"><iframe src="file://{secret}"></iframe>'
        f'<link rel="stylesheet" href="file://{secret}">'
    )
    html.write_text(template[:body_ends] + planted + template[body_ends:])
    kit, _ = read_kit(kit_dir)
    asset = make_renderers(kit).pdf.render(sample_brand(), lambda n: f"https://t.example/{n}")
    text = "".join(
        p.extract_text() for p in PdfReader(__import__("io").BytesIO(asset.files[0].content)).pages
    )
    assert "TOP-SECRET" not in text
    assert f"file://{secret}" in asset.meta["refused"]
