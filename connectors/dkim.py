"""Optional DKIM signing (dkimpy). The signature covers the List-Unsubscribe headers, as
mailbox providers expect for one-click unsubscribe to be trusted."""

from __future__ import annotations

from dataclasses import dataclass

import dkim

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
)


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_key: bytes  # PEM

    def sign(self, message: bytes) -> bytes:
        """The message with a DKIM-Signature header in front."""
        signature = dkim.sign(
            message,
            self.selector.encode(),
            self.domain.encode(),
            self.private_key,
            include_headers=list(SIGNED_HEADERS),
            linesep=b"\r\n" if b"\r\n" in message[:2000] else b"\n",
        )
        return signature + message
