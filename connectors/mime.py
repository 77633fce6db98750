"""Building the MIME message: multipart/alternative (text, related(html, inline logos))."""

from __future__ import annotations

import binascii
import unicodedata
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate
from functools import lru_cache

from campaign_engine.ports import Message, RenderedFile

# Bodies are encoded under the default 78-column policy (so quoted-printable lines stay
# within RFC 2045's 76); headers are written unfolded up to RFC 5322's 998, because folding
# a long List-Unsubscribe URL turns it into encoded words that mail clients cannot parse.
WIRE = policy.default.clone(max_line_length=998)
SMTP_WIRE = WIRE.clone(linesep="\r\n")


def wire_bytes(mail: EmailMessage, *, smtp: bool = False) -> bytes:
    return mail.as_bytes(policy=SMTP_WIRE if smtp else WIRE)


def message_id(idempotency_key: str, from_address: str) -> str:
    """Derived from the delivery, so a resend after a crash carries the same Message-ID and
    receiving systems can recognise the duplicate."""
    domain = from_address.rpartition("@")[2] or "campaign-engine.invalid"
    return f"<{idempotency_key}@{domain}>"


def plain_header(value: str) -> str:
    """A header value as text and nothing more. The standard library decodes RFC 2047
    encoded-words in a value it is given ("=?us-ascii?q?A=0D=0ABcc:...?=") and, before
    Python 3.11.10 and 3.12.5 (CVE-2024-6923), writes the decoded line breaks out as new
    headers. So line breaks become spaces and "=?" is split by a word joiner (U+2060,
    invisible): a subject or a name from a kit, a partner or a landing page's visitor
    stays one header whatever it holds."""
    flat = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    flat = "".join(ch for ch in flat if not _dropped(ch))
    return flat.replace("=?", "=\u2060?")


# Bidi overrides reverse what follows them (a spoofed subject); the isolates (FSI ... PDI
# round a right-to-left name), marks and joiners (ZWJ in an emoji, ZWNJ in Persian) are
# part of the text and stay: str.isprintable() dropped them all, and the name isolation
# the renderer adds never reached an inbox (an attacker's report).
_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")


