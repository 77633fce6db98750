"""Text measured against its own box in WeasyPrint's layout tree, not guessed from the
PDF's text rectangles.

The PDF heuristic compared the rectangles pdfium reports for runs of text: Thai and
Devanagari marks sit above and below their letters, so their rectangles overlap by design
and a Thai brochure was held for "text over other text" it did not have. The layout tree
knows where each line was set and which box it belongs to, so the question becomes the
one a designer asks: does this line stay inside the box it was written in (and inside
every box around it, and the page)?
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PT_PER_PX = 0.75  # WeasyPrint lays out in CSS px; a PDF point is 4/3 of one
TOLERANCE = 1.0  # CSS px: sub-pixel rounding, and an italic's overhang


@dataclass(frozen=True)
class TextOverflow:
    page: int  # 1-based
    text: str  # the start of the line that runs out
    px: float  # how far, in CSS px
    off_page: bool  # beyond the page itself, not only its box


def _boxes(box: Any, ancestors: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every box under `box` with its ancestors (nearest last); an absolutely positioned
    box is reached through the placeholder WeasyPrint leaves in the flow."""
    box = _unwrapped(box)
    yield box, ancestors
    for child in getattr(box, "children", ()) or ():
        yield from _boxes(child, (*ancestors, box))


def _unwrapped(box: Any) -> Any:
    """The box an AbsolutePlaceholder stands for (it is no Box subclass itself)."""
    return getattr(box, "_box", box)


def _line_texts(line: Any) -> Iterator[Any]:
    """The text set on this line itself: through inline boxes, not into an inline-block,
    a float or an absolutely placed box, which set their own lines (a step's number
    placed in the margin is not the step's text running out)."""
    from weasyprint.formatting_structure import boxes

    for child in getattr(line, "children", ()) or ():
        child = _unwrapped(child)
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _line_texts(child)


def _is_block_container(box: Any) -> bool:
    from weasyprint.formatting_structure import boxes  # loaded where a layout is read

    return isinstance(box, boxes.BlockContainerBox | boxes.TableCellBox | boxes.FlexBox)


def _room(box: Any, own: bool) -> tuple[float, float, float, float]:
    """(left, top, right, bottom): the content box of the block the text is set in, the
    padding box of the blocks around it (their padding is theirs to fill)."""
    if own:
        x, y = box.content_box_x(), box.content_box_y()
        return x, y, x + box.width, y + box.height
    x, y = box.padding_box_x(), box.padding_box_y()
    return x, y, x + box.padding_width(), y + box.padding_height()


def _placed_apart(box: Any) -> bool:
    """Where the walk up stops: an absolutely positioned box or a float is placed by
    rules of its own, not held inside its parent (a float may rise above its parent's
    top by a collapsed margin; a step's number sits in its item's padding)."""
    return bool(box.is_absolutely_positioned() or box.is_floated())


def _border_box(box: Any) -> tuple[float, float, float, float]:
    x, y = box.border_box_x(), box.border_box_y()
    return x, y, x + box.border_width(), y + box.border_height()


def _beyond(inner: tuple[float, float, float, float], outer: tuple[float, ...]) -> float:
    left, top, right, bottom = inner
    o_left, o_top, o_right, o_bottom = outer
    return max(o_left - left, o_top - top, right - o_right, bottom - o_bottom)


def text_overflows(document: Any) -> list[TextOverflow]:
    """Each line of text that leaves the page, the content box of the block it is set in
    or the padding box of a block around it (the first such block per block), or that is
    drawn over a float or a positioned box it does not belong to (a QR card, a band).

    Horizontally a line is measured by its text (an unbreakable word wider than its
    column); vertically by the em box around its middle (not a fallback font's taller
    ascent, which Thai and Devanagari fonts set high on purpose, nor the line box), so a
    fixed-height band whose text grew past its bottom is found, and tight leading is
    not."""
    found: list[TextOverflow] = []
    for number, page in enumerate(document.pages, 1):
        found += _page_overflows(number, page._page_box)
    return found


Rect = tuple[float, float, float, float]


def _lines(root: Any) -> Iterator[tuple[Rect, str, tuple[Any, ...]]]:
    """(extent, its first words, ancestors) of every line that sets visible text."""
    from weasyprint.formatting_structure import boxes

    for line, ancestors in _boxes(root):
        if not isinstance(line, boxes.LineBox):
            continue
        texts = [t for t in _line_texts(line) if t.text.strip()]
        if texts:
            left = min(t.position_x for t in texts)
            right = max(t.position_x + t.width for t in texts)
            # vertically the em box around the line's middle: what the glyphs fill, not
            # the line box (a number centred by line-height in a bordered circle) nor a
            # fallback font's tall ascent (Thai, emoji)
            middle = line.position_y + line.height / 2
            half = max(float(t.style["font_size"]) for t in texts) / 2
            words = "".join(t.text for t in texts).strip()[:40]
            yield (left, middle - half, right, middle + half), words, ancestors


