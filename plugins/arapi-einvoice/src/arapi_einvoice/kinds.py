"""Invoice or credit note, from the UNTDID 1001 document type code.

The codes below are the credit notes of UNTDID 1001 that EN 16931 allows
(BR-CL-01); every other code, including 384 (corrected invoice, which may
carry negative amounts), 386 (prepayment), 389 (self-billed) and 751, is an
invoice. A UBL ``CreditNote`` root is a credit note whatever its type code.
"""

from __future__ import annotations

CREDIT_NOTE_CODES = frozenset(
    {
        "81",  # credit note related to goods or services
        "83",  # credit note related to financial adjustments
        "261",  # self-billed credit note
        "262",  # consolidated credit note - goods and services
        "296",  # credit note for price variation
        "308",  # delcredere credit note
        "381",  # credit note
        "396",  # factored credit note
        "420",  # optical character reading (OCR) payment credit note
        "458",  # reversal of debit
        "532",  # forwarder's credit note
    }
)

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


def kind_of(type_code: str | None, *, credit_note_root: bool = False) -> str:
    if credit_note_root or (type_code is not None and type_code in CREDIT_NOTE_CODES):
        return CREDIT_NOTE
    return INVOICE
