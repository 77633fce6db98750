"""Kit templates and partner endpoints are hostile: a template cannot exhaust memory or
time, an email template cannot carry script, and DNS rebinding cannot reach loopback."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jinja2.exceptions import SecurityError

from campaign_engine.errors import PermanentError
from campaign_engine.ports import Endpoint, Message
from connectors.webhook import WebhookConnector
from tests.conftest import free_port
from tests.factories import render_web


@pytest.mark.parametrize(
    "bomb",
    [
        "{{ 'x' * 10**8 }}",
        "{{ 10**8 * 'x' }}",
        "{{ [1] * 10**8 }}",
        "{{ 9 ** 999999 }}",
        "{{ ''|center(10**8) }}",
        "{{ '%100000000s' % 'x' }}",
        "{% for i in range(10**7) %}{% endfor %}",
        "{% set x = 'y' * 900000 %}{% for i in range(1000) %}{{ x }}{% endfor %}",
        "{{ ''|center(1500000000) }}",
        "{{ '%01500000000d' % 1 }}",
        "{{ '%*d' % (1500000000, 1) }}",
        "{{ '{:>1500000000}'.format(1) }}",
        "{{ '{0:>{1}}'.format(1, 1500000000) }}",
        "{% set a = 'x' * 900000 %}{% set b = a ~ a ~ a ~ a %}{{ b|length }}",
        "{{ ('x' * 1000000)|wordwrap(1)|length }}",
        "{{ 'a b'|replace('a', 'x' * 900000)|length }}",
        "{% set l = ['x' * 90000] * 11 %}{{ l|join|length }}",
    ],
)
def test_a_template_cannot_take_the_memory_of_the_process(kit_dir, bomb):
    started = time.monotonic()
    with pytest.raises(SecurityError):
        render_web(kit_dir, bomb)
    assert time.monotonic() - started < 3


def test_a_template_cannot_take_minutes_of_cpu(kit_dir):
    started = time.monotonic()
    with pytest.raises(SecurityError, match="longer than"):
        render_web(
            kit_dir, "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}"
        )
    assert time.monotonic() - started < 10


def test_ordinary_arithmetic_and_loops_still_render(kit_dir):
    out = render_web(
        kit_dir,
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {% for i in range(3) %}{{ i }}{% endfor %} "
        "{{ 'a' ~ 'b' }} {{ '%3s'|format('x') }} {{ '{:>3}'.format(1) }} "
        "{{ 'a-b'|replace('-', '+') }} {{ [1, 2]|join(',') }} {{ 'x'|center(3) }}|",
    )
    assert out.strip() == "ababab 1024 012 ab   x   1 a+b 1,2  x |"


@pytest.mark.parametrize(
    "markup, problem",
    [
        ("<script>alert(1)</script>", "<script> is not allowed"),
        ('<img src="x.png" onerror="alert(1)">', "event-handler attribute 'onerror'"),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', "is a script URL"),
        ('<a href="java&#x09;script:alert(1)">x</a>', "is a script URL"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe> is not allowed"),
    ],
)
def test_kits_validate_reports_active_content_in_email_templates(
    kit_dir, sqlite_url, make_cli, markup, problem
):
    html = kit_dir / "templates" / "email.mjml"
    lines = html.read_text().splitlines()
    lines.insert(5, markup)
    html.write_text("\n".join(lines))
    result = make_cli(sqlite_url)("kits", "validate", str(kit_dir), ok=False)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "templates/email.mjml:6: " in x)
    assert problem in line and "no mail client runs it" in line, result.output


def test_kits_validate_checks_the_rendered_html_and_the_web_template(kit_dir, sqlite_url, make_cli):
    """An include, or the web snippet, cannot carry what the email template may not."""
    (kit_dir / "templates" / "evil.txt").write_text('<a href="javascript:alert(2)">x</a>\n')
    email = kit_dir / "templates" / "email.mjml"
    email.write_text(
        email.read_text().replace(
            "{{ greeting }}", '{{ greeting }}{% include "templates/evil.txt" %}'
        )
    )
    cli = make_cli(sqlite_url)
    result = cli("kits", "validate", str(kit_dir), ok=False)
    assert "rendered email HTML line" in result.output and "is a script URL" in result.output
    web = kit_dir / "templates" / "web.html"
    web.write_text('<img src="x" onerror="alert(1)">' + web.read_text())
    result = cli("kits", "validate", str(kit_dir), ok=False)
    assert "templates/web.html:1: event-handler attribute 'onerror'" in result.output


def test_html_templates_must_be_html_so_partner_fields_are_escaped(kit_dir, sqlite_url, make_cli):
    (kit_dir / "templates" / "email.mjml").rename(kit_dir / "templates" / "email.htm.txt")
    manifest = kit_dir / "kit.yaml"
    manifest.write_text(
        manifest.read_text().replace("templates/email.mjml", "templates/email.htm.txt")
    )
    result = make_cli(sqlite_url)("kits", "validate", str(kit_dir), ok=False)
    assert "'templates/email.htm.txt' must end in .html" in result.output


class _Hook(BaseHTTPRequestHandler):
    hits: dict[str, int]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).hits[self.server.server_address[0]] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def test_dns_rebinding_cannot_reach_a_loopback_service(monkeypatch):
    """The name answers 'public' (here 127.0.0.2, treated as global) to the first lookup and
    127.0.0.1 to every later one, as a rebinding DNS server would. Nothing may reach the
    service on 127.0.0.1."""
    port = free_port()
    _Hook.hits = {"127.0.0.1": 0, "127.0.0.2": 0}
    servers = [ThreadingHTTPServer((host, port), _Hook) for host in _Hook.hits]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    lookups = []
    real_lookup = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "rebind.test":
            return real_lookup(host, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.2" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    real_global = ipaddress.IPv4Address.is_global
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(
        ipaddress.IPv4Address,
        "is_global",
        property(lambda self: str(self) == "127.0.0.2" or real_global.fget(self)),
    )
    connector = WebhookConnector(
        "whsec_" + "dGVzdC1vdXRib3VuZC1zZWNyZXQtMTIzNDU2", timeout=3, allow_private=False
    )
    message = Message(channel="social", recipient="q", subject="s", body_text="", payload={})
    try:
        connector.publish(message, Endpoint("webhook", f"http://rebind.test:{port}/hook"), "k")
    except PermanentError as exc:
        assert "private or loopback" in str(exc)
    finally:
        for server in servers:
            server.shutdown()
    assert _Hook.hits["127.0.0.1"] == 0, "the request reached the loopback service"


@pytest.mark.parametrize(
    "markup, problem",
    [
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "http-equiv=refresh"),
        ('<a href="https://evil.example/" target="_self">x</a>', "links must open a new tab"),
    ],
)
def test_the_embed_template_cannot_navigate_its_frame(
    kit_dir, sqlite_url, make_cli, markup, problem
):
    """The embed's frame may run its resize script; a kit that navigated it elsewhere would
    run that page's scripts inside every partner's website."""
    web = kit_dir / "templates" / "web.html"
    web.write_text(markup + "\n" + web.read_text())
    result = make_cli(sqlite_url)("kits", "validate", str(kit_dir), ok=False)
    assert "templates/web.html:1: " in result.output and problem in result.output


def test_an_uploaded_partner_csv_cannot_read_server_files(tmp_path, sqlite_url):
    from campaign_engine import bootstrap, migrate
    from campaign_engine.errors import InvalidInput
    from campaign_engine.services.assets.uploads import import_partner_csv
    from campaign_engine.settings import load_settings
    from tests.conftest import write_config
    from tests.factories import logo_png, partner_row, write_partners

    secret = tmp_path / "elsewhere" / "server-logo.png"
    secret.parent.mkdir()
    secret.write_bytes(logo_png("#123456"))
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    for column, value in (("logo", str(secret)), ("logo_on_dark", "../../../../../" + str(secret))):
        row = partner_row(1, **{"logo": "", column: value})
        csv = write_partners(tmp_path, [row], name="up.csv")
        with runtime.sessions.begin() as session, pytest.raises(InvalidInput) as info:
            import_partner_csv(session, csv.read_bytes(), "up.csv", actor="m@vendor.example")
        assert "cannot name a logo file" in str(info.value) and str(secret) not in str(info.value)
    runtime.close()


def test_a_partner_named_with_an_emoji_gets_its_talking_points(tmp_path):
    from dataclasses import replace

    from campaign_engine.bootstrap import renderers_for
    from campaign_engine.services.assets.kits import read_kit
    from campaign_engine.services.assets.sample_partner import sample_brand
    from tests.conftest import SAMPLE_KIT

    kit, _ = read_kit(SAMPLE_KIT)
    brand = replace(sample_brand(), name="Acme 😀 *Best* [IT](https://phish.example) Ltd")
    (asset,) = (
        renderers_for(kit)
        .for_channel("crm")[0]
        .render(brand, lambda n: f"https://t.example/r/{n}"),
    )
    markdown = asset.file("talking-points.md").content.decode()
    assert "Acme 😀 \\*Best\\* \\[IT\\]\\(<https://phish.example>\\) Ltd" in markdown


@pytest.mark.parametrize(
    "fragment, never",
    [
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("<!--><img src=x onerror=alert(1)>-->", "onerror"),
        ('<a href="javascript:alert(1)">go</a>', "javascript:"),
        ('<a href="data:text/html,&lt;script&gt;">go</a>', "data:text"),
        ("<svg><script>alert(1)</script></svg>", "<script"),
        ('<math><mi xlink:href="javascript:x">m</mi></math>', "javascript:"),
        ('<form action="https://evil.example"><input name="card"></form>', "<form"),
        ("<style>a{color:red}</style>", "<style"),
        ('<img src="https://tracker.example/p.gif">', "tracker.example"),
        ('<div style="background-image:url(https://tracker.example/p)">x</div>', "tracker"),
        ('<div style="back\\67round:u\\72l(https://tracker.example/p)">x</div>', "tracker"),
        ('<div style="position:fixed;inset:0;z-index:9999">cover</div>', "position"),
        ('<div style="background:red;background:url(https://t.example/p)">x</div>', "t.example"),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ('<a href="https://ok.example" target="_self">ok</a>', "_self"),
    ],
)
def test_the_script_embed_lets_only_allowlisted_html_into_the_partners_page(fragment, never):
    """What the script embed puts in the partner's own page (a Shadow DOM shares its
    origin) is cleaned by nh3 whatever the kit's template rendered."""
    from campaign_engine.services.workspace.embed import embed_html

    cleaned = embed_html(fragment)
    assert never not in cleaned, cleaned


def test_the_script_embed_keeps_what_the_kit_means():
    from campaign_engine.services.workspace.embed import embed_html

    kept = embed_html(
        '<div style="color:#1d2433;padding:12px" lang="de"><img src="data:image/png;base64,'
        'iVBORw0KGgo=" alt="Logo" width="10" height="10"><a href="https://x.example/r/t">'
        "Los</a></div>"
    )
    assert 'style="color:#1d2433;padding:12px"' in kept and 'lang="de"' in kept
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in kept and 'alt="Logo"' in kept
    assert 'href="https://x.example/r/t"' in kept and 'target="_blank"' in kept
    band = embed_html('<div style="background:#0a6e4f;color:#fff">b</div>')
    assert 'style="background-color:#0a6e4f;color:#fff"' in band, "a plain fill is kept"
    assert "url" not in embed_html('<div style="background:#fff url(x.png)">b</div>')
