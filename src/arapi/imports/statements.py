"""Bank-statement import: a file in, statements, entries and unapplied payments out.

One transaction per file. The file's SHA-256 makes a re-import a no-op that
says ``duplicate``; each line's natural key (the bank's id, else a content
hash) keeps overlapping statements from writing a line twice. Credits become
payments ready for cash application; SEPA returns are recorded against the
payment they reverse.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from sqlalchemy.orm import Session

from arapi import audit
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.customers.identifiers import compact_iban
from arapi.db.base import utcnow
from arapi.errors import ArapiError
from arapi.imports import archive, collector
from arapi.imports.claim import claim, clean_filename, refuse_bad_size
from arapi.imports.text import refuse_unstorable_text
from arapi.inputs import date_problem
from arapi.models import BankStatement, ImportFile, Payment, PaymentReturn, StatementEntry
from arapi.models.statement import CONTENT_KEY_PREFIX
from arapi.money import bounded, exponent, from_minor, normalize_currency, refuse_huge
from arapi.plugin import PluginHost, calls
from arapi.plugin.types import (
    KEY_MAX_LENGTH,
    ParseError,
    ParseErrorCode,
    Statement,
    StatementLine,
    TransactionDetail,
)
from arapi.repositories import import_files
from arapi.repositories import statements as repo

KIND = "statement"
PROGRESS_EVERY = 5000  # entries between two progress reports
# StatementEntry.natural_key holds 200 characters: "k:" + the bank's id + "#n" for repeats.
NATURAL_KEY_ROOM = 180
# Entries that are not (yet) booked do not become payments.
UNBOOKED = {"PDNG", "INFO"}


@dataclass(frozen=True)
class ParsedUpload:
    """What the parsers made of an upload (pure: nothing written yet)."""

    sha256: str
    size: int
    filename: str | None
    statements: tuple[Statement, ...]
    warnings: tuple[str, ...]


@dataclass
class StatementImportResult:
    duplicate: bool
    summary: dict
    import_id: int | None = None
    statement_ids: list[int] = field(default_factory=list)
    file_seen: bool = False  # these very bytes were imported before: nothing at all was written

    def to_json(self) -> dict:
        return {**self.summary, "duplicate": self.duplicate}


# ------------------------------------------------------------------ parsing (pure)


@collector.paused()
def parse_upload(
    plugins: PluginHost,
    data: bytes,
    *,
    filename: str | None,
    fmt: str | None,
    max_bytes: int,
    max_unzipped: int,
) -> ParsedUpload:
    refuse_bad_size(data, max_bytes)
    parsers = plugins.statement_parsers()
    documents = archive.members(data, max_unzipped) if archive.is_zip(data) else [(filename, data)]
    statements: list[Statement] = []
    warnings: list[str] = []
    for name, content in documents:
        try:
            parser = PluginHost.pick(parsers, content, fmt)
            parsed = calls.parse_statement(plugins, parser, content)
            refuse_unstorable_text(parsed)
            for statement in parsed.statements:
                _refuse_unusable(statement)
        except ParseError as exc:
            if len(documents) > 1:
                raise ParseError(exc.code, f"{name}: {exc.message}") from None
            raise
        prefix = f"{name}: " if len(documents) > 1 else ""
        if not parsed.statements:
            # e.g. an OFX sign-on or error response: a valid file with nothing to import.
            warnings.append(f"{prefix}no statement in {name or 'the file'}")
        warnings += [prefix + w for w in parsed.warnings]
        for statement in parsed.statements:
            found = (
                balance_warnings(statement)
                + currency_warnings(statement)
                + precision_warnings(statement)
                + account_warnings(statement)
                + undated_credit_warnings(statement)
            )
            warnings += [prefix + w for w in found]
        warnings += [prefix + w for w in continuity_warnings(parsed.statements)]
        statements += parsed.statements
    return ParsedUpload(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        filename=clean_filename(filename),
        statements=tuple(statements),
        warnings=tuple(warnings),
    )


def _refuse_unusable(statement: Statement) -> None:
    """Amounts too large for any currency, and dates outside 1900-2199 (misreadings).

    Both are refused before anything computes with them: decimal and date
    arithmetic on them would overflow before a later check could say why (a
    payment dated by its statement's closing date in year 1 broke every later
    matching run).
    """
    for what, balance in (
        ("opening balance", statement.opening_balance),
        ("closing balance", statement.closing_balance),
    ):
        if balance is not None:
            refuse_huge(balance, f"{what} {balance}")
    for what, day in (("opening", statement.opening_date), ("closing", statement.closing_date)):
        problem = None if day is None else date_problem(day)
        if problem is not None:
            raise ParseError(ParseErrorCode.INVALID_DATE, f"statement {what} date {problem}")
    for n, line in enumerate(statement.lines, start=1):
        refuse_huge(line.amount, f"line {n}: amount {line.amount} {line.currency}")
        for detail in line.details:
            if detail.amount is not None:
                refuse_huge(detail.amount, f"line {n}: detail amount {detail.amount}")
        for what, day in (("booking", line.booking_date), ("value", line.value_date)):
            problem = None if day is None else date_problem(day)
            if problem is not None:
                raise ParseError(ParseErrorCode.INVALID_DATE, f"line {n}: {what} date {problem}")


def balance_warnings(statement: Statement) -> list[str]:
    """Opening + movements must equal closing; a statement that does not add up is kept, with a warning."""
    if statement.opening_balance is None or statement.closing_balance is None:
        return []
    counted = statement.lines
    if statement.balance_statuses is not None:
        counted = tuple(line for line in counted if line.status in statement.balance_statuses)
    movements = sum((line.amount for line in counted), Decimal(0))
    expected = statement.opening_balance + movements
    if expected == statement.closing_balance:
        return []
    return [
        f"statement {_label(statement)}: opening {statement.opening_balance} + movements {movements} = {expected} "
        f"!= closing {statement.closing_balance}"
    ]


def account_warnings(statement: Statement) -> list[str]:
    """A statement naming no account: its lines are de-duplicated within its own file only (see ``_account_key``)."""
    if statement.account is not None or not statement.lines:
        return []
    return [
        f"statement {_label(statement)} names no account: its lines are recognized as "
        "already imported only when the same file comes again, not from another file"
    ]


def undated_credit_warnings(statement: Statement) -> list[str]:
    """Payments need a date: a credit with neither booking nor value date takes the statement's."""
    undated = sum(
        1
        for line in statement.lines
        if line.booking_date is None and line.value_date is None and _may_be_paid(line)
    )
    if not undated:
        return []
    day = _statement_day(statement)
    dated = f"its {day[0]} date {day[1]}" if day else "the day of the import"
    return [
        f"statement {_label(statement)}: {undated} credit line(s) carry neither a booking nor a "
        f"value date; their payments are dated {dated}"
    ]


