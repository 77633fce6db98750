"""SMTP with a small connection pool; replies mapped to RetryableError / PermanentError.

smtplib is used directly (not a wrapper library) because the mapping from SMTP reply
codes to retry decisions is the part we need to own.
"""

from __future__ import annotations

import queue
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from campaign_engine.errors import PermanentError, RecipientRejected, RetryableError
from campaign_engine.ports import Endpoint, Message, Receipt
from connectors.dkim import DkimKey
from connectors.mime import fast_wire_bytes, message_id


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    security: str = "none"  # none | starttls | ssl
    timeout: float = 30.0
    pool_size: int = 4
    from_address: str = "campaigns@vendor.example"
    ssl_context: ssl.SSLContext | None = None
    dkim: DkimKey | None = None


class SmtpConnector:
    name = "smtp"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.pool: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue()

    def validate(self, endpoint: Endpoint) -> None:
        return None

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        data = fast_wire_bytes(message, self.config.from_address, idempotency_key, smtp=True)
        with self._connection() as conn:
            try:
                if self.config.dkim is not None:
                    data = self.config.dkim.sign(data)
                refused = conn.sendmail(self.config.from_address, [message.recipient], data)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                error = _error(code, reply)
                if isinstance(error, PermanentError):
                    raise RecipientRejected(str(error)) from None
                raise error from None
            except smtplib.SMTPResponseException as exc:
                raise _error(exc.smtp_code, exc.smtp_error) from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise _error(code, reply)
        reference = message_id(idempotency_key, message.from_address or self.config.from_address)
        return Receipt(provider=self.name, reference=reference, accepted_at=datetime.now(UTC))

    @contextmanager
    def _connection(self) -> Iterator[smtplib.SMTP]:
        try:
            conn = self.pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        healthy = False
        try:
            yield conn
            healthy = True
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise RetryableError(f"SMTP connection lost: {exc}") from None
        finally:
            if healthy and self.pool.qsize() < self.config.pool_size:
                self.pool.put(conn)
            else:
                _close(conn)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = cfg.ssl_context or ssl.create_default_context()
        try:
            if cfg.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.security == "starttls":
                    conn.starttls(context=context)
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP login refused: {exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            raise _error(exc.smtp_code, exc.smtp_error) from None
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            raise RetryableError(f"cannot reach SMTP server {cfg.host}:{cfg.port}: {exc}") from None
        return conn

    def close(self) -> None:
        while not self.pool.empty():
            _close(self.pool.get_nowait())


def _error(code: int, reply: bytes | str) -> RetryableError | PermanentError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    detail = f"SMTP {code} {text}".strip()
    return PermanentError(detail) if 500 <= code < 600 else RetryableError(detail)


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()
