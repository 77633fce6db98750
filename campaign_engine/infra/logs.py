"""Logging for the long-running processes: one format, on standard error, with the time
(UTC, ISO 8601), the level, the process and the logger, so an operator can line up what a
scheduler, a worker and the web said about the same minute. Messages name partners,
campaigns and counts, never a customer (docs/privacy.md)."""

from __future__ import annotations

import logging
import sys
import time

FORMAT = "%(asctime)s %(levelname)s %(processName)s[%(process)d] %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """The root logger's handler and level (replacing any earlier one: a second call, as
    tests make, does not double every line)."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[handler], force=True)
