"""The checks that need a browser: how wide each email lays out on a 390 px phone, and
which of its texts run out of their own box there. Chromium (Debian's, driven by
Playwright) is started once for all partners.

Kit HTML is hostile input, so the browser has no network at all. `page.route` alone is not
enough: it never sees what the browser fetches on its own (`<link rel=prefetch>`,
preconnect, dns-prefetch, prerender, a service worker). So the context is offline, service
workers are blocked, scripts are off, and every connection Chromium makes goes to a proxy
that is a bound socket nobody listens on (loopback included: `<-loopback>` removes the
implicit bypass), so it is refused before a byte leaves.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_engine.ports import BrandContext
from campaign_engine.services.assets.preflight.problems import Problem, Severity

CHROMIUM = "/usr/bin/chromium"
PHONE = 390
MIN_LOGO_PX = 24.0  # a logo's short side under this does not read on a phone
TOLERANCE = 1.0  # CSS px: sub-pixel rounding between a text's box and its container

# For every text node: its line boxes against the content box of the element that lays it
# out (its nearest block or table cell), and against the viewport. Clipped ancestors
# (overflow hidden) are the designer's choice and counted too: clipped text is lost text.
_OVERFLOWS = """
(phone) => {
  const found = [];
  const walker = document.createTreeWalker(document.body || document.documentElement,
                                           NodeFilter.SHOW_TEXT);
  const containerOf = (el) => {
    while (el && el !== document.body) {
      const d = getComputedStyle(el).display;
      if (d !== 'inline' && d !== 'contents') return el;
      el = el.parentElement;
    }
    return el;
  };
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    if (!text || !node.parentElement) continue;
    const style = getComputedStyle(node.parentElement);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = containerOf(node.parentElement);
    if (!box) continue;
    const s = getComputedStyle(box);
    const r = box.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // preheaders hidden by size
    const left = r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft);
    const right = r.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight);
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const line of range.getClientRects()) {
      if (line.width === 0) continue;
      const out = Math.max(left - line.left, line.right - right, line.right - phone,
                           -line.left);
      if (out > %(tolerance)s) {
        found.push({text: text.slice(0, 40), px: Math.round(out), tag: box.tagName});
        break;
      }
    }
  }
  return found;
}
""".replace("%(tolerance)s", str(TOLERANCE))


@dataclass(frozen=True)
class Overflow:
    text: str  # the start of the text that runs out
    px: int  # how far beyond its box, in CSS px
    container: str  # the tag of the box it runs out of


@dataclass(frozen=True)
class EmailLayout:
    width: int  # scrollWidth at 390 px
    overflows: list[Overflow]
    # the partner logo's boxes, px, with the colour painted around each (rgb())
    logos: list[tuple[float, float, str]] = field(default_factory=list)
    text: str = ""  # innerText: the lines a reader sees
    fills: list[tuple[str, str]] = field(default_factory=list)  # (what, rgb()) brand fills


# What a phone shows of the partner: its logo's boxes (the <img> whose src is the logo's
# data: URI), the text as lines, and the fills the kit gives the brand colour: the band
# behind the title (<h1>) and every button (a link with a background of its own).
_SHOWN = """
(logo) => {
  const clear = (c) => !c || c === 'transparent' || (c.startsWith('rgba(') && c.endsWith(', 0)'));
  const painted = (el) => {
    while (el && el !== document.documentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (!clear(c)) return c;
      el = el.parentElement;
    }
    return null;
  };
  const logos = [];
  if (logo) {
    for (const img of document.images) {
      if (img.getAttribute('src') !== logo) continue;
      const r = img.getBoundingClientRect();
      if (r.width && r.height)
        logos.push([r.width, r.height, painted(img.parentElement) || 'rgb(255, 255, 255)']);
    }
  }
  const fills = [];
  const h1 = document.querySelector('h1');
  if (h1) { const c = painted(h1); if (c) fills.push(['the band behind the title', c]); }
  for (const a of document.querySelectorAll('a')) {
    const c = getComputedStyle(a).backgroundColor;
    if (!clear(c) && a.textContent.trim())
      fills.push(['the button “' + a.textContent.trim().slice(0, 30) + '”', c]);
  }
  return {logos, fills, text: document.body ? document.body.innerText : ''};
}
"""


def email_widths(pages: dict[str, str]) -> dict[str, int] | None:
    """scrollWidth at 390 px per key; None when Chromium is not installed."""
    layouts = email_layouts(pages)
    return None if layouts is None else {key: lay.width for key, lay in layouts.items()}


def email_layouts(
    pages: dict[str, str], logos: dict[str, str] | None = None
) -> dict[str, EmailLayout] | None:
    """Width and overflowing texts at 390 px per key; None when Chromium is not
    installed. Playwright's sync API runs in a thread of its own: the caller's thread may
    already run an event loop (a server, a test driving its own browser), where the sync
    API refuses to start."""
    if not Path(CHROMIUM).exists():
        return None
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="email-width") as pool:
        return pool.submit(_measure, pages, logos or {}).result()


@contextmanager
def refusing_proxy() -> Iterator[str]:
    """A loopback port bound but never listening, held while the browser runs: every
    connection to it is refused, and no other process can start listening there."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def offline_args(proxy: str) -> list[str]:
    """Chromium's switches for a browser with no way out: every request through the
    refusing proxy, loopback too, and none of the fetching Chromium does unasked."""
    return [
        "--no-sandbox",
        "--disable-gpu",
        f"--proxy-server={proxy}",
        "--proxy-bypass-list=<-loopback>",
        "--disable-background-networking",
        "--dns-prefetch-disable",
        "--no-pings",
        "--disable-features=NetworkPrediction,Prerender2,SpeculationRulesPrefetchProxy",
    ]