def _statement_day(statement: Statement) -> tuple[str, date] | None:
    """The date a credit without one of its own is paid on: the statement's closing (else opening) date.

    Given as ("closing" or "opening", the date) so the warning can say which.
    """
    if statement.closing_date:
        return "closing", statement.closing_date
    if statement.opening_date:
        return "opening", statement.opening_date
    return None


def continuity_warnings(statements: Iterable[Statement]) -> list[str]:
    """Each statement of an account opens where the file's previous one for it closed.

    Statements are taken in date order (files list them oldest or newest
    first); one without balances or dates (an MT942 interim report) is left
    out. A gap means statements are missing between two (or the file mixes
    periods): the lines still import, and the warning says where to look.
    """
    chains: dict[tuple[str, str | None], list[Statement]] = {}
    for statement in statements:
        if statement.account is not None and None not in (
            statement.opening_balance,
            statement.closing_balance,
            statement.opening_date,
            statement.closing_date,
        ):
            chains.setdefault((statement.account, statement.currency), []).append(statement)
    warnings = []
    for (account, currency), chain in chains.items():
        unit = f" {currency}" if currency else ""
        chain.sort(key=lambda statement: (statement.opening_date, statement.closing_date))
        for before, after in zip(chain, chain[1:], strict=False):
            if (
                before.closing_date <= after.opening_date
                and before.closing_balance != after.opening_balance
            ):
                warnings.append(
                    f"account {account}: the statement opening on {after.opening_date} at "
                    f"{after.opening_balance}{unit} does not continue the one closing on "
                    f"{before.closing_date} at {before.closing_balance}{unit}: "
                    "statements may be missing between them"
                )
    return warnings


