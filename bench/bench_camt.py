"""camt.053 parser: throughput against a bare lxml loop, and peak memory.

Generates a realistic camt.053.001.08 statement (SEPA credit transfers with
postal addresses and agents, direct debits, returns with a reason code, card
payments, fees, batch bookings; entries average 2.3 KB, the corpus' camt
entries 1.8 KB median and 2.6 KB mean) and prints, measured in the same run:

- entries/s of ``arapi_camt`` against a bare ``lxml.etree.iterparse`` loop
  over the same bytes that only reads each ``Ntry/Amt`` (and clears, as any
  streaming loop must); goal: ours within 1.5x of bare. The CPU-time ratio
  is printed beside the wall-clock one (both run on one thread);
- peak RSS (``VmHWM``) of a fresh subprocess per case: the input bytes
  alone, the bare loop, our parser, and a whole-tree ``etree.fromstring`` for
  scale; goal: flat memory (our parser holds the input and its result, never
  the tree).

Run: ``.venv/bin/python -m bench.bench_camt`` (or ``run(quick=True)``).
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
OWN_IBAN = "FR7630006000011234567890189"
_FIRST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]
_COMPANIES = ["SARL", "SAS", "GmbH", "BV", "SA", "Ltd"]
_CITIES = [
    ("75008", "Paris", "FR"),
    ("69002", "Lyon", "FR"),
    ("10115", "Berlin", "DE"),
    ("1012", "Amsterdam", "NL"),
    ("1000", "Bruxelles", "BE"),
]
_RETURN_REASONS = ["AM04", "AC04", "MD06", "MS02", "AC06", "MD01"]
_PURPOSES = ["SUPP", "GDSV", "SCVE", "OTHR"]


# ---------------------------------------------------------------- generator


def generate_camt053(n_entries: int, seed: int = 20250101) -> bytes:
    """A camt.053.001.08 document with ``n_entries`` booked entries that reconciles."""
    rng = random.Random(seed)
    start = date(2025, 1, 2)
    parts: list[str] = []
    net = Decimal(0)
    for index in range(n_entries):
        kind = rng.random()
        day = start + timedelta(days=index * 28 // max(n_entries, 1))
        if kind < 0.55:
            text, signed = _credit_transfer(rng, index, day)
        elif kind < 0.75:
            text, signed = _direct_debit_collection(rng, index, day)
        elif kind < 0.80:
            text, signed = _direct_debit_return(rng, index, day)
        elif kind < 0.90:
            text, signed = _card_payment(rng, index, day)
        elif kind < 0.95:
            text, signed = _batch(rng, index, day)
        else:
            text, signed = _fee(rng, index, day)
        parts.append(text)
        net += signed
    opening = Decimal("125000.00")
    closing = opening + net
    last = start + timedelta(days=28)
    head = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>BENCH-{n_entries}</MsgId>
      <CreDtTm>2025-02-01T06:00:00+01:00</CreDtTm>
      <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>
    </GrpHdr>
    <Stmt>
      <Id>STMT-2025-01-{n_entries}</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>2025-02-01T06:00:00+01:00</CreDtTm>
      <FrToDt><FrDtTm>{start}T00:00:00+01:00</FrDtTm><ToDtTm>{last}T23:59:59+01:00</ToDtTm></FrToDt>
      <Acct>
        <Id><IBAN>{OWN_IBAN}</IBAN></Id>
        <Ccy>EUR</Ccy>
        <Ownr><Nm>ARAPI DEMO SAS</Nm></Ownr>
        <Svcr><FinInstnId><BICFI>BDFEFRPPCCT</BICFI></FinInstnId></Svcr>
      </Acct>
{_balance("OPBD", opening, start)}
{_balance("CLBD", closing, last)}
      <TxsSummry><TtlNtries><NbOfNtries>{n_entries}</NbOfNtries></TtlNtries></TxsSummry>
"""
    tail = """      <AddtlStmtInf>generated for bench_camt</AddtlStmtInf>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""
    return (head + "".join(parts) + tail).encode("utf-8")


def _balance(kind: str, value: Decimal, on: date) -> str:
    sign = "CRDT" if value >= 0 else "DBIT"
    return f"""      <Bal>
        <Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">{abs(value)}</Amt>
        <CdtDbtInd>{sign}</CdtDbtInd>
        <Dt><Dt>{on}</Dt></Dt>
      </Bal>"""


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_FIRST_NAMES)} {rng.choice(_COMPANIES)}"


def _iban(rng: random.Random) -> str:
    """A French IBAN with valid ISO 13616 check digits, as real statements carry."""
    bban = str(rng.randint(10**22, 10**23 - 1))
    check = 98 - int(bban + "152700") % 97  # "FR00" moved to the end, letters as numbers
    return f"FR{check:02d}{bban}"


def _address(rng: random.Random) -> str:
    code, town, country = rng.choice(_CITIES)
    return (
        f"<PstlAdr><StrtNm>Rue {rng.choice(_FIRST_NAMES)}</StrtNm><BldgNb>{rng.randint(1, 120)}"
        f"</BldgNb><PstCd>{code}</PstCd><TwnNm>{town}</TwnNm><Ctry>{country}</Ctry></PstlAdr>"
    )


def _entry(
    index: int,
    value: Decimal,
    direction: str,
    day: date,
    code: tuple[str, str, str],
    details: str,
    extra: str = "",
    reversal: bool = False,
) -> str:
    domain, family, sub = code
    return f"""      <Ntry>
        <NtryRef>{index + 1}</NtryRef>
        <Amt Ccy="EUR">{value}</Amt>
        <CdtDbtInd>{direction}</CdtDbtInd>
        <RvslInd>{"true" if reversal else "false"}</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>ASR{day:%Y%m%d}{index:09d}</AcctSvcrRef>
        <BkTxCd>
          <Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn>
          <Prtry><Cd>{family[:2]}{index % 97:02d}</Cd><Issr>CFONB</Issr></Prtry>
        </BkTxCd>
        <NtryDtls>{details}
        </NtryDtls>{extra}
      </Ntry>
