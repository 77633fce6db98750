"""The brochure's checks: page count, links, text inside its boxes and the page, the
printed address and separators, the title band's colour and the printed logo."""

from __future__ import annotations

import unicodedata
from typing import Any

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.checks_logo import print_logo_problems
from campaign_engine.services.assets.preflight.colour import fill_is_brand
from campaign_engine.services.assets.preflight.problems import Problem, Severity

PT_PER_PX = 0.75


def check_brochure(
    kit: KitContent, asset: RenderedAsset, layout: Any = None, brand: BrandContext | None = None
) -> list[Problem]:
    """Page count as designed, clickable links, text inside its boxes and the page, and
    the logo's printed size and resolution. `layout` is WeasyPrint's laid-out document of
    the same brochure: with it, text is measured against its own box and the logo at the
    size it prints; without it, against the PDF's text rectangles and the renderer's
    planned logo height."""
    import pypdfium2  # loaded where a PDF is checked

    spec = kit.spec.assets.pdf
    pdf = pypdfium2.PdfDocument(asset.file("brochure.pdf").content)
    problems = []
    try:
        pages = len(pdf)
        if spec is not None and spec.pages is not None and pages != spec.pages:
            problems.append(
                Problem(
                    "brochure",
                    "page_count",
                    Severity.BLOCK,
                    f"the brochure has {pages} pages on {asset.meta.get('page_size', 'A4')}; "
                    f"it is designed for {spec.pages}. A long name or address pushed it over",
                )
            )
        links = sum(_uri_links(pdf[i]) for i in range(pages))
        if links == 0:
            problems.append(
                Problem(
                    "brochure",
                    "pdf_no_links",
                    Severity.WARN,
                    "the brochure has no clickable link; readers on a screen cannot tap it",
                )
            )
        if layout is None:
            problems += _text_problems_from_pdf(pdf)
        if brand is not None:
            problems += _printed_text_problems(pdf, brand)
    finally:
        pdf.close()
    if layout is not None:
        problems += _text_problems(layout)
        if brand is not None:
            problems += _fill_problems(layout, brand)
    problems += print_logo_problems(asset, layout, brand)
    return problems


def _printed_text_problems(pdf: Any, brand: BrandContext) -> list[Problem]:
    """The address's lines and the separators, read from the PDF's text lines."""
    from campaign_engine.services.assets.preflight.text import (
        address_kept_wrapped,
        address_lines,
        dangling_separators,
    )

    lines: list[str] = []
    for index in range(len(pdf)):
        text = pdf[index].get_textpage()
        try:
            lines += text.get_text_range().replace("\r\n", "\n").replace("\r", "\n").split("\n")
        finally:
            text.close()
    problems = []
    address = address_lines(brand.postal_address)
    if not address_kept_wrapped(lines, address):
        problems.append(
            Problem(
                "brochure",
                "address_lines_lost",
                Severity.BLOCK,
                f"the postal address's {len(address)} lines do not print as lines of their "
                "own in the brochure (they run together)",
            )
        )
    dangling = dangling_separators(lines, wrapped=True)
    if dangling:
        problems.append(
            Problem(
                "brochure",
                "separator_dangling",
                Severity.BLOCK,
                f"a separator stands beside an empty field in the brochure: {dangling[0]}",
            )
        )
    return problems


def _fill_problems(layout: Any, brand: BrandContext) -> list[Problem]:
    """The band behind the title is the partner's colour (a light one kept, not darkened)."""
    from campaign_engine.services.assets.preflight.layout import title_fill

    fill = title_fill(layout)
    if fill is None or fill_is_brand(fill, brand):
        return []
    return [
        Problem(
            "brochure",
            "brand_fill_off",
            Severity.BLOCK,
            f"the band behind the brochure's title is {fill}, not your colour "
            f"{brand.primary_color}",
        )
    ]


def _text_problems(layout: Any) -> list[Problem]:
    """From the layout tree: the lines that leave their box, and those that leave the page."""
    from campaign_engine.services.assets.preflight.layout import text_overflows

    found = text_overflows(layout)
    problems = []
    for off_page, code, words in (
        (False, "text_overlaps", "text runs out of its box"),
        (True, "text_outside_page", "text runs off the page"),
    ):
        hits = [f for f in found if f.off_page is off_page]
        if hits:
            shown = "; ".join(
                f"page {f.page}: “{f.text}” by {f.px * PT_PER_PX:.0f} pt" for f in hits[:3]
            )
            more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
            problems.append(
                Problem(
                    "brochure", code, Severity.BLOCK, f"{words} in the brochure ({shown}{more})"
                )
            )
    return problems


def _text_problems_from_pdf(pdf: Any) -> list[Problem]:
    problems = []
    for found_on, code, words in (
        (_text_overlaps, "text_overlaps", "text runs out of its box over other text on"),
        (_text_off_page, "text_outside_page", "text runs off"),
    ):
        hit = [str(i + 1) for i in range(len(pdf)) if found_on(pdf[i])]
        if hit:
            where = f"{words} page {', '.join(hit)} of the brochure"
            problems.append(Problem("brochure", code, Severity.BLOCK, where))
    return problems


def _uri_links(page: Any) -> int:
    """Link annotations on the page (WeasyPrint writes one per <a href>)."""
    import pypdfium2.raw as raw

    count = 0
    for index in range(raw.FPDFPage_GetAnnotCount(page.raw)):
        annot = raw.FPDFPage_GetAnnot(page.raw, index)
        try:
            count += raw.FPDFAnnot_GetSubtype(annot) == raw.FPDF_ANNOT_LINK
        finally:
            raw.FPDFPage_CloseAnnot(annot)
    return count


def _text_overlaps(page: Any) -> bool:
    """Two runs of text drawn over each other: what a band's text that outgrew its fixed
    box looks like where it meets the next box's text (a third of the smaller run
    covered; the touching edges of neighbouring runs on one line do not count, nor the
    marks Thai, Devanagari and Arabic set above and below their letters, which pdfium
    reports as runs of their own)."""
    text = page.get_textpage()
    try:
        rects = [
            rect
            for rect in (text.get_rect(i) for i in range(text.count_rects()))
            if not _only_marks(text.get_text_bounded(*rect))
        ]
    finally:
        text.close()
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            width = min(a[2], b[2]) - max(a[0], b[0])
            height = min(a[3], b[3]) - max(a[1], b[1])
            if width <= 0.5 or height <= 0.5:
                continue
            smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if smaller and width * height / smaller > 0.3:
                return True
    return False


def _only_marks(text: str) -> bool:
    """A run of nothing but combining marks (and space)."""
    return all(unicodedata.category(c).startswith("M") or c.isspace() for c in text)


def _text_off_page(page: Any) -> bool:
    """Any run of text whose box reaches past the page's edge (half a point of slack)."""
    width, height = page.get_size()
    text = page.get_textpage()
    try:
        for index in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(index)
            if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
                return True
        return False
    finally:
        text.close()