def currency_warnings(statement: Statement) -> list[str]:
    """Lines in another currency than their statement's are kept with it, and said so.

    The statement's credit and debit totals still add every line as written,
    as the corpus' published facts and the banks' own summaries do; the
    warning says that those totals mix currencies.
    """
    if not statement.lines:
        return []
    own = _currency(statement)
    codes = _line_currencies(statement)
    others = Counter()
    for raw, count in Counter(line.currency for line in statement.lines).items():
        if codes[raw] != own:
            others[codes[raw]] += count
    if not others:
        return []
    listed = ", ".join(f"{count} in {code}" for code, count in sorted(others.items()))
    return [
        f"statement {_label(statement)}: lines in another currency than its {own} ({listed}); "
        "its credit and debit totals add them as written"
    ]


def _line_currencies(statement: Statement) -> dict[str | None, str]:
    """Each currency code the lines give, as written -> the ISO code it stands for.

    A statement's lines name one or two codes: normalizing those, not every
    line's, keeps this cheap on 100 000 lines.
    """
    return {
        raw: _currency(statement) if not raw else _known_currency(raw)
        for raw in {line.currency for line in statement.lines}
    }


def _label(statement: Statement) -> str:
    return statement.statement_id or statement.account or statement.format


def _currency(statement: Statement, line: StatementLine | None = None) -> str:
    first = statement.lines[0].currency if statement.lines else None
    code = (line.currency if line is not None else None) or statement.currency or first
    if not code:
        raise ParseError(ParseErrorCode.INVALID_CURRENCY, "a statement line has no currency")
    return _known_currency(code)


@lru_cache(maxsize=256)
def _known_currency(code: str) -> str:
    """The ISO code; cached, as every line of a statement names the same one or two."""
    try:
        return normalize_currency(code)
    except ArapiError:
        raise ParseError(ParseErrorCode.INVALID_CURRENCY, f"unknown currency {code!r}") from None


def _minor(amount: Decimal, currency: str) -> int:
    """Minor units; sub-unit digits (a few banks send them) round half-even, flagged by precision_warnings."""
    minor = int(amount.scaleb(exponent(currency)).to_integral_value(rounding=ROUND_HALF_EVEN))
    return bounded(minor, f"amount {amount} {currency}")


def precision_warnings(statement: Statement) -> list[str]:
    out = []
    for n, line in enumerate(statement.lines, start=1):
        currency = _currency(statement, line)
        scaled = line.amount.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            out.append(
                f"line {n}: {line.amount} {currency} has more decimals than {currency} allows; rounded half-even"
            )
    return out


def _text(amount: Decimal, currency: str | None) -> str:
    """A magnitude at the currency's scale ("1520.00"), as written for an unknown currency.

    Amounts too large to quantize never get here: ``_refuse_unusable`` refused them.
    """
    if currency:
        try:
            return str(abs(amount).quantize(Decimal(1).scaleb(-exponent(currency))))
        except ArapiError:
            pass
    return str(abs(amount))


def summarize(upload: ParsedUpload) -> dict:
    """The contract's JSON summary (entries, credit/debit magnitudes, per statement)."""
    per_statement = []
    credit_all = debit_all = Decimal(0)
    count_all = 0
    for st in upload.statements:
        currency = _currency(st) if st.currency or st.lines else None
        credit = sum((ln.amount for ln in st.lines if ln.amount > 0), Decimal(0))
        debit = -sum((ln.amount for ln in st.lines if ln.amount < 0), Decimal(0))
        credit_all += credit
        debit_all += debit
        count_all += len(st.lines)
        per_statement.append(
            {
                "format": st.format,
                "account": st.account,
                "currency": currency,
                "openingBalance": None if st.opening_balance is None else str(st.opening_balance),
                "closingBalance": None if st.closing_balance is None else str(st.closing_balance),
                "entryCount": len(st.lines),
                "creditTotal": _text(credit, currency),
                "debitTotal": _text(debit, currency),
            }
        )
    currencies = {s["currency"] for s in per_statement}
    single = currencies.pop() if len(currencies) == 1 else None
    return {
        "entryCount": count_all,
        "creditTotal": _text(credit_all, single),
        "debitTotal": _text(debit_all, single),
        "statements": per_statement,
        "warnings": list(upload.warnings),
    }


