"""The per-partner MIME skeleton must give the same message the email package builds."""

from __future__ import annotations

import email
from email import policy

import pytest

from campaign_engine.ports import Message, RenderedFile
from connectors.mime import build_email, fast_wire_bytes, wire_bytes

LOGO = RenderedFile("partner-logo", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)


def message(**changes: object) -> Message:
    values: dict = dict(
        channel="email",
        recipient="ana@customer.example",
        subject="Müller IT + Northwind: Datensicherung, die Erpresser nicht anfassen",
        body_text="Hallo Ana,\n\n. a line that starts with a dot\nUnsubscribe: https://t.example/u/x?a=b\n",
        body_html="<html><body><p>Hallo Ana, Grüße &amp; mehr</p>"
        + "<p>"
        + "lang " * 60
        + '</p><img src="cid:partner-logo"></body></html>',
        headers={
            "List-Unsubscribe": "<https://t.example/u/tok>, <mailto:u@v.example>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        inline_images=(LOGO,),
        sender_name="Müller IT via Northwind",
        reply_to="vertrieb@mueller.example",
    )
    values.update(changes)
    return Message(**values)


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def content(mail: email.message.EmailMessage) -> list[tuple[str, object]]:
    return [(p.get_content_type(), p.get_content()) for p in mail.walk() if not p.is_multipart()]


@pytest.mark.parametrize("smtp", [False, True])
def test_the_fast_message_carries_the_same_headers_parts_and_bytes_as_the_reference(smtp):
    item = message()
    reference = parsed(wire_bytes(build_email(item, "campaigns@vendor.example", "d-1"), smtp=smtp))
    fast_bytes = fast_wire_bytes(item, "campaigns@vendor.example", "d-1", smtp=smtp)
    fast = parsed(fast_bytes)

    assert all(not part.defects for part in fast.walk())
    for name in ("From", "To", "Reply-To", "Subject", "Message-ID", "List-Unsubscribe"):
        assert str(fast[name]) == str(reference[name]), name
    assert fast["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert content(fast) == content(reference)
    body = fast_bytes.partition(b"\r\n\r\n" if smtp else b"\n\n")[2]
    encoded = [line for line in body.splitlines() if b": " not in line]  # not part headers
    assert max(len(line) for line in encoded) <= 76  # RFC 2045
    assert (b"\r\n" in fast_bytes) is smtp


def test_recipients_of_one_partner_get_their_own_bodies_and_headers_from_one_skeleton():
    first = parsed(fast_wire_bytes(message(), "campaigns@vendor.example", "d-1"))
    second = parsed(
        fast_wire_bytes(
            message(recipient="bo@customer.example", body_text="Hallo Bo,\n"),
            "campaigns@vendor.example",
            "d-2",
        )
    )
    assert (first["To"], second["To"]) == ("ana@customer.example", "bo@customer.example")
    assert second["Message-ID"] == "<d-2@vendor.example>"
    assert second.get_body(("plain",)).get_content() == "Hallo Bo,\n"
    assert "Hallo Ana" in first.get_body(("plain",)).get_content()


def test_a_verified_partner_domain_is_the_from_address_and_the_message_id_domain():
    item = message(from_address="news@mueller.example")
    mail = parsed(fast_wire_bytes(item, "campaigns@vendor.example", "d-3"))
    assert mail["From"].addresses[0].addr_spec == "news@mueller.example"
    assert mail["Message-ID"] == "<d-3@mueller.example>"


def test_a_non_ascii_recipient_takes_the_reference_path():
    item = message(recipient="jürgen@müller.example")
    mail = parsed(fast_wire_bytes(item, "campaigns@vendor.example", "d-4"))
    assert mail["To"].addresses[0].addr_spec == "jürgen@müller.example"


def test_a_header_value_with_a_line_break_is_refused_not_injected():
    item = message(headers={"X-Campaign-Partner": "acme\r\nBcc: victim@example.com"})
    with pytest.raises(ValueError):
        fast_wire_bytes(item, "campaigns@vendor.example", "d-5")


def test_an_encoded_word_in_a_subject_or_name_stays_text_in_one_header():
    """CVE-2024-6923: before Python 3.11.10 the email package decoded an RFC 2047
    encoded-word given in a header value and wrote its line breaks out as new headers."""
    from email import message_from_bytes, policy

    from campaign_engine.ports import Message
    from connectors.mime import build_email

    attack = "=?us-ascii?q?Hi=0D=0ABcc:_evil=40attacker.example?="
    message = Message(
        channel="email",
        recipient="someone@customer.example",
        subject=f"Offer {attack}",
        body_text="Hello",
        sender_name=f"Partner {attack}",
    )
    wire = build_email(message, "campaigns@vendor.example", "key-1").as_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)
    assert parsed["Bcc"] is None and b"\nBcc:" not in wire
    assert "Bcc:_evil" in str(parsed["Subject"]), "the text is kept, as text"


HOSTILE_NAMES = [
    "O'Brien & <Sons> Ελληνική via Northwind",
    'Smith, Jones & "Partners" <sales@evil.example>',
    "株式会社東京クラウド via Northwind",
    "a@b.example via Northwind",
    "Müller (IT); Datensicherung: GmbH",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("smtp", [False, True])
def test_a_hostile_display_name_reads_back_as_the_same_name_and_address(name, smtp):
    """What a mail client shows: the whole name, and our sending address, nothing else."""
    for data in (
        fast_wire_bytes(message(sender_name=name), "campaigns@northwind.example", "k1", smtp=smtp),
        wire_bytes(build_email(message(sender_name=name), "campaigns@northwind.example", "k1")),
    ):
        (mailbox,) = parsed(data)["From"].addresses
        assert mailbox.display_name == name
        assert mailbox.addr_spec == "campaigns@northwind.example"


@pytest.mark.parametrize("smtp", [False, True])
def test_isolates_and_joiners_reach_the_inbox_and_overrides_do_not(smtp):
    """An attacker's report: the header cleaner dropped every format character, so the
    isolation round a right-to-left name, an emoji's ZWJ and Persian's ZWNJ never reached
    an inbox; a bidi override (which reverses what follows) must not either."""
    name = "\u2068شركة النور\u2069 via Northwind"
    subject = "👩\u200d💻 \u2068داده\u200cپردازان\u2069 + Northwind \u202eevil"  # noqa: RUF001
    item = message(subject=subject, sender_name=name)
    reference = wire_bytes(build_email(item, "campaigns@vendor.example", "k-1"), smtp=smtp)
    fast = fast_wire_bytes(item, "campaigns@vendor.example", "k-1", smtp=smtp)
    for wire in (reference, fast):
        mail = parsed(wire)
        assert str(mail["Subject"]) == subject.replace("\u202e", "")
        assert mail["From"].addresses[0].display_name == name