def _dropped(ch: str) -> bool:
    """Controls (NUL, ESC), line and paragraph separators, lone surrogates, overrides."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _OVERRIDES


def from_header(display_name: str | None, address: str) -> Address:
    """The From mailbox as an object, never as text to re-parse. `formataddr` returns an
    encoded word for a non-ASCII name, which the email package decodes again on assignment,
    so "O'Brien & <Sons> Ελληνική" became the mailbox "Sons"; an Address is quoted and
    encoded by the policy itself and reads back as the same name and address."""
    return Address(display_name=plain_header(display_name or ""), addr_spec=address)


def build_email(
    message: Message, from_address: str, idempotency_key: str, *, cte: str | None = None
) -> EmailMessage:
    """The reference construction with the standard library; `fast_wire_bytes` produces the
    same message without paying for it per recipient."""
    mail = EmailMessage()
    sender = message.from_address or from_address
    mail["From"] = from_header(message.sender_name, sender)
    mail["To"] = message.recipient
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail["Subject"] = plain_header(message.subject)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(idempotency_key, sender)
    for name, value in message.headers.items():
        mail[name] = value
    _add_bodies(mail, message.body_text, message.body_html, cte)
    _add_files(mail, message)
    return mail


def _add_bodies(mail: EmailMessage, text: str, html: str | None, cte: str | None) -> None:
    mail.set_content(text, cte=cte)
    if html is not None:
        mail.add_alternative(html, subtype="html", cte=cte)


def _add_files(mail: EmailMessage, message: Message) -> None:
    if message.body_html is not None and message.inline_images:
        html_part = mail.get_payload()[-1]
        html_part.make_related()
        for image in message.inline_images:
            html_part.attach(_inline_part(image.name, image.media_type, image.content))
    for attachment in message.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        mail.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.name
        )
    return mail


@lru_cache(maxsize=512)
def _inline_part(name: str, media_type: str, content: bytes) -> MIMEPart:
    """Encoded once per distinct image: every message of a partner carries the same
    logos, and base64-encoding them per recipient was a third of the cost of a message.
    Parts are only read when a message is serialised, so sharing them is safe."""
    maintype, _, subtype = media_type.partition("/")
    part = MIMEPart()
    part.set_content(
        content,
        maintype=maintype,
        subtype=subtype,
        cid=f"<{name}>",
        filename=f"{name}.png",
        disposition="inline",
    )
    return part


# Building a message with the email package costs about 2.5 ms, most of it parsing and
# folding headers and walking the MIME tree, which caps one core at ~400 messages/s. Every
# recipient of a partner gets the same structure, logos and subject; only a few headers and
# the personalised bodies differ. So the structure is built once per shape with the
# standard library (the part that must be right), and each message is that skeleton with
# hand-written ASCII headers and bodies quoted-printable encoded by binascii (C).
_TEXT_SLOT = "CampaignEngineTextBodySlot"
_HTML_SLOT = "CampaignEngineHtmlBodySlot"


@dataclass(frozen=True)
class _Skeleton:
    head: bytes  # constant headers and everything up to the text body
    middle: bytes  # between the text and the HTML body
    tail: bytes  # after the HTML body: inline images, attachments, closing boundaries
    linesep: bytes


def fast_wire_bytes(
    message: Message, from_address: str, idempotency_key: str, *, smtp: bool = False
) -> bytes:
    """Byte-for-byte a valid message equal in content to `build_email`'s; falls back to it
    for anything the shortcut does not cover (non-ASCII or odd per-recipient headers)."""
    sender = message.from_address or from_address
    variable = {
        "To": message.recipient,
        "Date": formatdate(localtime=False),
        "Message-ID": message_id(idempotency_key, sender),
        **message.headers,
    }
    skeleton = _skeleton_for(message, from_address, smtp) if _plain(variable) else None
    if skeleton is None:
        return wire_bytes(build_email(message, from_address, idempotency_key), smtp=smtp)
    eol = skeleton.linesep
    headers = b"".join(f"{name}: {value}".encode() + eol for name, value in variable.items())
    html = message.body_html or ""
    return b"".join(
        (
            headers,
            skeleton.head,
            _qp(message.body_text, eol),
            skeleton.middle,
            _qp(html, eol) if message.body_html is not None else b"",
            skeleton.tail,
        )
    )


def _plain(headers: dict[str, str]) -> bool:
    """Values that may be written as they are: printable ASCII on one line."""
    return all(
        value.isascii() and value.isprintable() and len(name) + len(value) < 990
        for name, value in headers.items()
    )


def _qp(body: str, eol: bytes) -> bytes:
    data = body.replace("\r\n", "\n").rstrip("\n").encode()
    encoded = binascii.b2a_qp(data, istext=True)
    return encoded.replace(b"\n", eol) if eol != b"\n" else encoded


def _skeleton_for(message: Message, from_address: str, smtp: bool) -> _Skeleton | None:
    return _skeleton(
        message.sender_name,
        message.from_address or from_address,
        message.reply_to,
        message.subject,
        message.body_html is not None,
        message.inline_images,
        message.attachments,
        smtp,
    )


@lru_cache(maxsize=256)
def _skeleton(
    sender_name: str | None,
    sender: str,
    reply_to: str | None,
    subject: str,
    has_html: bool,
    inline_images: tuple[RenderedFile, ...],
    attachments: tuple[RenderedFile, ...],
    smtp: bool,
) -> _Skeleton | None:
    """Keyed by what stays the same for every recipient of a partner's email. Image bytes
    hash once per bytes object (Python caches it), so a lookup stays cheap."""
    shape = Message(
        channel="email",
        recipient="",
        subject=subject,
        body_text=_TEXT_SLOT,
        body_html=_HTML_SLOT if has_html else None,
        inline_images=inline_images,
        attachments=attachments,
        reply_to=reply_to,
    )
    mail = EmailMessage()
    mail["From"] = from_header(sender_name, sender)
    if reply_to:
        mail["Reply-To"] = reply_to
    mail["Subject"] = plain_header(subject)
    _add_bodies(mail, shape.body_text, shape.body_html, "quoted-printable")
    _add_files(mail, shape)
    data = wire_bytes(mail, smtp=smtp)
    head, found, rest = data.partition(_TEXT_SLOT.encode())
    if not found or _TEXT_SLOT.encode() in rest:
        return None
    middle, tail = b"", rest
    if has_html:
        middle, found, tail = rest.partition(_HTML_SLOT.encode())
        if not found or _HTML_SLOT.encode() in tail:
            return None
    return _Skeleton(head, middle, tail, b"\r\n" if smtp else b"\n")
