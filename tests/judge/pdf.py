"""Invariants of a brochure PDF, read from the PDF alone (pypdfium2 and pypdf).

- text_outside_page: a character's box beyond the page's edge.
- text_outside_box: a line of text (one PDF text object) that runs out of the filled box
  it starts in, or into another box inside it (the name card into the QR block). Boxes
  are the filled single-subpath shapes at least 3 mm on each side: backgrounds, bands,
  cards, plates (border rings, which are two subpaths, and rules are not boxes).
- glyph_missing: a glyph drawn that its font does not have, i.e. the .notdef box. Every
  code shown by Tj/TJ with a Type0 font is mapped to its glyph id (Identity-H, or the
  font's embedded CMap: WeasyPrint 70 gives a missing character a code past the font's
  last glyph and maps it to CID 0) and compared with 0 and the embedded font's glyph
  count (fontTools). This reads the glyphs drawn, not a font list: exact either way.
- logo_too_small: a placement of the partner's logo image (found by its pixel size among
  the page's images) where what reads as the logo (tests.judge.logo: the artwork, and
  the partner's own ground where it differs from what is around it) is under 6 mm on
  its short side.
- address_lines_lost: the address lines do not each stand on lines of their own.
- separator_dangling: "· ·", a lone ".", a line starting with a comma.
- brand_fill_off: the hero band (the box behind the kit's title) is not the partner's
  colour, sampled from the page rasterised.
- page_count: more or fewer pages than the kit says it is designed for.
"""

from __future__ import annotations

import ctypes
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from tests.judge.colour import RGB, dominant
from tests.judge.findings import Finding
from tests.judge.logo import own_ground, visible_share
from tests.judge.text import address_kept_pdf, clean, clean_lines, separator_problems

MM = 72 / 25.4  # points per millimetre
TOLERANCE = 1.0  # pt: a glyph's ink may touch its box's edge
MIN_BOX = 3 * MM  # smaller filled shapes are rules, dots and underlines, not boxes
MIN_LOGO_MM = 6.0
MELTED = "; part of it (its own ground or artwork) is the colour around it and vanishes"


