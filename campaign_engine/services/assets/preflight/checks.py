"""The checks on one partner's rendered assets; cheap enough to run before every send
(no browser: the email's width at 390 px is measured in Chromium when the kit is
validated, for a worst-case partner, and by `kits preflight` for real ones)."""

from __future__ import annotations

import io
import re
import unicodedata
from functools import lru_cache
from math import ceil
from typing import Any

from PIL import Image

from campaign_engine.domain.brand import (
    LIGHT_TEXT,
    NON_TEXT,
    PLATE_COLOURS,
    luminance_contrast,
    relative_luminance,
)
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.colour import fill_is_brand
from campaign_engine.services.assets.preflight.fonts import missing_glyphs
from campaign_engine.services.assets.preflight.problems import Problem, Severity
from campaign_engine.typeset.logo_size import band_extrema

SUBJECT_LIMIT = 70  # most inboxes show the first 60-70 characters (phones fewer)
GMAIL_CLIP = 102 * 1024  # Gmail hides an HTML body beyond this behind "View entire message"
PRINT_DPI = 150
PRINT_MIN_MM = 6.0  # a logo's short side under this does not read in print
PT_PER_PX = 0.75
WIDE, TALL = 4.0, 3.0  # aspect ratios past which a logo's shape, not its pixels, limits it
MARKUP = re.compile(r"<[a-zA-Z/][^>]*>")


def check_brand(kit: KitContent, brand: BrandContext) -> list[Problem]:
    """What is wrong whatever the asset: characters no font draws (they print as boxes in
    the brochure, the images and the name lockup) and a logo lost against its plate."""
    problems = []
    font = str(kit.root / kit.spec.fonts.bold) if kit.spec.fonts else None
    for field, text in (
        ("name", brand.name),
        ("short name", brand.short_name),
        ("postal address", brand.postal_address),
    ):
        missing = missing_glyphs(text, font)
        if missing:
            problems.append(
                Problem(
                    "brand",
                    "glyph_missing",
                    Severity.BLOCK,
                    f"no font draws {' '.join(missing)} in your {field}; it would print "
                    "as empty boxes. Write it without them, or ask the vendor to add a font",
                )
            )
    problems += _drawn_in_images(font, brand)
    for field, text in (("name", brand.name), ("postal address", brand.postal_address)):
        if markup := MARKUP.search(text):
            problems.append(
                Problem(
                    "brand",
                    "markup_in_field",
                    Severity.WARN,
                    f"your {field} contains markup ({markup.group(0)}); it is "
                    "printed as written, tags and all",
                )
            )
    if brand.logo_with_name:
        problems.append(
            Problem(
                "brand",
                "logo_with_name",
                Severity.WARN,
                "your logo is too small to be read alone, so your name is set beside it; "
                "upload a logo at least 96 pixels tall to show it on its own",
            )
        )
    ratio = logo_contrast(brand)
    if ratio is not None and ratio < NON_TEXT:
        problems.append(
            Problem(
                "brand",
                "logo_contrast",
                Severity.BLOCK,
                f"your logo stands out from its background at only {ratio:.1f}:1 (at least "
                "3:1 is needed to be seen); upload a darker or a lighter version",
            )
        )
    return problems


def _drawn_in_images(font: str | None, brand: BrandContext) -> list[Problem]:
    """The name as the social images and the signature banner draw it: Pillow has no
    font fallback of its own, so those renderers draw from their own chain of fonts
    (campaign_engine.typeset.glyphs), which may lack a script fontconfig finds a font for (Ethiopic,
    Khmer, Gujarati): the email and the brochure print such a name, the images show
    boxes. Asked here so the check answers for every renderer."""
    from campaign_engine.typeset.glyphs import missing_glyphs as missing_in_images

    problems = []
    for field, text in (("name", brand.name), ("short name", brand.short_name)):
        missing = [c for c in missing_in_images(text, font) if c not in missing_glyphs(c)]
        if missing:
            problems.append(
                Problem(
                    "brand",
                    "glyph_missing",
                    Severity.BLOCK,
                    f"the social images and the email signature banner have no font for "
                    f"{' '.join(missing)} in your {field}; they would show empty boxes",
                )
            )
    return problems


