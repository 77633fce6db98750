"""Building the MIME message: multipart/alternative (text, related(html, inline logos))."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import formataddr, formatdate
from functools import lru_cache

from campaign_engine.ports import Message

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


def build_email(message: Message, from_address: str, idempotency_key: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((message.sender_name or "", from_address))
    mail["To"] = message.recipient
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(idempotency_key, from_address)
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.body_text)
    if message.body_html is not None:
        mail.add_alternative(message.body_html, subtype="html")
        html_part = mail.get_payload()[-1]
        if message.inline_images:
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
