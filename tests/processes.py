"""Running the real commands as separate processes (and killing them the hard way), and
loopback HTTP servers for the connectors to talk to."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks.webhooks import Webhook


def spawn(args: list[str], config: Path, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """A `campaign-engine` process in its own process group (so kill -9 takes its children)."""
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "campaign_engine", *args],
        env={**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config), **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def serve_web(config: Path, log: Path, port: int, *, workers: int = 2, threads: int = 8):
    """The web as docs/deploy.md runs it: Granian, one app built per worker process, a
    worker that dies replaced."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--factory",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--respawn-failed-workers",
            "--http1-buffer-size",
            "65536",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "campaign_engine.app:create_app",
        ],
        env={**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            kill_hard(process)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def email_status(cli, campaign_id: int) -> dict[str, int]:
    output = cli("campaigns", "status", str(campaign_id), "--json").output
    return json.loads(output)["deliveries"]["email"]


def serving_http(handler: type[BaseHTTPRequestHandler]) -> tuple[str, Callable[[], None]]:
    """A loopback HTTP server in a thread: its base URL and how to stop it."""
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def shutdown() -> None:
        httpd.shutdown()
        httpd.server_close()

    return f"http://127.0.0.1:{httpd.server_address[1]}", shutdown


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (the timeout tests hang up on purpose) is not an error;
        printing its traceback would land in whatever a CliRunner is capturing."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def signed(runtime, payload: dict, *, msg_id: str, when: datetime | None = None) -> dict:
    """Test-client keyword arguments for a Standard Webhooks signed POST."""
    body = json.dumps(payload)
    when = when or datetime.now(UTC)
    signature = Webhook(runtime.settings.webhooks.inbound_secret).sign(msg_id, when, body)
    return {
        "data": body,
        "content_type": "application/json",
        "headers": {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": signature,
        },
    }