# ------------------------------------------------------------------ writing


def _content_key(line: StatementLine) -> str:
    parts = [
        line.booking_date,
        line.value_date,
        line.amount,
        line.currency,
        line.counterparty_name,
        line.counterparty_iban,
        line.remittance,
        line.end_to_end_id,
        line.bank_reference,
        line.bank_transaction_code,
        line.creditor_reference,
    ]
    return hashlib.sha256(
        "\x1f".join("" if p is None else str(p) for p in parts).encode()
    ).hexdigest()[:40]


def line_keys(lines: tuple[StatementLine, ...]) -> list[str]:
    """Natural keys, made unique within the statement (two identical fees on one day are two lines).

    A bank id too long for the column (200) is kept as its hash, so two that
    differ only at the end stay two keys. So is one holding "#", which marks
    repeats: the bank id "K1#2" must not be taken for the second "K1".
    """
    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        if not line.natural_key:
            base = f"{CONTENT_KEY_PREFIX}{_content_key(line)}"
        elif len(line.natural_key) <= NATURAL_KEY_ROOM and "#" not in line.natural_key:
            base = f"k:{line.natural_key}"
        else:
            base = f"K:{hashlib.sha256(line.natural_key.encode()).hexdigest()}"
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


def import_statement(
    session: Session,
    viewer: Viewer,
    plugins: PluginHost,
    data: bytes,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    max_bytes: int = 50 * 1024 * 1024,
    max_unzipped: int = 200 * 1024 * 1024,
    upload: ParsedUpload | None = None,
    progress: Callable[[int], None] | None = None,
) -> StatementImportResult:
    """Parse (unless ``upload`` is given) and record a statement file in the caller's transaction.

    ``progress`` is told how many entries were handled, every few thousand, while
    the rows stream into the database: it must not use the database itself.
    """
    viewer.require(Permission.IMPORT)
    sha = hashlib.sha256(data).hexdigest() if upload is None else upload.sha256
    seen = import_files.find(session, viewer.organization_id, KIND, sha)
    if seen is not None:  # known bytes: not even parsed again
        return _seen_result(session, viewer, seen)
    if upload is None:
        upload = parse_upload(
            plugins,
            data,
            filename=filename,
            fmt=fmt,
            max_bytes=max_bytes,
            max_unzipped=max_unzipped,
        )
    return record(session, viewer, upload, progress)


@collector.paused()
def record(
    session: Session,
    viewer: Viewer,
    upload: ParsedUpload,
    progress: Callable[[int], None] | None = None,
) -> StatementImportResult:
    org = viewer.organization_id
    summary = summarize(upload)
    formats = sorted({s.format for s in upload.statements})
    claimed = claim(
        session,
        viewer,
        kind=KIND,
        sha256=upload.sha256,
        size=upload.size,
        fmt=",".join(formats),
        filename=upload.filename,
    )
    if claimed.seen:
        return _seen_result(session, viewer, claimed.import_file)
    import_file = claimed.import_file
    # Another import into the same accounts waits here until it can see this one's
    # lines, so overlapping statements sent at once are de-duplicated, not refused.
    repo.lock_accounts(session, org, [_account_key(st, upload.sha256) for st in upload.statements])
    totals = Counter()
    statement_ids = []
    for statement, info in zip(upload.statements, summary["statements"], strict=True):
        written = _record_statement(
            session, viewer, import_file.id, statement, upload.sha256, progress or (lambda n: None)
        )
        info["id"] = written.pop("id")
        statement_ids.append(info["id"])
        info["newEntries"] = written["new"]
        info["duplicateEntries"] = written["duplicates"]
        summary["warnings"] += written.pop("warnings")
        totals.update(written)
    summary["importId"] = import_file.id
    summary["newEntries"] = totals["new"]
    summary["duplicateEntries"] = totals["duplicates"]
    summary["paymentsCreated"] = totals["payments"]
    summary["returnsRecorded"] = totals["returns"]
    duplicate = summary["entryCount"] > 0 and totals["new"] == 0
    import_file.summary = {**summary, "duplicate": duplicate}
    audit.record(
        session,
        viewer,
        "statement.imported",
        "import_file",
        import_file.id,
        formats=formats,
        entries=summary["entryCount"],
        new=totals["new"],
        payments=totals["payments"],
    )
    return StatementImportResult(duplicate, summary, import_file.id, statement_ids)


