"""Text measured against its own box in WeasyPrint's layout tree: a Thai or Devanagari
block with tight leading is inside its box (the PDF heuristic held such a brochure for
overlapping text), while a band too short for its text, a word running under a card
beside it and a title off the page are found, and a number placed in an item's margin
on purpose is not."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from weasyprint import HTML

from campaign_engine.services.assets.preflight.layout import images, text_overflows

PAGE = "@page { size: A5; margin: 10mm; } body { font-family: sans-serif; font-size: 12pt; }"


def laid_out(body: str, css: str = "") -> object:
    return HTML(string=f"<style>{PAGE}{css}</style><body>{body}</body>").render()


@pytest.mark.parametrize(
    "text",
    [
        "บริษัท คลาวด์ไทย โซลูชั่น จำกัด (มหาชน) 99/1 อาคารสาทรซิตี้ทาวเวอร์ ชั้น 12",
        "क्लाउड सेवाएँ प्राइवेट लिमिटेड, १२ महात्मा गांधी मार्ग, मुंबई",
        "Rocket 🚀 Partners ✅ 株式会社東京クラウド",
    ],
)
def test_marks_above_and_below_and_tight_leading_are_inside_their_box(text):
    body = f'<div style="line-height:1.0;width:60mm">{text}</div>'
    assert text_overflows(laid_out(body)) == []


def test_a_band_too_short_for_its_text_is_found():
    body = (
        '<div style="height:12mm;background:#0a6e4f;padding:2mm">'
        "<p>Partner name</p><p>+44 20 7946 0000</p><p>sales@partner.example</p></div>"
        "<footer>Vendor Ltd, 1 Harbour Street</footer>"
    )
    found = text_overflows(laid_out(body))
    assert found and not found[0].off_page and found[0].page == 1
    assert "+44 20 7946 0000" in {f.text for f in found} or found[0].px > 10


def test_a_word_running_under_the_card_beside_it_is_found():
    card = '<div style="float:right;width:40mm;height:30mm;background:#fff">QR</div>'
    word = "Donaudampfschifffahrtsgesellschaftskapitän"
    body = f'<div style="width:110mm">{card}<p style="font-size:16pt">{word}</p></div>'
    found = text_overflows(laid_out(body))
    assert any(f.text.startswith("Donau") for f in found), found
    fine = f'<div style="width:110mm">{card}<p>Northwind Partners</p></div>'
    assert text_overflows(laid_out(fine)) == []


def test_a_title_that_may_not_wrap_runs_off_the_page():
    body = '<h1 style="white-space:nowrap;font-size:40pt">Backups ransomware cannot touch</h1>'
    (found,) = text_overflows(laid_out(body))
    assert found.off_page and found.text.startswith("Backups")


def test_a_number_placed_in_the_items_padding_is_not_text_out_of_its_box():
    css = (
        "li { position: relative; padding-left: 14mm; list-style: none; min-height: 10mm; "
        "margin-bottom: 4mm; }"
        ".n { position: absolute; left: 0; top: -1mm; width: 10mm; height: 10mm; }"
    )
    body = '<ol style="padding:0">' + '<li><span class="n">1</span>A free check</li>' * 3 + "</ol>"
    assert text_overflows(laid_out(body, css)) == []


def test_images_are_measured_at_the_size_they_print():
    out = io.BytesIO()
    Image.new("RGB", (600, 60), "#0a6e4f").save(out, format="PNG")
    src = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    body = f'<img src="{src}" style="width:80mm">'
    (image,) = images(laid_out(body), prefix="data:image/png")
    assert image.width_mm == pytest.approx(80, abs=0.1)
    assert image.short_mm == pytest.approx(8, abs=0.1)


def test_a_block_pushed_onto_a_sheet_of_its_own_is_an_overflow():
    """Two .page sections, one sheet tall each: a page 2 grown taller moved its contact
    band to a third sheet, and no line sat below an edge to say so."""
    from renderers.pdf import overflows

    css = ".page { height: 189mm; page-break-after: always; }"

    def sheets(second: str) -> str:
        return (
            f'<section class="page">Cover</section><section class="page">{second}'
            '<div class="contact" style="height: 60mm">Talk to us</div></section>'
        )

    fits = sheets('<div style="height: 100mm">Steps</div>')
    assert not overflows(laid_out(fits, css), fits)
    grown = sheets('<div style="height: 150mm">Steps</div>')
    document = laid_out(grown, css)
    assert len(document.pages) == 3 and overflows(document, grown)
