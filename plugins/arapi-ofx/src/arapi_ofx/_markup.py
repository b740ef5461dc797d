"""OFX markup in one linear pass: SGML (OFX 1.x) and XML (OFX 2.x) alike.

OFX 1.x is SGML whose *elements* (leaves) may omit their end tag, while
*aggregates* always have one, though real banks forget some. OFX 2.x is XML,
but many servers emit SGML-style bodies under an XML header. Both are read
here with one token regex and an explicit stack, so the cost per tag is
constant and the whole pass is linear in the file size.

A start tag is a leaf when text follows it (``<TRNAMT>-12.50``); a start tag
followed directly by another tag is an aggregate, unless its name is a known
OFX leaf (``<MEMO>`` with no value), it is self-closing (``<MEMO/>``) or the
document never closes that name (an empty SGML element). A closing tag pops
the stack down to its aggregate, which also closes aggregates the bank forgot
to close; a closing tag with no open aggregate is ignored.

Plain ``<STMTTRN>`` blocks, the bulk of any statement, take a shortcut: each
is cut out with ``str.find``, split on "<" and ">" and made into a dict by C
string methods, after checks that the general loop would read it the same
way. Blocks that fail a check go through the general loop.
"""

from __future__ import annotations

import html
import operator
import re
from typing import NamedTuple

from arapi.plugin.types import ParseError, ParseErrorCode

MAX_DEPTH = 64

# Aggregates: always containers, whatever follows their start tag.
AGGREGATES = frozenset(
    """
    OFX SIGNONMSGSRSV1 SONRS STATUS FI SIGNUPMSGSRSV1 ACCTINFOTRNRS ACCTINFORS ACCTINFO
    BANKACCTINFO CCACCTINFO INVACCTINFO
    BANKMSGSRSV1 STMTTRNRS STMTRS BANKACCTFROM BANKACCTTO CCACCTFROM CCACCTTO
    BANKTRANLIST STMTTRN PAYEE CURRENCY ORIGCURRENCY LEDGERBAL AVAILBAL BALLIST BAL
    CREDITCARDMSGSRSV1 CCSTMTTRNRS CCSTMTRS STMTENDTRNRS STMTENDRS CCSTMTENDTRNRS
    CCSTMTENDRS CLOSING IMAGEDATA
    INVSTMTMSGSRSV1 INVSTMTTRNRS INVSTMTRS INVACCTFROM INVTRANLIST INVBANKTRAN
    INVPOSLIST INVBAL INV401K INV401KBAL INVTRAN INVBUY INVSELL SECID BUYSTOCK SELLSTOCK
    BUYMF SELLMF BUYDEBT SELLDEBT BUYOPT SELLOPT BUYOTHER SELLOTHER CLOSUREOPT INCOME
    INVEXPENSE JRNLFUND JRNLSEC MARGININTEREST REINVEST RETOFCAP SPLIT TRANSFER
    INVPOS POSSTOCK POSMF POSOPT POSOTHER POSDEBT OPENORDER
    SECLISTMSGSRSV1 SECLIST SECINFO STOCKINFO MFINFO OPTINFO DEBTINFO OTHERINFO
    MFASSETCLASS FIMFASSETCLASS PORTION FIPORTION
    """.split()
)

# Leaves: always values, even when empty (``<BALAMT>`` then ``<DTASOF>``).
LEAVES = frozenset(
    """
    CODE SEVERITY MESSAGE DTSERVER USERKEY TSKEYEXPIRE LANGUAGE DTPROFUP DTACCTUP ORG FID
    SESSCOOKIE ACCESSKEY TRNUID CLTCOOKIE CURDEF BANKID BRANCHID ACCTID ACCTTYPE ACCTKEY
    BROKERID DESC PHONE DTSTART DTEND DTASOF BALAMT VALUE BALTYPE TRNTYPE DTPOSTED DTUSER
    DTAVAIL TRNAMT FITID CORRECTFITID CORRECTACTION SRVRTID CHECKNUM REFNUM SIC PAYEEID
    NAME EXTDNAME MEMO INV401KSOURCE CURRATE CURSYM ADDR1 ADDR2 ADDR3 CITY STATE
    POSTALCODE COUNTRY AVAILCASH MARGINBALANCE SHORTBALANCE BUYPOWER MKTGINFO
    SUBACCTFUND SUBACCTSEC SUBACCTFROM SUBACCTTO UNIQUEID UNIQUEIDTYPE UNITS UNITPRICE
    TOTAL FEES COMMISSION DTTRADE DTSETTLE INCOMETYPE TFERACTION POSTYPE MKTVAL
    DTPRICEASOF HELDINACCT SECNAME TICKER DTYIELDASOF YIELD BUYTYPE SELLTYPE
    """.split()
)

