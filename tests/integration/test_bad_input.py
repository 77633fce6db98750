"""Bad input: one clear line, a non-zero exit, no traceback, and nothing changed."""

from __future__ import annotations

import json

import pytest

from tests.factories import partner_row, write_contacts, write_partners


@pytest.fixture
def cli(sqlite_url, make_cli):
    return make_cli(sqlite_url)


def partner_slugs(cli) -> list[str]:
    return [p["slug"] for p in json.loads(cli("partners", "list", "--json").output)]


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_bad_colour_names_row_and_column_and_imports_nothing(cli, tmp_path):
    rows = [partner_row(1), partner_row(2), partner_row(3, primary_color="blueish")]
    result = cli("partners", "import", str(write_partners(tmp_path, rows)), ok=False)
    assert_one_line_error(result, "partners.csv row 4", "column primary_color", "blueish")
    assert partner_slugs(cli) == []


@pytest.mark.parametrize("field, most", [("postal_address", 500), ("phone", 64), ("tier", 40)])
def test_a_value_longer_than_its_column_names_row_and_column(cli, tmp_path, field, most):
    """A 280,000-character address was stored on SQLite (PostgreSQL refused it with a
    database error) and then broke every page that renders the partner."""
    rows = [partner_row(1), partner_row(2, **{field: "x" * (most + 1)})]
    result = cli("partners", "import", str(write_partners(tmp_path, rows)), ok=False)
    assert_one_line_error(result, "partners.csv row 3", f"column {field}", f"at most {most}")
    assert partner_slugs(cli) == []


def test_bad_row_in_an_update_leaves_existing_partners_untouched(cli, tmp_path):
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1)])))
    rows = [partner_row(1, name="Renamed Ltd"), partner_row(2, timezone="Mars/Olympus")]
    result = cli("partners", "import", str(write_partners(tmp_path, rows, "v2.csv")), ok=False)
    assert_one_line_error(result, "v2.csv row 3", "column timezone")
    listed = json.loads(cli("partners", "list", "--json").output)
    assert [(p["slug"], p["name"]) for p in listed] == [("partner-01", "Partner 01 Systems")]


def test_missing_column_is_named(cli, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("slug,name\nacme,Acme\n", encoding="utf-8")
    result = cli("partners", "import", str(path), ok=False)
    assert_one_line_error(result, "short.csv row 1", "missing column(s)", "contact_email")


def test_duplicate_slug_is_refused(cli, tmp_path):
    rows = [partner_row(1), partner_row(1, name="Again")]
    result = cli("partners", "import", str(write_partners(tmp_path, rows)), ok=False)
    assert_one_line_error(result, "row 3, column slug", "already appears in row 2")


def test_a_logo_that_is_not_an_image_is_refused(cli, tmp_path):
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "evil.png").write_bytes(b"<script>alert(1)</script>")
    rows = [partner_row(1), partner_row(2, logo="logos/evil.png")]
    result = cli("partners", "import", str(write_partners(tmp_path, rows)), ok=False)
    assert_one_line_error(result, "row 3, column logo", "not a readable")
    assert partner_slugs(cli) == []


def test_contacts_for_an_unknown_partner_change_nothing(cli, tmp_path):
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1)])))
    path = write_contacts(tmp_path, ["partner-01", "ghost-partner"], 2)
    result = cli("contacts", "import", str(path), ok=False)
    assert_one_line_error(result, "contacts.csv row 4, column partner", "ghost-partner")


def test_a_bad_email_address_is_located(cli, tmp_path):
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1)])))
    path = tmp_path / "c.csv"
    path.write_text(
        "partner,email,first_name,last_name,company\n"
        "partner-01,ok@buyer.example,A,B,C\npartner-01,not-an-email,A,B,C\n"
    )
    result = cli("contacts", "import", str(path), ok=False)
    assert_one_line_error(result, "c.csv row 3, column email")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("consent", "set", "--partner", "nobody", "--opt-out"), "no partner with slug 'nobody'"),
        (("campaigns", "status", "999"), "no campaign with id 999"),
        (("campaigns", "launch", "999"), "no campaign with id 999"),
        (
            ("kits", "preview", "kits/secure-cloud-q3", "--partner", "nobody", "--out", "x"),
            "nobody",
        ),
        (("campaigns", "create", "--kit", "no-such-kit", "--name", "X"), "no kit 'no-such-kit'"),
        (
            (
                "campaigns",
                "create",
                "--kit",
                "no-such-kit",
                "--name",
                "X",
                "--audience",
                "colour=red",
            ),
            "unknown key 'colour'",
        ),
        (
            ("campaigns", "create", "--kit", "x", "--name", "X", "--launch-at", "tomorrow"),
            "ISO 8601",
        ),
    ],
)
def test_unknown_things_give_one_line(cli, args, fragment, monkeypatch):
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    assert_one_line_error(cli(*args, ok=False), fragment)


def test_commands_before_db_upgrade_say_what_to_run(tmp_path):
    from tests.conftest import Cli, write_config

    cli = Cli(write_config(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}"))
    assert_one_line_error(cli("partners", "list", ok=False), "campaign-engine db upgrade")