def _overlap(a: Rect, b: Rect) -> float:
    """How deep two rectangles overlap (the lesser of width and height; 0 when apart)."""
    return max(0.0, min(min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])))


def _page_overflows(number: int, root: Any) -> list[TextOverflow]:
    from weasyprint.formatting_structure import boxes

    sheet = (0.0, 0.0, float(root.margin_width()), float(root.margin_height()))
    placed = [
        box
        for box, _ in _boxes(root)
        if isinstance(box, boxes.Box)
        and not isinstance(box, boxes.PageBox)
        and _placed_apart(box)
        and box.border_width() > 0
        and box.border_height() > 0
    ]
    found: list[TextOverflow] = []
    reported: set[int] = set()
    for extent, words, ancestors in _lines(root):
        off = _beyond(extent, sheet)
        if off > TOLERANCE:
            found.append(TextOverflow(number, words, round(off, 1), True))
            continue
        own = True
        for box in reversed(ancestors):
            if isinstance(box, boxes.PageBox):
                break
            if not _is_block_container(box):
                continue
            out = _beyond(extent, _room(box, own))
            if out > TOLERANCE:
                if id(box) not in reported:
                    reported.add(id(box))
                    found.append(TextOverflow(number, words, round(out, 1), False))
                break
            own = False
            if _placed_apart(box):
                break
        mine = {id(box) for box in ancestors}
        for box in placed:
            if id(box) in mine or id(box) in reported:
                continue
            depth = _overlap(extent, _border_box(box))
            if depth > TOLERANCE:
                reported.add(id(box))
                found.append(TextOverflow(number, words, round(depth, 1), False))
    return found


@dataclass(frozen=True)
class PlacedImage:
    page: int
    src: str
    width_mm: float
    height_mm: float
    pixels: tuple[int, int] | None = None  # the image's own width and height in pixels
    data: bytes | None = None  # the image file, as placed
    surround: str = "#ffffff"  # the fill painted behind it (the page's white when none)

    @property
    def seen_short_mm(self) -> float:
        """The short side of what reads as the logo where it is placed (artwork)."""
        from campaign_engine.services.assets.preflight.artwork import artwork_share, seen_size

        if self.data is None:
            return self.short_mm
        width, height = seen_size(
            self.width_mm, self.height_mm, artwork_share(self.data, self.surround)
        )
        return min(width, height)

    @property
    def dpi(self) -> float | None:
        """Pixels per inch along its width, as printed."""
        return self.pixels[0] / (self.width_mm / 25.4) if self.pixels else None

    @property
    def short_mm(self) -> float:
        return min(self.width_mm, self.height_mm)


def images(document: Any, prefix: str = "partner:logo") -> list[PlacedImage]:
    """Every image whose source starts with `prefix`, at the size it prints (the
    renderer's partner logos are `partner:logo.png` and `partner:logo-on-dark.png`)."""
    from weasyprint.formatting_structure import boxes

    mm = 25.4 / 96
    found = []
    for number, page in enumerate(document.pages, 1):
        for box, ancestors in _boxes(page._page_box):
            if not isinstance(box, boxes.ReplacedBox) or box.element is None:
                continue
            src = box.element.get("src") or ""
            if src.startswith(prefix) and box.width and box.height:
                image = getattr(box, "replacement", None)
                width, height = getattr(image, "width", None), getattr(image, "height", None)
                pixels = (int(width), int(height)) if width and height else None
                raw = getattr(getattr(image, "image_data", None), "data", None)
                found.append(
                    PlacedImage(
                        number,
                        src,
                        box.width * mm,
                        box.height * mm,
                        pixels,
                        raw if isinstance(raw, bytes) else None,
                        _painted(ancestors) or "#ffffff",
                    )
                )
    return found


def brochure_layout(renderer: Any, brand: Any, links: dict[str, str] | None) -> Any:
    """WeasyPrint's laid-out document of the brochure the renderer makes for `brand` with
    `links`, from the PDF renderer's `document(brand, link)` (the Document its `render`
    writes out); None when the renderer offers none or there is no brochure, and the
    checks then read the PDF instead."""
    hook = getattr(renderer, "document", None)
    if hook is None or links is None:
        return None
    return hook(brand, lambda name: links[name])


def _painted(ancestors: tuple[Any, ...]) -> str | None:
    """The background colour of the nearest box around that paints one, as #rrggbb."""
    for around in reversed(ancestors):
        style = getattr(around, "style", None)
        colour = style["background_color"] if style is not None else None
        if colour is not None and colour.alpha > 0.5:
            r, g, b = (round(255 * max(0.0, min(1.0, v))) for v in colour.to("srgb").coordinates)
            return f"#{r:02x}{g:02x}{b:02x}"
    return None


def title_fill(document: Any) -> str | None:
    """The fill behind the first page's title (the nearest box around its <h1> that paints
    a background), as #rrggbb; None when the title stands on the page itself."""
    for box, ancestors in _boxes(document.pages[0]._page_box):
        if getattr(box, "element_tag", None) == "h1":
            return _painted((*ancestors, box))
    return None
