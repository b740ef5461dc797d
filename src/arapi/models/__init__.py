"""Every ORM model, imported here so that metadata (and alembic) sees them all."""

from arapi.models.customer import Customer, CustomerIban, CustomerPayerName
from arapi.models.event import Event, IdempotencyKey
from arapi.models.invoice import Invoice, InvoiceTaxLine
from arapi.models.matching import MatchProposal
from arapi.models.organization import ApiKey, ApiKeyGrant, Organization
from arapi.models.payment import Allocation, Payment, PaymentReturn
from arapi.models.schedule import Installment, PaymentSchedule, ScheduleInvoice
from arapi.models.statement import BankStatement, ImportFile, StatementEntry

__all__ = [
    "Allocation",
    "ApiKey",
    "ApiKeyGrant",
    "BankStatement",
    "Customer",
    "CustomerIban",
    "CustomerPayerName",
    "Event",
    "IdempotencyKey",
    "ImportFile",
    "Installment",
    "Invoice",
    "InvoiceTaxLine",
    "MatchProposal",
    "Organization",
    "Payment",
    "PaymentReturn",
    "PaymentSchedule",
    "ScheduleInvoice",
    "StatementEntry",
]
