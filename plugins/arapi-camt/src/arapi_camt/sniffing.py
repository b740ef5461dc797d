"""Which camt message a file's first bytes hold.

Both parsers ask the same function, so a file is claimed by one of them at
most: the message element decides (BkToCstmrStmt, BkToCstmrDbtCdtNtfctn,
BkToCstmrAcctRpt); the namespace only when the head stops before it.
"""

from __future__ import annotations

import re

_MESSAGE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(BkToCstmrStmt|BkToCstmrDbtCdtNtfctn|BkToCstmrAcctRpt)[\s/>]"
)
_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.")
_BY_ELEMENT = {
    b"BkToCstmrStmt": "camt.053",
    b"BkToCstmrDbtCdtNtfctn": "camt.054",
    b"BkToCstmrAcctRpt": "camt.052",
}
_UTF8_BOM = b"\xef\xbb\xbf"


def message_format(head: bytes) -> str | None:
    """ "camt.053", "camt.054", "camt.052" or None. Never raises."""
    try:
        text = _as_ascii(head)
        if not text.lstrip().startswith(b"<"):
            return None
        found = _MESSAGE.search(text)
        if found:
            return _BY_ELEMENT[found.group(1)]
        found = _NAMESPACE.search(text)
        return "camt." + found.group(1).decode() if found else None
    except Exception:  # sniff must never raise, whatever it is given
        return None


def _as_ascii(head: bytes) -> bytes:
    """The head as ASCII-compatible bytes (UTF-16 files are decoded first)."""
    head = bytes(head)
    if head.startswith(_UTF8_BOM):
        return head[len(_UTF8_BOM) :]
    encoding = None
    if head.startswith((b"\xff\xfe", b"<\x00")):
        encoding = "utf-16-le"
    elif head.startswith((b"\xfe\xff", b"\x00<")):
        encoding = "utf-16-be"
    if encoding is None:
        return head
    even = head[: len(head) // 2 * 2]
    return even.decode(encoding, errors="ignore").lstrip("\ufeff").encode("utf-8", errors="ignore")