def _seen_result(session: Session, viewer: Viewer, seen: ImportFile) -> StatementImportResult:
    """For bytes imported before: the file as the first import read it, and what this one wrote: nothing.

    What the file holds (entries, totals, statements and their ids, warnings)
    is the first import's; the counts of what was written say 0, every entry
    a duplicate, so a script adding up ``newEntries`` counts each entry once.
    """
    statement_ids = [s.id for s in repo.for_import(session, viewer.organization_id, seen.id)]
    summary = {**(seen.summary or {}), **_NOTHING_WRITTEN}
    summary["duplicateEntries"] = summary.get("entryCount", 0)
    summary["statements"] = [
        {**info, "newEntries": 0, "duplicateEntries": info.get("entryCount", 0)}
        for info in summary.get("statements", [])
    ]
    return StatementImportResult(True, summary, seen.id, statement_ids, file_seen=True)


_NOTHING_WRITTEN = {"newEntries": 0, "paymentsCreated": 0, "returnsRecorded": 0}


def _account_key(st: Statement, sha256: str) -> str:
    """The account a statement's lines are de-duplicated in.

    A statement naming no account cannot be told apart from another account's:
    its lines are de-duplicated within its own file only, so a second account's
    lines are never dropped as the first one's (``account_warnings`` says so).
    """
    return (st.account or f"{st.format[:KEY_MAX_LENGTH]}:file:{sha256[:32]}")[:70]


def _record_statement(
    session: Session,
    viewer: Viewer,
    import_file_id: int,
    st: Statement,
    sha256: str,
    progress: Callable[[int], None],
) -> dict:
    org = viewer.organization_id
    currency = _currency(st) if st.currency or st.lines else None
    account_key = _account_key(st, sha256)
    currencies = [_currency(st, line) for line in st.lines]
    minors = [
        (_minor(line.amount, cur), cur) for line, cur in zip(st.lines, currencies, strict=True)
    ]
    keys = line_keys(st.lines)
    known = repo.existing_keys(session, org, account_key, keys)
    credit = bounded(sum(m for m, _ in minors if m > 0), "the sum of the credits")
    debit = bounded(-sum(m for m, _ in minors if m < 0), "the sum of the debits")
    statement = repo.add_statement(
        session,
        BankStatement(
            organization_id=org,
            import_file_id=import_file_id,
            format=st.format,
            account=_clip(st.account, 70),
            currency=currency,
            statement_ref=_clip(st.statement_id, 140),
            opening_balance_minor=None
            if st.opening_balance is None or currency is None
            else _minor(st.opening_balance, currency),
            closing_balance_minor=None
            if st.closing_balance is None or currency is None
            else _minor(st.closing_balance, currency),
            opening_date=st.opening_date,
            closing_date=st.closing_date,
            entry_count=len(st.lines),
            credit_total_minor=credit,
            debit_total_minor=debit,
            warnings=balance_warnings(st) or None,
        ),
    )
    fresh = [
        (line, key, minor, cur)
        for line, key, (minor, cur) in zip(st.lines, keys, minors, strict=True)
        if key not in known
    ]
    progress(len(st.lines) - len(fresh))
    warnings = _changed_repeats(session, org, account_key, st, fresh)
    # Ids are reserved up front and rows go in through the driver: nothing is read
    # back (INSERT ... RETURNING through SQLAlchemy's batching was quadratic here).
    entry_ids = repo.reserve_ids(session, StatementEntry, len(fresh))
    now = utcnow()  # one instant for the whole statement, as for its payments
    statement_id = statement.id
    entries = (
        _entry_row(org, statement_id, account_key, now, entry_id, *item)
        for item, entry_id in zip(fresh, entry_ids, strict=True)
    )
    repo.insert_rows(session, StatementEntry, _reporting(entries, progress))
    # The file's "statement.imported" event records these payments: each one links to
    # its statement entry (and so to the import), which keeps bulk imports fast.
    payments_made = repo.insert_rows(
        session, Payment, _payments_for(org, st, fresh, entry_ids, now)
    )
    returns = _returns_for(session, org, fresh, entry_ids, now)
    returns_made = repo.insert_rows(session, PaymentReturn, returns)
    return {
        "id": statement.id,
        "new": len(fresh),
        "duplicates": len(st.lines) - len(fresh),
        "payments": payments_made,
        "returns": returns_made,
        "warnings": warnings,
    }


