"""Damaged ZIP uploads are coded errors, whichever decompressor meets the damage.

Each archive is built here and broken the way the fuzzer found: zlib,
lzma and a truncated member each raise their own exception type, and a
version zipfile does not read raises NotImplementedError.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from arapi.imports import archive
from arapi.plugin.types import ParseError, ParseErrorCode

BODY = b"<Document>" + b"statement line " * 200 + b"</Document>"


def _zip(method: int) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as written:
        written.writestr("a.xml", BODY)
    return bytearray(buffer.getvalue())


def _data_start(data: bytearray) -> int:
    """Where the first member's compressed bytes start (after its local header)."""
    name = int.from_bytes(data[26:28], "little")
    extra = int.from_bytes(data[28:30], "little")
    return 30 + name + extra


def _deflate_invalid_block() -> bytes:
    data = _zip(zipfile.ZIP_DEFLATED)
    data[_data_start(data)] = 0xFF  # block type 3, which deflate does not have: zlib.error
    return bytes(data)


def _lzma_corrupt() -> bytes:
    data = _zip(zipfile.ZIP_LZMA)
    start = _data_start(data) + 20
    data[start : start + 20] = b"\xff" * 20  # lzma.LZMAError
    return bytes(data)


def _truncated_member() -> bytes:
    data = _zip(zipfile.ZIP_DEFLATED)
    del data[_data_start(data) + 5]  # zipfile then seeks before the member: ValueError
    return bytes(data)


def _future_version() -> bytes:
    data = _zip(zipfile.ZIP_STORED)
    central = data.find(b"PK\x01\x02")
    data[central + 6 : central + 8] = (209).to_bytes(2, "little")  # "needs version 20.9"
    return bytes(data)


@pytest.mark.parametrize(
    "build, code, words",
    [
        (_deflate_invalid_block, ParseErrorCode.MALFORMED, "a.xml: Error -3 while decompressing"),
        (_lzma_corrupt, ParseErrorCode.MALFORMED, "a.xml: Corrupt input data"),
        (_truncated_member, ParseErrorCode.MALFORMED, "a.xml: "),
        (_future_version, ParseErrorCode.UNSUPPORTED_VERSION, "zip file version 20.9"),
    ],
)
def test_a_damaged_archive_is_a_coded_error(build, code, words):
    with pytest.raises(ParseError) as caught:
        archive.members(build(), 1 << 20)
    assert caught.value.code is code
    assert words in caught.value.message


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA])
def test_an_intact_archive_reads_with_each_method(method):
    assert archive.members(bytes(_zip(method)), 1 << 20) == [("a.xml", BODY)]
