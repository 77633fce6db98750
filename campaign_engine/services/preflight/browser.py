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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_engine.services.preflight.problems import Problem, Severity

CHROMIUM = "/usr/bin/chromium"
PHONE = 390
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


def email_widths(pages: dict[str, str]) -> dict[str, int] | None:
    """scrollWidth at 390 px per key; None when Chromium is not installed."""
    layouts = email_layouts(pages)
    return None if layouts is None else {key: lay.width for key, lay in layouts.items()}


def email_layouts(pages: dict[str, str]) -> dict[str, EmailLayout] | None:
    """Width and overflowing texts at 390 px per key; None when Chromium is not
    installed. Playwright's sync API runs in a thread of its own: the caller's thread may
    already run an event loop (a server, a test driving its own browser), where the sync
    API refuses to start."""
    if not Path(CHROMIUM).exists():
        return None
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="email-width") as pool:
        return pool.submit(_measure, pages).result()


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


def _measure(pages: dict[str, str]) -> dict[str, EmailLayout]:
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
                layouts[key] = EmailLayout(
                    width, [Overflow(f["text"], int(f["px"]), f["tag"].lower()) for f in found]
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


def layout_problems(layout: EmailLayout | None) -> list[Problem]:
    """The width, and each text that runs out of its own box on a phone (cut off, or over
    its neighbour), named by its first words."""
    problems = width_problem(None if layout is None else layout.width)
    if layout is not None and layout.overflows:
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
    return problems