"""


def _tx(
    rng: random.Random,
    value: Decimal,
    direction: str,
    e2e: str,
    party_role: str,
    remittance: str,
    mandate: str | None = None,
    return_reason: str | None = None,
) -> str:
    counter_role = "Cdtr" if party_role == "Dbtr" else "Dbtr"
    mandate_xml = f"<MndtId>{mandate}</MndtId>" if mandate else ""
    rtr = (
        f"<RtrInf><Rsn><Cd>{return_reason}</Cd></Rsn><AddtlInf>Returned</AddtlInf></RtrInf>"
        if return_reason
        else ""
    )
    return f"""
          <TxDtls>
            <Refs><MsgId>MSG{rng.randint(10**8, 10**9)}</MsgId><AcctSvcrRef>TX{rng.randint(10**9, 10**10)}</AcctSvcrRef><InstrId>INS{rng.randint(10**6, 10**7)}</InstrId><EndToEndId>{e2e}</EndToEndId>{mandate_xml}<UETR>3f2c7b8e-3c5a-4d2e-9d1b-{rng.randint(10**11, 10**12 - 1)}</UETR></Refs>
            <Amt Ccy="EUR">{value}</Amt>
            <CdtDbtInd>{direction}</CdtDbtInd>
            <AmtDtls><InstdAmt><Amt Ccy="EUR">{value}</Amt></InstdAmt><TxAmt><Amt Ccy="EUR">{value}</Amt></TxAmt></AmtDtls>
            <RltdPties>
              <{party_role}><Pty><Nm>{_name(rng)}</Nm>{_address(rng)}</Pty></{party_role}>
              <{party_role}Acct><Id><IBAN>{_iban(rng)}</IBAN></Id></{party_role}Acct>
              <{counter_role}><Pty><Nm>ARAPI DEMO SAS</Nm><PstlAdr><StrtNm>Avenue de la Gare</StrtNm><BldgNb>4</BldgNb><PstCd>75011</PstCd><TwnNm>Paris</TwnNm><Ctry>FR</Ctry></PstlAdr></Pty></{counter_role}>
              <{counter_role}Acct><Id><IBAN>{OWN_IBAN}</IBAN></Id></{counter_role}Acct>
            </RltdPties>
            <RltdAgts><DbtrAgt><FinInstnId><BICFI>AGRIFRPPXXX</BICFI><Nm>CREDIT AGRICOLE</Nm></FinInstnId></DbtrAgt><CdtrAgt><FinInstnId><BICFI>BDFEFRPPCCT</BICFI><Nm>BANQUE DE FRANCE</Nm></FinInstnId></CdtrAgt></RltdAgts>
            <Purp><Cd>{rng.choice(_PURPOSES)}</Cd></Purp>
            <RmtInf>{remittance}</RmtInf>{rtr}
            <RltdDts><AccptncDtTm>2025-01-02T10:00:00+01:00</AccptncDtTm></RltdDts>
          </TxDtls>"""


def _rf(rng: random.Random) -> str:
    body = f"INV{rng.randint(2025000, 2025999)}"
    digits = "".join(str(int(c, 36)) for c in body + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{body}"


def _credit_transfer(rng, index, day):
    value = _money(rng, 20, 9000)
    if rng.random() < 0.5:
        remittance = (
            f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr>"
            f"</Tp><Ref>{_rf(rng)}</Ref></CdtrRefInf></Strd>"
        )
    else:
        remittance = (
            f"<Ustrd>Facture FA-{rng.randint(1000, 99999)} reglement client {index}</Ustrd>"
        )
    tx = _tx(rng, value, "CRDT", f"E2E-{index}", "Dbtr", remittance)
    return _entry(
        index,
        value,
        "CRDT",
        day,
        ("PMNT", "RCDT", "ESCT"),
        tx,
        "\n        <AddtlNtryInf>VIR SEPA RECU</AddtlNtryInf>",
    ), value


def _direct_debit_collection(rng, index, day):
    value = _money(rng, 10, 2500)
    tx = _tx(
        rng,
        value,
        "CRDT",
        f"SDD-{index}",
        "Dbtr",
        f"<Ustrd>Prelevement abonnement {index}</Ustrd>",
        mandate=f"MANDATE-{index % 5000}",
    )
    return _entry(index, value, "CRDT", day, ("PMNT", "IDDT", "ESDD"), tx), value


def _direct_debit_return(rng, index, day):
    value = _money(rng, 10, 2500)
    tx = _tx(
        rng,
        value,
        "DBIT",
        f"SDD-{index - 40}",
        "Dbtr",
        f"<Ustrd>Prelevement abonnement {index - 40}</Ustrd>",
        mandate=f"MANDATE-{index % 5000}",
        return_reason=rng.choice(_RETURN_REASONS),
    )
    return _entry(index, value, "DBIT", day, ("PMNT", "IDDT", "UPDD"), tx), -value


def _card_payment(rng, index, day):
    value = _money(rng, 5, 400)
    tx = _tx(
        rng, value, "DBIT", "NOTPROVIDED", "Cdtr", f"<Ustrd>CB {_name(rng)} {day:%d%m}</Ustrd>"
    )
    return _entry(index, value, "DBIT", day, ("PMNT", "CCRD", "POSD"), tx), -value


def _batch(rng, index, day):
    amounts = [_money(rng, 50, 3000) for _ in range(rng.randint(2, 5))]
    total = sum(amounts, Decimal(0))
    txs = "".join(
        _tx(rng, value, "DBIT", f"PAY-{index}-{n}", "Cdtr", f"<Ustrd>Supplier payment {n}</Ustrd>")
        for n, value in enumerate(amounts)
    )
    batch = f'\n          <Btch><NbOfTxs>{len(amounts)}</NbOfTxs><TtlAmt Ccy="EUR">{total}</TtlAmt></Btch>'
    return _entry(
        index,
        total,
        "DBIT",
        day,
        ("PMNT", "ICDT", "ESCT"),
        batch + txs,
        "\n        <AddtlNtryInf>REMISE VIREMENTS SEPA</AddtlNtryInf>",
    ), -total


def _fee(rng, index, day):
    value = _money(rng, 1, 60)
    return _entry(
        index,
        value,
        "DBIT",
        day,
        ("ACMT", "MDOP", "CHRG"),
        "",
        "\n        <AddtlNtryInf>FRAIS TENUE DE COMPTE</AddtlNtryInf>",
    ), -value


# ---------------------------------------------------------------- the loops measured


class _Reader:
    """bytes as a file, read in the chunks lxml asks for (what safexml does for our parser)."""

    def __init__(self, data: bytes):
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._data[self._pos : self._pos + size if size >= 0 else None]
        self._pos += len(chunk)
        return chunk


def bare_loop(data: bytes) -> int:
    """The floor: lxml streams the entries and we read each one's amount text, nothing else."""
    from lxml import etree

    amount_tag = f"{{{NS}}}Amt"
    count = 0
    for _event, ntry in etree.iterparse(_Reader(data), tag=f"{{{NS}}}Ntry"):
        ntry.findtext(amount_tag)
        count += 1
        ntry.clear(keep_tail=True)  # streaming: free what was read, as our parser does
        parent = ntry.getparent()
        while ntry.getprevious() is not None:
            del parent[0]
    return count


