"""Invariants of an email as a phone shows it: Chromium at 390 px, read from the DOM and
a screenshot.

- email_too_wide: the document scrolls sideways (scrollWidth > 390).
- text_outside_page / text_outside_box: a text node's line boxes (Range.getClientRects)
  beyond the viewport, or beyond its block container or any ancestor that paints a
  background or border (a band, a card, a button). Horizontally exact (1 px); vertically
  the glyphs' em box around the line's middle, since a fallback font's ascent (Thai,
  emoji) may legitimately reach past a tight line box.
- glyph_missing: compare by rendering. For every non-ASCII grapheme in the email, in the
  computed font of the element showing it, a canvas draws it and a code point no font has
  (U+10FFFD); identical pixels mean Chromium drew it as .notdef. A canvas uses the same
  font fallback as the page's text, so this is what the reader sees.
- logo_too_small: the partner's <img> box at 390 px, scaled to what reads as the logo in
  it (tests.judge.logo: not the engine's plate; the partner's own ground where it differs
  from the colour around the image), under 24 px on its short side.
- brand_fill_off: the colour most pixels have in the box behind the <h1> (the title band)
  and behind the button (the element showing the kit's call to action), screenshotted.
- address_lines_lost / separator_dangling / blank lines: from innerText, line by line.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from tests.judge.colour import RGB, dominant
from tests.judge.findings import Finding
from tests.judge.logo import own_ground, visible_share
from tests.judge.text import address_kept_exact, clean_lines, separator_problems

CHROMIUM = "/usr/bin/chromium"
PHONE = 390
MIN_LOGO_PX = 24.0

_MEASURE = r"""
({logoUri, cta, phone}) => {
  const norm = (t) => (t || '').replace(/[\s\u00a0\u202f\u2007]+/g, ' ').trim();
  const painted = (el) => {
    const s = getComputedStyle(el);
    const bg = s.backgroundColor;
    const hasBg = bg && bg !== 'transparent' && !/rgba\([^)]*,\s*0\)$/.test(bg);
    const border = ['Top', 'Right', 'Bottom', 'Left'].some(
      (k) => parseFloat(s['border' + k + 'Width']) > 0 && s['border' + k + 'Style'] !== 'none');
    return hasBg || s.backgroundImage !== 'none' || border;
  };
  const blockOf = (el) => {
    while (el && el !== document.body) {
      const d = getComputedStyle(el).display;
      if (d !== 'inline' && d !== 'contents') return el;
      el = el.parentElement;
    }
    return el;
  };
  const rectOf = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX,
            bottom: r.bottom + scrollY, width: r.width, height: r.height};
  };
  const out = {
    width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    overflows: [], outside: [], logos: [], band: null, button: null,
    text: document.body.innerText, blank: [], missing: [],
  };
  // text boxes against their containers and the viewport
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const clusters = new Map();  // font -> Set of graphemes
  const seg = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    const text = norm(node.textContent);
    if (!text || !parent) continue;
    const style = getComputedStyle(parent);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (parseFloat(style.opacity) === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!lines.length) continue;
    const size = parseFloat(style.fontSize);
    const boxes = [];
    const block = blockOf(parent);
    if (block && block !== document.body) boxes.push(block);
    const top = document.documentElement;
    for (let el = parent; el && el !== document.body && el !== top; el = el.parentElement) {
      if (el !== block && painted(el)) boxes.push(el);
    }
    let reported = false;
    for (const line of lines) {
      const mid = (line.top + line.bottom) / 2;
      const glyphs = {left: line.left, right: line.right,
                      top: mid - size / 2, bottom: mid + size / 2};
      const off = Math.max(-glyphs.left, glyphs.right - phone);
      if (off > 1 && !reported) {
        out.outside.push({text: text.slice(0, 50), px: Math.round(off)});
        reported = true;
      }
      for (const box of boxes) {
        const r = box.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        const over = Math.max(r.left - glyphs.left, glyphs.right - r.right,
                              r.top - glyphs.top, glyphs.bottom - r.bottom);
        if (over > 1 && !reported) {
          out.overflows.push({text: text.slice(0, 50), px: Math.round(over),
                              tag: box.tagName.toLowerCase()});
          reported = true;
        }
      }
    }
    const font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    if (!clusters.has(font)) clusters.set(font, new Set());
    for (const {segment} of seg.segment(node.textContent)) {
      if (/[^\x00-\x7f]/.test(segment) && !/^[\s\p{Cf}\p{Cc}\p{Z}]+$/u.test(segment)) {
        clusters.get(font).add(segment);
      }
    }
  }
  // glyphs: each grapheme (and each base code point in it) against .notdef
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  for (const [font, set] of clusters) {
    const size = Math.max(8, parseFloat(font.split(' ')[2]) || 16);
    canvas.width = Math.ceil(size * 4); canvas.height = Math.ceil(size * 2);
    const draw = (t) => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'alphabetic';
      ctx.fillText(t, size * 0.5, size * 1.4);
      return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    };
    const same = (a, b) => {
      for (let i = 3; i < a.length; i += 4) if (a[i] !== b[i]) return false;
      return true;
    };
    const inked = (a) => {
      for (let i = 3; i < a.length; i += 4) if (a[i]) return true;
      return false;
    };
    const tofu = draw('\u{10FFFD}');
    const blank = !inked(tofu);
    for (const g of set) {
      const bases = [...g].filter((c) => !/[\p{M}\p{Cf}\uFE0E\uFE0F]/u.test(c));
      const parts = [g, ...(bases.length > 1 ? bases : [])];
      for (const p of parts) {
        const pixels = draw(p);
        const empty = !inked(pixels);
        if ((!blank && same(pixels, tofu)) || (blank && empty && !/[\s\p{M}\p{Cf}]/u.test(p))) {
          out.missing.push({text: p, font}); break;
        }
      }
    }
  }
  // the partner's logo, the title band and the button
  for (const img of document.images) {
    if (logoUri && img.getAttribute('src') === logoUri) {
      const r = img.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) out.logos.push(rectOf(img));
    }
  }
  const paintedUp = (el) => {
    for (; el && el !== document.body; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && bg !== 'transparent' && !/rgba\([^)]*,\s*0\)$/.test(bg)) return rectOf(el);
    }
    return null;
  };
  const h1 = document.querySelector('h1');
  if (h1) out.band = paintedUp(h1);
  if (cta) {
    const wanted = norm(cta);
    const candidates = [...document.querySelectorAll('a, button, td, span, p, div')]
      .filter((el) => norm(el.innerText) === wanted);
    if (candidates.length) {
      // the innermost element showing exactly the call to action
      const inner = candidates.filter((el) => !candidates.some((o) => o !== el && el.contains(o)));
      out.button = paintedUp(inner[0]);
    }
  }
  // blank lines inside one block of inline text: an empty field's <br>
  for (const el of document.body.querySelectorAll('div, td, p, li, span')) {
    const d = getComputedStyle(el).display;
    if (d.startsWith('inline') || d === 'none' || !el.querySelector('br')) continue;
    const isBlock = (c) => c.tagName !== 'BR' && !getComputedStyle(c).display.startsWith('inline');
    if ([...el.querySelectorAll('*')].some(isBlock)) continue;
    const lines = el.innerText.replace(/\n$/, '').split('\n');
    if (lines.length > 1 && lines.some((l) => !norm(l))) {
      out.blank.push(norm(el.innerText).slice(0, 60));
    }
  }
  return out;
}
"""


@dataclass(frozen=True)
class EmailFacts:
    width: int
    overflows: list[dict[str, Any]]
    outside: list[dict[str, Any]]
    logos: list[tuple[float, float, RGB | None]]  # CSS px, and the colour around it
    band: RGB | None
    button: RGB | None
    lines: list[str]
    blank: list[str]
    missing: list[dict[str, str]]


class Browser:
    """One Chromium for a whole run, with no way to the network: an offline context, no
    service workers, and every connection sent to a port nobody listens on."""

    def __init__(self) -> None:
        self.page: Any = None

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                f"--proxy-server={proxy}",
                "--proxy-bypass-list=<-loopback>",
                "--disable-background-networking",
                "--dns-prefetch-disable",
                "--disable-features=NetworkPrediction,Prerender2",
            ],
        )
        context = self._browser.new_context(
            viewport={"width": PHONE, "height": 800},
            device_scale_factor=1,
            java_script_enabled=False,
            offline=True,
            service_workers="block",
        )
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("data:") else route.abort()
            ),
        )
        self.page = context.new_page()
        return self

    def __exit__(self, *exc: object) -> None:
        self._browser.close()
        self._playwright.stop()
        self._sock.close()

    def email(self, html: str, *, logo_uri: str | None, cta: str | None) -> EmailFacts:
        """Lay `html` out at 390 px and read what the invariants need."""
        self.page.set_content(html, wait_until="load")
        data = self.page.evaluate(_MEASURE, {"logoUri": logo_uri, "cta": cta, "phone": PHONE})
        shot = None
        if data["band"] or data["button"] or data["logos"]:
            shot = Image.open(io.BytesIO(self.page.screenshot(full_page=True)))
        return EmailFacts(
            width=int(data["width"]),
            overflows=data["overflows"],
            outside=data["outside"],
            logos=[(d["width"], d["height"], _around(shot, d)) for d in data["logos"]],
            band=_sample(shot, data["band"]),
            button=_sample(shot, data["button"]),
            lines=clean_lines(data["text"]),
            blank=data["blank"],
            missing=data["missing"],
        )


def _around(shot: Image.Image | None, rect: dict[str, float]) -> RGB | None:
    """The colour just outside an element's box (3 px strips above and below it)."""
    if shot is None:
        return None
    left, right = max(0, round(rect["left"])), min(shot.width, round(rect["right"]))
    top, bottom = round(rect["top"]), round(rect["bottom"])
    strips = [(left, top - 4, right, top - 1), (left, bottom + 1, right, bottom + 4)]
    inside = [s for s in strips if s[1] >= 0 and s[3] <= shot.height and s[2] > s[0]]
    if not inside:
        return None
    return dominant(shot, inside[0]) if len(inside) == 1 else _common(shot, inside)


