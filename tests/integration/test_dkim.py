"""DKIM: signed messages verify against the published key, List-Unsubscribe included."""

from __future__ import annotations

import base64
import re
import subprocess

import dkim

from campaign_engine.ports import Endpoint, Message
from connectors.dkim import DkimKey
from connectors.outbox import MaildirOutbox


def test_outbox_messages_carry_a_dkim_signature_that_verifies(tmp_path):
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public_der = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)
    outbox = MaildirOutbox(
        tmp_path / "out",
        "campaigns@vendor.example",
        DkimKey("vendor.example", "ce2026", key.read_bytes()),
    )
    message = Message(
        channel="email",
        recipient="buyer@customer.example",
        subject="Hello",
        body_text="Hi",
        body_html="<p>Hi</p>",
        headers={
            "List-Unsubscribe": "<https://v.example/u/x>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    outbox.publish(message, Endpoint("email"), "dkim-1")
    data = (tmp_path / "out" / "new" / "dkim-1.eml").read_bytes()
    header = re.search(rb"DKIM-Signature:.*?(?=\n\S)", data, re.S).group(0)
    assert b"list-unsubscribe" in header.lower() and b"list-unsubscribe-post" in header.lower()

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"ce2026._domainkey.vendor.example."
        return record

    assert dkim.verify(data, dnsfunc=dns)
    assert not dkim.verify(data.replace(b"Subject: Hello", b"Subject: Tampered"), dnsfunc=dns)


def test_the_outbox_keeps_a_repeat_once_and_says_so(tmp_path, caplog):
    """A worker killed between publishing and recording sends its batch again: the outbox
    keeps the first file untouched and logs the repeat (bench/scale.py counts them)."""
    outbox = MaildirOutbox(tmp_path / "out", "campaigns@vendor.example")
    first = Message(channel="email", recipient="a@customer.example", subject="One", body_text="1")
    again = Message(channel="email", recipient="a@customer.example", subject="Two", body_text="2")
    caplog.set_level("INFO", logger="connectors.outbox")
    outbox.publish(first, Endpoint("email"), "key-1")
    assert not caplog.records
    outbox.publish(again, Endpoint("email"), "key-1")
    files = list((tmp_path / "out" / "new").iterdir())
    assert [f.name for f in files] == ["key-1.eml"]
    assert b"Subject: One" in files[0].read_bytes()
    # said, without the key: a hash of the recipient's address that a list could unmask
    assert [r.getMessage() for r in caplog.records] == [
        "outbox: a message written before, kept once (a repeat)"
    ]
