"""The website embed in Chromium, pasted into a hostile host page: the frame sizes itself
to its content, the host's CSS does not reach it, it shows both logos and a kit image,
and its links open a new tab. The host page and our server are both answered through
Playwright's request routing (the host from a string, ours from the Flask app)."""

from __future__ import annotations

import pytest

from campaign_engine.app import create_app
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.workspace.syndication import EmbedTokens
from tests.e2e.test_browser import browser  # noqa: F401 (the shared Chromium fixture)
from tests.worlds import launched_campaign

BASE = "https://partners.vendor.example"
HOST = "https://www.partner-site.example/"
HOSTILE_CSS = (
    "<style>* { color: #eeeeee !important; font-size: 9px !important;"
    " font-style: italic !important; letter-spacing: 3px !important; }"
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


def route_to(client, token, host_headers=None):
    def handle(route):
        url = route.request.url
        if url == HOST:
            script = f'<script src="{BASE}/embed/{token}.js" async></script>'
            body = f"<html><head>{HOSTILE_CSS}</head><body><h1>Our site</h1>{script}</body></html>"
            headers = {"Content-Type": "text/html", **(host_headers or {})}
            return route.fulfill(status=200, headers=headers, body=body)
        if url.startswith(BASE):
            answer = client.get(url[len(BASE) :])
            headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
            return route.fulfill(status=answer.status_code, headers=headers, body=answer.data)
        return route.abort()

    return handle


def test_the_script_embed_is_a_shadow_dom_the_host_css_cannot_reach(browser, served):  # noqa: F811
    """Pasted into a page whose CSS greys and shrinks every element: the content keeps its
    own colours and sizes, is as tall as its content and no wider than the phone, shows
    both logos and the kit's picture, and its links open a new tab."""
    client, token = served
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.route("**/*", route_to(client, token))
    page.goto(HOST)
    host = page.locator("div[data-offers]")
    host.wait_for()
    assert page.locator("iframe").count() == 0, "a shadow root, not the fallback frame"
    heading = host.locator("h2")
    style = heading.evaluate(
        "h => { const s = getComputedStyle(h);"
        " return [s.color, s.fontSize, s.fontStyle, s.letterSpacing] }"
    )
    assert style[0] != "rgb(238, 238, 238)" and style[1] == "22px", style
    assert style[2:] == ["normal", "normal"], f"the host's inherited styles reached in: {style}"
    fills = "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color] }"
    shadow_fills = [host.locator(sel).first.evaluate(fills) for sel in ("div >> nth=0", "h2", "a")]
    frame_page = browser.new_page(viewport={"width": 390, "height": 900})
    frame_page.route("**/*", route_to(client, token))
    frame_page.goto(f"{BASE}/embed/{token}")
    frame_fills = [
        frame_page.locator(sel).first.evaluate(fills) for sel in ("div >> nth=0", "h2", "a")
    ]
    frame_page.close()
    assert shadow_fills == frame_fills, "the Shadow DOM must look like the frame's design"
    band = heading.evaluate("h => getComputedStyle(h.parentElement).backgroundColor")
    assert band not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), "the band keeps its fill"
    box = host.bounding_box()
    assert box and box["height"] > 300 and box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    images = host.locator("img[src^='data:']")
    assert images.count() >= 3  # the partner's logo, the vendor's, the kit's picture
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        assert images.nth(i).evaluate("i => i.decode().then(() => i.naturalWidth > 0)")
    cta = host.locator("a").first
    assert cta.get_attribute("target") == "_blank"
    assert "noopener" in (cta.get_attribute("rel") or "")
    assert "/r/" in (cta.get_attribute("href") or "")
    page.close()


def test_where_a_shadow_root_is_refused_the_frame_sizes_itself(browser, served):  # noqa: F811
    """A host page that enforces Trusted Types refuses innerHTML: the script falls back to
    the sandboxed frame, which reports its height."""
    client, token = served
    page = browser.new_page(viewport={"width": 390, "height": 900})
    trusted_types = {"Content-Security-Policy": "require-trusted-types-for 'script'"}
    page.route("**/*", route_to(client, token, trusted_types))
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


def test_markup_the_kit_check_reads_as_a_comment_never_reaches_the_frame(served, monkeypatch):
    """`<!-->` ends a comment for a browser but starts one for Python's HTMLParser: a meta
    refresh behind it passed `kits validate` and navigated the frame, which runs scripts.
    Both embeds serve only the allowlist's HTML."""
    from campaign_engine.services.workspace.embed import embed_html

    hostile = (
        '<p>Offer</p><!--> <meta http-equiv="refresh" content="0;url=https://evil.example/"> -->'
    )
    cleaned = embed_html(hostile)
    assert "<meta" not in cleaned and "evil.example" not in cleaned and "Offer" in cleaned
    from campaign_engine.web import embed

    monkeypatch.setattr(embed, "_fragment", lambda token: hostile)  # as if the kit had it
    client, token = served
    for path in (f"/embed/{token}", f"/embed/{token}.js"):
        served_text = client.get(path).get_data(as_text=True)
        assert "evil.example" not in served_text and "Offer" in served_text, path
