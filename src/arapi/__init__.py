"""arapi: accounts-receivable and credit-management backend."""

__version__ = "0.1.0"
