"""The careful path: ofxparse's own document reader builds the tree.

ofxparse's ``OfxPreprocessedFile`` closes the SGML elements the document
never closes and hands the text to BeautifulSoup, whose tree then goes
through the same extraction as the linear path. It is the reference the fast
path is tested against, and the way to read a file by ofxparse's rules.

Before ofxparse sees the text, the faults it is known for are worked around
(jseutter/ofxparse issues #81, #129, #154, #160, #167, #171, #172):

* its header reader is bypassed: the body is re-encoded as UTF-8 under a clean
  synthetic ``ENCODING:UTF-8`` header (``CHARSET:NONE`` crashes it, and files
  without a header or with an XML header are read as ASCII);
* self-closing tags (``<MEMO/>``) become ``<MEMO></MEMO>``, tags with
  attributes or spaces become plain ``<MEMO>``, and a ``<`` that starts no
  tag (``<MEMO><3``) becomes ``&lt;`` (its tokenizer crashes on all three);
* every element is closed explicitly (a tag with a value, an empty known
  element such as ``<BALAMT>``, an empty tag the document never closes):
  ofxparse only closes names the document never closes, so one
  ``<CATEGORY>x`` left open in a file that closes ``CATEGORY`` elsewhere
  would swallow the rest of its transaction; the end tags it may still add
  are then only for aggregates, and a trailing end tag per aggregate name
  stops that (it closes aggregates the document never closes, too);
* their values are re-escaped so BeautifulSoup and ``html.unescape`` agree on
  character references (BeautifulSoup turns ``&FOO;`` into ``&FOO``).

This path is quadratic: ``OfxPreprocessedFile`` looks every start tag up in
a *list* of all closing tags. Use it on small files only.
"""

from __future__ import annotations

import html
import io
import re

from bs4 import Tag
from ofxparse.ofxparse import OfxPreprocessedFile, soup_maker

from arapi.plugin.types import ParseError, ParseErrorCode
from arapi_ofx._markup import (
    AGGREGATES,
    LEAVES,
    MAX_DEPTH,
    NOT_A_TAG,
    TAG,
    Node,
    closed_names,
    leaf_text,
)

_HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:UTF-8\r\n"
    "CHARSET:NONE\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
# ofxparse closes every tag the document never closes, aggregates included: a
# trailing end tag per aggregate name (ignored by BeautifulSoup) prevents that.
_AGGREGATE_HINTS = "".join(f"</{name}>" for name in sorted(AGGREGATES))
_STRAY_LT = re.compile(NOT_A_TAG)
_ANY_TAG = re.compile("<" + TAG)
_SELF_CLOSING = re.compile(r"<([A-Z][A-Z0-9_.]*)/>")
_START_WITH_TEXT = re.compile(r"<([A-Z][A-Z0-9_.]*)>([^<]*)(</\1>)?")


def _canonical_tag(match: re.Match[str]) -> str:
    """``<name attr>`` -> ``<NAME>``: ofxparse's tokenizer crashes on anything else."""
    is_close, name, self_closing = match.groups()
    return f"<{is_close}{name.upper()}{'/' if self_closing and not is_close else ''}>"


def prepare(body: str) -> bytes:
    """The noise-free body, fixed for ofxparse, with a header it reads correctly."""
    closed = closed_names(body)  # of the document as sent, before any fix

    def close_element(match: re.Match[str]) -> str:
        name = match.group(1).upper()
        text = match.group(2)
        if name in AGGREGATES or not (text.strip() or name in LEAVES or name not in closed):
            return match.group(0)  # an aggregate: BeautifulSoup nests it
        return f"<{name}>{html.escape(leaf_text(text), quote=False)}</{name}>"

    body = _STRAY_LT.sub("&lt;", body)
    body = _ANY_TAG.sub(_canonical_tag, body)
    body = _SELF_CLOSING.sub(r"<\1></\1>", body)
    body = _START_WITH_TEXT.sub(close_element, body)
    return (_HEADER + body + _AGGREGATE_HINTS).encode("utf-8")


def _is_aggregate(tag: Tag) -> bool:
    name = tag.name.upper()
    if name in AGGREGATES:
        return True
    if name in LEAVES:
        return False
    return any(isinstance(child, Tag) for child in tag.children)


def build_tree(body: str) -> Node:
    """The tree of ``body`` as ofxparse + BeautifulSoup read it."""
    preprocessed = OfxPreprocessedFile(io.BytesIO(prepare(body)))
    soup = soup_maker(preprocessed.fh)
    root = Node.open("#root")
    pending: list[tuple[Tag, Node, int]] = [
        (tag, root, 1) for tag in reversed(soup.find_all(recursive=False)) if isinstance(tag, Tag)
    ]
    while pending:
        tag, parent, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ParseError(ParseErrorCode.TOO_DEEP, f"OFX nested deeper than {MAX_DEPTH} levels")
        name = tag.name.upper()
        if not _is_aggregate(tag):
            # BeautifulSoup has resolved the references already: trim only.
            parent.fields.setdefault(name, "".join(tag.strings).strip())
            continue
        node = Node.open(name)
        parent.children.append(node)
        pending.extend(
            (child, node, depth + 1) for child in reversed(tag.contents) if isinstance(child, Tag)
        )
    return root
