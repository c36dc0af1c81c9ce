"""The reports finance reads from the ledger and the day-end snapshots, beside those of
lms.close.reports:

- `interest_income`: for a period, by branch: interest income recognised (of which by the
  close's accruals), penal and fee income, what waivers took back, and at the period's end the
  interest accrued not yet due and the income held in suspense on NPAs (RBI income
  recognition).
- `overdue_ageing`: at a closed date, the overdue principal and interest by how long it has
  been overdue (1-30 days ... over a year), with the loans and their principal outstanding.
- `general_ledger`: for a period, each account's opening balance, every line posted to it
  (by value date) with its entry, loan and source, and its closing balance; one account or all.

Guarantees: read only; income is the net credit of the journal lines of entries valued in the
period (a reversal nets against what it reverses); balances are of every entry valued on or
before a day; a caller's branches bound every row (the ledger lines carry their loan; lines of
no loan, such as suspense receipts, are the whole book's and shown only to those who see every
branch); amounts to the paisa (lms.close.dashboards.Table).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, literal, select

from lms.close.dashboards import Scope, Table, scoped
from lms.close.models import LoanSnapshot
from lms.ledger.accounts import Account
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.models import Loan

NAMES = ("interest_income", "overdue_ageing", "general_ledger")
ZERO = Decimal(0)
# how long an amount has been overdue: (label, first day, last day or None)
AGEING = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91-180", 91, 180),
          ("181-365", 181, 365), ("over 365", 366, None))  # fmt: skip
A = Account
_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])


def _net_credit(account: Account, *, where: ColumnElement[bool] | None = None) -> Any:
    """The sum of credits less debits on `account` (of the lines `where` also selects)."""
    line = JournalLineRow
    chosen = line.account == account.value
    if where is not None:
        chosen = and_(chosen, where)
    return func.sum(case((chosen, line.credit - line.debit), else_=literal(0)))


def interest_income(uow: UnitOfWork, scope: Scope, since: date, until: date) -> Table:
    line, entry = JournalLineRow, JournalEntryRow
    period = entry.value_date.between(since, until)
    columns = [
        _net_credit(A.INTEREST_INCOME, where=period),
        _net_credit(A.INTEREST_INCOME, where=and_(period, entry.event == "accrual")),
        _net_credit(A.PENAL_INCOME, where=period),
        _net_credit(A.FEE_INCOME, where=period),
        -_net_credit(A.FEE_INCOME, where=and_(period, entry.event == "charge_waiver"))
        - _net_credit(A.PENAL_INCOME, where=and_(period, entry.event == "charge_waiver")),
        -_net_credit(A.INTEREST_ACCRUED),
        _net_credit(A.INTEREST_SUSPENSE) + _net_credit(A.PENAL_SUSPENSE),
    ]
    query = scoped(
        select(Loan.branch_code, *columns)
        .join(entry, entry.id == line.entry_id)
        .join(Loan, line.loan_id == cast(Loan.id, String))
        .where(entry.value_date <= until)
        .group_by(Loan.branch_code)
        .order_by(Loan.branch_code),
        scope,
    )
    rows = [tuple(v if v is not None else ZERO for v in r) for r in uow.session.execute(query)]
    total = ("total", *(sum((r[k] for r in rows), ZERO) for k in range(1, 8)))
    return Table(
        "interest_income",
        f"Interest income, accrual and suspense {since.isoformat()} to {until.isoformat()}",
        ("branch", "interest_income", "of_which_accrued", "penal_income", "fee_income",
         "waived", "accrued_at_end", "suspense_at_end"),
        [*rows, total], ("bar", "branch", ("interest_income",)),
    )  # fmt: skip


def overdue_ageing(uow: UnitOfWork, scope: Scope, day: date) -> Table:
    if uow.session.scalar(select(LoanSnapshot.day).where(LoanSnapshot.day == day).limit(1)) is None:
        raise InvalidError([("as_of", f"{day.isoformat()} has not been closed")])
    s = LoanSnapshot
    band = case(
        *[(s.dpd <= high, literal(k)) for k, (_, _, high) in enumerate(AGEING) if high],
        else_=literal(len(AGEING) - 1),
    )
    query = scoped(
        select(band, func.count(), func.sum(s.principal_due), func.sum(s.interest_due),
               func.sum(s.principal_outstanding))
        .join(Loan, Loan.id == s.loan_id)
        .where(s.day == day, s.status == "active", s.dpd > 0)
        .group_by(band),
        scope,
    )  # fmt: skip
    found = {
        k: (n, p or ZERO, i or ZERO, o or ZERO) for k, n, p, i, o in uow.session.execute(query)
    }
    rows = []
    for k, (label, _, _) in enumerate(AGEING):
        n, principal, interest, outstanding = found.get(k, (0, ZERO, ZERO, ZERO))
        rows.append((label, n, principal, interest, principal + interest, outstanding))
    total = (
        "total",
        sum(r[1] for r in rows),
        *(sum((r[k] for r in rows), ZERO) for k in (2, 3, 4, 5)),
    )
    return Table("overdue_ageing", f"Overdue ageing at {day.isoformat()}",
                 ("days_overdue", "loans", "principal_overdue", "interest_overdue", "overdue",
                  "principal_outstanding"), [*rows, total],
                 ("bar", "days_overdue", ("overdue",)))  # fmt: skip


def general_ledger(
    uow: UnitOfWork, scope: Scope, since: date, until: date, account: str | None
) -> Table:
    if account is not None and account not in {a.value for a in Account}:
        raise InvalidError([("account", f"must be one of {', '.join(a.value for a in Account)}")])
    line, entry = JournalLineRow, JournalEntryRow
    opening = _bounded(
        select(line.account, func.sum(line.debit - line.credit))
        .join(entry, entry.id == line.entry_id)
        .where(entry.value_date < since)
        .group_by(line.account),
        scope, account,
    )  # fmt: skip
    balances = {a: b or ZERO for a, b in uow.session.execute(opening)}
    lines = _bounded(
        select(line.account, entry.value_date, entry.id, entry.event, line.loan_id,
               entry.source, line.debit, line.credit)
        .join(entry, entry.id == line.entry_id)
        .where(entry.value_date.between(since, until))
        .order_by(line.account, entry.value_date, entry.id, line.id),
        scope, account,
    )  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    current: str | None = None
    for name, day, entry_id, kind, loan, source, debit, credit in uow.session.execute(lines):
        if name != current:
            _close_account(rows, current, balances, until)
            current = name
            rows.append((name, since - timedelta(days=1), None, "opening balance", None, None,
                         None, None, balances.get(name, ZERO)))  # fmt: skip
        balances[name] = balances.get(name, ZERO) + debit - credit
        rows.append((name, day, entry_id, kind, loan, source, debit, credit, balances[name]))
    _close_account(rows, current, balances, until)
    return Table(
        "general_ledger", f"General ledger {since.isoformat()} to {until.isoformat()}",
        ("account", "value_date", "entry", "kind", "loan", "source", "debit", "credit",
         "balance"), rows, ("line", "value_date", ("balance",)),
    )  # fmt: skip


def _close_account(
    rows: list[tuple[Any, ...]], account: str | None, balances: dict[str, Decimal], until: date
) -> None:
    if account is not None:
        closing = balances.get(account, ZERO)
        rows.append((account, until, None, "closing balance", None, None, None, None, closing))


def _bounded(query: _Q, scope: Scope, account: str | None) -> _Q:
    """The journal lines of `query` of one account (if named), within the caller's branches
    (a caller bound to branches sees only the lines of their loans)."""
    if account is not None:
        query = query.where(JournalLineRow.account == account)
    if scope.branch or scope.branches is not None or scope.product_id is not None:
        query = scoped(query.join(Loan, JournalLineRow.loan_id == cast(Loan.id, String)), scope)
    return query
