"""Running the real commands as separate processes, and killing them the hard way."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


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
