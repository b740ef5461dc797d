"""A seeded generator of labelled cash-application data.

It plays an organisation with a few invoice series (different numbering
schemes, as after a software migration or for separate business units), a
customer base with groups, name variants and several bank accounts, and a bank
that mangles what customers write: names cut at 32/35/70 characters, accents
and punctuation lost, references reformatted, mistyped, buried in long texts.

Every bank line is labelled with the cash allocations a careful person would
make, ``(invoice_id, amount_minor)`` pairs (empty when the money belongs to no
open item), and with its noise class, so the benchmark can report each kind of
difficulty separately. Only ``random.Random(seed)`` is used: the same seed
gives the same data set.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from arapi import rf
from arapi.matching.model import CREDIT_NOTE, BankLine, CustomerProfile, OpenItem

TODAY = date(2025, 6, 30)

# ---------------------------------------------------------------- vocabulary

_SURNAMES = """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent
Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Lefevre Mercier Dupont
Lambert Bonnet Francois Martinez Legrand Garnier Faure Rousseau Blanc Guerin Muller Henry Roussel
Nicolas Perrin Morin Mathieu Clement Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez
Gerard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noel Meyer Lucas Meunier Jean
Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre
Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard
Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Da Silva Hubert Louis Charles Guillot Riviere
Schmidt Schneider Fischer Weber Wagner Becker Hoffmann Schulz Koch Bauer Richter Klein Wolf Schroeder
Neumann Schwarz Zimmermann Braun Hofmann Hartmann Lange Krause Lehmann Koehler Rossi Russo Ferrari
Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Costa Giordano Mancini Rizzo
Lombardi Moretti Smith Jones Taylor Brown Williams Wilson Johnson Davies Evans Walker Wright Thompson
Janssens Peeters Maes Jacobs Mertens Willems Claes Goossens Wouters De Smet Dubois Lambert Dupont
Gonzalez Rodriguez Fernandez Lopez Martinez Sanchez Perez Gomez Ruiz Hernandez Diaz Moreno Alvarez""".split()

_SECTORS_FR = """Transports Boulangerie Menuiserie Plomberie Electricite Batiment Logistique Distribution
Informatique Conseil Imprimerie Garage Pharmacie Optique Traiteur Nettoyage Securite Immobilier
Architecture Paysage Maconnerie Charpente Carrosserie Couverture Chauffage Restauration Hotellerie
Agencement Emballages Industrie Mecanique Metallerie Plasturgie Textile Papeterie Librairie Fromagerie
Boucherie Epicerie Vins Cave Fleurs Jardinerie Peinture Isolation Energies Solutions Services
Ingenierie Etudes Formation Communication Publicite Evenements Voyages Ambulances Taxis Demenagements""".split()

_SECTORS_DE = """Bau Technik Logistik Handel Elektro Maschinenbau Holzbau Transporte Software Beratung Druck
Metallbau Sanitaer Dach Gartenbau Reinigung Automation Systeme Medizintechnik Werkzeuge""".split()

_SECTORS_EN = """Trading Logistics Consulting Engineering Systems Software Supplies Foods Packaging Media
Services Solutions Industries Holdings Partners Technologies Design Freight Energy Retail""".split()

_PLACES = """Centre Gare Port Lac Nord Sud Est Ouest Atlantique Alpes Provence Bretagne Normandie Loire
Rhone Garonne Vallee Plaine Montagne Littoral Val Pays Basque Vosges Jura Savoie Champagne Sologne""".split()

_ACRONYM_PARTS = """SO FRA COM TEC INDUS ATLAN MEDI ELEC TRANS LOG EURO INTER NOVA OPTI PRO BATI AGRI
GEO HYDRO THERM NET DATA SYS CAP ALP OCE""".split()

_LEGAL = {
    "FR": ["SARL", "SAS", "SA", "EURL", "SASU", "SNC"],
    "DE": ["GmbH", "AG", "GmbH & Co. KG", "KG", "UG"],
    "GB": ["Ltd", "Limited", "PLC", "LLP"],
    "IT": ["S.r.l.", "S.p.A.", "SRL"],
    "ES": ["S.L.", "S.A.", "SL"],
    "BE": ["SPRL", "SA", "BVBA", "NV", "SRL"],
    "NL": ["B.V.", "N.V.", "BV"],
}

_FACTORS = [
    "BNP PARIBAS FACTOR",
    "CGA FACTORING SOCIETE GENERALE",
    "EUROFACTOR SA",
    "NATIXIS FACTOR",
    "GE FACTOFRANCE",
    "BPIFRANCE FINANCEMENT",
    "ALLIANZ TRADE PAYMENT",
    "SILVR FINANCE SAS",
    "DEFACTO PAIEMENTS",
    "LCL FACTOR",
]

_COUNTRY_WEIGHTS = [("FR", 60), ("DE", 10), ("BE", 8), ("ES", 6), ("IT", 6), ("NL", 5), ("GB", 5)]

# BBAN layout per country: a string of 'n' (digit) and 'a' (upper-case letter).
_BBAN = {
    "FR": "n" * 23,
    "DE": "n" * 18,
    "BE": "n" * 12,
    "ES": "n" * 20,
    "IT": "a" + "n" * 22,
    "NL": "aaaa" + "n" * 10,
    "GB": "aaaa" + "n" * 14,
}

NOISE_WEIGHTS: dict[str, int] = {
    "exact_reference": 20,
    "rf_reference": 9,
    "reformatted_reference": 8,
    "typo_reference": 8,
    "buried_reference": 8,
    "multi_invoice": 8,
    "partial_payment": 5,
    "fees_deducted": 5,
    "discount_taken": 4,
    "discount_too_late": 1,
    "wrong_amount": 4,
    "third_party_payer": 5,
    "no_reference": 7,
    "direct_debit": 3,
    "overpayment": 2,
    "unknown_invoice": 3,
}


# ---------------------------------------------------------------- data set


@dataclass(frozen=True, slots=True)
class Label:
    """What a careful person would do with one bank line."""

    allocations: tuple[tuple[int, int], ...]  # (invoice_id, cash amount_minor); () = no open item
    noise: str

    @property
    def is_none(self) -> bool:
        return not self.allocations


@dataclass(frozen=True, slots=True)
class Dataset:
    customers: tuple[CustomerProfile, ...]
    open_items: tuple[OpenItem, ...]
    lines: tuple[BankLine, ...]
    labels: dict[int, Label]  # payment_id -> label
    direct_debits: dict[str, tuple[int, ...]]
    seed: int


# ---------------------------------------------------------------- helpers


def make_iban(rng: random.Random, country: str) -> str:
    """A random IBAN with correct mod-97 check digits."""
    layout = _BBAN[country]
    bban = "".join(
        rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if c == "a" else str(rng.randrange(10))
        for c in layout
    )
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _fold_upper(text: str) -> str:
    table = str.maketrans(
        "ÀÂÄÁÉÈÊËÎÏÍÔÖÓÙÛÜÚÇÑàâäáéèêëîïíôöóùûüúçñß", "AAAAEEEEIIIOOOUUUUCNaaaaeeeeiiiooouuuucns"
    )
    return text.translate(table).upper()


@dataclass(slots=True)
class _Customer:
    customer_id: int
    name: str
    country: str
    variants: list[str]
    ibans: list[str]
    unknown_ibans: list[str]
    parent_id: int | None
    weight: float
    recurring_amount: int | None


@dataclass(slots=True)
class _Series:
    prefix_kind: str
    counter: int
    render: Callable[[int, date], str]
    prints_rf: bool


class _Generator:
    def __init__(self, seed: int, n_customers: int, n_invoices: int, n_lines: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_customers = n_customers
        self.n_invoices = n_invoices
        self.n_lines = n_lines
        self.customers: list[_Customer] = []
        self.items: list[OpenItem] = []
        self.items_by_customer: dict[int, list[OpenItem]] = {}
        self.used: set[int] = set()
        self.next_payment_id = 1
        self.direct_debits: dict[str, tuple[int, ...]] = {}
        self.series: list[_Series] = []
        self.future_numbers: list[tuple[_Series, int]] = []

    # ------------------------------------------------------------ customers

    def company_name(self, country: str) -> str:
        rng = self.rng
        surname = rng.choice(_SURNAMES)
        if country == "DE":
            base = rng.choice(
                [
                    f"{surname} {rng.choice(_SECTORS_DE)}",
                    f"{surname} & {rng.choice(_SURNAMES)}",
                    f"{rng.choice(_ACRONYM_PARTS).title()}{rng.choice(_SECTORS_DE).lower()}",
                ]
            )
        elif country in ("GB", "NL"):
            base = rng.choice(
                [
                    f"{surname} {rng.choice(_SECTORS_EN)}",
                    f"{surname} and {rng.choice(_SURNAMES)}",
                    f"{rng.choice(_ACRONYM_PARTS).title()}{rng.choice(_ACRONYM_PARTS).lower()} {rng.choice(_SECTORS_EN)}",
                ]
            )
        else:
            sector = rng.choice(_SECTORS_FR)
            pattern = rng.randrange(8)
            if pattern == 0:
                base = f"{sector} {surname}"
            elif pattern == 1:
                base = f"{surname} {sector}"
            elif pattern == 2:
                base = f"{sector} {surname} et Fils"
            elif pattern == 3:
                base = f"{sector} du {rng.choice(_PLACES)}"
            elif pattern == 4:
                base = f"{surname} & {rng.choice(_SURNAMES)}"
            elif pattern == 5:
                base = (rng.choice(_ACRONYM_PARTS) + rng.choice(_ACRONYM_PARTS)).title()
            elif pattern == 6:
                base = f"{sector} {surname} {rng.choice(_PLACES)}"
            else:
                base = f"Ets {surname} {sector}"
        legal = rng.choice(_LEGAL[country])
        return f"{base} {legal}" if rng.random() < 0.9 else base

    def name_variants(self, name: str) -> list[str]:
        """Variants the organisation already knows (from past confirmations)."""
        rng = self.rng
        variants = []
        if rng.random() < 0.5:
            variants.append(_fold_upper(name))
        if rng.random() < 0.3:
            variants.append(_bank_name(rng, name))
        return variants

    def make_customers(self) -> None:
        rng = self.rng
        cid = 1
        while len(self.customers) < self.n_customers:
            country = rng.choices(
                [c for c, _ in _COUNTRY_WEIGHTS], [w for _, w in _COUNTRY_WEIGHTS]
            )[0]
            group = rng.random() < 0.06 and len(self.customers) + 3 < self.n_customers
            name = self.company_name(country)
            parent = self._customer(cid, name, country, None)
            cid += 1
            if group:
                stem = name.rsplit(" ", 1)[0] if " " in name else name
                parent.name = f"Groupe {stem}" if country == "FR" else f"{stem} Holding"
                parent.variants = self.name_variants(parent.name)
                for _ in range(rng.randint(1, 3)):
                    sub_name = f"{stem} {rng.choice(_PLACES)} {rng.choice(_LEGAL[country])}"
                    self._customer(cid, sub_name, country, parent.customer_id)
                    cid += 1

    def _customer(self, cid: int, name: str, country: str, parent_id: int | None) -> _Customer:
        rng = self.rng
        n_ibans = rng.choices([1, 2, 3], [70, 22, 8])[0]
        ibans = [make_iban(rng, country if rng.random() < 0.85 else "FR") for _ in range(n_ibans)]
        customer = _Customer(
            customer_id=cid,
            name=name,
            country=country,
            variants=self.name_variants(name),
            ibans=ibans,
            unknown_ibans=[make_iban(rng, country)],
            parent_id=parent_id,
            # A few large customers hold many open invoices, most hold a few.
            weight=rng.paretovariate(1.3),
            recurring_amount=_amount(rng) if rng.random() < 0.15 else None,
        )
        self.customers.append(customer)
        return customer

    # ------------------------------------------------------------ invoices

    def make_series(self) -> None:
        rng = self.rng
        candidates = [
            _Series("fa", rng.randint(1, 500), lambda n, d: f"FA-{d.year}-{n:06d}", True),
            _Series(
                "inv", rng.randint(1, 500), lambda n, d: f"INV/{d.year % 100:02d}/{n:04d}", True
            ),
            _Series("num", rng.randint(1, 500), lambda n, d: f"{d.year}{n:06d}", True),
            _Series("f", rng.randint(100000, 200000), lambda n, d: f"F{n:06d}", False),
            _Series("re", rng.randint(1, 5000), lambda n, d: f"RE-{n:07d}", True),
            _Series(
                "fac",
                rng.randint(1, 50),
                lambda n, d: f"FAC{d.year % 100:02d}{d.month:02d}-{n:05d}",
                False,
            ),
        ]
        rng.shuffle(candidates)
        self.series = candidates[: rng.randint(3, 5)]

    def make_invoices(self) -> None:
        rng = self.rng
        weights = [c.weight for c in self.customers]
        # Invoices are issued in date order per series; paid ones (not open)
        # leave gaps in the numbering.
        dates = sorted(
            TODAY - timedelta(days=int(rng.expovariate(1 / 70))) for _ in range(self.n_invoices)
        )
        chosen = rng.choices(self.customers, weights, k=self.n_invoices)
        series_weights = [rng.randint(1, 6) for _ in self.series]
        iid = 1
        for issue_date, customer in zip(dates, chosen, strict=True):
            series = rng.choices(self.series, series_weights)[0]
            series.counter += 1 + (rng.random() < 0.5) + (rng.random() < 0.3)
            number = series.render(series.counter, issue_date)
            self.items.append(self._invoice(iid, customer, number, issue_date, series.prints_rf))
            iid += 1
        # A few credit notes, usually deducted in a multi-invoice payment.
        for _ in range(max(1, self.n_invoices // 60)):
            customer = rng.choices(self.customers, weights)[0]
            issue_date = TODAY - timedelta(days=rng.randint(1, 90))
            amount = _amount(rng) // 4 + 100
            self.items.append(
                OpenItem(
                    invoice_id=iid,
                    customer_id=customer.customer_id,
                    number=f"AV-{issue_date.year}-{iid:05d}",
                    currency="EUR",
                    open_minor=-amount,
                    total_minor=-amount,
                    issue_date=issue_date,
                    due_date=issue_date,
                    kind=CREDIT_NOTE,
                )
            )
            iid += 1
        for customer in self.customers:
            self.items_by_customer[customer.customer_id] = []
        for item in self.items:
            self.items_by_customer[item.customer_id].append(item)
        # Future invoice numbers: payments may arrive before we booked them.
        for series in self.series:
            for k in range(1, 40):
                self.future_numbers.append((series, series.counter + k))

    def _invoice(
        self, iid: int, customer: _Customer, number: str, issue_date: date, prints_rf: bool
    ) -> OpenItem:
        rng = self.rng
        if customer.recurring_amount and rng.random() < 0.7:
            total = customer.recurring_amount
        else:
            total = _amount(rng)
        currency = "EUR"
        if customer.country == "GB" and rng.random() < 0.6:
            currency = "GBP"
        elif rng.random() < 0.03:
            currency = rng.choice(["USD", "CHF"])
        open_minor = total
        if rng.random() < 0.05:
            open_minor = total - rng.randint(1, total // 2)  # an earlier partial payment
        discount_bp = discount_days = None
        if rng.random() < 0.12:
            discount_bp, discount_days = rng.choice([(200, 10), (100, 15), (300, 8), (150, 10)])
        terms = rng.choice([0, 15, 30, 30, 45, 45, 60])
        return OpenItem(
            invoice_id=iid,
            customer_id=customer.customer_id,
            number=number,
            currency=currency,
            open_minor=open_minor,
            total_minor=total,
            issue_date=issue_date,
            due_date=issue_date + timedelta(days=terms),
            payment_reference=rf.generate(_compact(number)) if prints_rf else None,
            discount_bp=discount_bp,
            discount_days=discount_days,
        )

    # ------------------------------------------------------------ bank lines

    def pick_item(
        self, predicate: Callable[[OpenItem], bool] | None = None, tries: int = 200
    ) -> OpenItem | None:
        rng = self.rng
        for _ in range(tries):
            item = rng.choice(self.items)
            if item.invoice_id in self.used or item.kind == CREDIT_NOTE or item.open_minor <= 0:
                continue
            if predicate is None or predicate(item):
                return item
        return None

    def customer(self, customer_id: int) -> _Customer:
        return self.customers[customer_id - 1]

    def relatives(self, customer: _Customer) -> list[_Customer]:
        """Other companies of the customer's group (parent, subsidiaries, siblings)."""
        root = customer.parent_id or customer.customer_id
        return [
            c
            for c in self.customers[max(0, root - 1) : root + 4]
            if c.customer_id != customer.customer_id
            and (c.customer_id == root or c.parent_id == root)
        ]

    def payer_fields(
        self, customer: _Customer, *, known_iban_share: float = 0.78
    ) -> tuple[str | None, str | None]:
        rng = self.rng
        roll = rng.random()
        if roll < known_iban_share:
            iban = rng.choice(customer.ibans)
        elif roll < 0.95:
            iban = rng.choice(customer.unknown_ibans)
        else:
            iban = None
        if iban and rng.random() < 0.3:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        roll = rng.random()
        if roll < 0.35 and customer.variants:
            name = rng.choice(customer.variants)
        elif roll < 0.93:
            name = _bank_name(rng, customer.name)
        else:
            name = None
        return name, iban

    def received_on(self, item: OpenItem) -> date:
        rng = self.rng
        offset = int(rng.gauss(0, 12))
        day = item.due_date + timedelta(days=offset)
        earliest = item.issue_date + timedelta(days=1)
        return max(day, earliest)

    def line(
        self,
        amount: int,
        currency: str,
        received: date,
        payer: tuple[str | None, str | None],
        remittance: str | None,
        creditor_reference: str | None = None,
        end_to_end_id: str | None = None,
    ) -> BankLine:
        pid = self.next_payment_id
        self.next_payment_id += 1
        return BankLine(
            payment_id=pid,
            amount_minor=amount,
            currency=currency,
            received_on=received,
            payer_name=payer[0],
            payer_iban=payer[1],
            remittance=remittance,
            creditor_reference=creditor_reference,
            end_to_end_id=end_to_end_id
            or ("NOTPROVIDED" if self.rng.random() < 0.5 else _random_ref(self.rng)),
        )

    def make_lines(self) -> tuple[list[BankLine], dict[int, Label]]:
        rng = self.rng
        lines: list[BankLine] = []
        labels: dict[int, Label] = {}
        classes = list(NOISE_WEIGHTS)
        weights = [NOISE_WEIGHTS[c] for c in classes]
        makers = {name: getattr(self, f"_line_{name}") for name in classes}
        while len(lines) < self.n_lines:
            noise = rng.choices(classes, weights)[0]
            made = makers[noise]()
            if made is None:
                continue
            line, allocations = made
            lines.append(line)
            labels[line.payment_id] = Label(tuple(sorted(allocations)), noise)
        return lines, labels

    def _take(self, item: OpenItem) -> None:
        self.used.add(item.invoice_id)

    def _simple(
        self,
        item: OpenItem,
        rendered: str,
        *,
        amount: int | None = None,
        received: date | None = None,
        payer: tuple[str | None, str | None] | None = None,
        long_text: bool = False,
    ) -> BankLine:
        customer = self.customer(item.customer_id)
        payer = payer or self.payer_fields(customer)
        remittance = _remittance(self.rng, [rendered], payer[0], long_text=long_text)
        return self.line(
            item.open_minor if amount is None else amount,
            item.currency,
            received or self.received_on(item),
            payer,
            remittance,
        )

    # One method per noise class; each returns (line, allocations) or None.

    def _line_exact_reference(self):
        item = self.pick_item()
        if item is None:
            return None
        self._take(item)
        return self._simple(item, _render(self.rng, item.number, "exact")), [
            (item.invoice_id, item.open_minor)
        ]

    def _line_rf_reference(self):
        item = self.pick_item(lambda i: i.payment_reference is not None)
        if item is None:
            return None
        self._take(item)
        customer = self.customer(item.customer_id)
        payer = self.payer_fields(customer)
        if self.rng.random() < 0.7:
            line = self.line(
                item.open_minor,
                item.currency,
                self.received_on(item),
                payer,
                None,
                creditor_reference=item.payment_reference,
            )
        else:
            printed = rf.format_printed(item.payment_reference or "")
            line = self.line(
                item.open_minor,
                item.currency,
                self.received_on(item),
                payer,
                _remittance(self.rng, [printed], payer[0]),
            )
        return line, [(item.invoice_id, item.open_minor)]

    def _line_reformatted_reference(self):
        item = self.pick_item()
        if item is None:
            return None
        self._take(item)
        style = self.rng.choice(["separators", "no_prefix", "no_zeros", "lower", "glued"])
        return self._simple(item, _render(self.rng, item.number, style)), [
            (item.invoice_id, item.open_minor)
        ]

    def _line_typo_reference(self):
        item = self.pick_item()
        if item is None:
            return None
        self._take(item)
        typo = _typo(self.rng, item.number)
        return self._simple(item, typo), [(item.invoice_id, item.open_minor)]

    def _line_buried_reference(self):
        item = self.pick_item()
        if item is None:
            return None
        self._take(item)
        rendered = _render(self.rng, item.number, self.rng.choice(["exact", "exact", "separators"]))
        return self._simple(item, rendered, long_text=True), [(item.invoice_id, item.open_minor)]

    def _line_multi_invoice(self):
        rng = self.rng
        first = self.pick_item(lambda i: len(self.items_by_customer[i.customer_id]) >= 3)
        if first is None:
            return None
        pool = [
            i
            for i in self.items_by_customer[first.customer_id]
            if i.invoice_id not in self.used
            and i.currency == first.currency
            and i.invoice_id != first.invoice_id
            and (i.open_minor > 0 or i.kind == CREDIT_NOTE)
        ]
        invoices = [i for i in pool if i.kind != CREDIT_NOTE]
        if not invoices:
            return None
        chosen = [first] + rng.sample(invoices, min(len(invoices), rng.randint(1, 4)))
        notes = [i for i in pool if i.kind == CREDIT_NOTE]
        if notes and rng.random() < 0.5:
            chosen.append(notes[0])
        total = sum(i.open_minor for i in chosen)
        if total <= 0:
            return None
        for i in chosen:
            self._take(i)
        chosen.sort(key=lambda i: i.number)
        style = rng.random()
        if style < 0.55:
            refs = [
                _render(rng, i.number, rng.choice(["exact", "exact", "separators"])) for i in chosen
            ]
        elif style < 0.8:
            # "FA-2025-000123/124/130": later numbers by their last digits only.
            refs = [_render(rng, chosen[0].number, "exact")] + [
                _tail_of(i.number) for i in chosen[1:]
            ]
        else:
            refs = []  # "FACTURES MARS": the amount and the payer must do
        customer = self.customer(first.customer_id)
        payer = self.payer_fields(customer)
        remittance = _remittance(rng, refs, payer[0], multi=True)
        received = max(self.received_on(i) for i in chosen)
        line = self.line(total, first.currency, received, payer, remittance)
        return line, [(i.invoice_id, i.open_minor) for i in chosen]

    def _line_partial_payment(self):
        item = self.pick_item(lambda i: i.open_minor >= 2000)
        if item is None:
            return None
        self._take(item)
        share = (
            self.rng.choice([0.25, 0.3, 0.5, 0.5, 0.6, 0.75])
            if self.rng.random() < 0.6
            else self.rng.uniform(0.1, 0.9)
        )
        amount = max(100, int(item.open_minor * share) // 100 * 100)
        if amount >= item.open_minor:
            amount = item.open_minor // 2
        rendered = _render(self.rng, item.number, self.rng.choice(["exact", "exact", "separators"]))
        text = f"{rendered} ACOMPTE" if self.rng.random() < 0.4 else rendered
        return self._simple(item, text, amount=amount), [(item.invoice_id, amount)]

    def _line_fees_deducted(self):
        item = self.pick_item(lambda i: i.open_minor >= 10000)
        if item is None:
            return None
        self._take(item)
        fee = self.rng.choice([150, 250, 500, 800, 1000, 1250, 1500, 2000, 2500])
        fee = min(fee, item.open_minor // 20)
        amount = item.open_minor - fee
        rendered = _render(self.rng, item.number, self.rng.choice(["exact", "separators"]))
        return self._simple(item, rendered, amount=amount), [(item.invoice_id, amount)]

    def _discounted(self, late: bool):
        item = self.pick_item(lambda i: bool(i.discount_bp) and i.open_minor == i.total_minor)
        if item is None:
            return None
        self._take(item)
        assert item.discount_bp is not None and item.discount_days is not None
        discount = (item.total_minor * item.discount_bp + 5000) // 10000
        amount = item.open_minor - discount
        if late:
            received = item.issue_date + timedelta(
                days=item.discount_days + self.rng.randint(4, 40)
            )
        else:
            received = item.issue_date + timedelta(days=self.rng.randint(1, item.discount_days))
        rendered = _render(self.rng, item.number, self.rng.choice(["exact", "separators"]))
        text = (
            f"{rendered} ESCOMPTE {item.discount_bp // 100}%"
            if self.rng.random() < 0.3
            else rendered
        )
        return self._simple(item, text, amount=amount, received=received), [
            (item.invoice_id, amount)
        ]

    def _line_discount_taken(self):
        return self._discounted(late=False)

    def _line_discount_too_late(self):
        return self._discounted(late=True)

    def _line_wrong_amount(self):
        rng = self.rng
        item = self.pick_item(lambda i: i.open_minor >= 1000)
        if item is None:
            return None
        self._take(item)
        kind = rng.random()
        if kind < 0.4:
            amount = _swap_digits(rng, item.open_minor)
        elif kind < 0.7:
            amount = item.open_minor - rng.randint(1, 9) * 10 ** rng.randint(2, 4)
        else:
            amount = int(item.open_minor * rng.uniform(0.5, 1.5))
        amount = max(100, amount)
        if amount == item.open_minor:
            amount += 100
        rendered = _render(rng, item.number, rng.choice(["exact", "separators"]))
        return self._simple(item, rendered, amount=amount), [
            (item.invoice_id, min(amount, item.open_minor))
        ]

    def _line_third_party_payer(self):
        rng = self.rng
        item = self.pick_item()
        if item is None:
            return None
        customer = self.customer(item.customer_id)
        relatives = self.relatives(customer)
        self._take(item)
        if relatives and rng.random() < 0.6:
            relative = rng.choice(relatives)
            payer = self.payer_fields(relative)
        else:
            payer = (rng.choice(_FACTORS), make_iban(rng, "FR"))
        rendered = _render(
            rng, item.number, rng.choice(["exact", "exact", "separators", "no_prefix"])
        )
        return self._simple(item, rendered, payer=payer), [(item.invoice_id, item.open_minor)]

    def _line_no_reference(self):
        rng = self.rng
        item = self.pick_item()
        if item is None:
            return None
        self._take(item)
        customer = self.customer(item.customer_id)
        payer = self.payer_fields(customer, known_iban_share=0.85)
        text = rng.choice(
            [
                None,
                "",
                "VIREMENT",
                "PAIEMENT",
                "REGLEMENT FACTURE",
                "VIR SEPA",
                "FACTURE DU MOIS",
                f"VIR {payer[0] or ''}".strip(),
                "PAYMENT",
                "ZAHLUNG",
                "MERCI",
            ]
        )
        line = self.line(item.open_minor, item.currency, self.received_on(item), payer, text)
        return line, [(item.invoice_id, item.open_minor)]

    def _line_direct_debit(self):
        rng = self.rng
        item = self.pick_item(lambda i: i.currency == "EUR")
        if item is None:
            return None
        chosen = [item]
        if rng.random() < 0.3:
            others = [
                i
                for i in self.items_by_customer[item.customer_id]
                if i.invoice_id not in self.used
                and i.invoice_id != item.invoice_id
                and i.open_minor > 0
                and i.currency == "EUR"
                and i.kind != CREDIT_NOTE
            ]
            chosen += others[:2]
        for i in chosen:
            self._take(i)
        e2e = f"ARAPI-DD-{self.seed % 1000:03d}{len(self.direct_debits) + 1:07d}"
        self.direct_debits[e2e] = tuple(i.invoice_id for i in chosen)
        customer = self.customer(item.customer_id)
        payer = self.payer_fields(customer)
        total = sum(i.open_minor for i in chosen)
        line = self.line(
            total,
            "EUR",
            item.due_date,
            payer,
            f"PRLV SEPA {_fold_upper(customer.name)[:30]}",
            end_to_end_id=e2e,
        )
        return line, [(i.invoice_id, i.open_minor) for i in chosen]

    def _line_overpayment(self):
        item = self.pick_item()
        if item is None:
            return None
        self._take(item)
        extra = self.rng.choice([100, 1000, 5000, item.open_minor])
        rendered = _render(self.rng, item.number, self.rng.choice(["exact", "separators"]))
        return self._simple(item, rendered, amount=item.open_minor + extra), [
            (item.invoice_id, item.open_minor)
        ]

    def _line_unknown_invoice(self):
        rng = self.rng
        customer = rng.choice(self.customers)
        series, counter = rng.choice(self.future_numbers)
        received = TODAY + timedelta(days=rng.randint(-5, 5))
        number = series.render(counter, received)
        payer = self.payer_fields(customer)
        amount = (
            customer.recurring_amount
            if customer.recurring_amount and rng.random() < 0.5
            else _amount(rng)
        )
        text = (
            _remittance(rng, [_render(rng, number, "exact")], payer[0])
            if rng.random() < 0.8
            else "ACOMPTE COMMANDE"
        )
        line = self.line(amount, "EUR", received, payer, text)
        return line, []


# ---------------------------------------------------------------- noise


def _amount(rng: random.Random) -> int:
    """A TTC amount in cents: lognormal around a few hundred euros, some round figures."""
    ht = int(rng.lognormvariate(6.2, 1.3) * 100)
    ht = max(1500, min(ht, 25_000_000))
    if rng.random() < 0.25:
        ht = ht // 10000 * 10000 or 10000
    return ht * 6 // 5  # 20 % VAT


def _compact(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def _tail_of(number: str) -> str:
    digits = ""
    for ch in reversed(number):
        if not ch.isdigit():
            break
        digits = ch + digits
    return str(int(digits)) if digits else number


def _render(rng: random.Random, number: str, style: str) -> str:
    """How a person or a bank re-types an invoice number."""
    if style == "exact":
        return number
    if style == "separators":
        sep = rng.choice([" ", "", "/", ".", "-"])
        out, prev = [], ""
        for ch in number:
            if ch in "-/._ ":
                out.append(sep)
                prev = sep
                continue
            if prev and prev.isalpha() != ch.isalpha() and rng.random() < 0.3:
                out.append(sep)
            out.append(ch)
            prev = ch
        return "".join(out)
    if style == "no_prefix":
        i = 0
        while i < len(number) and not number[i].isdigit():
            i += 1
        return number[i:].lstrip("-/ ") or number
    if style == "no_zeros":
        parts, current, result = [], "", []
        for ch in number:
            if ch.isdigit():
                current += ch
            else:
                if current:
                    parts.append(current)
                    result.append(str(int(current)))
                    current = ""
                result.append(ch)
        if current:
            result.append(str(int(current)))
        return "".join(result)
    if style == "lower":
        return number.lower()
    if style == "glued":
        return _compact(number)
    raise ValueError(style)


def _typo(rng: random.Random, number: str) -> str:
    """One mistake a person makes typing a reference."""
    positions = [i for i, ch in enumerate(number) if ch.isdigit()]
    if not positions:
        return number
    kind = rng.choice(["substitute", "substitute", "swap", "drop", "insert", "letter"])
    i = rng.choice(positions)
    if kind == "substitute":
        return (
            number[:i] + rng.choice([d for d in "0123456789" if d != number[i]]) + number[i + 1 :]
        )
    if kind == "swap":
        pairs = [
            p
            for p in positions
            if p + 1 < len(number) and number[p + 1].isdigit() and number[p] != number[p + 1]
        ]
        if pairs:
            p = rng.choice(pairs)
            return number[:p] + number[p + 1] + number[p] + number[p + 2 :]
        return number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
    if kind == "drop":
        return number[:i] + number[i + 1 :]
    if kind == "insert":
        return number[:i] + str(rng.randrange(10)) + number[i:]
    lookalike = {"0": "O", "1": "I", "5": "S", "8": "B"}
    candidates = [p for p in positions if number[p] in lookalike]
    if candidates:
        p = rng.choice(candidates)
        return number[:p] + lookalike[number[p]] + number[p + 1 :]
    return number[:i] + str((int(number[i]) + 3) % 10) + number[i + 1 :]


def _swap_digits(rng: random.Random, amount: int) -> int:
    text = str(amount)
    if len(text) < 3:
        return amount + 100
    i = rng.randrange(len(text) - 1)
    swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return int(swapped) if swapped != text else amount + 1000


def _bank_name(rng: random.Random, name: str) -> str:
    """A company name as it arrives on a bank statement."""
    text = name
    roll = rng.random()
    if roll < 0.15:
        words = text.split()
        if len(words) > 1 and words[-1].replace(".", "").isalpha() and len(words[-1]) <= 6:
            text = " ".join(words[:-1])  # legal form dropped
    elif roll < 0.25:
        text = "STE " + text
    elif roll < 0.32:
        text = (
            text.replace(" et ", " & ")
            .replace("Transports", "TRANSP")
            .replace("Distribution", "DISTRIB")
        )
    elif roll < 0.38:
        words = text.split()
        if len(words) > 2:
            text = " ".join(words[1:] + words[:1])  # legal form or word moved
    elif roll < 0.44:
        letters = [i for i, ch in enumerate(text) if ch.isalpha()]
        if letters:
            i = rng.choice(letters[1:] or letters)
            text = text[:i] + text[i + 1 :]  # a letter lost
    if rng.random() < 0.75:
        text = _fold_upper(text)
    if rng.random() < 0.3:
        text = text.replace(".", "").replace(",", "")
    limit = rng.choice([32, 35, 70, 140, 140])
    return text[:limit].strip()


def _random_ref(rng: random.Random) -> str:
    return "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.randint(10, 16))
    )


_NOISE_WORDS = ["CDE", "COMMANDE", "BC", "PO", "CLIENT", "CPTE", "DOSSIER", "LOT", "CONTRAT"]


def _remittance(
    rng: random.Random,
    refs: list[str],
    payer_name: str | None,
    *,
    long_text: bool = False,
    multi: bool = False,
) -> str:
    """Remittance text in the shapes banks and accounting software produce."""
    joined = _join_refs(rng, refs)
    if multi and not refs:
        return rng.choice(
            ["FACTURES MARS", "REGLEMENT RELEVE", "PAIEMENT FACTURES", "VIR GROUPE", "SETTLEMENT"]
        )
    if not long_text:
        shape = rng.randrange(10)
        date_text = (TODAY - timedelta(days=rng.randint(0, 90))).strftime("%d/%m/%Y")
        if shape == 0:
            return joined
        if shape == 1:
            return f"VIR SEPA {(payer_name or '')[:20]} /INV/{joined}".replace("  ", " ")
        if shape == 2:
            return f"PAIEMENT FACT {joined}"
        if shape == 3:
            return f"REGLEMENT FACTURE N° {joined} DU {date_text}"
        if shape == 4:
            return f"/ROC/{joined}"
        if shape == 5:
            return f"FACTURE {joined}" + (
                " ET " + "SUIVANTES" if multi and rng.random() < 0.2 else ""
            )
        if shape == 6:
            return f"Rechnung {joined} vom {date_text}"
        if shape == 7:
            return f"INVOICE {joined} PAYMENT"
        if shape == 8:
            return f"FACTURES {joined}" if multi else f"REGLT {joined}"
        return f"{joined} {rng.choice(['MERCI', 'SOLDE', 'REGLEMENT'])}"
    pieces = [
        rng.choice(
            ["VIR SEPA RECU", "VIREMENT RECU", "VIR INST", "SEPA CREDIT TRANSFER", "VIR SEPA"]
        ),
        f"/DE {(payer_name or 'INCONNU')[:35]}",
        f"/MOTIF {rng.choice(['REGLEMENT', 'PAIEMENT', 'PAYMENT', 'ZAHLUNG'])}",
    ]
    extras = [
        f"{rng.choice(_NOISE_WORDS)} {rng.randint(4500000000, 4599999999)}",
        f"{rng.choice(_NOISE_WORDS)} {rng.randint(1000, 99999)}",
        f"DU {(TODAY - timedelta(days=rng.randint(0, 90))).strftime('%d/%m/%Y')}",
        f"MONTANT {rng.randint(10, 9999)},{rng.randint(0, 99):02d} EUR",
        f"/REF {_random_ref(rng)}",
        f"CLIENT C{rng.randint(1000, 99999):05d}",
    ]
    rng.shuffle(extras)
    insert_at = rng.randint(0, 3)
    body = (
        extras[:insert_at]
        + [f"FACTURE {joined}" if rng.random() < 0.6 else joined]
        + extras[insert_at:]
    )
    return " ".join(pieces + body)[:140]


def _join_refs(rng: random.Random, refs: list[str]) -> str:
    if not refs:
        return ""
    if len(refs) == 1:
        return refs[0]
    sep = rng.choice([" ", ", ", " + ", " / ", " ET ", ";"])
    return sep.join(refs)


# ---------------------------------------------------------------- entry point


def generate(
    seed: int, n_customers: int | None = None, n_invoices: int = 10_000, n_lines: int = 1_000
) -> Dataset:
    """A labelled data set: customers, open items, bank lines and the right answers."""
    if n_customers is None:
        n_customers = max(20, n_invoices // 12)
    gen = _Generator(seed, n_customers, n_invoices, n_lines)
    gen.make_customers()
    gen.make_series()
    gen.make_invoices()
    lines, labels = gen.make_lines()
    customers = tuple(
        CustomerProfile(
            customer_id=c.customer_id,
            name=c.name,
            name_variants=tuple(c.variants),
            ibans=tuple(c.ibans),
            parent_id=c.parent_id,
        )
        for c in gen.customers
    )
    return Dataset(
        customers=customers,
        open_items=tuple(gen.items),
        lines=tuple(lines),
        labels=labels,
        direct_debits=dict(gen.direct_debits),
        seed=seed,
    )
