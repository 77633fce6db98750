"""Building the MIME message: multipart/alternative (text, related(html, inline logos))."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate

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
        for image in message.inline_images:
            maintype, _, subtype = image.media_type.partition("/")
            html_part.add_related(
                image.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{image.name}>",
                filename=f"{image.name}.png",
                disposition="inline",
            )
    for attachment in message.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        mail.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.name
        )
    return mail