def logo_contrast(brand: BrandContext) -> float | None:
    """Contrast of a logo with transparency against the plate it is shown on; None for an
    opaque logo, which brings its own ground."""
    if not brand.logo_png or _opaque(brand.logo_png):
        return None
    ground = PLATE_COLOURS.get(brand.logo_on_plate or "white", LIGHT_TEXT)  # no plate: white
    return luminance_contrast(relative_luminance(ground), brand.logo_luminance)


@lru_cache(maxsize=4096)
def _opaque(png: bytes) -> bool:
    """Cached by logo: this runs before every send of every partner's channel."""
    with Image.open(io.BytesIO(png)) as image:
        return band_extrema(image.convert("RGBA").getchannel("A"))[0] >= 250


def check_requirements(kit: KitContent, brand: BrandContext) -> list[Problem]:
    """Each asset whose kit-declared required fields the partner lacks, with the reason.
    A channel a launch sends is blocked (its deliveries fail with that reason); the
    brochure, which no launch sends, is only held: previews, runway attachments and the
    library leave it out, and the partner's other assets still go."""
    from campaign_engine.services.assets.requirements import (
        brand_has,
        missing_fields,
        requirement_reason,
    )

    targets = [*kit.spec.channels(), *(["brochure"] if kit.spec.assets.pdf else [])]
    problems = []
    for channel in targets:
        missing = missing_fields(kit.spec, channel, brand_has(brand))
        if not missing:
            continue
        reason = requirement_reason(brand.name, channel, missing)
        if channel == "brochure":
            severity, reason = Severity.WARN, f"the brochure is not made: {reason}"
        else:
            severity = Severity.BLOCK
        problems.append(Problem(channel, "required_field_missing", severity, reason))
    return problems


def check_assets(
    kit: KitContent,
    brand: BrandContext,
    assets: list[RenderedAsset],
    *,
    brochure_layout: Any = None,
) -> list[Problem]:
    """Each asset's checks; `brochure_layout` (WeasyPrint's laid-out document of the
    brochure, see preflight.layout) lets the brochure be measured rather than guessed."""
    problems: list[Problem] = []
    for asset in assets:
        if asset.asset == "email":
            problems += check_email(asset) + check_email_text(asset, brand)
        elif asset.asset == "brochure":
            problems += check_brochure(kit, asset, brochure_layout, brand)
        elif asset.channel == "social":
            problems += check_post(asset) + check_post_words(kit, brand, asset)
            problems += check_bands(asset, brand)
        elif asset.channel == "signature":
            problems += check_bands(asset, brand)
    return problems


def check_email_text(asset: RenderedAsset, brand: BrandContext) -> list[Problem]:
    """The plain-text part, which needs no browser: the address's lines kept (or joined
    with ", " on one line), and no separator beside an empty field."""
    from campaign_engine.services.assets.preflight.text import (
        address_kept,
        address_lines,
        clean,
        dangling_separators,
    )

    try:
        text = asset.file("email.txt").content.decode()
    except KeyError:
        return []
    lines = text.splitlines()
    address = address_lines(brand.postal_address)
    problems = []
    joined = ", ".join(address)
    if not address_kept(lines, address) and not any(joined in clean(line) for line in lines):
        problems.append(
            Problem(
                "email",
                "address_lines_lost",
                Severity.BLOCK,
                f"the postal address's {len(address)} lines run together in the email's "
                "plain-text part",
            )
        )
    dangling = dangling_separators(lines)
    if dangling:
        problems.append(
            Problem(
                "email",
                "separator_dangling",
                Severity.BLOCK,
                f"a separator stands beside an empty field in the email's plain-text part: "
                f"{dangling[0]}",
            )
        )
    return problems


