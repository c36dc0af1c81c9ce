"""The set-up the servicing tests share: a migrated database with a branch, customers, a product.

Guarantees: `entry_totals` sums the journal entries of a kind by account; `sound` asserts the book proves (as `lms ledger check` does); `open_book` runs the migrations, adds branch `branch`, each customer in
`customers` and one product (code and name ``PL``, wide ranges, no settings unless given),
commits, and returns the session factory bound to `engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from decimal import Decimal as D

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_day
from lms.ledger.check import account_balances, ledger_problems
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.catalog import create_branch, create_customer, create_product
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

WIDE = {"amount": (D(1), D(10**7)), "rate": (D(0), D(36)), "tenure": (1, 60)}


def sound(sessions: sessionmaker[Session], loan_id: int | None = None) -> dict[str, Decimal]:
    """Assert the whole book is sound (entries, trial balance, each loan's ledger = its
    replayed state); returns the account balances of loan `loan_id` (all, if None)."""
    with UnitOfWork(sessions) as uow:
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        return account_balances(uow.session, None if loan_id is None else str(loan_id))


def entry_totals(sessions: sessionmaker[Session], kind: str) -> dict[str, Decimal]:
    """Debit-minus-credit by account of all the journal entries of `kind`."""
    with UnitOfWork(sessions) as uow:
        found = uow.session.execute(
            select(JournalLineRow.account, JournalLineRow.debit - JournalLineRow.credit)
            .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
            .where(JournalEntryRow.event == kind)
        ).all()
    totals: dict[str, Decimal] = {}
    for account, amount in found:
        totals[account] = totals.get(account, Decimal(0)) + amount
    return totals


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


SEP26 = date(2026, 9, 26)


def book_of_loans(
    url: str,
    engine: Engine,
    people: Sequence[Mapping[str, str]],
    *,
    business_date: date = date(2026, 11, 26),
    **product: object,
) -> sessionmaker[Session]:
    """`open_book` with one loan per person (loan k is `PL-k` of customer k): 1,00,000 at 12 %
    for 12 months paid out on 26 Sep 2026 (EMI 8,884.88 on the 26th); the business date set."""
    sessions = open_book(url, engine, customers=people, **product)
    with UnitOfWork(sessions) as uow:
        for k in range(1, len(people) + 1):
            request = LoanRequest(f"PL-{k}", "PUN01", k, "PL", D(100000), D(12), 12, SEP26)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=SEP26)
        calendar.set_business_date(uow, business_date)
        uow.commit()
    return sessions


def lived_and_closed(
    sessions: sessionmaker[Session],
    first: date,
    last: date,
    events: Callable[[UnitOfWork, date], None],
) -> None:
    """Each day from `first` to `last`: what `events` does that day, committed, then the day's
    close (which must fail for no loan)."""
    day = first
    while day <= last:
        with UnitOfWork(sessions) as uow:
            events(uow, day)
            uow.commit()
        assert close_day(sessions, day).failures == 0
        day += timedelta(days=1)


def table_contents(url: str, queries: Mapping[str, str]) -> dict[str, list[str]]:
    """Each query's rows, as sorted text (to compare two databases' books)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = {
            name: sorted(repr(tuple(row)) for row in connection.execute(text(query)))
            for name, query in queries.items()
        }
    engine.dispose()
    return found


NOV26 = date(2026, 11, 26)
EMI = D("8884.88")
# (branch, product, paid out on, months paid); None: approved only
LOANS: list[tuple[str, str, date | None, int]] = [
    ("PUN01", "PL", date(2026, 9, 26), 2),
    ("PUN01", "PL", date(2026, 9, 26), 1),
    ("PUN01", "GL", date(2026, 9, 26), 0),
    ("BLR01", "PL", date(2026, 9, 26), 2),
    ("BLR01", "GL", date(2026, 9, 26), 0),
    ("BLR01", "PL", date(2026, 8, 26), 0),
    ("BLR01", "PL", date(2026, 6, 26), 0),
    ("PUN01", "PL", date(2026, 9, 26), 1),
    ("PUN01", "PL", None, 0),
]


def nine_loans_closed(db_url: str, engine: Engine) -> sessionmaker[Session]:
    """The book of the read-side tests (tests/integration/test_reads.py): nine loans of
    1,00,000 at 12 % for 12 months, each of its own borrower "Borrower k", the business date
    26 Nov 2026 closed once (so 27 Nov)."""
    people = [{"name": f"Borrower {k}"} for k in range(1, len(LOANS) + 1)]
    sessions = open_book(db_url, engine, customers=people)
    with UnitOfWork(sessions) as uow:
        create_branch(uow, code="BLR01", name="Bengaluru")
        create_product(uow, code="GL", name="GL", settings={}, **WIDE)  # type: ignore[arg-type]
        for k, (branch, product, paid_out, months) in enumerate(LOANS, start=1):
            day = paid_out or date(2026, 9, 26)
            request = LoanRequest(f"R-{k}", branch, k, product, D(100000), D(12), 12, day)
            loan_id = onboard_loan(uow, request=request).id
            if paid_out is None:
                continue
            disburse_loan(uow, loan_id=loan_id, posting_date=paid_out)
            for month in range(months):
                due = date(2026, 10 + month, 26)
                payment = PaymentRequest(EMI, due, f"R-{k}-{month}", "nach")
                record_payment(uow, loan_id=loan_id, request=payment, posting_date=due)
        calendar.set_business_date(uow, NOV26)
        uow.commit()
    close_day(sessions, NOV26)
    return sessions
