"""Recognising an e-invoice from its first bytes without reading it whole."""

from __future__ import annotations

from arapi.plugin import safexml
from arapi.plugin.types import ParseError
from arapi_einvoice import cii, ubl


def xml_root_name(head: bytes) -> tuple[str, str] | None:
    """(local name, namespace) of the root element when it is a CII or UBL invoice root.

    Streams through the hardened parser and stops at the first start tag, so a
    truncated 64 KiB head is enough. Never raises.
    """
    try:
        for _event, element in safexml.iterparse(head, events=("start",)):
            name, ns = safexml.localname(element), safexml.namespace(element)
            if cii.ROOTS.get(name) == ns or ubl.ROOTS.get(name) == ns:
                return name, ns
            return None
    except ParseError:
        return None
    except Exception:  # a sniffer must never raise, whatever lxml makes of the bytes
        return None
    return None


def is_cii(head: bytes) -> bool:
    found = xml_root_name(head)
    return found is not None and found[0] in cii.ROOTS


def is_ubl(head: bytes) -> bool:
    found = xml_root_name(head)
    return found is not None and found[0] in ubl.ROOTS


def is_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]