@dataclass(frozen=True)
class Box:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def area(self) -> float:
        return (self.right - self.left) * (self.top - self.bottom)

    def holds_point(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.bottom <= y <= self.top

    def overrun(self, other: Box) -> float:
        """How far (pt) `other` reaches beyond this box on any side."""
        return max(
            self.left - other.left,
            other.right - self.right,
            self.bottom - other.bottom,
            other.top - self.top,
        )


@dataclass(frozen=True)
class PageFacts:
    """What the judge reads from one page: its size, boxes, lines of text and images."""

    number: int
    size: tuple[float, float]
    boxes: list[tuple[Box, RGB]]
    runs: list[tuple[str, list[Box]]]  # (text, its characters' boxes) per text object
    lines: list[str]  # the page's text, line by line
    images: list[tuple[Box, tuple[int, int]]]  # placement and pixel size
    forms: int = 0  # form XObjects drawn (their boxes and images are not read)


def check_brochure(
    slug: str,
    pdf: bytes,
    *,
    pages: int | None,
    title: str,
    fill_ok: Callable[[RGB], str | None],
    address: Sequence[str],
    fields: Sequence[str],
    logos: Sequence[bytes],
    uploaded_logo: bytes | None = None,
) -> list[Finding]:
    """Every brochure invariant; `fill_ok(rgb)` says whether a sampled fill is the brand's."""
    found: list[Finding] = []
    doc = pdfium.PdfDocument(pdf)
    try:
        facts = [_page_facts(doc, i) for i in range(len(doc))]
        if pages is not None and len(doc) != pages:
            found.append(
                Finding(slug, "brochure", "page_count", f"{len(doc)} pages, designed for {pages}")
            )
        for page in facts:
            found += _text_boxes(slug, page)
            if page.forms:
                found.append(
                    Finding(
                        slug,
                        "brochure",
                        "not_measured",
                        f"page {page.number} draws {page.forms} form(s) whose boxes are not read",
                    )
                )
        rasters: dict[int, Image.Image] = {}

        def raster(index: int) -> Image.Image:
            if index not in rasters:
                rasters[index] = doc[index].render(scale=RASTER_SCALE).to_pil()
            return rasters[index]

        found += _hero_fill(slug, raster, facts, title, fill_ok)
        found += _logo_sizes(slug, facts, raster, logos, own_ground(uploaded_logo))
    finally:
        doc.close()
    lines = [line for page in facts for line in page.lines if line]
    if not address_kept_pdf(lines, address):
        found.append(
            Finding(
                slug,
                "brochure",
                "address_lines_lost",
                f"the {len(address)} address lines are not on lines of their own: "
                + " | ".join(line for line in lines if _shares_letters(line, address))[:200],
            )
        )
    for problem in separator_problems(lines, fields, soft_wraps=True):
        found.append(Finding(slug, "brochure", "separator_dangling", problem))
    found += [Finding(slug, "brochure", "glyph_missing", d) for d in notdef_glyphs(pdf)]
    return found


def _shares_letters(line: str, address: Sequence[str]) -> bool:
    words = {w for a in address for w in a.split() if len(w) > 2}
    return any(w in line for w in words)


def _page_facts(doc: pdfium.PdfDocument, index: int) -> PageFacts:
    page = doc[index]
    boxes, images, forms = [], [], 0
    # page-level objects only: a form's objects have bounds in the form's own space
    for obj in page.get_objects(max_depth=0):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            forms += 1
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            found = _filled_box(obj)
            if found is not None:
                boxes.append(found)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append((Box(*obj.get_bounds()), tuple(obj.get_px_size())))
    textpage = page.get_textpage()
    runs: dict[int, tuple[list[str], list[Box]]] = {}
    for i in range(textpage.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(textpage, i) == 1:
            continue
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
        obj = ctypes.cast(pdfium_c.FPDFText_GetTextObject(textpage, i), ctypes.c_void_p).value
        if obj is None:
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        text, chars = runs.setdefault(obj, ([], []))
        text.append(char)
        if not char.isspace() and right > left and top > bottom:
            chars.append(Box(left, bottom, right, top))
    lines = clean_lines(textpage.get_text_range())
    size = page.get_size()
    textpage.close()
    page.close()
    return PageFacts(
        number=index + 1,
        size=size,
        boxes=boxes,
        runs=[("".join(t), c) for t, c in runs.values() if c],
        lines=lines,
        images=images,
        forms=forms,
    )


def _filled_box(obj: pdfium.PdfObject) -> tuple[Box, RGB] | None:
    """A filled shape of one subpath, at least MIN_BOX on each side, as (box, colour)."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
    if fill.value == 0:
        return None
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a) or a.value == 0:
        return None
    box = Box(*obj.get_bounds())
    if box.right - box.left < MIN_BOX or box.top - box.bottom < MIN_BOX:
        return None
    moves = 0
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO:
            moves += 1
    return (box, (r.value, g.value, b.value)) if moves == 1 else None


def _container(page: PageFacts, x: float, y: float) -> Box:
    """The smallest box holding the point, or the page."""
    holding = [box for box, _ in page.boxes if box.holds_point(x, y)]
    return min(holding, key=lambda b: b.area) if holding else Box(0, 0, *page.size)


def _text_boxes(slug: str, page: PageFacts) -> list[Finding]:
    found = []
    sheet = Box(0, 0, *page.size)
    for text, chars in page.runs:
        beyond = max(sheet.overrun(c) for c in chars)
        if beyond > TOLERANCE / 2:
            found.append(
                Finding(
                    slug,
                    "brochure",
                    "text_outside_page",
                    f"page {page.number}: “{clean(text)[:50]}” runs {beyond:.1f} pt off the page",
                )
            )
            continue
        first = chars[0]
        home = _container(page, (first.left + first.right) / 2, (first.bottom + first.top) / 2)
        out = max(home.overrun(c) for c in chars)
        if out > TOLERANCE:
            found.append(
                Finding(
                    slug,
                    "brochure",
                    "text_outside_box",
                    f"page {page.number}: “{clean(text)[:50]}” runs {out:.1f} pt out of its box",
                )
            )
            continue
        for c in chars:
            other = _container(page, (c.left + c.right) / 2, (c.bottom + c.top) / 2)
            if other != home:
                found.append(
                    Finding(
                        slug,
                        "brochure",
                        "text_outside_box",
                        f"page {page.number}: “{clean(text)[:50]}” runs into another box",
                    )
                )
                break
    return found


def _hero_fill(
    slug: str,
    raster: Callable[[int], Image.Image],
    facts: list[PageFacts],
    title: str,
    fill_ok: Callable[[RGB], str | None],
) -> list[Finding]:
    """The colour of the box behind the kit's title on page 1, as rasterised."""
    page = facts[0]
    words = clean(title).split()[:2]
    runs = [(t, c) for t, c in page.runs if words and clean(t).startswith(" ".join(words))]
    if not runs:
        return [Finding(slug, "brochure", "not_measured", f"title “{title}” not found on page 1")]
    first = runs[0][1][0]
    home = _container(page, (first.left + first.right) / 2, (first.bottom + first.top) / 2)
    left, top, right, bottom = _pixels(home, page.size[1])
    colour = dominant(raster(0), (left + 2, top + 2, right - 2, bottom - 2))
    verdict = fill_ok(colour)
    if verdict is None:
        return []
    return [Finding(slug, "brochure", "brand_fill_off", f"hero band behind the title: {verdict}")]


def _logo_sizes(
    slug: str,
    facts: list[PageFacts],
    raster: Callable[[int], Image.Image],
    logos: Sequence[bytes],
    own: RGB | None,
) -> list[Finding]:
    """Each placement of the partner's logo image, by the short side of what reads as
    the logo there (its artwork, and its own ground where that ground shows)."""
    sizes = {}
    for data in logos:
        with Image.open(io.BytesIO(data)) as image:
            sizes[image.size] = data
    found = []
    placed = 0
    for index, page in enumerate(facts):
        for box, px in page.images:
            data = sizes.get(px)
            if data is None:
                continue
            placed += 1
            share = visible_share(data, own, _surround(raster(index), box, page.size[1]))
            if share is None:
                continue
            width = (box.right - box.left) * (share[2] - share[0]) / MM
            height = (box.top - box.bottom) * (share[3] - share[1]) / MM
            if min(width, height) < MIN_LOGO_MM - 0.05:
                found.append(
                    Finding(
                        slug,
                        "brochure",
                        "logo_too_small",
                        f"page {page.number}: logo shown {width:.1f} x {height:.1f} mm "
                        f"(short side under {MIN_LOGO_MM:.0f} mm)"
                        + (MELTED if share.melted else ""),
                    )
                )
    if sizes and not placed:
        found.append(
            Finding(
                slug, "brochure", "not_measured", "no image of the partner's logo's size placed"
            )
        )
    return found


RASTER_SCALE = 0.5  # 36 dpi: enough to read a fill's colour


def _pixels(box: Box, page_height: float) -> tuple[int, int, int, int]:
    """A box in points (origin bottom left) as raster pixels (origin top left)."""
    return (
        round(box.left * RASTER_SCALE),
        round((page_height - box.top) * RASTER_SCALE),
        round(box.right * RASTER_SCALE),
        round((page_height - box.bottom) * RASTER_SCALE),
    )


def _surround(image: Image.Image, box: Box, page_height: float) -> RGB:
    """The colour around a placed image: strips 1.5 mm wide just outside its box."""
    left, top, right, bottom = _pixels(box, page_height)
    gap, width = 1, max(2, round(1.5 * MM * RASTER_SCALE))
    strips = [
        (left, top - gap - width, right, top - gap),
        (left, bottom + gap, right, bottom + gap + width),
        (left - gap - width, top, left - gap, bottom),
        (right + gap, top, right + gap + width, bottom),
    ]
    inside = [
        (max(0, a), max(0, b), min(image.width, c), min(image.height, d)) for a, b, c, d in strips
    ]
    parts = [image.crop(s) for s in inside if s[2] > s[0] and s[3] > s[1]]
    if not parts:
        return (255, 255, 255)
    joined = Image.new("RGB", (sum(p.width * p.height for p in parts), 1))
    x = 0
    for part in parts:
        flat = Image.frombytes("RGB", (part.width * part.height, 1), part.convert("RGB").tobytes())
        joined.paste(flat, (x, 0))
        x += flat.width
    return dominant(joined)


# --- glyphs ---------------------------------------------------------------------------

SHOW = {b"Tj", b"TJ", b"'", b'"'}


def notdef_glyphs(pdf: bytes) -> list[str]:
    """One line per font that draws glyphs it does not have: the font, and the
    characters those glyphs stand for (from its ToUnicode map, where it has one)."""
    scan = _GlyphScan(pypdf.PdfReader(io.BytesIO(pdf)))
    for page in scan.reader.pages:
        scan.walk(page.get_contents(), page.get("/Resources"))
    return [
        f"{font}: {len(chars)} glyph(s) not in the font ({' '.join(sorted(chars))[:80]})"
        for font, chars in scan.missing.items()
    ]


class _GlyphScan:
    """Walks content streams (and the forms they draw) with the font each string uses."""

    def __init__(self, reader: pypdf.PdfReader) -> None:
        self.reader = reader
        self.missing: dict[str, set[str]] = {}
        self.fonts: dict[int, tuple[int | None, dict[int, str], dict[int, int] | None]] = {}

    def walk(self, contents: Any, resources: Any, depth: int = 0) -> None:
        if contents is None or resources is None or depth > 4:
            return
        resources = resources.get_object()
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else {}
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        font: Any = None
        for operands, operator in pypdf.generic.ContentStream(contents, self.reader).operations:
            if operator == b"Tf":
                font = fonts.get(operands[0])
            elif operator in SHOW and font is not None:
                strings = operands[0] if operator == b"TJ" else operands[-1:]
                for item in strings:
                    if isinstance(
                        item, pypdf.generic.TextStringObject | pypdf.generic.ByteStringObject
                    ):
                        self.check(font, item.original_bytes)
            elif operator == b"Do":
                xobject = xobjects.get(operands[0])
                form = xobject.get_object() if xobject is not None else None
                if form is not None and form.get("/Subtype") == "/Form":
                    self.walk(form, form.get("/Resources", resources), depth + 1)

    def check(self, ref: Any, data: bytes) -> None:
        font = ref.get_object()
        if font.get("/Subtype") != "/Type0":
            return  # simple and Type3 fonts: codes are not glyph ids (WeasyPrint's are)
        key = ref.idnum if isinstance(ref, pypdf.generic.IndirectObject) else id(font)
        if key not in self.fonts:
            self.fonts[key] = _font_facts(font)
        count, to_unicode, to_cid = self.fonts[key]
        if count is None:
            return
        for i in range(0, len(data) - 1, 2):
            code = int.from_bytes(data[i : i + 2], "big")
            gid = code if to_cid is None else to_cid.get(code, 0)
            if gid == 0 or gid >= count:
                name = str(font.get("/BaseFont", "?")).lstrip("/").split("+")[-1]
                self.missing.setdefault(name, set()).add(to_unicode.get(code, f"code {code}"))


def _font_facts(font: Any) -> tuple[int | None, dict[int, str], dict[int, int] | None]:
    """(glyph count of the embedded font, code -> text, code -> glyph id or None for
    Identity-H) for a Type0 font. WeasyPrint writes Identity-H, or, when some glyphs are
    missing, a CMap of its own that sends their codes to CID 0 (.notdef). The glyph count
    is None when glyph ids cannot be read (a CIDToGIDMap stream, no font file)."""
    descendant = font["/DescendantFonts"][0].get_object()
    if descendant.get("/CIDToGIDMap", "/Identity") != "/Identity":
        return None, {}, None
    encoding = font.get("/Encoding")
    to_cid: dict[int, int] | None = None
    if encoding != "/Identity-H":
        stream = encoding.get_object() if encoding is not None else None
        if not isinstance(stream, pypdf.generic.StreamObject):
            return None, {}, None
        to_cid = _cid_map(stream.get_data())
        if to_cid is None:
            return None, {}, None
    descriptor = descendant["/FontDescriptor"].get_object()
    file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
    count = _glyph_count(file.get_object().get_data()) if file is not None else None
    unicode_map = font.get("/ToUnicode")
    to_unicode = _to_unicode(unicode_map.get_object().get_data()) if unicode_map else {}
    return count, to_unicode, to_cid


CIDCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*(\d+)")
CIDRANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\d+)")


def _cid_map(data: bytes) -> dict[int, int] | None:
    """code -> CID from an embedded two-byte CMap (cidchar and cidrange entries); None
    for any other code space, which the judge does not read."""
    space = re.search(rb"begincodespacerange\s*<([0-9a-fA-F]+)>", data)
    if space is None or len(space.group(1)) != 4:
        return None
    mapping: dict[int, int] = {}
    for block in re.findall(rb"begincidchar(.*?)endcidchar", data, re.S):
        for code, cid in CIDCHAR.findall(block):
            mapping[int(code, 16)] = int(cid)
    for block in re.findall(rb"begincidrange(.*?)endcidrange", data, re.S):
        for low, high, cid in CIDRANGE.findall(block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = int(cid) + offset
    return mapping


@lru_cache(maxsize=256)
def _glyph_count(data: bytes) -> int | None:
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont, TTLibError

    try:
        return TTFont(io.BytesIO(data), lazy=True)["maxp"].numGlyphs
    except (TTLibError, KeyError, AssertionError, ValueError):
        pass
    try:
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None)
        return len(cff[cff.fontNames[0]].charset)
    except Exception:
        return None


BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
BFRANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def _to_unicode(data: bytes) -> dict[int, str]:
    """glyph id -> text from a ToUnicode CMap's bfchar and (simple) bfrange entries."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in BFCHAR.findall(block):
            mapping[int(code, 16)] = _utf16(text)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, start in BFRANGE.findall(block):
            first = int(start, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset) if first + offset < 0x110000 else "?"
    return mapping


def _utf16(hex_text: bytes) -> str:
    try:
        return bytes.fromhex(hex_text.decode()).decode("utf-16-be")
    except (ValueError, UnicodeDecodeError):
        return "?"
