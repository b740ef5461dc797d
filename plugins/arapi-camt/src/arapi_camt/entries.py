"""One ``Ntry`` (and its ``TxDtls``) to a :class:`StatementLine`.

This is the hot path of the parser (a statement may hold 100 000 entries) and
is written for speed:

- children are fetched with ``element[:]`` (one C call, cheaper than an
  iterator) and sorted into slots by a dict keyed on the exact tag, so each
  child costs one tag read and one lookup whatever its name;
- only the branches we read are entered: addresses, agents, related dates and
  supplementary data are never walked;
- the counterparty side is read only when it is needed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from arapi.plugin.types import (
    UNSPECIFIED_RETURN_REASON,
    ParseError,
    ParseErrorCode,
    StatementLine,
    TransactionDetail,
)
from arapi_camt.values import (
    amount,
    calendar_date,
    creditor_reference,
    currency,
    end_to_end_id,
    free_text,
    iban,
    identifier,
    indicator,
)

_Element = etree._Element

# Slots of the Ntry children we read (NtryDtls may repeat: collected apart).
_NTRY = (
    "Amt",
    "CdtDbtInd",
    "RvslInd",
    "Sts",
    "BookgDt",
    "ValDt",
    "AcctSvcrRef",
    "BkTxCd",
    "AddtlNtryInf",
    "NtryRef",
    "NtryDtls",
)
_NTRY_DETAILS = _NTRY.index("NtryDtls")
_TX = ("Refs", "AmtDtls", "Amt", "RltdPties", "RmtInf", "RtrInf", "AddtlTxInf")
_REFS = ("EndToEndId", "MndtId")
# Swiss banks report a QR/ISR payment's processing status as AddtlRmtInf
# "?REJECT?0" and "?ERROR?000" (Swiss Payment Standards): not remittance text.
_SWISS_STATUS = re.compile(r"\s*\?(?:REJECT|ERROR)\?\d*\s*$")
_PARTIES = ("Dbtr", "DbtrAcct", "UltmtDbtr", "Cdtr", "CdtrAcct", "UltmtCdtr")


class Tags:
    """The exact tags of one namespace ("{urn:...camt.053.001.08}Amt"), and slot tables."""

    def __init__(self, prefix: str):
        def tag(name: str) -> str:
            return prefix + name

        def slots(names: tuple[str, ...]) -> dict[str, int]:
            return {tag(name): index for index, name in enumerate(names)}

        self.ntry = slots(_NTRY)
        self.tx = slots(_TX)
        self.refs = slots(_REFS)
        self.parties = slots(_PARTIES)
        self.TxDtls = tag("TxDtls")
        self.Domn = tag("Domn")
        self.Prtry = tag("Prtry")
        self.Fmly = tag("Fmly")
        self.Cd = tag("Cd")
        self.SubFmlyCd = tag("SubFmlyCd")
        self.TxAmt = tag("TxAmt")
        self.Amt = tag("Amt")
        self.Ustrd = tag("Ustrd")
        self.Strd = tag("Strd")
        self.CdtrRefInf = tag("CdtrRefInf")
        self.Ref = tag("Ref")
        self.RfrdDocInf = tag("RfrdDocInf")
        self.Nb = tag("Nb")
        self.AddtlRmtInf = tag("AddtlRmtInf")
        self.Rsn = tag("Rsn")
        self.Nm = tag("Nm")
        self.Pty = tag("Pty")
        self.Agt = tag("Agt")
        self.FinInstnId = tag("FinInstnId")
        self.Id = tag("Id")
        self.IBAN = tag("IBAN")


@lru_cache(maxsize=16)
def tags_for(prefix: str) -> Tags:
    return Tags(prefix)


class EntryReader:
    """Reads the entries of one statement; knows the account to tell its own side apart."""

    __slots__ = ("prefix", "tags", "own_account", "account_currency", "_shared")

    def __init__(self, prefix: str, own_account: str | None, account_currency: str | None):
        self.prefix = prefix  # "{namespace}" of the tags it reads, "" for none
        self.tags = tags_for(prefix)
        self.own_account = own_account
        self.account_currency = account_currency
        # Statuses repeat on every entry (BOOK): one string object instead of one per
        # entry keeps 100 000 lines smaller.
        self._shared: dict[str, str] = {}

    def with_prefix(self, prefix: str) -> EntryReader:
        """The same reader for entries whose tags carry ``prefix`` instead."""
        return (
            self
            if prefix == self.prefix
            else EntryReader(prefix, self.own_account, self.account_currency)
        )

    def read(self, ntry: _Element) -> StatementLine:
        tags = self.tags
        table = tags.ntry
        found: list[_Element | None] = [None] * len(_NTRY)
        detail_parents = []
        for item in ntry[:]:
            index = table.get(item.tag)
            if index is not None:
                if index == _NTRY_DETAILS:
                    detail_parents.append(item)
                else:
                    found[index] = item
        (
            amount_element,
            direction,
            reversal,
            status,
            booking,
            valued,
            servicer_ref,
            code,
            additional,
            entry_ref,
            _,
        ) = found

        if amount_element is None:
            raise ParseError(ParseErrorCode.MISSING_FIELD, "entry without Amt")
        credit = _is_credit(None if direction is None else direction.text)
        value = amount(amount_element.text)
        if not credit and value:
            value = -value
        ccy = amount_element.get("Ccy")
        entry_currency = currency(ccy) if ccy is not None else self._fallback_currency()
        reversed_ = False if reversal is None else indicator(reversal.text)

        single = None
        transactions = (
            [tx for parent in detail_parents for tx in parent[:] if tx.tag == tags.TxDtls]
            if detail_parents
            else ()
        )
        if len(transactions) == 1:
            single = self._detail(transactions[0], credit, reversed_, value, entry_currency)
            details: tuple[TransactionDetail, ...] = (single,)
        elif transactions:
            details = tuple(
                [self._detail(tx, credit, reversed_, None, None) for tx in transactions]
            )
        else:
            details = ()

        bank_reference = None if servicer_ref is None else identifier(servicer_ref.text)
        natural_key = bank_reference
        if natural_key is None and entry_ref is not None:
            natural_key = identifier(entry_ref.text)
        line_remittance = None if additional is None else free_text(additional.text)
        booking_date = None if booking is None else calendar_date(_choice_text(booking))
        value_date = None if valued is None else calendar_date(_choice_text(valued))
        shared = self._shared
        status_code = None
        if status is not None:
            found_status = _status(status)
            status_code = shared.setdefault(found_status, found_status)
        transaction_code = None if code is None else _bank_transaction_code(code, tags)
        if single is None:
            return StatementLine(
                amount=value,
                currency=entry_currency,
                booking_date=booking_date,
                value_date=value_date,
                natural_key=natural_key,
                status=status_code,
                reversal=reversed_,
                remittance=line_remittance,
                bank_reference=bank_reference,
                bank_transaction_code=transaction_code,
                details=details,
            )
        return StatementLine(  # a single transaction describes the whole entry
            amount=value,
            currency=entry_currency,
            booking_date=booking_date,
            value_date=value_date,
            natural_key=natural_key,
            status=status_code,
            reversal=reversed_,
            counterparty_name=single.counterparty_name,
            counterparty_iban=single.counterparty_iban,
            remittance=single.remittance or line_remittance,
            creditor_reference=single.creditor_reference,
            end_to_end_id=single.end_to_end_id,
            bank_reference=bank_reference,
            bank_transaction_code=transaction_code,
            return_reason=single.return_reason,
            details=details,
        )

    def _fallback_currency(self) -> str:
        if self.account_currency is None:
            raise ParseError(ParseErrorCode.MISSING_FIELD, "entry amount without Ccy")
        return self.account_currency

    def _detail(
        self,
        tx: _Element,
        credit: bool,
        reversal: bool,
        entry_amount,
        entry_currency: str | None,
    ) -> TransactionDetail:
        """One ``TxDtls``; a lone one without its own amount moved the whole entry amount."""
        tags = self.tags
        table = tags.tx
        found: list[_Element | None] = [None] * len(_TX)
        for item in tx[:]:
            index = table.get(item.tag)
            if index is not None:
                found[index] = item
        refs, amount_details, tx_amount, parties, remittance_info, return_info, additional = found

        e2e = mandate = None
        if refs is not None:
            ref_table = tags.refs
            for ref in refs[:]:
                index = ref_table.get(ref.tag)
                if index == 0:
                    e2e = ref.text
                elif index == 1:
                    mandate = ref.text

        if amount_details is not None:  # the booked TxAmt wins over the plain Amt
            booked = _transaction_amount(amount_details, tags)
            if booked is not None:
                tx_amount = booked
        if tx_amount is not None:
            signed = amount(tx_amount.text)
            if not credit and signed:
                signed = -signed
            if (
                entry_amount is not None
                and signed == entry_amount
                and signed.same_quantum(entry_amount)
            ):
                signed = entry_amount  # the same amount as written: share the entry's Decimal
            ccy = tx_amount.get("Ccy")
            tx_currency = currency(ccy) if ccy is not None else self.account_currency
        else:
            signed, tx_currency = entry_amount, entry_currency

        counterparty = account = None
        if parties is not None:
            counterparty, account = self._counterparty(parties, credit, reversal)

        remittance = reference = None
        if remittance_info is not None:
            texts: list[str] = []
            for part in remittance_info[:]:
                part_tag = part.tag
                if part_tag == tags.Ustrd:
                    if part.text:
                        texts.append(part.text)
                elif part_tag == tags.Strd:
                    reference = _structured(part, tags, reference, texts)
            if texts:
                remittance = free_text(" ".join(texts))
        if remittance is None and additional is not None:
            remittance = free_text(additional.text)

        return TransactionDetail(
            amount=signed,
            currency=tx_currency,
            end_to_end_id=end_to_end_id(e2e),
            mandate_id=identifier(mandate),
            counterparty_name=counterparty,
            counterparty_iban=account,
            remittance=remittance,
            creditor_reference=creditor_reference(reference),
            return_reason=None if return_info is None else _return_reason(return_info, tags),
        )

    def _counterparty(
        self, parties: _Element, credit: bool, reversal: bool
    ) -> tuple[str | None, str | None]:
        """The other side: the debtor of a credit, the creditor of a debit.

        When that side is our own account (banks differ on how they fill returns
        and reversals), the opposite side is the counterparty. A reversal
        (``RvslInd``) keeps the parties of the booking it reverses, as ISO 20022
        means it to: the payer of a reversed collection is its ``Dbtr``. Some
        banks fill it as a booking of its own instead, so when that side is not
        given at all, the opposite one is read.
        """
        tags = self.tags
        table = tags.parties
        found: list[_Element | None] = [None] * len(_PARTIES)
        for item in parties[:]:
            index = table.get(item.tag)
            if index is not None:
                found[index] = item
        # Dbtr, DbtrAcct, UltmtDbtr | Cdtr, CdtrAcct, UltmtCdtr
        theirs = 0 if credit != reversal else 3
        name, account = _side(found, theirs, tags)
        own = self.own_account
        if account is not None and account == own:
            return _side(found, 3 - theirs, tags)
        if reversal and name is None and account is None:
            other_name, other_account = _side(found, 3 - theirs, tags)
            if other_account is None or other_account != own:
                return other_name, other_account
        return name, account


def _side(found: list, first: int, tags: Tags) -> tuple[str | None, str | None]:
    """(name, IBAN) of one side; the ultimate party names it when the party does not."""
    party, account, ultimate = found[first], found[first + 1], found[first + 2]
    name = None if party is None else _party_name(party, tags)
    if name is None and ultimate is not None:
        name = _party_name(ultimate, tags)
    return name, None if account is None else _account_iban(account, tags)


def _is_credit(direction: str | None) -> bool:
    if direction == "CRDT":
        return True
    if direction == "DBIT":
        return False
    if direction is None:
        raise ParseError(ParseErrorCode.MISSING_FIELD, "entry without CdtDbtInd")
    value = direction.strip()
    if value in ("CRDT", "DBIT"):
        return value == "CRDT"
    raise ParseError(
        ParseErrorCode.MALFORMED, f"CdtDbtInd must be CRDT or DBIT, not {value[:20]!r}"
    )


def _choice_text(element: _Element) -> str | None:
    """Text of the single child of a choice: BookgDt/ValDt hold ``Dt`` or ``DtTm``."""
    children = element[:]
    return children[0].text if children else None


def _status(element: _Element) -> str | None:
    """``Sts`` is text up to v06 (``<Sts>BOOK</Sts>``) and a choice from v07 (``Sts/Cd``)."""
    text = element.text
    if text is not None:
        text = text.strip()
        if text:
            return text
    return identifier(_choice_text(element))


def _bank_transaction_code(element: _Element, tags: Tags) -> str | None:
    """ "Domain/Family/SubFamily" (PMNT/RCDT/ESCT), else the proprietary code."""
    proprietary = None
    for item in element[:]:
        tag = item.tag
        if tag == tags.Domn:
            domain_code = family_code = sub_family_code = None
            for part in item[:]:
                part_tag = part.tag
                if part_tag == tags.Cd:
                    domain_code = part.text
                elif part_tag == tags.Fmly:
                    for sub in part[:]:
                        sub_tag = sub.tag
                        if sub_tag == tags.Cd:
                            family_code = sub.text
                        elif sub_tag == tags.SubFmlyCd:
                            sub_family_code = sub.text
            joined = _joined_code(domain_code, family_code, sub_family_code)
            if joined:
                return joined
        elif tag == tags.Prtry and proprietary is None:
            for part in item[:]:
                if part.tag == tags.Cd:
                    proprietary = identifier(part.text)
                    break
    return proprietary


@lru_cache(maxsize=1024)
def _joined_code(*parts: str | None) -> str | None:
    """ "PMNT/RCDT/ESCT"; cached, as a file uses a handful of codes on every entry."""
    joined = "/".join([p.strip() for p in parts if p and p.strip()])
    return joined or None


def _transaction_amount(element: _Element, tags: Tags) -> _Element | None:
    """``AmtDtls/TxAmt/Amt``: the amount booked for this transaction."""
    for item in element[:]:
        if item.tag == tags.TxAmt:
            for inner in item[:]:
                if inner.tag == tags.Amt:
                    return inner
    return None


def _structured(
    element: _Element, tags: Tags, reference: str | None, texts: list[str]
) -> str | None:
    """One ``Strd``: the creditor's reference (ISO 11649 RF.., QR, ISR), the first one found.

    What else it says goes to ``texts``, the remittance text, where matching
    looks for invoice numbers: the numbers of the documents paid
    (``RfrdDocInf/Nb``), further creditor references (one payment may settle
    several invoices) and the additional lines (``AddtlRmtInf``).
    """
    for item in element[:]:
        tag = item.tag
        if tag == tags.CdtrRefInf:
            for inner in item[:]:
                if inner.tag == tags.Ref:
                    if reference is None:
                        reference = inner.text
                    elif inner.text:
                        texts.append(inner.text)
                    break
        elif tag == tags.RfrdDocInf:
            for inner in item[:]:
                if inner.tag == tags.Nb and inner.text:
                    texts.append(inner.text)
        elif tag == tags.AddtlRmtInf and item.text and not _SWISS_STATUS.match(item.text):
            texts.append(item.text)
    return reference


def _return_reason(element: _Element, tags: Tags) -> str:
    """``RtrInf/Rsn/Cd`` (AM04, AC04, MD06, ...) or its proprietary form.

    ``RtrInf`` marks a return even when the bank gives no reason: it is then
    MS03, ISO's "reason not specified".
    """
    for item in element[:]:
        if item.tag == tags.Rsn:
            return identifier(_choice_text(item)) or UNSPECIFIED_RETURN_REASON
    return UNSPECIFIED_RETURN_REASON


def _party_name(element: _Element, tags: Tags) -> str | None:
    """``Nm`` of a party: direct (up to v07), under ``Pty`` (v08+), or an agent's name."""
    for item in element[:]:
        tag = item.tag
        if tag == tags.Nm:
            return free_text(item.text)
        if tag == tags.Pty or tag == tags.Agt or tag == tags.FinInstnId:
            for inner in item[:]:  # Pty/Nm and Agt/FinInstnId/Nm
                inner_tag = inner.tag
                if inner_tag == tags.Nm:
                    return free_text(inner.text)
                if inner_tag == tags.FinInstnId:
                    return _party_name(inner, tags)
    return None


def _account_iban(element: _Element, tags: Tags) -> str | None:
    for item in element[:]:
        if item.tag == tags.Id:
            for inner in item[:]:
                if inner.tag == tags.IBAN:
                    return iban(inner.text)
    return None
