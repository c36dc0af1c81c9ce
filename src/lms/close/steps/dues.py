"""Step: raise the interest of installments falling due (up to today, for loans whose dues
were last raised before): each becomes receivable and is recognised as income, one entry per
loan and due date by the same rule and split as the servicing layer (lms.ledger.postings),
keyed by its due date so that a backdated event can restate it.

Set-based: one query finds the partition's dues, the loans' `interest_posted_through` is
moved on in one statement, guarded (a loan a payment raised meanwhile keeps the payment's
entry), and the entries of the loans it moved are written in two (on PostgreSQL the lines
worked out by the database from the rule: lms.ledger.set_based). Guarantee: a due date is
raised once (the loan's `interest_posted_through` moves past it in the same transaction); on
an NPA it is held in suspense, not income; the accrual the close booked for the running
installment (lms.close.steps.accrue, kept on the loan) leaves the accrued account with its
first due instead of being recognised twice, and the loan's booked accrual becomes zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.ledger import rules
from lms.ledger.linear import LinearRule
from lms.ledger.rules import JournalEntry
from lms.ledger.service import post_entries
from lms.ledger.set_based import post_linear_sql
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import update_rows
from lms.servicing.models import Loan, LoanInstallment

NAME = "dues"
KEY = "loan"

_LOANS = Loan.metadata.tables["loans"]


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if uow.session.get_bind().dialect.name == "postgresql":
        return _in_the_database(uow, day, low, high)
    entries: dict[int, list[JournalEntry]] = {}
    raised: dict[int, dict[str, Any]] = {}
    for loan_id, due, interest, cls, accrued, was_raised in _dues(uow, day, low, high):
        figures = raised.setdefault(
            loan_id, {"id": loan_id, "accrued_interest": Decimal(0), "was": was_raised}
        )
        figures["interest_posted_through"] = due
        if interest:  # the same rule and split as servicing (lms.ledger.postings._dues): the
            taken = Decimal(accrued or 0) if loan_id not in entries else Decimal(0)  # first
            entry = rules.interest_due(  # due with interest takes the booked accrual
                str(loan_id), due, Decimal(interest), npa=cls == "NPA", accrued=taken
            )
            entries.setdefault(loan_id, []).append(entry)
    # a loan a payment raised meanwhile (it was not locked while read) is left to the payment
    won = set(
        update_rows(
            uow, _LOANS, ("id",), list(raised.values()),
            guard={"interest_posted_through": "was"},
        )
    )  # fmt: skip
    post_entries(uow, [e for k in sorted(won) for e in entries.get(k, [])], posting_date=day)
    return len(won)


def _interest_due(npa: bool) -> LinearRule:
    """The rule of interest falling due (lms.ledger.rules.interest_due), amounts (interest,
    accrual taken), for a standard loan or an NPA."""
    return LinearRule.of(
        lambda loan, due, a: rules.interest_due(loan, due, a[0], npa=npa, accrued=a[1]), 2
    )


INTEREST_DUE = {False: _interest_due(False), True: _interest_due(True)}


def _dues(uow: UnitOfWork, day: date, low: int, high: int) -> list[tuple[Any, ...]]:
    """(loan, due date, interest, class, accrual booked, raised through) of every installment
    of the partition due by `day` and not yet raised, by loan and due date."""
    loan_columns = (Loan.asset_class, Loan.accrued_interest, Loan.interest_posted_through)
    found = uow.session.execute(
        select(
            LoanInstallment.loan_id,
            LoanInstallment.due_date,
            func.sum(LoanInstallment.interest),
            *loan_columns,
        )
        .join(Loan, Loan.id == LoanInstallment.loan_id)
        .where(  # each loan's installments after its last raised due, by the (loan, due
            Loan.id.between(low, high),  # date) index: the range is given for both tables so
            LoanInstallment.loan_id.between(low, high),  # the database reads only the partition
            Loan.status == "active",
            LoanInstallment.due_date <= day,
            LoanInstallment.due_date
            > func.coalesce(Loan.interest_posted_through, Loan.disbursed_on),
        )
        .group_by(LoanInstallment.loan_id, LoanInstallment.due_date, *loan_columns)
        .order_by(LoanInstallment.loan_id, LoanInstallment.due_date)
    ).all()
    return [tuple(row) for row in found]


# PostgreSQL: `run` worked out by the database, the same query, guard and split: the dues of
# the partition; the loans moved on (guarded); the entries of those loans, the first due with
# interest of each taking its booked accrual.
_DUES = """
CREATE TEMPORARY TABLE _dues AS
SELECT i.loan_id, i.due_date, sum(i.interest) AS interest, l.asset_class,
       coalesce(l.accrued_interest, 0) AS accrued, l.interest_posted_through AS was
FROM loan_installments i JOIN loans l ON l.id = i.loan_id
WHERE l.id BETWEEN %(low)s AND %(high)s AND i.loan_id BETWEEN %(low)s AND %(high)s
  AND l.status = 'active' AND i.due_date <= %(day)s
  AND i.due_date > coalesce(l.interest_posted_through, l.disbursed_on)
GROUP BY i.loan_id, i.due_date, l.asset_class, l.accrued_interest, l.interest_posted_through
"""
_MOVED = """
WITH moved AS (
    UPDATE loans AS t SET interest_posted_through = d.last, accrued_interest = 0
    FROM (SELECT loan_id, max(due_date) AS last, was FROM _dues GROUP BY loan_id, was) AS d
    WHERE t.id = d.loan_id AND t.interest_posted_through IS NOT DISTINCT FROM d.was
      AND t.id BETWEEN %(low)s AND %(high)s
    RETURNING t.id
) INSERT INTO _won SELECT id FROM moved
"""
_ENTRIES = """
SELECT d.loan_id::text AS loan_id, d.due_date AS value_date, d.interest AS a0,
       CASE WHEN row_number() OVER (PARTITION BY d.loan_id ORDER BY d.due_date) = 1
            THEN d.accrued ELSE 0 END AS a1
FROM _dues AS d JOIN _won AS w ON w.id = d.loan_id
WHERE d.interest <> 0 AND coalesce(d.asset_class = 'NPA', false) = %(npa)s
ORDER BY d.loan_id, d.due_date
"""


def _in_the_database(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """`run` on PostgreSQL, no row in Python."""
    connection = uow.session.connection()
    params: dict[str, Any] = {"day": day, "low": low, "high": high}
    _read_dues(uow, params)
    connection.exec_driver_sql("CREATE TEMPORARY TABLE _won (id integer PRIMARY KEY)")
    connection.exec_driver_sql(_MOVED, params)
    for npa, rule in INTEREST_DUE.items():
        post_linear_sql(uow, rule, _ENTRIES, {"npa": npa}, posting_date=day)
    won = connection.exec_driver_sql("SELECT count(*) FROM _won").scalar_one()
    connection.exec_driver_sql("DROP TABLE _dues, _won")
    return int(won)


def _read_dues(uow: UnitOfWork, params: dict[str, Any]) -> None:
    """The partition's dues into the temporary table _dues (unlocked: a payment may raise one
    before the guarded update, which then leaves that loan to the payment)."""
    uow.session.connection().exec_driver_sql(_DUES, params)