def check_post_words(kit: KitContent, brand: BrandContext, asset: RenderedAsset) -> list[Problem]:
    """A post's text read line by line: a label left with nothing after it (the kit's
    "More at {website}" for a partner without a website) and separators beside nothing."""
    from campaign_engine.services.assets.preflight.text import clean, dangling_separators

    more_at = str(kit.copy_for(brand.language).get("social", {}).get("more_at", ""))
    label = clean(more_at.split("{website}")[0]) if "{website}" in more_at else ""
    problems = []
    for file in asset.files:
        if file.media_type != "text/plain":
            continue
        lines = file.content.decode().splitlines()
        if label and any(clean(line).endswith(label) for line in lines):
            problems.append(
                Problem(
                    asset.asset,
                    "label_dangling",
                    Severity.BLOCK,
                    f"{file.name} ends a line with “{label}” and nothing after it",
                )
            )
        dangling = dangling_separators(lines)
        if dangling:
            problems.append(
                Problem(
                    asset.asset,
                    "separator_dangling",
                    Severity.BLOCK,
                    f"a separator stands beside an empty field in {file.name}: {dangling[0]}",
                )
            )
    return problems


def check_bands(asset: RenderedAsset, brand: BrandContext) -> list[Problem]:
    """The band in the partner's colour along the bottom of every post image and of the
    signature banner (the social and banner renderers draw it there): its middle rows'
    median colour is the partner's (colour.fill_is_brand)."""

    off = []
    for file in asset.files:
        if not file.media_type.startswith("image/"):
            continue
        colour = _bottom_band(file.content)
        if not fill_is_brand(colour, brand):
            off.append(f"{file.name} is {colour}")
    if not off:
        return []
    return [
        Problem(
            asset.asset,
            "brand_fill_off",
            Severity.BLOCK,
            f"the band in your colour {brand.primary_color} along the bottom of "
            + "; ".join(off[:2]),
        )
    ]