def _changed_repeats(
    session: Session, org: int, account_key: str, st: Statement, fresh
) -> list[str]:
    """New lines keyed by their content that match an earlier line on bank reference, amount and value date.

    That is what an end-of-day MT940 line looks like when the bank changed its
    text since the interim report that brought it: its hash differs, so it is
    written again, and the warning asks a person to check it is not counted twice.
    """
    candidates = [
        ((_clip(line.bank_reference, 100), minor, line.value_date), cur)  # as stored
        for line, _key, minor, cur in fresh
        if line.natural_key is None and line.bank_reference
    ]
    if not candidates:
        return []
    references = {match[0] for match, _cur in candidates}
    known = repo.referenced_entries(session, org, account_key, references)
    repeats = [(match, cur) for match, cur in candidates if match in known]
    if not repeats:
        return []
    (reference, minor, day), currency = repeats[0]
    return [
        f"statement {_label(st)}: {len(repeats)} new line(s) have the bank reference, amount and "
        f"value date of a line imported before, with other text (first: {reference!r}, "
        f"{from_minor(minor, currency)} {currency} on {day}): check that they are not counted twice"
    ]


def _reporting(rows: Iterator[dict], progress: Callable[[int], None]) -> Iterator[dict]:
    """The rows, telling ``progress`` every PROGRESS_EVERY of them as they are written."""
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == PROGRESS_EVERY:
            progress(pending)
            pending = 0
    if pending:
        progress(pending)


def _entry_row(
    org: int,
    statement_id: int,
    account_key: str,
    now: datetime,
    entry_id: int,
    line: StatementLine,
    key: str,
    minor: int,
    cur: str,
) -> dict:
    return {
        "id": entry_id,
        "organization_id": org,
        "statement_id": statement_id,
        "account_key": account_key,
        "natural_key": key,
        "booking_date": line.booking_date,
        "value_date": line.value_date,
        "amount_minor": minor,
        "currency": cur,
        "status": _clip(line.status, 10),
        "reversal": line.reversal,
        "counterparty_name": _clip(line.counterparty_name, 300),
        "counterparty_iban": _iban(line.counterparty_iban),
        "remittance": line.remittance,
        "creditor_reference": _clip(line.creditor_reference, 35),
        "end_to_end_id": _clip(line.end_to_end_id, 100),
        "bank_reference": _clip(line.bank_reference, 100),
        "bank_transaction_code": _clip(line.bank_transaction_code, 100),
        "return_reason": _clip(line.return_reason, 10),
        "details": [_detail_json(d) for d in line.details] or None,
        "created_at": now,
    }


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else value[:size]


def _iban(value: str | None) -> str | None:
    if not value:
        return None
    compact = value.replace(" ", "").upper()
    return compact if len(compact) <= 34 else None


_DETAIL_FIELDS = tuple(f.name for f in fields(TransactionDetail))


def _detail_json(detail: TransactionDetail) -> dict:
    """A batch detail as JSON (amounts as decimal strings)."""
    out = {}
    for name in _DETAIL_FIELDS:
        value = getattr(detail, name)
        if value is not None:
            out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def _may_be_paid(line: StatementLine) -> bool:
    """A booked credit that is neither a reversal nor a returned transfer of ours.

    A credit carrying a return reason is a transfer sent out and returned, not
    a customer's payment (see ``UNSPECIFIED_RETURN_REASON``).
    """
    return (
        line.amount > 0
        and not line.reversal
        and not line.return_reason
        and (line.status or "BOOK") not in UNBOOKED
    )


