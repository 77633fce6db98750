"""Connectors against real servers on loopback: every answer mapped honestly."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest
from standardwebhooks.webhooks import Webhook

from campaign_engine.errors import PermanentError, RetryableError
from campaign_engine.ports import Endpoint, Message
from connectors.netguard import check_public_url
from connectors.webhook import WebhookConnector
from tests.processes import serving_http

SECRET = "whsec_" + "dGVzdC1vdXRib3VuZC1zZWNyZXQtMTIzNDU2"  # a test value, never served


class Recorder(BaseHTTPRequestHandler):
    """Checks each request exactly (signature verified with the standardwebhooks library)
    and answers what the test asked for."""

    answers: list[tuple[int, dict[str, str]]] = []
    seen: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        verified = Webhook(SECRET).verify(body, {k.lower(): v for k, v in self.headers.items()})
        type(self).seen.append({"id": self.headers["webhook-id"], "body": verified})
        status, headers = type(self).answers.pop(0) if type(self).answers else (200, {})
        if status == 0:
            time.sleep(3)  # hang past the client's timeout
            status = 200
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server():
    Recorder.answers, Recorder.seen = [], []
    base, shutdown = serving_http(Recorder)
    yield f"{base}/hook"
    shutdown()


def message() -> Message:
    return Message(
        channel="social",
        recipient="queue",
        subject="Launch post",
        body_text="",
        payload={"partner": "acme", "text": {"launch-linkedin.txt": "Hello"}},
    )


def connector(allow_private: bool = True) -> WebhookConnector:
    return WebhookConnector(SECRET, timeout=1.0, allow_private=allow_private)


def test_a_signed_post_arrives_with_the_idempotency_key_as_webhook_id(server):
    receipt = connector().publish(message(), Endpoint("webhook", server), "key-123")
    assert receipt.reference == "key-123" and receipt.detail == "HTTP 200"
    (seen,) = Recorder.seen
    assert seen["id"] == "key-123"
    assert seen["body"]["type"] == "social.item"
    assert seen["body"]["data"]["partner"] == "acme"


def test_each_image_travels_with_its_bytes_beside_the_post_text(server):
    """Issue 15: the partner's own social queue got the text and only the image's size."""
    import base64
    from dataclasses import replace

    from campaign_engine.ports import RenderedFile

    image = RenderedFile("launch-linkedin.jpg", "image/jpeg", b"\xff\xd8jpeg-bytes\xff\xd9")
    connector().publish(
        replace(message(), attachments=(image,)), Endpoint("webhook", server), "key-img"
    )
    (seen,) = Recorder.seen
    (sent,) = seen["body"]["data"]["files"]
    assert sent["name"] == "launch-linkedin.jpg" and sent["media_type"] == "image/jpeg"
    assert base64.b64decode(sent["content_base64"]) == image.content
    assert seen["body"]["data"]["text"] == {"launch-linkedin.txt": "Hello"}


@pytest.mark.parametrize(
    "status, error",
    [(400, PermanentError), (401, PermanentError), (500, RetryableError), (503, RetryableError)],
)
def test_http_answers_map_to_retry_or_permanent_failure(server, status, error):
    Recorder.answers = [(status, {})]
    with pytest.raises(error):
        connector().publish(message(), Endpoint("webhook", server), "k")


def test_429_honours_retry_after_and_retries_keep_the_same_webhook_id(server):
    Recorder.answers = [(429, {"Retry-After": "120"})]
    with pytest.raises(RetryableError) as info:
        connector().publish(message(), Endpoint("webhook", server), "same-key")
    assert info.value.retry_after == 120.0
    connector().publish(message(), Endpoint("webhook", server), "same-key")
    assert [s["id"] for s in Recorder.seen] == ["same-key", "same-key"]


def test_a_server_that_hangs_is_a_retryable_timeout(server):
    Recorder.answers = [(0, {})]
    with pytest.raises(RetryableError, match="did not answer"):
        connector().publish(message(), Endpoint("webhook", server), "k")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url):
    with pytest.raises(PermanentError, match="private or loopback"):
        check_public_url(url, allow_private=False)


def test_the_guard_applies_before_any_request(server):
    with pytest.raises(PermanentError):
        connector(allow_private=False).publish(message(), Endpoint("webhook", server), "k")
    assert Recorder.seen == []
