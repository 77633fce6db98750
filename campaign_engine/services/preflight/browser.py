"""The one check that needs a browser: how wide each email lays out on a 390 px phone.
Chromium (Debian's, driven by Playwright) is started once for all partners."""

from __future__ import annotations

from pathlib import Path

from campaign_engine.services.preflight.problems import Problem, Severity

CHROMIUM = "/usr/bin/chromium"
PHONE = 390


def email_widths(pages: dict[str, str]) -> dict[str, int] | None:
    """scrollWidth at 390 px per key; None when Chromium is not installed. Playwright's
    sync API runs in a thread of its own: the caller's thread may already run an event
    loop (a server, a test driving its own browser), where the sync API refuses to start."""
    if not Path(CHROMIUM).exists():
        return None
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="email-width") as pool:
        return pool.submit(_measure, pages).result()


def _measure(pages: dict[str, str]) -> dict[str, int]:
    from playwright.sync_api import sync_playwright  # only where a browser is wanted

    widths = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            # kit HTML, measured with no script and nothing fetched: only its data: images
            page = browser.new_page(
                viewport={"width": PHONE, "height": 800}, java_script_enabled=False
            )
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("data:") else route.abort()
                ),
            )
            for key, html in pages.items():
                page.set_content(html, wait_until="load")
                widths[key] = int(page.evaluate("document.documentElement.scrollWidth"))
        finally:
            browser.close()
    return widths


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