def _bottom_band(data: bytes) -> str:
    """The median colour of the rows 3 to 9 pixels above the bottom edge (inside the
    thinnest band, the banner's 12 px, away from the edge's JPEG ringing). Runs before
    every send of a post, so a JPEG is decoded at half size (a flat band survives it)."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        image.draft("RGB", (width // 2, height // 2))
        scale = image.size[1] / height
        w, h = image.size
        top, bottom = h - max(2, round(9 * scale)), h - max(1, round(3 * scale))
        rows = image.convert("RGB").crop((w // 20, top, w - w // 20, bottom))
        r, g, b = (_median(band.histogram()) for band in rows.split())
    return f"#{r:02x}{g:02x}{b:02x}"


def _median(histogram: list[int]) -> int:
    half, seen = sum(histogram) / 2, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return value
    return 255


def check_post(asset: RenderedAsset) -> list[Problem]:
    """Each network's text within its limit (a post over it is refused by the network),
    and a word when the text had to be cut to get there."""
    from campaign_engine.domain.kit import PLATFORM_TEXT_LIMITS
    from campaign_engine.typeset.posts import post_length

    problems = []
    for file in asset.files:
        if file.media_type != "text/plain":
            continue
        platform = file.network or ""
        limit = PLATFORM_TEXT_LIMITS.get(platform)
        length = post_length(file.content.decode(), platform) if limit else 0
        if limit and length > limit:
            problems.append(
                Problem(
                    asset.asset,
                    "post_too_long",
                    Severity.BLOCK,
                    f"the {platform} post is {length} characters; {platform} takes {limit}",
                )
            )
    for platform in filter(None, str(asset.meta.get("shortened", "")).split(",")):
        problems.append(
            Problem(
                asset.asset,
                "post_shortened",
                Severity.WARN,
                f"the {platform} post's text was cut to fit with its link and hashtags; "
                "a shorter text (or short name) keeps it whole",
            )
        )
    return problems


def check_email(asset: RenderedAsset) -> list[Problem]:
    problems = []
    subject = str(asset.meta.get("subject", ""))
    if len(subject) > SUBJECT_LIMIT:
        problems.append(
            Problem(
                "email",
                "subject_long",
                Severity.WARN,
                f"the subject is {len(subject)} characters; inboxes show about the first "
                "60 to 70. Give the partner a short name",
            )
        )
    html = asset.file("email.html").content
    if len(html) > GMAIL_CLIP:
        problems.append(
            Problem(
                "email",
                "email_clipped",
                Severity.WARN,
                f"the email's HTML is {len(html) // 1024} KB; Gmail clips it after 102 KB",
            )
        )
    shown = _shown_width(html.decode(), "cid:partner-logo")
    logo = next((f for f in asset.files if f.name == "partner-logo"), None)
    if shown and logo is not None:
        with Image.open(io.BytesIO(logo.content)) as image:
            density = image.width / shown
            image_size = image.size
            need = ceil(2 * shown * min(image.size) / image.width)
        if density < 1.9:  # thumbnails round a pixel off
            problems.append(
                Problem(
                    "email",
                    "logo_resolution",
                    Severity.WARN,
                    f"the logo has {density:.1f} pixels per screen pixel in the email (2 are "
                    f"needed for a sharp logo on phones); "
                    + _logo_advice(image_size, need, sharper=True),
                )
            )
    return problems


def _shown_width(html: str, src: str) -> int | None:
    tag = re.search(rf'<img [^>]*src="{re.escape(src)}"[^>]*>', html)
    width = re.search(r'width="(\d+)"', tag.group(0)) if tag else None
    return int(width.group(1)) if width else None


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
    problems += _print_logo_problems(asset, layout, brand)
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


def _print_logo_problems(
    asset: RenderedAsset, layout: Any, brand: BrandContext | None
) -> list[Problem]:
    """The logo as printed: its short side (6 mm is the least that reads) and its pixels
    per inch, each with advice that is true for this logo."""
    from campaign_engine.services.assets.preflight.layout import images

    placed = images(layout) if layout is not None else []
    if placed:
        # what reads as the logo where it is placed: a badge on a band of its own colour
        # shows only what stands out from the band
        short_mm: float | None = min(image.seen_short_mm for image in placed)
    else:
        height = asset.meta.get("logo_mm")
        short_mm = float(height) if height is not None else None
    pixels = _logo_size(brand.logo_png) if brand and brand.logo_png else None
    problems = []
    if short_mm is not None and short_mm < PRINT_MIN_MM:
        problems.append(
            Problem(
                "brochure",
                "logo_print_small",
                Severity.BLOCK if placed else Severity.WARN,
                f"the logo prints only {short_mm:.1f} mm on its short side (at least "
                f"{PRINT_MIN_MM:.0f} mm reads); {_logo_advice(pixels)}",
            )
        )
    measured = [image.dpi for image in placed if image.dpi]
    dpi = min(measured) if measured else asset.meta.get("logo_dpi")
    if dpi is not None and float(dpi) < PRINT_DPI - 1:  # the renderer sizes to 150 exactly
        problems.append(
            Problem(
                "brochure",
                "logo_print_resolution",
                Severity.WARN,
                f"the logo prints at {float(dpi):.0f} dpi (150 is the least for print); "
                f"{_logo_advice(pixels, _print_need(short_mm), sharper=True)}",
            )
        )
    return problems


def _print_need(short_mm: float | None) -> int | None:
    """Pixels on the short side that print `short_mm` at PRINT_DPI."""
    return None if short_mm is None else ceil(short_mm / 25.4 * PRINT_DPI)


@lru_cache(maxsize=4096)
def _logo_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _logo_advice(
    pixels: tuple[int, int] | None, need_short: int | None = None, *, sharper: bool = False
) -> str:
    """What the partner can do about it, true for this logo: the engine keeps at most
    600x200 px of any upload, so a larger upload of a very wide or tall logo, or of one
    that already fills that box, changes nothing, while a more compact version does;
    only a logo with fewer pixels than `need_short` on its short side is told to upload
    a larger one, and how large."""
    from campaign_engine.services.assets.brand.logos import BOX  # the normaliser's limit

    better = "sharper" if sharper else "larger"
    if pixels is None:
        return "upload your logo"
    width, height = pixels
    aspect = width / height
    if aspect >= WIDE or aspect <= 1 / TALL:
        shape = f"{aspect:.0f}:1 wide" if aspect >= 1 else f"1:{1 / aspect:.0f} tall"
        return (
            f"your logo is {shape}, so it can only be shown this small; a more compact "
            f"version (stacked, or the mark alone) shows {better}"
        )
    if width >= BOX[0] or height >= BOX[1]:
        return (
            f"the engine keeps logos at up to {BOX[0]}x{BOX[1]} px, which this one fills; "
            "nothing you upload makes it sharper here"
        )
    if need_short is not None and min(width, height) < need_short:
        return f"it is {width}x{height} px: upload one at least {need_short} px on its short side"
    return "the kit shows it this small"


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
