"""The website embed in Chromium, pasted into a hostile host page: the frame sizes itself
to its content, the host's CSS does not reach it, it shows both logos and a kit image,
and its links open a new tab. The host page and our server are both answered through
Playwright's request routing (the host from a string, ours from the Flask app)."""

from __future__ import annotations

import pytest

from campaign_engine.app import create_app
from campaign_engine.services.partners import get_partner
from campaign_engine.services.syndication import EmbedTokens
from tests.e2e.test_browser import browser  # noqa: F401 (the shared Chromium fixture)
from tests.worlds import launched_campaign

BASE = "https://partners.vendor.example"
HOST = "https://www.partner-site.example/"
HOSTILE_CSS = (
    "<style>* { color: #eeeeee !important; font-size: 9px !important; }"
    " iframe { height: 50px; } a { pointer-events: none; }</style>"
)


@pytest.fixture
def served(tmp_path, sqlite_url):
    runtime, _ = launched_campaign(tmp_path, sqlite_url, partners=1, contacts=1, name="Embed")
    app = create_app(runtime)
    app.config.update(TESTING=True)
    with runtime.sessions() as session:
        token = EmbedTokens(runtime.settings.secret_key).make(get_partner(session, "partner-00").id)
    yield app.test_client(), token
    runtime.close()


def route_to(client, token):
    def handle(route):
        url = route.request.url
        if url == HOST:
            script = f'<script src="{BASE}/embed/{token}.js"></script>'
            body = f"<html><head>{HOSTILE_CSS}</head><body><h1>Our site</h1>{script}</body></html>"
            return route.fulfill(status=200, content_type="text/html", body=body)
        if url.startswith(BASE):
            answer = client.get(url[len(BASE) :])
            headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
            return route.fulfill(status=answer.status_code, headers=headers, body=answer.data)
        return route.abort()

    return handle


def test_the_embed_sizes_itself_and_keeps_its_own_look(browser, served):  # noqa: F811
    client, token = served
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.route("**/*", route_to(client, token))
    page.goto(HOST)
    frame_element = page.locator("iframe")
    frame_element.wait_for()
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe'); return f && f.offsetHeight !== 360 }",
        timeout=10_000,
    )
    frame = frame_element.element_handle().content_frame()
    content = frame.evaluate("document.documentElement.scrollHeight")
    height = frame_element.evaluate("f => f.offsetHeight")
    assert abs(height - content) <= 2 and height > 300, (height, content)
    assert frame.evaluate("document.documentElement.scrollWidth") <= 390
    colour = frame.locator("h2").evaluate("h => getComputedStyle(h).color")
    assert colour != "rgb(238, 238, 238)", "the host page's CSS reached into the embed"
    images = frame.locator("img[src^='data:']")
    assert images.count() >= 3  # the partner's logo, the vendor's, the kit's picture
    assert all(images.nth(i).evaluate("i => i.naturalWidth > 0") for i in range(images.count()))
    cta = frame.locator("a").first
    assert cta.get_attribute("target") == "_blank"
    assert "/r/" in (cta.get_attribute("href") or "")
    page.close()


def test_the_frame_runs_only_its_own_resize_script(served):
    client, token = served
    frame = client.get(f"/embed/{token}")
    policy = frame.headers["Content-Security-Policy"]
    assert (
        "script-src 'sha256-" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "allow-same-origin" not in policy  # a unique origin, whatever runs inside
    assert frame.data.count(b"<script>") == 1