# A tag: optional "/" (end tag), a name, ignored attributes, optional "/" (empty).
# The attributes (white space first) run lazily up to "/>" or ">", and are the
# only part after the name that can match white space: a separate ``\s*``
# before "/>" would rescan a long run of spaces at each of its characters.
TAG = r"(/?)\s*([A-Za-z][A-Za-z0-9_.]*)(?:\s[^<>]*?)?(/?)>"
# A "<" that starts no tag ("a < b", "<3", "<TRNAMT\xff>") is text, never dropped.
NOT_A_TAG = r"<(?!/?\s*[A-Za-z][A-Za-z0-9_.]*(?:\s[^<>]*)?/?>)"
# One token: a tag and the text that follows it up to the next tag.
TOKEN = re.compile(rf"<{TAG}([^<]*(?:{NOT_A_TAG}[^<]*)*)")
_CLOSE_TAG = re.compile(r"</\s*([A-Za-z][A-Za-z0-9_.]*)(?:\s[^<>]*)?/?>")  # linear, as TAG
_NOISE_START = re.compile(r"<[!?]")
# A declaration (``<!X ...>``) stops at "<" as well as ">": with ``<![^>]*>``
# each of many unclosed "<!" would be read to the end of the file (quadratic).
_NOISE = re.compile(
    r"<!--.*?(?:-->|\Z)|<!\[CDATA\[(.*?)(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)|<![^<>]*>", re.S
)


class Node(NamedTuple):
    """An aggregate: its leaf values by name (first one wins) and its child aggregates.

    A tuple on purpose: a transaction node holding only strings (a str-only dict
    and no children) is then untracked by the cyclic garbage collector, whose
    full passes would otherwise make large files slower per transaction.
    """

    name: str
    fields: dict[str, str]
    children: list[Node] | tuple[()]

    @classmethod
    def open(cls, name: str) -> Node:
        """An aggregate that children can still be added to."""
        return cls(name, {}, [])

    def child(self, name: str) -> Node | None:
        for node in self.children:
            if node.name == name:
                return node
        return None


def _noise_replacement(match: re.Match[str]) -> str:
    cdata = match.group(1)
    return html.escape(cdata, quote=False) if cdata is not None else ""


def strip_noise(body: str) -> str:
    """Drop comments, processing instructions and declarations; keep CDATA as escaped text."""
    # One-character tests first: searching "<!" is slow in text full of "<".
    if ("!" not in body and "?" not in body) or _NOISE_START.search(body) is None:
        return body
    return _NOISE.sub(_noise_replacement, body)


def closed_names(body: str) -> frozenset[str]:
    """Every tag name that has a closing tag somewhere in the document (upper case)."""
    return frozenset(name.upper() for name in set(_CLOSE_TAG.findall(body)))


def leaf_text(raw: str) -> str:
    """The value of a leaf: trimmed, with character references resolved."""
    text = raw.strip()
    return html.unescape(text) if "&" in text else text


