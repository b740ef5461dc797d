"""OFX parser: transactions/s of arapi_ofx against plain ofxparse, at two file sizes.

Generates OFX 1.02 SGML statements (``CHARSET:1252``, unclosed elements,
decimal commas, accented cp1252 memos, REFNUM/CHECKNUM, DTUSER) with 2 000
and 20 000 transactions and prints, measured in the same run:

- transactions/s and microseconds per transaction of ``arapi_ofx.parse`` at
  both sizes; goal: at least 20 000 transactions/s, and a per-transaction time
  that does not grow with the file (ratio 20 000 / 2 000 close to 1);
- transactions/s of plain ``ofxparse.OfxParser.parse`` on the same bytes at
  2 000, and at 20 000 unless ``quick``. ofxparse is quadratic, so the 20 000
  case is timed once (about half a minute of CPU), and said so.

Times are CPU time of this process (``time.process_time``), best run, because
the machines are shared and wall time then measures the neighbours; the wall
rate of our parser is printed beside it.

Run: ``.venv/bin/python -m bench.bench_ofx`` (or ``run(quick=True)``).
"""

from __future__ import annotations

import io
import os
import random
import time
from datetime import date, timedelta
from typing import NamedTuple

SIZES = (2_000, 20_000)
GOAL_PER_SECOND = 20_000
_NAMES = ["SARL DUPONT", "SAS MARTIN & FILS", "EURL PETIT", "SCI LES TILLEULS", "DURAND SA"]
_MEMOS = [
    "VIR SEPA RECU /DE {name} /MOTIF FACTURE F{n:06d} /REF {n}",
    "PRLV SEPA {name} ECHEANCE {n} Référence mandat RUM{n:08d}",
    "CB CARREFOUR {day:%d%m} PAIEMENT PAR CARTE",
    "REMISE CHEQUE N°{n:07d} Crédit",
]


def generate_ofx(n_transactions: int, seed: int = 20250101) -> bytes:
    """An OFX 1.02 SGML bank statement with ``n_transactions`` STMTTRN, encoded cp1252."""
    rng = random.Random(seed)
    start = date(2025, 1, 2)
    rows = []
    for n in range(n_transactions):
        day = start + timedelta(days=n * 60 // max(n_transactions, 1))
        cents = rng.randint(100, 2_500_000)
        sign = "-" if rng.random() < 0.45 else ""
        amount = f"{sign}{cents // 100},{cents % 100:02d}"  # French decimal comma
        name = rng.choice(_NAMES)
        memo = rng.choice(_MEMOS).format(name=name, n=n, day=day)
        reference = f"<REFNUM>R{n:09d}" if n % 3 else f"<CHECKNUM>{n:07d}"
        rows.append(
            "<STMTTRN>\r\n"
            f"<TRNTYPE>{'DEBIT' if sign else 'CREDIT'}\r\n"
            f"<DTPOSTED>{day:%Y%m%d}\r\n"
            f"<DTUSER>{day:%Y%m%d}\r\n"
            f"<TRNAMT>{amount}\r\n"
            f"<FITID>{day:%Y%m%d}{n:08d}\r\n"
            f"{reference}\r\n"
            f"<NAME>{name}\r\n"
            f"<MEMO>{memo}\r\n"
            "</STMTTRN>\r\n"
        )
    end = start + timedelta(days=60)
    document = (
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
        "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
        "<OFX>\r\n<SIGNONMSGSRSV1>\r\n<SONRS>\r\n<STATUS>\r\n<CODE>0\r\n<SEVERITY>INFO\r\n"
        "</STATUS>\r\n<DTSERVER>20250303120000\r\n<LANGUAGE>FRA\r\n</SONRS>\r\n</SIGNONMSGSRSV1>\r\n"
        "<BANKMSGSRSV1>\r\n<STMTTRNRS>\r\n<TRNUID>1\r\n<STATUS>\r\n<CODE>0\r\n<SEVERITY>INFO\r\n"
        "</STATUS>\r\n<STMTRS>\r\n<CURDEF>EUR\r\n<BANKACCTFROM>\r\n<BANKID>30004\r\n"
        "<BRANCHID>00001\r\n<ACCTID>00012345678\r\n<ACCTTYPE>CHECKING\r\n</BANKACCTFROM>\r\n"
        f"<BANKTRANLIST>\r\n<DTSTART>{start:%Y%m%d}\r\n<DTEND>{end:%Y%m%d}\r\n"
        + "".join(rows)
        + "</BANKTRANLIST>\r\n<LEDGERBAL>\r\n<BALAMT>1234,56\r\n"
        f"<DTASOF>{end:%Y%m%d}\r\n</LEDGERBAL>\r\n</STMTRS>\r\n</STMTTRNRS>\r\n</BANKMSGSRSV1>\r\n</OFX>\r\n"
    )
    return document.encode("cp1252")


class _Timing(NamedTuple):
    cpu: float  # seconds of this process's CPU, best run: robust when the machine is shared
    wall: float  # seconds of wall clock, best run
    runs: int


def _time(function, data: bytes, runs: int) -> _Timing:
    cpu = wall = float("inf")
    for _ in range(runs):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        function(data)
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started_wall)
    return _Timing(cpu, wall, runs)


