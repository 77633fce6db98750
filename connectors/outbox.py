"""The embedded default for email: a maildir on disk, one file per delivery.

The file is named by the idempotency key, so delivering the same item twice (a worker
that died after writing but before recording) leaves one message, not two.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from campaign_engine.errors import PermanentError, RetryableError
from campaign_engine.ports import Endpoint, Message, Receipt
from connectors.dkim import DkimKey
from connectors.mime import fast_wire_bytes

log = logging.getLogger(__name__)


class MaildirOutbox:
    name = "outbox"
    repeat_safe = True  # the same message twice is one (pipeline.sending.repeat_safe)

    def __init__(self, directory: Path, from_address: str, dkim: DkimKey | None = None) -> None:
        self.directory = directory
        self.from_address = from_address
        self.dkim = dkim
        for sub in ("tmp", "new", "cur"):
            (directory / sub).mkdir(parents=True, exist_ok=True)

    def validate(self, endpoint: Endpoint) -> None:
        return None

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        if "@" not in message.recipient:
            raise PermanentError(f"'{message.recipient}' is not an email address")
        final = self.directory / "new" / f"{idempotency_key}.eml"
        if final.exists():  # sent before its receipt was recorded (a worker died between)
            # no key in the line: it is a hash of the recipient's address, and a log read
            # against a list of addresses would say who got which campaign
            log.info("outbox: a message written before, kept once (a repeat)")
        else:
            data = fast_wire_bytes(message, self.from_address, idempotency_key)
            if self.dkim is not None:
                data = self.dkim.sign(data)
            try:
                fd, tmp = tempfile.mkstemp(dir=self.directory / "tmp")
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, final)
            except OSError as exc:
                raise RetryableError(f"outbox write failed: {exc}") from exc
        return Receipt(provider=self.name, reference=final.name, accepted_at=datetime.now(UTC))