class _TreeBuilder:
    """The stack machine of the module docstring, fed one stretch of markup at a time."""

    def __init__(self, closed: frozenset[str]) -> None:
        self.closed = closed
        self.root = Node.open("#root")
        self.stack = [self.root]
        self.open_count: dict[str, int] = {}
        self.just_opened_leaf: str | None = None  # its own end tag, right after it, is swallowed

    def feed(self, markup: str) -> None:
        stack, open_count, closed = self.stack, self.open_count, self.closed
        aggregates, leaves = AGGREGATES, LEAVES
        top = stack[-1]
        just_opened_leaf = self.just_opened_leaf
        for is_close, raw_name, self_closing, text in TOKEN.findall(markup):
            name = raw_name if raw_name.isupper() else raw_name.upper()
            if is_close:
                if name == just_opened_leaf:
                    just_opened_leaf = None
                    continue
                just_opened_leaf = None
                if not open_count.get(name):
                    continue  # stray end tag: nothing to close
                while True:
                    node = stack.pop()
                    open_count[node.name] -= 1
                    if node.name == name:
                        break
                top = stack[-1]
                continue
            if self_closing:  # an empty element, or an empty aggregate (<STMTTRN/>)
                if name in aggregates:
                    top.children.append(Node(name, {}, ()))
                else:
                    top.fields.setdefault(name, "")
                just_opened_leaf = None
                continue
            if name in aggregates or (name not in leaves and name in closed and not text.strip()):
                node = Node.open(name)
                top.children.append(node)
                stack.append(node)
                if len(stack) > MAX_DEPTH:
                    raise _too_deep()
                open_count[name] = open_count.get(name, 0) + 1
                top = node
                just_opened_leaf = None
                continue
            if name not in top.fields:
                value = text.strip()
                top.fields[name] = html.unescape(value) if "&" in value else value
            just_opened_leaf = name
        self.just_opened_leaf = just_opened_leaf

    def add_plain_transaction(self, inner: str) -> bool:
        """Add ``<STMTTRN>inner</STMTTRN>`` in one go if ``feed`` would read it the same way.

        That holds when the block has only upper-case leaves, either none
        closed (SGML) or each closed right after its value (XML), no repeated
        or aggregate name. The work is done by C string methods; anything
        unusual returns False and goes through ``feed``.
        """
        parts = inner.split("<")
        if "</" in inner:  # XML style: every open part is followed by its own close part
            opens, closes = parts[1::2], parts[2::2]
            if len(opens) != len(closes):
                return False
        else:
            opens, closes = parts[1:], None
        try:
            names, texts = zip(*map(_SPLIT_AT_GT, opens), strict=True) if opens else ((), ())
        except ValueError:  # a part without ">": a "<" inside the text
            return False
        # ">" cannot occur in a name (the split point), so it separates them unambiguously.
        if names and _NAMES.fullmatch(">".join(names)) is None:
            return False  # lower case, attributes, a close tag or a "<" in the text
        if closes is not None:
            try:  # every close part must be a whole end tag: "/NAME>" and then text
                heads, _ = zip(*map(_SPLIT_AT_GT, closes), strict=True) if closes else ((), ())
            except ValueError:
                return False
            if ">".join(heads) != "/" + ">/".join(names):
                return False
        fields = dict(zip(names, map(str.strip, texts), strict=True))
        if "&" in inner:
            fields = {
                name: html.unescape(value) if "&" in value else value
                for name, value in fields.items()
            }
        if len(fields) != len(names) or not AGGREGATES.isdisjoint(fields):
            return False
        if "" in fields.values() and any(
            not value and name not in LEAVES and name in self.closed
            for name, value in fields.items()
        ):
            return False  # an empty unknown tag that feed would open as an aggregate
        if len(self.stack) >= MAX_DEPTH:
            raise _too_deep()
        self.stack[-1].children.append(Node("STMTTRN", fields, ()))
        self.just_opened_leaf = None
        return True


_SPLIT_AT_GT = operator.methodcaller("split", ">", 1)
_NAMES = re.compile(r"[A-Z][A-Z0-9_.]*(?:>[A-Z][A-Z0-9_.]*)*")
_OPEN, _CLOSE = "<STMTTRN>", "</STMTTRN>"


def _too_deep() -> ParseError:
    return ParseError(ParseErrorCode.TOO_DEEP, f"OFX nested deeper than {MAX_DEPTH} levels")


def build_tree(body: str) -> Node:
    """Parse noise-free OFX markup into a tree of :class:`Node` under a synthetic root.

    Plain ``<STMTTRN>`` blocks (the bulk of any statement) are cut out with
    ``str.find`` and read by :meth:`_TreeBuilder.add_plain_transaction`;
    everything else goes through the general token loop. Both give the same
    nodes.
    """
    builder = _TreeBuilder(closed_names(body))
    find = body.find
    position = 0
    while True:
        start = find(_OPEN, position)
        if start < 0:
            break
        end = find(_CLOSE, start + len(_OPEN))
        if end < 0:
            break
        following = find(_OPEN, start + len(_OPEN), end)
        if following >= 0:  # an unclosed STMTTRN: read up to the next one the general way
            builder.feed(body[position:following])
            position = following
            continue
        if start > position:
            gap = body[position:start]
            if "<" in gap:  # usually just the line break between two transactions
                builder.feed(gap)
        stop = end + len(_CLOSE)
        if not builder.add_plain_transaction(body[start + len(_OPEN) : end]):
            builder.feed(body[start:stop])
        position = stop
    builder.feed(body[position:])
    return builder.root


def find_first(root: Node, name: str) -> Node | None:
    """The first aggregate called ``name`` in document order (iterative, no recursion limit)."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node.name == name:
            return node
        pending.extend(reversed(node.children))
    return None
