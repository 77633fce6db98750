"""SMTP with a small connection pool; replies mapped to RetryableError / PermanentError.

smtplib is used directly (not a wrapper library) because the mapping from SMTP reply
codes to retry decisions is the part we need to own.
"""

from __future__ import annotations

import queue
import re
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
                refused = send_message(conn, self.config.from_address, message.recipient, data)
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


def send_message(conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> dict:
    """smtplib's sendmail, pipelined (RFC 2920) when the server offers PIPELINING: MAIL,
    RCPT and DATA go out in one write and their three replies are read together, so a
    message costs two round trips instead of four. smtplib has no pipelining; real MTAs
    (Postfix, Exim) offer it. Returns sendmail's `refused` mapping; raises as sendmail."""
    conn.ehlo_or_helo_if_needed()
    plain = sender.isascii() and recipient.isascii()
    if not (plain and conn.has_extn("pipelining")):
        return conn.sendmail(sender, [recipient], data)
    if any(c in sender for c in "\r\n<>"):
        raise smtplib.SMTPSenderRefused(501, b"malformed sender address", sender)
    if any(c in recipient for c in "\r\n<>"):
        raise smtplib.SMTPRecipientsRefused({recipient: (501, b"malformed address")})
    size = f" SIZE={len(data)}" if conn.has_extn("size") else ""
    conn.send(f"MAIL FROM:<{sender}>{size}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n")
    mail, rcpt, start = conn.getreply(), conn.getreply(), conn.getreply()
    if start[0] == 354 and (mail[0] != 250 or rcpt[0] not in (250, 251)):
        conn.send(b".\r\n")  # a server that took DATA anyway: end it, send nothing
        conn.getreply()
    if mail[0] != 250:
        _reset(conn, mail[0])
        raise smtplib.SMTPSenderRefused(mail[0], mail[1], sender)
    if rcpt[0] not in (250, 251):
        _reset(conn, rcpt[0])
        raise smtplib.SMTPRecipientsRefused({recipient: rcpt})
    if start[0] != 354:
        _reset(conn, start[0])
        raise smtplib.SMTPDataError(start[0], start[1])
    body = _DOT_AT_LINE_START.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    conn.send(body + b".\r\n")
    code, reply = conn.getreply()
    if code != 250:
        _reset(conn, code)
        raise smtplib.SMTPDataError(code, reply)
    return {}


def _reset(conn: smtplib.SMTP, code: int) -> None:
    """After a refusal, as sendmail does: close on 421 (the server is going away), else
    RSET, ignoring a server that hung up already, so the refusal itself is what is raised
    (and the connection, not returned to the pool, is closed by the caller)."""
    if code == 421:
        conn.close()
        return
    try:
        conn.rset()
    except (smtplib.SMTPServerDisconnected, OSError):
        conn.close()


_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")  # RFC 5321 4.5.2 transparency


def _error(code: int, reply: bytes | str) -> RetryableError | PermanentError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    detail = f"SMTP {code} {text}".strip()
    return PermanentError(detail) if 500 <= code < 600 else RetryableError(detail)


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()
