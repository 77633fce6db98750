"""Repeated identical errors logged once a minute with a count, not a traceback each.

A full disk made every render fail, and the log took 3,099 tracebacks in 45 s: the first
one says everything, the rest bury it (and fill the disk further). The standard library
has no such throttle and logging.Filter cannot carry a count out of a dropped record, so
this is a small helper: the first occurrence of a key is logged in full, later ones are
counted and summarised at most once per interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

INTERVAL_SECONDS = 60.0


@dataclass
class _Seen:
    logged_at: float
    repeats: int = 0


class RepeatedLog:
    """Thread-safe; one per process (REPEATS below) so every thread shares the count."""

    def __init__(
        self,
        interval: float = INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        limit: int = 1000,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.limit = limit  # keys remembered; the oldest are forgotten beyond it
        self._seen: dict[Hashable, _Seen] = {}
        self._lock = threading.Lock()

    def log(
        self,
        logger: logging.Logger,
        key: Hashable,
        message: str,
        *args: object,
        level: int = logging.ERROR,
        exc_info: BaseException | None = None,
    ) -> bool:
        """Log now (True) or count for the next summary (False). The first time a key is
        seen its traceback is included; a summary says how many were held back."""
        now = self.clock()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen.logged_at < self.interval:
                seen.repeats += 1
                return False
            repeats = seen.repeats if seen is not None else 0
            self._seen[key] = _Seen(now)
            if len(self._seen) > self.limit:
                self._seen.pop(next(iter(self._seen)))
        if seen is None:
            logger.log(level, message, *args, exc_info=exc_info)
        else:
            suffix = f" (and {repeats} more like it in the last {self.interval:g} s)"
            logger.log(level, message + suffix, *args)
        return True


REPEATS = RepeatedLog()


def log_repeated(
    logger: logging.Logger,
    key: Hashable,
    message: str,
    *args: object,
    level: int = logging.ERROR,
    exc_info: BaseException | None = None,
) -> bool:
    """REPEATS.log: the process-wide throttle."""
    return REPEATS.log(logger, key, message, *args, level=level, exc_info=exc_info)
