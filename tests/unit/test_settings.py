"""ARAPI_* numbers are checked when read: a bad one is a coded error naming the variable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from arapi.cli import main
from arapi.config import Settings
from arapi.errors import ArapiError, CommonErrorCode


@pytest.mark.parametrize(
    "variable, raw, expected",
    [
        ("ARAPI_MAX_UPLOAD_BYTES", "abc", "a whole number above 0"),
        ("ARAPI_MAX_UPLOAD_BYTES", "0", "a whole number above 0"),
        ("ARAPI_MAX_NODES", "-5", "a whole number above 0"),
        ("ARAPI_MAX_UNZIPPED_BYTES", "1.5", "a whole number above 0"),
        ("ARAPI_SOURCE_FETCH_TIMEOUT", "abc", "a number of seconds above 0"),
        ("ARAPI_SOURCE_FETCH_TIMEOUT", "0", "a number of seconds above 0"),
        ("ARAPI_SOURCE_FETCH_TIMEOUT", "inf", "a number of seconds above 0"),
        ("ARAPI_AUTO_APPLY_CONFIDENCE", "high", "a decimal number above 0 and at most 1"),
        ("ARAPI_AUTO_APPLY_CONFIDENCE", "1.5", "a decimal number above 0 and at most 1"),
        ("ARAPI_AUTO_APPLY_CONFIDENCE", "NaN", "a decimal number above 0 and at most 1"),
    ],
)
def test_a_bad_number_is_a_coded_error_naming_the_variable(monkeypatch, variable, raw, expected):
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ArapiError) as caught:
        Settings.from_env()
    assert caught.value.code is CommonErrorCode.INVALID_INPUT
    assert caught.value.message == f"{variable} must be {expected}, not {raw!r}"


def test_good_numbers_are_read(monkeypatch):
    monkeypatch.setenv("ARAPI_MAX_UPLOAD_BYTES", " 1048576 ")
    monkeypatch.setenv("ARAPI_SOURCE_FETCH_TIMEOUT", "2.5")
    monkeypatch.setenv("ARAPI_AUTO_APPLY_CONFIDENCE", "0.9")
    settings = Settings.from_env()
    assert settings.max_upload_bytes == 1048576
    assert settings.source_fetch_timeout == 2.5
    assert settings.auto_apply_confidence == Decimal("0.9")


def test_commands_report_a_bad_setting_without_a_traceback():
    result = CliRunner().invoke(main, ["plugins"], env={"ARAPI_MAX_UPLOAD_BYTES": "abc"})
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error [INVALID_INPUT]: ARAPI_MAX_UPLOAD_BYTES must be a whole number above 0, not 'abc'"
    )
    result = CliRunner().invoke(main, ["plugins", "--json"], env={"ARAPI_MAX_NODES": "x"})
    assert result.exit_code == 1 and '"code": "INVALID_INPUT"' in result.stdout
