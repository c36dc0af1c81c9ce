"""Step: interest accrued and not yet due, at the day-end (lms.core.accrual): the running
installment's interest pro rata of its period's days passed, cumulative, so the day's amount
is the difference of two days' figures and no sub-paisa residue is ever lost.

It is worked out and booked in the ledger (accrued interest against income), with the figure
kept on the loan, every day or only at month ends, as $LMS_ACCRUAL_POSTING says (daily,
monthly; default monthly, which keeps a million loans' daily close fast; `lms simulate` shows
the figure for any day). An NPA accrues nothing (RBI: income on an NPA is recognised only when
received). A loan upgraded in the middle of a period accrues the running installment from the
period's start, days as an NPA included: that installment falls due on a standard account, when
all of its interest is income anyway, so accrual only brings the same income to the month end.

The day's entry is the new figure less what is booked (kept on the loan), so a revision that
changed the running installment's interest after an accrual is corrected at the next one.

Set-based: one query finds each loan's running installment and the period it runs in; the
figures are written in one statement, the entries and their lines in two more (on PostgreSQL
the lines worked out by the database from the accrual rule: lms.ledger.set_based).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from lms.core.accrual import accrued_for
from lms.ledger import rules
from lms.ledger.linear import LinearRule
from lms.ledger.service import post_entries
from lms.ledger.set_based import post_linear_sql
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import update_rows
from lms.platform.settings import get_settings
from lms.servicing.models import Loan, LoanInstallment

NAME = "accrue"
KEY = "loan"
_LOANS = Loan.metadata.tables["loans"]


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if not (
        get_settings().accrual_posting == "daily" or (day + timedelta(days=1)).month != day.month
    ):
        return 0  # booked at month ends only: nothing to do today
    if uow.session.get_bind().dialect.name == "postgresql":
        return _in_the_database(uow, day, low, high)
    periods = (
        select(
            LoanInstallment.loan_id.label("loan"),
            func.min(case((LoanInstallment.due_date > day, LoanInstallment.due_date))).label("due"),
            func.max(case((LoanInstallment.due_date <= day, LoanInstallment.due_date))).label(
                "since"
            ),
        )
        .where(LoanInstallment.loan_id.between(low, high))
        .group_by(LoanInstallment.loan_id)
        .subquery()
    )
    rows = uow.session.execute(
        select(
            Loan.id,
            func.coalesce(periods.c.since, Loan.interest_from, Loan.disbursed_on),
            periods.c.due,
            LoanInstallment.interest,
            Loan.accrued_interest,
            Loan.interest_posted_through,
        )
        .join(periods, periods.c.loan == Loan.id)
        .join(
            LoanInstallment,
            (LoanInstallment.loan_id == Loan.id) & (LoanInstallment.due_date == periods.c.due),
        )
        .where(
            Loan.id.between(low, high),  # the range on both tables: only the partition is read
            LoanInstallment.loan_id.between(low, high),
            Loan.status == "active",
            (Loan.asset_class.is_(None)) | (Loan.asset_class != "NPA"),
        )
    ).all()
    figures, entries = [], []
    for loan_id, start, due, interest, booked, raised_to in rows:
        raised = raised_to is not None and due <= raised_to  # a payment raised it already
        amount = Decimal(0) if raised else accrued_for(interest, start, due, day)
        before = Decimal(booked or 0)  # what is booked (its due raised: zeroed then)
        if amount != before:
            entries.append(rules.accrual(str(loan_id), day, amount - before))
        figures.append({"id": loan_id, "accrued_interest": amount, "accrued_through": day})
    update_rows(uow, _LOANS, ("id",), figures)
    post_entries(uow, entries, posting_date=day)
    return len(figures)


# the accrual rule (lms.ledger.rules.accrual), written by the database for the whole partition
ACCRUAL = LinearRule.of(lambda loan, day, amounts: rules.accrual(loan, day, amounts[0]), 1)

# PostgreSQL: the same figures as `run`'s loop, worked out by the database: each loan's running
# installment and period (two probes of the (loan, due date) index per loan), `accrued_for` (its interest pro rata of the days passed, rounded half
# up to the paisa, as lms.core.money.Rounding() does; the division is exact to far more places
# than a tie needs), what is booked, and a payment having raised the due already.
_FIGURES = """
CREATE TEMPORARY TABLE _accrual AS
WITH running AS (
    SELECT l.id, coalesce(p.since, l.interest_from, l.disbursed_on) AS start, n.due_date AS due,
           n.interest, coalesce(l.accrued_interest, 0) AS booked, l.interest_posted_through
    FROM loans l
    CROSS JOIN LATERAL (
        SELECT i.due_date, i.interest FROM loan_installments i
        WHERE i.loan_id = l.id AND i.due_date > %(day)s ORDER BY i.due_date LIMIT 1
    ) AS n
    LEFT JOIN LATERAL (
        SELECT max(i.due_date) AS since FROM loan_installments i
        WHERE i.loan_id = l.id AND i.due_date <= %(day)s
    ) AS p ON true
    WHERE l.id BETWEEN %(low)s AND %(high)s AND l.status = 'active'
      AND (l.asset_class IS NULL OR l.asset_class <> 'NPA')
)
SELECT id, booked, CASE
    WHEN interest_posted_through IS NOT NULL AND due <= interest_posted_through THEN 0
    WHEN %(day)s <= start OR due <= start THEN 0
    ELSE round(interest * least(%(day)s - start, due - start) / (due - start), 2)
  END::numeric(18, 4) AS amount
FROM running
"""


def _in_the_database(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """`run` on PostgreSQL: figures, loans and entries in four statements, no row in Python."""
    connection = uow.session.connection()
    params = {"day": day, "low": low, "high": high}
    connection.exec_driver_sql(_FIGURES, params)
    connection.exec_driver_sql(
        "UPDATE loans AS t SET accrued_interest = a.amount, accrued_through = %(day)s"
        " FROM _accrual AS a WHERE t.id = a.id AND t.id BETWEEN %(low)s AND %(high)s",
        params,
    )
    post_linear_sql(
        uow, ACCRUAL,
        "SELECT id::text AS loan_id, %(day)s::date AS value_date, amount - booked AS a0"
        " FROM _accrual WHERE amount <> booked ORDER BY id",
        params, posting_date=day,
    )  # fmt: skip
    count = connection.exec_driver_sql("SELECT count(*) FROM _accrual").scalar_one()
    connection.exec_driver_sql("DROP TABLE _accrual")
    return int(count)
