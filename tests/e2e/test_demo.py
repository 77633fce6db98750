"""`make demo` in miniature: the real command, a real port, a page served, emails sent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import requests

from tests.conftest import ROOT, free_port


def test_demo_serves_the_console_and_sends_the_campaign(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "CAMPAIGN_ENGINE_CONFIG": str(ROOT / "config.yaml"),
        "CAMPAIGN_ENGINE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "CAMPAIGN_ENGINE_STORAGE_DIR": str(tmp_path / "storage"),
        "CAMPAIGN_ENGINE_EMAIL__OUTBOX_DIR": str(tmp_path / "outbox"),
        "CAMPAIGN_ENGINE_DISPATCH__TICK_SECONDS": "0.3",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "campaign_engine", "demo", "--partners", "6", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        password = _password(process)
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
        sent = _wait_for_files(tmp_path / "outbox" / "new", deadline=90)
        assert sent >= 6 * 5
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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


def _wait_for_files(folder, deadline: float) -> int:
    end = time.monotonic() + deadline
    last, stable = -1, 0
    while time.monotonic() < end:
        count = len(list(folder.glob("*.eml"))) if folder.is_dir() else 0
        stable = stable + 1 if count == last and count > 0 else 0
        if stable >= 5:
            return count
        last = count
        time.sleep(0.3)
    return last
