"""Names compare without case on both databases, accented capitals included.

SQLite's own lower() folds ASCII only; arapi gives it Python's, so a buyer
written "ÉLECTRICITÉ DU SUD" in one file finds the customer "Électricité du
Sud" on SQLite as on PostgreSQL, instead of becoming a second customer.
"""

from __future__ import annotations

from arapi.repositories import customers as customer_repo
from tests.helpers import make_customer, make_org


def test_an_accented_name_is_found_whatever_its_case(db):
    viewer = make_org(db)
    with db.write() as s:
        created = make_customer(s, viewer, name="Électricité du Sud")
    with db.read() as s:
        found = customer_repo.by_exact_name(s, viewer.organization_id, "ÉLECTRICITÉ DU SUD")
        searched, _more = customer_repo.page(
            s,
            viewer.organization_id,
            customer_repo.CustomerFilter(search="ÉLECTRI"),
            field="NAME",
            descending=False,
            limit=10,
            after=None,
            before=None,
            forward=True,
        )
    assert found is not None and found.id == created.id
    assert [c.id for c in searched] == [created.id]