def our_parser(data: bytes) -> int:
    return sum(len(statement.lines) for statement in parse_statement(data).statements)


def parse_statement(data: bytes):
    from arapi_camt import Camt053Parser

    return Camt053Parser().parse(data)


def whole_tree(data: bytes) -> int:
    from lxml import etree

    root = etree.fromstring(data)
    return len(root.findall(f".//{{{NS}}}Ntry"))


def _best_times(functions, data: bytes, repeat: int) -> list[float]:
    """Best wall time of each function, run in turns so a busy machine slows them alike."""
    return [wall for wall, _cpu in _best_wall_and_cpu(functions, data, repeat)]


def _best_wall_and_cpu(functions, data: bytes, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU of all the process' threads) of each function's fastest run, run in turns."""
    best = [(float("inf"), float("inf"))] * len(functions)
    for _ in range(repeat):
        for index, function in enumerate(functions):
            wall, cpu = time.perf_counter(), time.process_time()
            function(data)
            timing = (time.perf_counter() - wall, time.process_time() - cpu)
            best[index] = min(best[index], timing)
    return best


# ---------------------------------------------------------------- memory, one fresh process per case

_MODES = {
    "input only": None,
    "bare iterparse": bare_loop,
    "arapi_camt": parse_statement,
    "whole tree": whole_tree,
}


def _child(mode: str, path: str) -> None:
    data = Path(path).read_bytes()
    import arapi_camt  # noqa: F401
    import lxml.etree  # noqa: F401  (imported in every mode so the baseline is fair)

    function = _MODES[mode]
    result = function(data) if function is not None else None
    print(_status_kib("VmHWM"), _status_kib("VmRSS"), result is not None)


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in KiB.

    The peak is ``VmHWM``, not ``ru_maxrss``: Linux carries the launcher's
    ``ru_maxrss`` over fork and exec into the child, so after a big section
    (``bench_import`` holds 220 MB files) every child would report at least
    the launcher's peak. ``VmHWM`` belongs to the address space exec creates.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status: peak memory needs Linux")


def _peak_rss_mib(mode: str, path: Path) -> tuple[float, float]:
    """(peak, resident at the end with the result still referenced), in MiB."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak, current, _ = done.stdout.split()
    return int(peak) / 1024, int(current) / 1024


def _where_the_time_goes(data: bytes) -> None:
    """Split one entry's cost: libxml2 parse, our extraction alone, the result objects alone."""
    from arapi_camt.entries import EntryReader
    from lxml import etree

    from arapi.plugin import safexml
    from arapi.plugin.types import StatementLine, TransactionDetail

    n = data.count(b"<Ntry>")
    entries = etree.fromstring(data).findall(f".//{{{NS}}}Ntry")
    reader = EntryReader(f"{{{NS}}}", OWN_IBAN, "EUR")
    one = Decimal("1.00")

    def extraction(_data: bytes) -> None:
        for ntry in entries:
            reader.read(ntry)

    def objects_only(_data: bytes) -> None:
        for _ in range(n):
            detail = TransactionDetail(
                amount=one,
                currency="EUR",
                end_to_end_id="e",
                mandate_id=None,
                counterparty_name="n",
                counterparty_iban="i",
                remittance="r",
                creditor_reference=None,
                return_reason=None,
            )
            StatementLine(
                amount=one,
                currency="EUR",
                booking_date=None,
                value_date=None,
                natural_key="k",
                status="BOOK",
                reversal=False,
                counterparty_name="n",
                counterparty_iban="i",
                remittance="r",
                creditor_reference=None,
                end_to_end_id="e",
                bank_reference="k",
                bank_transaction_code="c",
                return_reason=None,
                details=(detail,),
            )

    parser = safexml.fragment_parser()

    def tree_only(data: bytes) -> None:  # what our chunked parse asks of libxml2, in one go
        etree.fromstring(data, parser)

    bare, tree, extract, objects = _best_times(
        [bare_loop, tree_only, extraction, objects_only], data, 3
    )
    print(
        f"\nwhere an entry's time goes (us/entry, {n} entries): lxml iterparse loop "
        f"{bare / n * 1e6:.1f} | libxml2 tree without streaming (fromstring) {tree / n * 1e6:.1f} "
        f"| our extraction on a built tree {extract / n * 1e6:.1f}, of which building the "
        f"StatementLine + TransactionDetail {objects / n * 1e6:.1f}"
    )


def _generate_file(n_entries: int, path: Path) -> None:
    """Written by a subprocess so that this process stays small (see ``run``)."""
    subprocess.run([sys.executable, __file__, "--generate", str(n_entries), str(path)], check=True)


# ---------------------------------------------------------------- report


def run(quick: bool = False) -> None:
    big = 20_000 if quick else 100_000
    small = 10_000
    repeat = 3 if quick else 5
    sizes = (small, big)
    print(f"camt.053.001.08 bench ({'quick' if quick else 'full'}): {small} and {big} entries")
    with tempfile.TemporaryDirectory() as folder:
        paths = {n: Path(folder) / f"camt053_{n}.xml" for n in sizes}
        for n, path in paths.items():
            _generate_file(n, path)

        print("\npeak RSS in MiB (VmHWM of a fresh process per cell)")
        print(
            f"{'entries':>8} {'file MiB':>9} "
            + " ".join(f"{mode:>15}" for mode in _MODES)
            + f" {'ours: result':>13} {'ours: transient':>16}"
        )
        per_entry = {}
        for n, path in paths.items():
            peaks = {mode: _peak_rss_mib(mode, path) for mode in _MODES}
            ours_peak, ours_after = peaks["arapi_camt"]
            result = ours_after - peaks["input only"][1]  # what the returned objects hold
            transient = ours_peak - ours_after  # parse-time memory beyond input + result
            tree = peaks["whole tree"][0] - peaks["input only"][0]
            per_entry[n] = (result, transient, tree)
            print(
                f"{n:>8} {path.stat().st_size / 2**20:>9.1f} "
                + " ".join(f"{peaks[mode][0]:>15.1f}" for mode in _MODES)
                + f" {result:>13.1f} {transient:>16.1f}"
            )
        growth = [
            (b - a) * 2**20 / (big - small)
            for a, b in zip(per_entry[small], per_entry[big], strict=True)
        ]
        print(
            f"per extra entry: result {growth[0]:,.0f} B, transient {growth[1]:,.0f} B "
            f"(a whole lxml tree: {growth[2]:,.0f} B); the tree is never held, peak = input "
            "bytes + returned objects + a few MiB"
        )

        _where_the_time_goes(paths[small].read_bytes())

        print(f"\nthroughput (best of {repeat} interleaved runs, same bytes in memory)")
        print(
            f"{'entries':>8} {'bare entries/s':>15} {'ours entries/s':>15} {'ours/bare wall':>15} "
            f"{'ours/bare CPU':>14}"
        )
        for n, path in paths.items():
            data = path.read_bytes()
            assert bare_loop(data) == n and our_parser(data) == n
            (bare, bare_cpu), (ours, ours_cpu) = _best_wall_and_cpu(
                [bare_loop, our_parser], data, repeat
            )
            verdict = "within the 1.5x goal" if ours / bare <= 1.5 else "over the 1.5x goal"
            print(
                f"{n:>8} {n / bare:>15,.0f} {n / ours:>15,.0f} {ours / bare:>14.2f}x "
                f"{ours_cpu / bare_cpu:>13.2f}x  {verdict}"
            )
            del data


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "--generate":
        Path(sys.argv[3]).write_bytes(generate_camt053(int(sys.argv[2])))
    else:
        run(quick="--quick" in sys.argv)
