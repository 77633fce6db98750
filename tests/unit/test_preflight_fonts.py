"""One font truth: preflight's glyph check and the import's warning ask fontconfig, the
fallback chain WeasyPrint and Chromium draw from. Thai, Devanagari and emoji names that
both renderers print pass; a character no installed font has is still found."""

from __future__ import annotations

from dataclasses import replace

import pypdfium2
import pytest
from weasyprint import HTML

from campaign_engine.services.assets.brand.warnings import name_warnings
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.preflight.checks_brand import check_brand
from campaign_engine.services.assets.preflight.fonts import missing_glyphs
from campaign_engine.services.assets.sample_partner import sample_brand
from tests.conftest import SAMPLE_KIT

DRAWN = {
    "thai": "บริษัท คลาวด์ไทย โซลูชั่น จำกัด, 99 ถนนสุขุมวิท กรุงเทพมหานคร",
    "devanagari": "क्लाउड सेवाएँ प्राइवेट लिमिटेड, १२ महात्मा गांधी मार्ग, मुंबई",
    "emoji": "Rocket 🚀 Partners 👩‍💻 ✅",
    "mixed": "株式会社 한국 عربي עברית Ελληνικά Ёлка Tiếng Việt",
}


@pytest.fixture(scope="module")
def kit():
    return read_kit(SAMPLE_KIT)[0]


@pytest.mark.parametrize("script", sorted(DRAWN))
def test_scripts_the_renderers_draw_are_not_blocked(kit, script):
    text = DRAWN[script]
    assert missing_glyphs(text) == []
    assert name_warnings(text) == []
    brand = replace(sample_brand(), name=text, short_name=text[:20], postal_address=text)
    assert "glyph_missing" not in {p.code for p in check_brand(kit, brand)}


def test_a_character_no_font_has_blocks_and_is_named(kit):
    assert missing_glyphs("Klingon \uf8e4 Partners") == ["\uf8e4"]
    brand = replace(sample_brand(), postal_address="2 High Street \uf8e4, London")
    (problem,) = [p for p in check_brand(kit, brand) if p.code == "glyph_missing"]
    assert problem.blocks and "\uf8e4" in problem.message and "postal address" in problem.message
    (words,) = name_warnings("Klingon \uf8e4")
    assert "\uf8e4" in str(words)


def _drawn_alone(character: str) -> bytes:
    """The character alone on a small page, rasterised: every glyph no font has is the
    same .notdef box, so two unknown characters give the same picture."""
    html = f'<p style="font-size:40pt;margin:0">{character}</p>'
    pdf = pypdfium2.PdfDocument(HTML(string=html).write_pdf(stylesheets=[]))
    try:
        return pdf[0].render(scale=0.5).to_pil().convert("L").tobytes()
    finally:
        pdf.close()


def test_what_fontconfig_finds_is_what_weasyprint_draws():
    """The check agrees with the PDF: what it finds a font for is drawn as a glyph, not
    as the box that two characters no font has are both drawn as."""
    box = _drawn_alone("\uf8e4")
    assert _drawn_alone("\uf8e5") == box and missing_glyphs("\uf8e4\uf8e5") == ["\uf8e4", "\uf8e5"]
    for character in "ก", "क", "🚀", "한":
        assert missing_glyphs(character) == []
        assert _drawn_alone(character) != box, character


def test_a_name_the_pdf_prints_but_the_images_cannot_draw_is_found(kit):
    """Gujarati: fontconfig finds Noto Sans Gujarati (the email and the brochure print
    it); the social images' own font chain has none, so they would show boxes."""
    from campaign_engine.typeset.glyphs import missing_glyphs as missing_in_images

    name = "ગુજરાત ક્લાઉડ"
    assert missing_glyphs(name) == []
    if not missing_in_images(name):
        pytest.skip("the images' font chain draws Gujarati now: nothing to find")
    brand = replace(sample_brand(), name=name)
    (problem,) = [p for p in check_brand(kit, brand) if p.code == "glyph_missing"]
    assert problem.blocks and "social images" in problem.message and "ગ" in problem.message
    (words,) = name_warnings(name)  # the import says the same
    assert "social images" in str(words) and "ગ" in str(words)
