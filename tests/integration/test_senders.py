"""A partner's own From address: used only after its DNS record is found."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rrset
import pytest

from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row, write_contacts, write_partners


class DnsServer:
    """A real UDP DNS server on loopback answering TXT queries from a dict."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, client = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            question = query.question[0]
            values = self.records.get(question.name.to_text().rstrip("."))
            if values:
                reply.answer.append(
                    dns.rrset.from_text_list(
                        question.name, 60, "IN", "TXT", [f'"{v}"' for v in values]
                    )
                )
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(reply.to_wire(), client)


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer()
    yield server
    server.sock.close()


def test_a_partner_sends_from_its_own_domain_only_once_the_txt_record_is_published(
    tmp_path, database_url, smtp_server, dns_server, make_cli
):
    cli = make_cli(
        database_url,
        email={
            "transport": "smtp",
            "smtp": {"host": smtp_server.host, "port": smtp_server.port},
            "dns_nameserver": dns_server.address,
        },
    )
    rows = [partner_row(i) for i in range(2)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], 1)))

    asked = cli("partners", "sender", "partner-00", "News@Partner00.example").output
    record = asked.splitlines()[-1].strip()
    assert record.startswith("_campaign-engine.partner00.example. IN TXT ")
    early = cli("partners", "sender", "partner-00", "--verify", ok=False)
    assert early.exit_code == 1 and "not verified yet" in early.output

    value = record.split('"')[1]
    dns_server.records["_campaign-engine.partner00.example"] = ["v=spf1 -all", value]
    assert "verified" in cli("partners", "sender", "partner-00", "--verify").output
    # Another partner claiming the same domain cannot ride on partner-00's record.
    cli("partners", "sender", "partner-01", "news@partner00.example")
    assert cli("partners", "sender", "partner-01", "--verify", ok=False).exit_code == 1

    created = cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "Q3", "--json")
    cli("campaigns", "launch", str(json.loads(created.output)["id"]), "--wait")

    mails = {m["To"]: m for m in smtp_server.received.messages()}
    own = mails["buyer0@partner-00-customer.example"]
    assert own["From"].addresses[0].addr_spec == "news@partner00.example"
    assert own["From"].addresses[0].display_name.startswith("Partner 00 Systems")
    assert own["Message-ID"].endswith("@partner00.example>")
    assert own["Reply-To"] == "sales@partner00.example"
    other = mails["buyer0@partner-01-customer.example"]
    assert other["From"].addresses[0].addr_spec == "campaigns@vendor.example"
    envelopes = {rcpts[0]: sender for sender, rcpts, _ in smtp_server.received.envelopes}
    assert set(envelopes.values()) == {"campaigns@vendor.example"}, "bounces come to the vendor"


def test_a_malformed_sending_address_names_the_field_and_changes_nothing(
    tmp_path, database_url, make_cli
):
    cli = make_cli(database_url)
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(0)])))
    result = cli("partners", "sender", "partner-00", "news at partner00", ok=False)
    assert result.exit_code != 0
    assert "address" in result.output and "not an email address" in result.output
