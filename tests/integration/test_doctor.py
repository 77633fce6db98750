"""`campaign-engine doctor` on a good deployment and on a broken one: every problem named
with what to fix, and a non-zero exit."""

from __future__ import annotations

import json

from tests.conftest import Cli, free_port, write_config


def test_a_good_deployment_is_ready_to_run(make_cli, sqlite_url, smtp_server):
    cli = make_cli(
        sqlite_url,
        email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": smtp_server.port}},
        health={"storage_min_free_mb": 1},
    )
    result = cli("doctor")
    assert result.exit_code == 0 and result.output.strip().endswith("ready to run")
    findings = json.loads(cli("doctor", "--json").output)
    assert findings["ok"] is True
    assert [f["name"] for f in findings["findings"]] == [
        "database",
        "migrations",
        "storage",
        "smtp",
        "secrets",
        "base_url",
    ]


def test_a_broken_deployment_says_what_to_fix_and_fails(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    cli = Cli(
        write_config(
            folder,
            f"sqlite:///{folder / 'never-migrated.db'}",
            base_url="http://partners.vendor.example",
            secret_key="demo-secret-key-change-me-in-production",
            email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": free_port()}},
            executor="celery",
            celery={"broker_url": f"redis://127.0.0.1:{free_port()}/0"},
            health={"storage_min_free_mb": 10**9, "smtp_timeout_seconds": 1},
        )
    )
    result = cli("doctor", ok=False)
    assert result.exit_code == 1
    out = result.output
    for name, fix in [
        ("migrations", "run: campaign-engine db upgrade"),
        ("storage", "free space"),
        ("broker", "celery.broker_url"),
        ("smtp", "email.smtp.host/port/security"),
        ("secrets", "CAMPAIGN_ENGINE_SECRET_KEY"),
        ("base_url", "https://"),
    ]:
        assert f"{name}  PROBLEM" in out, out
        assert fix in out, out
    assert "database  ok" in out
    assert out.strip().endswith("6 problem(s)")


def test_a_config_that_does_not_load_is_the_first_problem(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    config = write_config(folder, "sqlite:///x.db", dispatch={"retry_window_hours": -1})
    result = Cli(config)("doctor", ok=False)
    assert result.exit_code == 2
    assert "config  PROBLEM" in result.output and "retry_window_hours" in result.output


def test_postgresql_without_autovacuum_is_named_with_the_fix(make_cli, postgres_server):
    """A million-row launch on a server (or table) without autovacuum leaves the planner
    reading an empty table's statistics: doctor names which, and how to switch it on."""
    import psycopg

    from tests.conftest import _pg_database

    databases = _pg_database(postgres_server)
    url = next(databases)
    try:
        cli = make_cli(url)
        with psycopg.connect(url, autocommit=True) as conn:
            server_on = conn.execute("SHOW autovacuum").fetchone()[0] == "on"
            conn.execute("ALTER TABLE deliveries SET (autovacuum_enabled = false)")
        result = cli("doctor", "--json", ok=False)
        finding = next(
            f for f in json.loads(result.output)["findings"] if f["name"] == "autovacuum"
        )
        assert finding["ok"] is False
        if server_on:
            assert "deliveries" in finding["detail"]
            assert finding["fix"] == "ALTER TABLE deliveries RESET (autovacuum_enabled)"
        else:
            assert finding["detail"].startswith("autovacuum off on the server")
            assert "autovacuum = on" in finding["fix"]
    finally:
        next(databases, None)
