"""The long-running processes' log lines carry their time (UTC), level, process and
logger: what an operator lines up across a scheduler, its workers and the web."""

from __future__ import annotations

import logging
import re

from campaign_engine.infra.logs import configure_logging


def test_a_line_says_when_what_and_who(capsys):
    root = logging.getLogger()
    kept_handlers, kept_level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        configure_logging("INFO")  # twice, as a test or a restart may: one line still
        logging.getLogger("campaign_engine.pipeline.runner").info("claimed %d", 3)
        logging.getLogger("campaign_engine.pipeline.runner").debug("not at INFO")
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in kept_handlers:
            root.addHandler(handler)
        root.setLevel(kept_level)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO MainProcess\[\d+\] "
        r"campaign_engine\.pipeline\.runner: claimed 3",
        lines[0],
    ), lines[0]
