"""The set-up the servicing tests share: a migrated database with a branch, customers, a product.

Guarantees: `sound` asserts the book proves (as `lms ledger check` does); `open_book` runs the migrations, adds branch `branch`, each customer in
`customers` and one product (code and name ``PL``, wide ranges, no settings unless given),
commits, and returns the session factory bound to `engine`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from decimal import Decimal as D

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lms.db import UnitOfWork, make_session_factory
from lms.db.migrate import upgrade
from lms.ledger.check import account_balances, ledger_problems
from lms.loans.balances import loan_ledger_problems
from lms.loans.catalog import create_branch, create_customer, create_product

WIDE = {"amount": (D(1), D(10**7)), "rate": (D(0), D(36)), "tenure": (1, 60)}


def sound(sessions: sessionmaker[Session], loan_id: int | None = None) -> dict[str, Decimal]:
    """Assert the whole book is sound (entries, trial balance, each loan's ledger = its
    replayed state); returns the account balances of loan `loan_id` (all, if None)."""
    with UnitOfWork(sessions) as uow:
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        return account_balances(uow.session, None if loan_id is None else str(loan_id))


def open_book(
    url: str,
    engine: Engine,
    *,
    branch: tuple[str, str] = ("PUN01", "Pune"),
    customers: Sequence[Mapping[str, str]] = ({"name": "A"},),
    **product: object,
) -> sessionmaker[Session]:
    """Migrate `url` and add the branch, customers and product; `product` overrides keywords."""
    upgrade(url)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        create_branch(uow, code=branch[0], name=branch[1])
        for customer in customers:
            create_customer(uow, branch_code=branch[0], **customer)
        create_product(uow, **{"code": "PL", "name": "PL", "settings": {}, **WIDE, **product})  # type: ignore[arg-type]
        uow.commit()
    return factory
