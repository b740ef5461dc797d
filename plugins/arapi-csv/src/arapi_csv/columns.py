"""The documented columns and the header names (English and French) that mean them.

Header cells are compared after :func:`normalize_label`: case, accents,
spaces and punctuation do not count, so "Date d'échéance", "DATE_ECHEANCE"
and "date echeance" are the same name. README.md lists every alias.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

REQUIRED = ("number", "issue_date", "due_date", "currency", "total_with_tax", "customer_name")
OPTIONAL = (
    "kind",
    "total_without_tax",
    "tax_total",
    "amount_due",
    "customer_ref",
    "customer_siren",
    "customer_siret",
    "customer_vat",
    "customer_country",
    "payment_reference",
    "external_ref",
)
AMOUNT_FIELDS = ("total_with_tax", "total_without_tax", "tax_total", "amount_due")

# Aliases are written readably and normalized once at import time.
ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "number", "invoice number", "invoice no", "invoice num", "invoice #", "invoice", "invoice id",
        "document number", "doc number", "numero", "numéro", "numero facture", "numéro de facture",
        "n° facture", "no facture", "num facture", "facture", "numero piece", "numéro de pièce",
    ),
    "issue_date": (
        "issue date", "invoice date", "date", "document date", "date issued", "issued on",
        "date facture", "date de facture", "date emission", "date d'émission", "date piece",
        "date de pièce",
    ),
    "due_date": (
        "due date", "payment due date", "due", "due on", "echeance", "échéance", "date echeance",
        "date d'échéance", "date limite de paiement", "date de règlement prévue",
    ),
    "currency": ("currency", "currency code", "ccy", "devise", "monnaie", "code devise"),
    "total_with_tax": (
        "total with tax", "total", "total incl tax", "total including tax", "total inc tax",
        "gross amount", "total amount", "invoice total", "amount", "amount incl tax",
        "montant ttc", "total ttc", "ttc", "montant", "montant total", "montant facture",
    ),
    "customer_name": (
        "customer name", "customer", "client", "nom client", "nom du client", "client name",
        "buyer", "buyer name", "acheteur", "raison sociale", "raison sociale client",
    ),
    "kind": ("kind", "type", "document type", "doc type", "type document", "type de document", "type de pièce", "nature"),
    "total_without_tax": (
        "total without tax", "total excl tax", "total excluding tax", "net amount", "subtotal",
        "amount excl tax", "montant ht", "total ht", "ht", "total hors taxes", "montant hors taxes",
    ),
    "tax_total": (
        "tax total", "tax", "tax amount", "vat", "vat amount", "total tax", "tva", "montant tva",
        "total tva", "taxes",
    ),
    "amount_due": (
        "amount due", "balance", "balance due", "open amount", "outstanding", "outstanding amount",
        "remaining", "reste à payer", "reste dû", "restant dû", "solde", "montant dû", "montant restant",
    ),
    "customer_ref": (
        "customer ref", "customer reference", "customer id", "customer code", "customer number",
        "customer account", "code client", "ref client", "référence client", "numéro client",
        "n° client", "compte client", "id client",
    ),
    "customer_siren": ("customer siren", "siren", "siren client", "n° siren"),
    "customer_siret": ("customer siret", "siret", "siret client", "n° siret"),
    "customer_vat": (
        "customer vat", "customer vat id", "customer vat number", "vat id", "vat number",
        "tva intracommunautaire", "n° tva", "numéro de tva", "numéro tva intracommunautaire",
        "tva intracom",
    ),
    "customer_country": ("customer country", "country", "country code", "pays", "pays client", "code pays"),
    "payment_reference": (
        "payment reference", "payment ref", "remittance reference", "référence de paiement",
        "référence paiement", "ref paiement", "structured reference",
    ),
    "external_ref": (
        "external ref", "external reference", "external id", "reference", "ref", "référence",
        "référence externe", "ref externe", "id externe",
    ),
}  # fmt: skip


def normalize_label(label: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive form of a header cell."""
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z#]", "", bare)


_BY_LABEL: dict[str, str] = {}
for _field, _labels in ALIASES.items():
    for _label in (*_labels, _field):
        _key = normalize_label(_label)
        assert _BY_LABEL.get(_key, _field) == _field, f"alias {_label!r} is ambiguous"
        _BY_LABEL[_key] = _field


def field_for(label: str) -> str | None:
    return _BY_LABEL.get(normalize_label(label))


@dataclass(frozen=True, slots=True)
class ColumnMap:
    index: dict[str, int]  # field -> cell index
    label: dict[str, str]  # field -> header text as written
    ignored: tuple[str, ...]  # header cells that mean nothing here
    duplicates: tuple[tuple[str, str, str], ...]  # (field, first label, second label)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f for f in REQUIRED if f not in self.index)


def map_header(header: tuple[str, ...]) -> ColumnMap:
    index: dict[str, int] = {}
    label: dict[str, str] = {}
    ignored: list[str] = []
    duplicates: list[tuple[str, str, str]] = []
    for position, cell in enumerate(header):
        if not cell:
            continue  # trailing separator
        name = field_for(cell)
        if name is None:
            ignored.append(cell)
        elif name in index:
            duplicates.append((name, label[name], cell))
        else:
            index[name] = position
            label[name] = cell
    return ColumnMap(index, label, tuple(ignored), tuple(duplicates))