def _payments_for(
    org: int, st: Statement, fresh, entry_ids: list[int], now: datetime
) -> Iterator[dict]:
    """Booked credits become unapplied payments; a batch credit whose details split it gives one per detail."""
    day = _statement_day(st)
    undated = day[1] if day else now.date()
    for (line, _key, minor, cur), entry_id in zip(fresh, entry_ids, strict=True):
        if minor <= 0 or not _may_be_paid(line):
            continue
        received_on = line.booking_date or line.value_date or undated
        for part, part_minor in _payment_parts(line, minor, cur):
            if part.return_reason:
                continue
            reference = " ".join(x for x in (part.creditor_reference, part.remittance) if x) or None
            yield {
                "organization_id": org,
                "customer_id": None,
                "amount_minor": part_minor,
                "currency": cur,
                "received_on": received_on,
                "payer_name": _clip(part.counterparty_name, 300),
                "payer_iban": _payer_iban(part.counterparty_iban),
                "reference": reference,
                "end_to_end_id": _clip(part.end_to_end_id, 100),
                "source": "statement",
                "statement_entry_id": entry_id,
                "created_at": now,
            }


def _payment_parts(line: StatementLine, minor: int, currency: str) -> list[tuple]:
    """(detail, minor units) per payment of a batch credit, else the whole line as one.

    The details split the credit only when each is a positive amount of the
    line's currency and together, in minor units, they make exactly the line:
    a zero, negative or sub-cent detail, or one in another currency, would give
    a payment nobody sent.
    """
    details = line.details
    if len(details) < 2 or any(
        d.amount is None or (d.currency is not None and d.currency.upper() != currency)
        for d in details
    ):
        return [(line, minor)]
    parts = [(d, _minor(d.amount, currency)) for d in details]
    if any(part_minor <= 0 for _, part_minor in parts) or sum(m for _, m in parts) != minor:
        return [(line, minor)]
    return parts


@lru_cache(maxsize=4096)
def _payer_iban(value: str | None) -> str | None:
    """The compact IBAN when it is valid (the same payers come back: cached)."""
    return compact_iban(value)


def _returns_for(
    session: Session, org: int, fresh, entry_ids: list[int], now: datetime
) -> list[dict]:
    """Debits carrying a SEPA return reason are returns of the payment with the same end-to-end id."""
    candidates = []
    for (line, _key, minor, cur), entry_id in zip(fresh, entry_ids, strict=True):
        if minor >= 0:
            continue
        parts = [d for d in line.details if d.return_reason] or (
            [line] if line.return_reason else []
        )
        for part in parts:
            amount = part.amount if part.amount is not None else line.amount
            candidates.append(
                (entry_id, abs(_minor(amount, cur)), cur, part.return_reason, part.end_to_end_id)
            )
    if not candidates:
        return []
    found = repo.payments_by_end_to_end(session, org, [c[4] for c in candidates if c[4]])
    payments = {e2e: [_Returnable(*payment) for payment in listed] for e2e, listed in found.items()}
    rows = []
    for entry_id, amount, cur, reason, e2e in candidates:
        payment = _returned_payment(payments.get(e2e, []) if e2e else [], amount, cur)
        if payment is not None:
            # A return takes back at most what is left of its payment: the rest of
            # the debit is the bank's charge (an MT940 /CHGS/ folded into the amount).
            amount = min(amount, payment.left)
            payment.left -= amount  # a later return of this file sees what is left
        rows.append(
            {
                "organization_id": org,
                "statement_entry_id": entry_id,
                "payment_id": None if payment is None else payment.id,
                "amount_minor": amount,
                "currency": cur,
                "reason_code": (reason or "")[:10] or None,
                "end_to_end_id": _clip(e2e, 100),
                "created_at": now,
            }
        )
    return rows


@dataclass
class _Returnable:
    """A payment a return may take back: its id, currency and amount not yet returned."""

    id: int
    currency: str
    left: int


def _returned_payment(
    payments: list[_Returnable], amount: int, currency: str
) -> _Returnable | None:
    """Which payment with the return's end-to-end id it takes back (ids are not always unique).

    The newest in its currency with the whole amount left. A return larger than
    what is left (charges folded in) takes back the payment only when the id
    names no other: otherwise it would be a guess, and the return stays unlinked.
    """
    left = [p for p in payments if p.currency == currency and p.left > 0]
    enough = [p for p in left if p.left >= amount]
    if enough:
        return enough[0]
    return left[0] if len(payments) == 1 and left else None
