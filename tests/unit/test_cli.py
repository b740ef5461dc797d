"""The command line end to end on a real SQLite file: org, keys, imports, match, demo."""

from __future__ import annotations

import json

from click.testing import CliRunner

from arapi.cli import main


def invoke(*args, env):
    result = CliRunner().invoke(main, list(args), env=env)
    return result


def test_cli_round_trip(tmp_path):
    env = {"ARAPI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    assert invoke("db", "upgrade", env=env).exit_code == 0
    assert invoke("org", "create", "ACME", env=env).exit_code == 0
    key = invoke("apikey", "create", "--org", "ACME", "--role", "collector", env=env)
    assert (
        key.exit_code == 0
        and key.stdout.strip().startswith("arapi_")
        and len(key.stdout.strip().splitlines()) == 1
    )
    bad_role = invoke("apikey", "create", "--org", "ACME", "--role", "boss", env=env)
    assert bad_role.exit_code != 0
    missing = invoke("apikey", "create", "--org", "Nope", "--role", "admin", env=env)
    assert missing.exit_code == 1 and "NOT_FOUND" in missing.output

    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "number;issue_date;due_date;currency;total_with_tax;customer_name\nF-1;2025-01-10;2025-02-10;EUR;100,00;Dupont SARL\n",
        encoding="utf-8",
    )
    out = invoke("import", "invoices", str(invoices), "--org", "ACME", "--json", env=env)
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["duplicate"] is False
    assert summary["invoices"][0] == {
        **summary["invoices"][0],
        "number": "F-1",
        "totalWithTax": "100.00",
        "amountDue": "100.00",
        "issueDate": "2025-01-10",
        "dueDate": "2025-02-10",
        "currency": "EUR",
        "buyerName": "Dupont SARL",
    }
    again = json.loads(
        invoke("import", "invoices", str(invoices), "--org", "ACME", "--json", env=env).stdout
    )
    assert again["duplicate"] is True

    from tests.imports.test_statement_import import camt

    statement = tmp_path / "s.xml"
    statement.write_bytes(
        camt([("A1", "100.00", "CRDT", "E1", None)], "200.00").replace(
            b"FACTURE FA-2025-001", b"FACTURE F-1"
        )
    )
    out = invoke("import", "statement", str(statement), "--org", "ACME", "--json", env=env)
    assert out.exit_code == 0, out.output
    statement_id = json.loads(out.stdout)["statements"][0]["id"]
    matched = invoke("match", "--org", "ACME", "--statement", str(statement_id), "--json", env=env)
    assert matched.exit_code == 0, matched.output
    assert json.loads(matched.stdout)["applied"] == 1
    human = invoke("match", "--org", "ACME", env=env)
    assert "0 unapplied payments" in human.stdout


def test_demo_load_and_help(tmp_path):
    env = {"ARAPI_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db"}
    assert invoke("db", "upgrade", env=env).exit_code == 0
    first = invoke("demo", "load", "--if-empty", env=env)
    assert first.exit_code == 0 and "36 customers" in first.output
    second = invoke("demo", "load", "--if-empty", env=env)
    assert "not loaded" in second.output
    for command in (
        ["--help"],
        ["serve", "--help"],
        ["import", "statement", "--help"],
        ["match", "--help"],
        ["apikey", "create", "--help"],
    ):
        assert invoke(*command, env=env).exit_code == 0


def test_api_keys_can_be_listed_and_revoked(tmp_path):
    """A leaked key is revoked by its prefix, and stops working at once."""
    from arapi.auth import service
    from arapi.db import Database

    url = f"sqlite:///{tmp_path}/cli.db"
    env = {"ARAPI_DATABASE_URL": url}
    assert invoke("db", "upgrade", env=env).exit_code == 0
    assert invoke("org", "create", "ACME", env=env).exit_code == 0
    raw = invoke(
        "apikey", "create", "--org", "ACME", "--role", "collector", "--name", "ui", env=env
    )
    raw = raw.stdout.strip()
    invoke("apikey", "create", "--org", "ACME", "--role", "admin", env=env)
    listed = json.loads(invoke("apikey", "list", "--org", "ACME", "--json", env=env).stdout)
    assert [(k["prefix"], k["role"], k["name"], k["revokedAt"]) for k in listed] == [
        (raw[:12], "collector", "ui", None),
        (listed[1]["prefix"], "admin", "admin key", None),
    ]
    assert raw not in json.dumps(listed)  # only prefixes, never the keys
    database = Database(url)
    with database.read() as s:
        assert service.authenticate(s, raw) is not None
    revoked = invoke("apikey", "revoke", raw[:12], "--org", "ACME", env=env)
    assert revoked.exit_code == 0 and f"API key {raw[:12]} (ui) revoked" in revoked.output
    with database.read() as s:
        assert service.authenticate(s, raw) is None
    database.dispose()
    text = invoke("apikey", "list", "--org", "ACME", env=env).stdout.splitlines()
    assert "revoked" in text[0] and "active" in text[1]
    again = invoke("apikey", "revoke", raw[:12], "--org", "ACME", env=env)
    assert (
        again.exit_code == 1 and "INVALID_INPUT" in again.output and "was revoked" in again.output
    )
    unknown = invoke("apikey", "revoke", "arapi_zzzzzz", "--org", "ACME", env=env)
    assert unknown.exit_code == 1 and "NOT_FOUND" in unknown.output


def test_the_import_summary_tells_a_known_file_from_known_lines(tmp_path):
    """Only the same bytes write nothing; a new file of known lines still records its statement."""
    from tests.imports.test_statement_import import camt

    env = {"ARAPI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    assert invoke("db", "upgrade", env=env).exit_code == 0
    first, second = tmp_path / "monday.xml", tmp_path / "monday-again.xml"
    first.write_bytes(camt([("A1", "100.00", "CRDT", "E1", None)], "200.00"))
    second.write_bytes(first.read_bytes() + b"\n")  # other bytes, the same line
    lines = [invoke("import", "statement", str(path), env=env) for path in (first, second, first)]
    assert [result.exit_code for result in lines] == [0, 0, 0]
    assert [result.stdout.split(",")[0] for result in lines] == [
        "1 entries (1 new entries)",
        "1 entries (every entry was imported before: no new entries)",
        "1 entries (file already imported: nothing written)",
    ]