def _common(shot: Image.Image, boxes: list[tuple[int, int, int, int]]) -> RGB:
    joined = Image.new("RGB", (max(b[2] - b[0] for b in boxes), 3 * len(boxes)))
    for i, box in enumerate(boxes):
        joined.paste(shot.crop(box).convert("RGB"), (0, 3 * i))
    return dominant(joined)


def _sample(shot: Image.Image | None, rect: dict[str, float] | None) -> RGB | None:
    if shot is None or rect is None or rect["width"] < 4 or rect["height"] < 4:
        return None
    box = (
        max(0, round(rect["left"]) + 2),
        max(0, round(rect["top"]) + 2),
        min(shot.width, round(rect["right"]) - 2),
        min(shot.height, round(rect["bottom"]) - 2),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    return dominant(shot, box)


def check_email(
    slug: str,
    facts: EmailFacts,
    *,
    logo_png: bytes | None,
    uploaded_logo: bytes | None,
    address: list[str],
    fields: list[str],
    fill_ok: Callable[[RGB], str | None],
) -> list[Finding]:
    found: list[Finding] = []
    if facts.width > PHONE:
        found.append(
            Finding(slug, "email", "email_too_wide", f"{facts.width} px wide at {PHONE} px")
        )
    for o in facts.outside[:3]:
        found.append(
            Finding(
                slug,
                "email",
                "text_outside_page",
                f"“{o['text']}” runs {o['px']} px past the {PHONE} px screen",
            )
        )
    for o in facts.overflows[:3]:
        found.append(
            Finding(
                slug,
                "email",
                "text_outside_box",
                f"“{o['text']}” runs {o['px']} px out of its <{o['tag']}>",
            )
        )
    if facts.missing:
        shown = " ".join(sorted({m["text"] for m in facts.missing}))
        found.append(Finding(slug, "email", "glyph_missing", f"drawn as .notdef: {shown[:80]}"))
    found += _logo(slug, facts, logo_png, uploaded_logo)
    if not address_kept_exact(facts.lines, address):
        found.append(
            Finding(
                slug,
                "email",
                "address_lines_lost",
                f"{len(address)} address lines not kept as lines: "
                + " | ".join(line for line in facts.lines if any(a[:6] in line for a in address))[
                    :200
                ],
            )
        )
    for problem in separator_problems(facts.lines, fields, address=address):
        found.append(Finding(slug, "email", "separator_dangling", problem))
    for block in facts.blank:
        found.append(Finding(slug, "email", "separator_dangling", f"an empty line in “{block}”"))
    for name, colour in (("title band", facts.band), ("button", facts.button)):
        if colour is None:
            found.append(Finding(slug, "email", "not_measured", f"no painted {name} found"))
            continue
        verdict = fill_ok(colour)
        if verdict is not None:
            found.append(Finding(slug, "email", "brand_fill_off", f"{name}: {verdict}"))
    return found


def _logo(
    slug: str, facts: EmailFacts, logo_png: bytes | None, uploaded: bytes | None
) -> list[Finding]:
    if logo_png is None:
        return []
    if not facts.logos:
        return [Finding(slug, "email", "not_measured", "the partner's logo <img> is not shown")]
    own = own_ground(uploaded)
    found = []
    for width, height, around in facts.logos:
        share = visible_share(logo_png, own, around)
        if share is None:
            return [Finding(slug, "email", "logo_too_small", "the logo image is empty")]
        w = width * (share[2] - share[0])
        h = height * (share[3] - share[1])
        if min(w, h) < MIN_LOGO_PX - 0.5:
            found.append(
                Finding(
                    slug,
                    "email",
                    "logo_too_small",
                    f"logo artwork shown {w:.0f} x {h:.0f} px at {PHONE} px "
                    f"(short side under {MIN_LOGO_PX:.0f})"
                    + ("; part of it is the colour around it and vanishes" if share.melted else ""),
                )
            )
    return found
