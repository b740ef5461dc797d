"""Safe unpacking of ZIP uploads (a ZIP holding several statements).

Refuses what a hostile archive does: too many members, declared or actual
sizes past the limit, absurd compression ratios, nested archives, encryption.
Members are read in chunks so a lying header cannot make us allocate more
than the limit.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

from arapi.plugin.types import ParseError, ParseErrorCode

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
MAX_MEMBERS = 200
MAX_RATIO = 200  # uncompressed / compressed, per member
CHUNK = 1 << 16
# What reading a damaged member raises, whichever decompressor it meets (a truncated
# member makes zipfile seek before its start: ValueError).
_CORRUPT_MEMBER = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    RuntimeError,
    ValueError,
)


def is_zip(data: bytes) -> bool:
    """A ZIP archive starts with its first member, or at once with its end record when empty."""
    return data[:4] in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def members(data: bytes, max_total: int) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file in the archive, in archive order."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except NotImplementedError as exc:  # "zip file version 20.9 not supported"
        raise ParseError(ParseErrorCode.UNSUPPORTED_VERSION, f"ZIP archive: {exc}") from None
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ParseError(ParseErrorCode.MALFORMED, f"not a readable ZIP archive: {exc}") from None
    if not infos:
        raise ParseError(ParseErrorCode.NO_CONTENT, "the ZIP archive is empty")
    if len(infos) > MAX_MEMBERS:
        raise ParseError(
            ParseErrorCode.ZIP_BOMB, f"the ZIP archive has more than {MAX_MEMBERS} files"
        )
    declared = sum(i.file_size for i in infos)
    if declared > max_total:
        raise ParseError(
            ParseErrorCode.ZIP_BOMB, f"the ZIP archive unpacks to more than {max_total} bytes"
        )
    out: list[tuple[str, bytes]] = []
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ParseError(
                ParseErrorCode.MALFORMED,
                f"{info.filename}: encrypted ZIP members are not supported",
            )
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise ParseError(
                ParseErrorCode.ZIP_BOMB, f"{info.filename}: compression ratio is implausibly high"
            )
        chunks = []
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
                    if total > max_total:
                        raise ParseError(
                            ParseErrorCode.ZIP_BOMB,
                            f"the ZIP archive unpacks to more than {max_total} bytes",
                        )
                    chunks.append(chunk)
        except NotImplementedError as exc:  # a compression method or version zipfile lacks
            raise ParseError(
                ParseErrorCode.UNSUPPORTED_VERSION, f"{info.filename}: {exc}"
            ) from None
        except _CORRUPT_MEMBER as exc:
            raise ParseError(ParseErrorCode.MALFORMED, f"{info.filename}: {exc}") from None
        content = b"".join(chunks)
        if is_zip(content):
            raise ParseError(  # not a bomb as such, but arapi unpacks one level only
                ParseErrorCode.UNSUPPORTED_VERSION,
                f"{info.filename}: an archive inside the archive is not read; "
                "unpack it and import its files",
            )
        out.append((info.filename, content))
    return out