def _ours(data: bytes) -> int:
    from arapi_ofx import parse

    return sum(len(statement.lines) for statement in parse(data).statements)


def _plain_ofxparse(data: bytes) -> int:
    from ofxparse import OfxParser

    return len(OfxParser.parse(io.BytesIO(data)).account.statement.transactions)


def run(quick: bool = False) -> None:
    small, large = SIZES
    files = {size: generate_ofx(size) for size in SIZES}
    for size, data in files.items():  # both readers must see every transaction
        assert _ours(data) == size, "arapi_ofx lost transactions"
    assert _plain_ofxparse(files[small]) == small, "ofxparse lost transactions"
    ours = {size: _time(_ours, data, 3 if quick else 7) for size, data in files.items()}
    plain = {small: _time(_plain_ofxparse, files[small], 1 if quick else 3)}
    if not quick:  # quadratic: about a minute of CPU, so a single run
        plain[large] = _time(_plain_ofxparse, files[large], 1)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"OFX parsing, generated OFX 1.02 SGML (cp1252, decimal commas); load average {load}")
    print("tx/s and us/tx from CPU time (best run); wall tx/s beside it, slowed by other processes")
    print(
        f"{'transactions':>12} {'size':>7} | {'arapi_ofx tx/s':>14} {'us/tx':>6} {'wall tx/s':>9} "
        f"{'runs':>4} | {'ofxparse tx/s':>13} {'us/tx':>7} {'runs':>4} | {'ofxparse/ours':>13}"
    )
    for size in SIZES:
        mine = ours[size]
        line = (
            f"{size:>12,} {len(files[size]) / 1e6:>5.1f}MB | {size / mine.cpu:>14,.0f} "
            f"{mine.cpu / size * 1e6:>6.1f} {size / mine.wall:>9,.0f} {mine.runs:>4} | "
        )
        theirs = plain.get(size)
        if theirs is None:
            line += f"{'not run (quick)':>26} | {'':>13}"
        else:
            line += (
                f"{size / theirs.cpu:>13,.0f} {theirs.cpu / size * 1e6:>7.0f} {theirs.runs:>4} | "
                f"{theirs.cpu / mine.cpu:>12.0f}x"
            )
        print(line)
    growth = (ours[large].cpu / large) / (ours[small].cpu / small)
    slowest = min(size / ours[size].cpu for size in SIZES)
    print(f"arapi_ofx per-transaction time at {large:,} vs {small:,}: x{growth:.2f} (flat is 1.00)")
    if large in plain:
        their_growth = (plain[large].cpu / large) / (plain[small].cpu / small)
        print(
            f"ofxparse per-transaction time at {large:,} vs {small:,}: x{their_growth:.1f} "
            f"(quadratic; timed once at {large:,})"
        )
    print(
        f"goal >= {GOAL_PER_SECOND:,} tx/s at every size: "
        f"{'met' if slowest >= GOAL_PER_SECOND else 'NOT met'} (slowest {slowest:,.0f} tx/s)"
    )


if __name__ == "__main__":
    run()
