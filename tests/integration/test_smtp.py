"""The SMTP connector against aiosmtpd: STARTTLS, implicit TLS, AUTH and reply codes."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import replace

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from campaign_engine.errors import PermanentError, RecipientRejected, RetryableError
from campaign_engine.ports import Endpoint, Message
from connectors.smtp import SmtpConfig, SmtpConnector
from tests.conftest import CollectingHandler, Received, free_port, running_smtp


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def authenticator(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def message(to: str = "buyer@customer.example") -> Message:
    return Message(
        channel="email",
        recipient=to,
        subject="Hello",
        body_text="Hi",
        body_html="<p>Hi</p>",
        sender_name="Acme via Northwind",
    )


@pytest.fixture
def starttls_server(certificate):
    received = Received()
    with running_smtp(
        CollectingHandler(received),
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    ) as port:
        yield port, received


def test_starttls_with_auth_delivers(starttls_server, certificate):
    port, received = starttls_server
    smtp = SmtpConnector(
        SmtpConfig(
            "127.0.0.1",
            port,
            "mailer",
            "s3cret",
            "starttls",
            ssl_context=client_context(certificate),
        )
    )
    receipt = smtp.publish(message(), Endpoint("email"), "idem-1")
    smtp.close()
    assert received.recipients() == ["buyer@customer.example"]
    assert receipt.reference == "<idem-1@vendor.example>"
    assert received.messages()[0]["Message-ID"] == "<idem-1@vendor.example>"


def test_wrong_credentials_are_a_permanent_error(starttls_server, certificate):
    port, _ = starttls_server
    smtp = SmtpConnector(
        SmtpConfig(
            "127.0.0.1",
            port,
            "mailer",
            "wrong",
            "starttls",
            ssl_context=client_context(certificate),
        )
    )
    with pytest.raises(PermanentError, match="login refused"):
        smtp.publish(message(), Endpoint("email"), "idem-2")


def test_plain_text_is_refused_by_a_server_that_requires_starttls(starttls_server):
    port, _ = starttls_server
    smtp = SmtpConnector(SmtpConfig("127.0.0.1", port))
    with pytest.raises((RetryableError, PermanentError)):
        smtp.publish(message(), Endpoint("email"), "idem-3")


def test_implicit_tls_delivers(certificate):
    received = Received()
    with running_smtp(CollectingHandler(received), ssl_context=server_context(certificate)) as port:
        smtp = SmtpConnector(
            SmtpConfig("127.0.0.1", port, security="ssl", ssl_context=client_context(certificate))
        )
        smtp.publish(message(), Endpoint("email"), "idem-4")
        smtp.close()
    assert received.recipients() == ["buyer@customer.example"]


class Refusing:
    def __init__(self, code: str) -> None:
        self.code = code

    async def handle_RCPT(self, server, session, envelope, address, options):
        return self.code


@pytest.mark.parametrize(
    "reply, error",
    [
        ("550 5.1.1 no such user", RecipientRejected),
        ("451 4.7.1 greylisted", RetryableError),
        ("421 4.3.2 shutting down", RetryableError),
    ],
)
def test_reply_codes_map_to_the_right_error(reply, error):
    with running_smtp(Refusing(reply)) as port, pytest.raises(error) as info:
        SmtpConnector(SmtpConfig("127.0.0.1", port)).publish(message(), Endpoint("email"), "k")
    assert reply.split()[0] in str(info.value)


def test_an_unreachable_server_is_retryable():
    with pytest.raises(RetryableError, match="cannot reach"):
        SmtpConnector(SmtpConfig("127.0.0.1", free_port(), timeout=2)).publish(
            message(), Endpoint("email"), "k"
        )


def test_the_pool_reuses_connections():
    received = Received()
    with running_smtp(CollectingHandler(received)) as port:
        smtp = SmtpConnector(SmtpConfig("127.0.0.1", port))
        for n in range(20):
            smtp.publish(message(f"b{n}@customer.example"), Endpoint("email"), f"k{n}")
        assert smtp.pool.qsize() == 1, "one connection served all twenty messages"
        smtp.close()
    assert len(received.recipients()) == 20


class Pipelining(CollectingHandler):
    """Offers PIPELINING (RFC 2920) as Postfix and Exim do, refuses 'nobody@' recipients,
    and records how many commands had already arrived when each reply was due."""

    def __init__(self, received: Received) -> None:
        super().__init__(received)
        self.buffered: list[int] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.buffered.append(len(server._reader._buffer))  # pipelined: DATA already here
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_pipelined_sends_arrive_intact_and_refusals_keep_their_meaning():
    """Against a server that offers PIPELINING, MAIL, RCPT and DATA go out in one write:
    the messages arrive byte for byte (dot-stuffing included), a refused recipient is
    still a RecipientRejected, and the connection goes on serving the next message."""
    received = Received()
    handler = Pipelining(received)
    with running_smtp(handler) as port:
        smtp = SmtpConnector(SmtpConfig("127.0.0.1", port, pool_size=1))
        first = message()
        dotted = replace(message(), body_text="line one\n.starts with a dot\n..two dots\n")
        smtp.publish(first, Endpoint("email"), "pipe-1")
        with pytest.raises(RecipientRejected):
            smtp.publish(replace(message(), recipient="nobody@x.example"), Endpoint("email"), "p")
        smtp.publish(dotted, Endpoint("email"), "pipe-2")
        smtp.close()
    assert [rcpt for _, rcpt, _ in received.envelopes] == [
        [first.recipient],
        [dotted.recipient],
    ]
    body = received.envelopes[1][2].decode()
    assert "\r\n.starts with a dot\r\n..two dots\r\n" in body.replace("=\r\n", "")
    assert all(waiting > 0 for waiting in handler.buffered)  # DATA came with RCPT


class RefusesThenHangsUp(CollectingHandler):
    """Offers PIPELINING, answers 550 to every recipient and drops the connection at RSET."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, options):
        return "550 5.1.1 no such mailbox"

    async def handle_RSET(self, server, session, envelope):
        server.transport.close()
        return "250 OK"


def test_a_pipelined_refusal_stays_a_refusal_when_the_server_hangs_up():
    """A 550 for the recipient is the recipient's problem (it goes on the suppression
    list), even when the server closes the connection as the client resets it."""
    with running_smtp(RefusesThenHangsUp(Received())) as port:
        smtp = SmtpConnector(SmtpConfig("127.0.0.1", port))
        with pytest.raises(RecipientRejected, match="550"):
            smtp.publish(message(), Endpoint("email"), "hangs-up")
        smtp.close()
