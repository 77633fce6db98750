"""The kit check's Chromium has no network: an email whose HTML asks the browser to fetch
from a loopback listener (prefetch, preload, preconnect, dns-prefetch, prerender, a
service worker, an image, a stylesheet) makes the listener receive nothing, through
`kits validate` and through preflight's own measurement. A control run with a plain
Chromium shows the listener would have heard those requests (the test can fail)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from campaign_engine.services.assets.preflight.browser import CHROMIUM, email_layouts
from tests.conftest import SAMPLE_KIT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium")


class Listener:
    """A real TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.heard: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(0.5)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.heard.append(data or b"<connected>")
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def cli(sqlite_url, make_cli):
    return make_cli(sqlite_url)


@pytest.fixture
def listener():
    heard = Listener()
    yield heard
    heard.close()


def hostile(port: int) -> str:
    """Everything that makes a browser fetch without being asked to show anything."""
    base = f"http://127.0.0.1:{port}"
    links = "".join(
        f'<link rel="{rel}" href="{base}/{rel}">'
        for rel in ("prefetch", "preload", "preconnect", "dns-prefetch", "prerender")
    )
    return (
        f"<!doctype html><html><head>{links}"
        f'<link rel="stylesheet" href="{base}/style.css">'
        f"<script>navigator.serviceWorker.register('{base}/sw.js');fetch('{base}/js')</script>"
        f'</head><body><p>Hello</p><img src="{base}/pixel.gif"></body></html>'
    )


def test_preflight_chromium_sends_nothing_to_a_listener(listener):
    layouts = email_layouts({"hostile": hostile(listener.port)})
    time.sleep(1.0)  # a prefetch that was going to happen has happened
    assert layouts is not None and layouts["hostile"].width <= 390
    assert listener.heard == []


def test_the_kit_check_sends_nothing_to_a_listener(cli, tmp_path, listener):
    kit = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, kit)
    email = kit / "templates" / "email.mjml"
    base = f"http://127.0.0.1:{listener.port}"
    raw = "".join(
        f'<link rel="{rel}" href="{base}/{rel}">'
        for rel in ("prefetch", "preload", "preconnect", "dns-prefetch", "prerender")
    )
    source = email.read_text()
    marker = '<meta name="color-scheme" content="light only">'
    assert marker in source
    email.write_text(source.replace(marker, marker + raw))
    result = cli("kits", "validate", str(kit), ok=False)
    time.sleep(1.0)
    assert "is valid" in result.output, result.output
    assert listener.heard == []


def test_control_a_plain_chromium_would_have_fetched(listener):
    """Without the refusing proxy and the offline context, the same page reaches the
    listener: what the two tests above keep out is real."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(hostile(listener.port), wait_until="load")
            deadline = time.monotonic() + 5
            while not listener.heard and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            browser.close()
    assert listener.heard, "a plain browser fetched nothing: the listener cannot tell"