def offline_page(browser: Any, width: int = PHONE) -> Any:
    """A page in an offline context that runs no script and registers no service worker;
    only data: URLs (the email's inlined images) are served, by the route below."""
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        java_script_enabled=False,
        offline=True,
        service_workers="block",
    )
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("data:") else route.abort(),
    )
    return context.new_page()


def _measure(pages: dict[str, str], logos: dict[str, str]) -> dict[str, EmailLayout]:
    from playwright.sync_api import sync_playwright  # only where a browser is wanted

    layouts = {}
    with refusing_proxy() as proxy, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=offline_args(proxy))
        try:
            page = offline_page(browser)
            for key, html in pages.items():
                page.set_content(html, wait_until="load")
                width = int(page.evaluate("document.documentElement.scrollWidth"))
                found = page.evaluate(_OVERFLOWS, PHONE)
                shown = page.evaluate(_SHOWN, logos.get(key, ""))
                layouts[key] = EmailLayout(
                    width,
                    [Overflow(f["text"], int(f["px"]), f["tag"].lower()) for f in found],
                    [(float(w), float(h), str(c)) for w, h, c in shown["logos"]],
                    str(shown["text"]),
                    [(str(what), str(colour)) for what, colour in shown["fills"]],
                )
        finally:
            browser.close()
    return layouts


def width_problem(width: int | None) -> list[Problem]:
    if width is None:
        return [
            Problem(
                "email",
                "width_not_measured",
                Severity.WARN,
                "Chromium is not installed, so the email's width on a phone was not measured",
            )
        ]
    if width > PHONE:
        return [
            Problem(
                "email",
                "email_too_wide",
                Severity.BLOCK,
                f"the email is {width} px wide on a {PHONE} px phone: readers must scroll "
                "sideways. A long word, address or image is wider than the screen",
            )
        ]
    return []


def layout_problems(
    layout: EmailLayout | None, brand: BrandContext | None = None, logo: bytes | None = None
) -> list[Problem]:
    """What a phone shows that must not go out: the email wider than the screen, a text
    out of its box, and, for `brand`, its logo (the image file `logo`) too small to read,
    its address run into one line, a separator beside nothing, a brand fill that is not
    its colour."""
    problems = width_problem(None if layout is None else layout.width)
    if layout is None:
        return problems
    if layout.overflows:
        shown = "; ".join(f"“{o.text}” by {o.px} px" for o in layout.overflows[:3])
        problems.append(
            Problem(
                "email",
                "email_text_overflows",
                Severity.BLOCK,
                f"on a {PHONE} px phone, text runs out of its box: {shown}. A long word in "
                "the name, address or an edited text does not wrap",
            )
        )
    if brand is not None:
        problems += _logo_problems(layout, logo) + _text_problems(layout, brand)
        problems += _fill_problems(layout, brand)
    return problems


def _logo_problems(layout: EmailLayout, logo: bytes | None) -> list[Problem]:
    """The logo's short side as read: its box at 390 px reduced to the pixels that stand
    out from what is painted around it (preflight.artwork)."""
    from campaign_engine.services.assets.preflight.artwork import artwork_share, seen_size

    if not layout.logos:
        return []
    sides = []
    for width, height, around in layout.logos:
        if logo is None:
            sides.append(min(width, height))
            continue
        fill = _hex(around) or "#ffffff"
        sides.append(min(seen_size(width, height, artwork_share(logo, fill))))
    short = min(sides)
    if short >= MIN_LOGO_PX:
        return []
    return [
        Problem(
            "email",
            "logo_email_small",
            Severity.BLOCK,
            f"the logo reads only {short:.0f} px on its short side on a {PHONE} px phone "
            f"(at least {MIN_LOGO_PX:.0f} px is needed); a very wide or tall logo is shown "
            "this small, a more compact version of it reads",
        )
    ]


def _text_problems(layout: EmailLayout, brand: BrandContext) -> list[Problem]:
    from campaign_engine.services.assets.preflight.text import (
        address_kept,
        address_lines,
        dangling_separators,
    )

    lines = layout.text.splitlines()
    problems = []
    address = address_lines(brand.postal_address)
    if not address_kept(lines, address):
        problems.append(
            Problem(
                "email",
                "address_lines_lost",
                Severity.BLOCK,
                f"the postal address's {len(address)} lines are not shown as lines of their "
                "own in the email (they run together)",
            )
        )
    dangling = dangling_separators(lines)
    if dangling:
        problems.append(
            Problem(
                "email",
                "separator_dangling",
                Severity.BLOCK,
                f"a separator stands beside an empty field in the email: {dangling[0]}",
            )
        )
    return problems


def _fill_problems(layout: EmailLayout, brand: BrandContext) -> list[Problem]:
    from campaign_engine.services.assets.preflight.colour import fill_is_brand

    off = []
    for what, colour in layout.fills:
        fill = _hex(colour)
        if fill and not fill_is_brand(fill, brand):
            off.append(f"{what} is {fill}")
    if not off:
        return []
    return [
        Problem(
            "email",
            "brand_fill_off",
            Severity.BLOCK,
            f"the email's brand fills are not your colour {brand.primary_color}: "
            + "; ".join(off[:2]),
        )
    ]


def _hex(css: str) -> str | None:
    """rgb(r, g, b) or rgba(r, g, b, a) as #rrggbb."""
    numbers = css[css.find("(") + 1 : css.find(")")].split(",")
    try:
        r, g, b = (int(float(n)) for n in numbers[:3])
    except ValueError:
        return None
    return f"#{r:02x}{g:02x}{b:02x}"
