"""`make demo` in miniature: the real command, a real port, a page served, emails sent."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import requests

from tests.conftest import ROOT, free_port


@contextmanager
def running_demo(tmp_path: Path, port: int, partners: int) -> Iterator[str]:
    """`campaign-engine demo --port PORT` in its own process, as `make demo` starts it;
    yields the admin's one-time password, and stops it with Ctrl+C."""
    env = {
        **os.environ,
        "CAMPAIGN_ENGINE_CONFIG": str(ROOT / "config.yaml"),
        "CAMPAIGN_ENGINE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "CAMPAIGN_ENGINE_STORAGE_DIR": str(tmp_path / "storage"),
        "CAMPAIGN_ENGINE_EMAIL__OUTBOX_DIR": str(tmp_path / "outbox"),
        "CAMPAIGN_ENGINE_DISPATCH__TICK_SECONDS": "0.3",
    }
    env.pop("CAMPAIGN_ENGINE_BASE_URL", None)
    command = ["demo", "--partners", str(partners), "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "campaign_engine", *command],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield _password(process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_demo_serves_the_console_sends_the_campaign_and_a_second_demo_starts_afresh(tmp_path):
    port = free_port()
    with running_demo(tmp_path, port, partners=6) as password:
        base = f"http://127.0.0.1:{port}"
        assert "Sign in" in _get(f"{base}/", deadline=90), "the console asks who you are"
        session = requests.Session()
        login = session.get(f"{base}/login").text
        csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
        session.post(
            f"{base}/login",
            data={"email": "admin@vendor.example", "password": password, "csrf_token": csrf},
        )
        assert "Secure Cloud Backup: Q3 launch" in session.get(f"{base}/").text
        runway = session.get(f"{base}/runway").text
        assert "live in the last 90 days" in runway and 'data-partner="' in runway, (
            "demo runway data"
        )
        sent = _wait_for_files(tmp_path / "outbox" / "new", deadline=90, at_least=6 * 5)
        assert sent >= 6 * 5
        assert link_hosts(tmp_path / "outbox" / "new") == {f"127.0.0.1:{port}"}, (
            "every link goes to the port the demo serves"
        )
    # A second demo, on another port: the first one's files, named by idempotency key,
    # stood in the way of its emails while its campaign page said every one was sent.
    second = free_port()
    with running_demo(tmp_path, second, partners=2):
        _wait_for_files(tmp_path / "outbox" / "new", deadline=90)
    assert link_hosts(tmp_path / "outbox" / "new") == {f"127.0.0.1:{second}"}, (
        "a fresh outbox: new emails, none of the first demo's"
    )


def link_hosts(folder: Path) -> set[str]:
    """host:port of every tracked link in the emails' text parts."""
    hosts: set[str] = set()
    for path in folder.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        hosts |= set(re.findall(r"https?://([^/\s]+)/r/", text))
    return hosts


def _password(process: subprocess.Popen[str]) -> str:
    """The demo prints the admin's one-time password among its first lines."""
    for _ in range(50):
        line = process.stdout.readline()
        if "sign in as admin@vendor.example with password" in line:
            return line.rsplit(" ", 1)[1].strip()
    raise AssertionError("the demo did not print the admin's password")


def _get(url: str, deadline: float) -> str:
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.3)


def _wait_for_files(folder, deadline: float, at_least: int = 1) -> int:
    """The number of emails in the outbox once it stops growing (and has `at_least`)."""
    end = time.monotonic() + deadline
    last, stable = -1, 0
    while time.monotonic() < end:
        count = len(list(folder.glob("*.eml"))) if folder.is_dir() else 0
        stable = stable + 1 if count == last and count >= at_least else 0
        if stable >= 5:
            return count
        last = count
        time.sleep(0.3)
    return last
