"""A database that is not migrated to the latest revision is refused with DATABASE_NOT_MIGRATED.

Every CLI command that uses the database (but the migration commands) and the
app at startup check the alembic revision first; a SQLite file that does not
exist is refused without being created.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from arapi.cli import main
from arapi.config import Settings
from arapi.db.migrate import upgrade
from arapi.errors import ArapiError

CODE = "DATABASE_NOT_MIGRATED"


def invoke(*args, url: str):
    return CliRunner().invoke(
        main, list(args), env={"ARAPI_DATABASE_URL": url, "ARAPI_DISABLED_PLUGINS": ""}
    )


@pytest.fixture
def some_file(tmp_path):
    path = tmp_path / "some.txt"
    path.write_bytes(b"not a statement\n")
    return str(path)


def _commands(some_file: str) -> dict[str, list[str]]:
    return {
        "org create": ["org", "create", "ACME"],
        "apikey create": ["apikey", "create", "--org", "ACME", "--role", "admin"],
        "apikey list": ["apikey", "list", "--org", "ACME"],
        "apikey revoke": ["apikey", "revoke", "arapi_abcdef", "--org", "ACME"],
        "import statement": ["import", "statement", some_file],
        "import invoices": ["import", "invoices", some_file],
        "sync invoices": ["sync", "invoices", "erp"],
        "match": ["match"],
        "demo load": ["demo", "load", "--if-empty"],
        "serve": ["serve"],
    }


_NAMES = list(_commands("x"))
_JSON = ["import statement", "import invoices", "sync invoices", "match", "apikey list"]


@pytest.fixture
def no_uvicorn(monkeypatch):
    import uvicorn

    def refuse(*args, **kwargs):
        raise AssertionError("uvicorn started")

    monkeypatch.setattr(uvicorn, "run", refuse)


@pytest.mark.parametrize("command", _NAMES)
def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path, some_file, no_uvicorn, command):
    path = tmp_path / "new" / "new.db"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    result = invoke(*_commands(some_file)[command], url=url)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error [{CODE}]: database {url} does not exist: run `arapi db upgrade` with this "
        "ARAPI_DATABASE_URL to create it"
    ]
    assert list(path.parent.iterdir()) == []


@pytest.mark.parametrize("command", _JSON)
def test_with_json_the_refusal_is_the_json_error(tmp_path, some_file, command):
    path = tmp_path / "new.db"
    result = invoke(*_commands(some_file)[command], "--json", url=f"sqlite:///{path}")
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)["error"]
    assert error["code"] == CODE
    assert str(path) in error["message"] and "`arapi db upgrade`" in error["message"]
    assert not path.exists()


def test_a_file_never_migrated_is_refused(tmp_path, some_file):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # an empty file, as the old CLI left behind
    result = invoke("import", "statement", some_file, "--json", url=f"sqlite:///{path}")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == CODE and "never migrated" in error["message"]


def test_a_database_behind_the_latest_migration_is_refused_until_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0001_ledger")
    result = invoke("org", "create", "ACME", url=url)
    assert result.exit_code == 1
    assert f"error [{CODE}]: database {url} is at revision 0001_ledger, not at the latest" in (
        result.stderr
    )
    assert invoke("db", "upgrade", url=url).exit_code == 0
    assert invoke("org", "create", "ACME", url=url).exit_code == 0


def test_a_database_of_a_newer_arapi_is_refused(tmp_path):
    path = tmp_path / "newer.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    result = invoke("match", "--json", url=url)
    assert result.exit_code == 1
    message = json.loads(result.stdout)["error"]["message"]
    assert "9999_future" in message and "does not know" in message


def test_db_upgrade_creates_the_database_and_the_commands_then_work(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    assert invoke("db", "upgrade", url=url).exit_code == 0
    assert invoke("org", "create", "ACME", url=url).exit_code == 0
    matched = invoke("match", "--org", "ACME", "--json", url=url)
    assert matched.exit_code == 0, matched.output
    assert json.loads(matched.stdout)["examined"] == 0


def test_commands_without_a_database_do_not_check_it(tmp_path):
    path = tmp_path / "none.db"
    url = f"sqlite:///{path}"
    assert invoke("plugins", url=url).exit_code == 0
    assert invoke("schema", "export", url=url).exit_code == 0
    assert not path.exists()


def test_the_app_refuses_to_start_on_an_unmigrated_database(tmp_path):
    from arapi.app import create_app

    path = tmp_path / "app.db"
    with pytest.raises(ArapiError) as caught:
        create_app(Settings(database_url=f"sqlite:///{path}"))
    assert caught.value.code.value == CODE
    assert not path.exists()


def test_the_app_starts_on_a_migrated_database(db_url):
    from arapi.app import create_app

    app = create_app(Settings(database_url=db_url))
    app.state.db.dispose()


def test_the_message_hides_the_password(monkeypatch):
    from sqlalchemy import create_engine

    from arapi.db import migrate

    class NoSchema:
        def get_current_heads(self):
            return ()

    monkeypatch.setattr(
        migrate.MigrationContext, "configure", staticmethod(lambda connection: NoSchema())
    )
    engine = create_engine("sqlite:///:memory:")
    # The URL the message shows is the engine's: put a password in it.
    monkeypatch.setattr(
        engine, "url", engine.url.set(drivername="sqlite", username="u", password="s3cret")
    )
    with pytest.raises(ArapiError) as caught:
        migrate.require_migrated(engine)
    assert "s3cret" not in caught.value.message and "***" in caught.value.message


def test_a_server_that_does_not_answer_is_database_unreachable_not_a_traceback(some_file):
    # Nothing listens on port 1: the connection is refused at once.
    url = "postgresql://arapi:s3cret@127.0.0.1:1/arapi"
    out = invoke("import", "statement", some_file, "--json", url=url)
    assert out.exit_code == 1, out.output
    error = json.loads(out.output)["error"]
    assert error["code"] == "DATABASE_UNREACHABLE"
    assert (
        "cannot open database postgresql" in error["message"] and "s3cret" not in error["message"]
    )


def test_a_file_that_is_not_a_database_is_unreachable_not_a_traceback(tmp_path, some_file):
    path = tmp_path / "notes.db"
    path.write_text("hello, not SQLite\n" * 100)
    out = invoke("import", "statement", some_file, "--json", url=f"sqlite:///{path}")
    assert out.exit_code == 1, out.output
    assert json.loads(out.output)["error"]["code"] == "DATABASE_UNREACHABLE"


def test_the_app_starts_while_its_database_is_down_and_health_says_so():
    """Started beside its database (compose, Kubernetes), the server waits for it."""
    from starlette.testclient import TestClient

    from arapi.app import create_app

    app = create_app(Settings(database_url="postgresql://arapi:s3cret@127.0.0.1:1/arapi"))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 503
    app.state.db.dispose()
