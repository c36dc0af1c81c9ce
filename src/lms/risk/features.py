"""The features of each loan active at a month end, and whether it went bad in the three
months after: the delinquency models' inputs and targets, from the loans' months of behaviour.

A loan's features at month end M read only its rows of months up to M (the last six), the loan's
own terms as booked (rate, principal, product, branch, disbursement) and its borrower's other loans' rows of
month M: nothing after M (a test adds later months and finds the same figures). Set-based: one
aggregate over the months and one over the borrowers, for a range of loan ids or the book.

Targets: `dpd30`, more than 30 days past due (SMA-1 or worse) on some day-end of the three
months after M, for loans at most 30 days past due at M; `dpd90`, more than 90 (an NPA by days
past due), for loans at most 90 past due. A loan written off in those months went bad; one that
closed went bad only if it was that late before closing.

Features are statistical inputs, not amounts: sums of money are turned into ratios in floating
point here (the ledger's figures are never touched); a figure a loan has no data for is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Float, and_, cast, func, select

from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import read_rows
from lms.risk.models import LoanMonth
from lms.risk.months import shift
from lms.servicing.models import Loan

# name, and how a reason code says it (the value is added after a colon)
FEATURES: tuple[tuple[str, str], ...] = (
    ("dpd", "days past due at the month end"),
    ("max_dpd_3m", "most days past due in the last 3 months"),
    ("max_dpd_6m", "most days past due in the last 6 months"),
    ("overdue_days_3m", "days overdue in the last 3 months"),
    ("overdue_days_6m", "days overdue in the last 6 months"),
    ("late_trend", "days overdue, last 3 months less the 3 before"),
    ("months_late_6m", "months paid late, of the last 6"),
    ("partial_months_6m", "months paid in part, of the last 6"),
    ("missed_months_6m", "months with nothing paid of what fell due, of the last 6"),
    ("paid_share_3m", "share of the dues paid in the last 3 months"),
    ("bounces_3m", "payments returned in the last 3 months"),
    ("bounces_6m", "payments returned in the last 6 months"),
    ("broken_promises_6m", "promises to pay broken in the last 6 months"),
    ("excess_share", "unapplied funds held, against the month's dues"),
    ("months_on_book", "months on book"),
    ("installments_left", "installments left"),
    ("outstanding_share", "share of the principal still outstanding"),
    ("rate", "interest rate, percent a year"),
    ("other_loans", "the borrower's other loans"),
    ("borrower_worst_dpd", "the borrower's most days past due on any loan"),
    ("product", "product"),
    ("branch", "branch"),
)
NAMES = tuple(name for name, _ in FEATURES)
CATEGORICAL = ("product", "branch")
TARGETS = {"dpd30": 30, "dpd90": 90}  # the target: more than this many days past due
ZERO = Decimal(0)
HORIZON = 3  # months after the month end in which a loan may go bad


@dataclass(frozen=True)
class Frame:
    """The loans active at a month end, their features (columns in `NAMES` order; `branch` as
    an index into `branches`, `product` as the product id) and their DPD at the month end."""

    month: date
    loan_ids: np.ndarray[Any, np.dtype[np.int64]]
    matrix: np.ndarray[Any, np.dtype[np.float64]]
    branches: tuple[str, ...]

    def column(self, name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return self.matrix[:, NAMES.index(name)]

    def where(self, keep: np.ndarray[Any, np.dtype[np.bool_]]) -> Frame:
        return Frame(self.month, self.loan_ids[keep], self.matrix[keep], self.branches)


def features(
    uow: UnitOfWork, month: date, *, low: int | None = None, high: int | None = None,
    branches: tuple[str, ...] | None = None,
) -> Frame:  # fmt: skip
    """The features of the loans active at month end `month` (ids from `low` to `high`, or
    all), by loan id; `branches` fixes the branch codes' order (a model's own), else sorted."""
    rows = read_rows(uow, _query(month, low, high)).all()
    if not rows:
        return Frame(month, np.empty(0, dtype=np.int64), np.empty((0, len(NAMES))), branches or ())
    people = _borrowers(uow, month, low, high)
    *numbers, customers, codes_of, disbursed = (list(c) for c in zip(*rows, strict=True))
    raw = np.array(numbers, dtype=object)
    raw[raw == None] = np.nan  # noqa: E711 (elementwise: the unknowns)
    c = dict(zip(_NUMBERS, raw.astype(np.float64), strict=True))
    codes = branches if branches is not None else tuple(sorted(set(codes_of)))
    index = {code: n for n, code in enumerate(codes)}
    known = [people.get(k, (1, 0)) for k in customers]
    zero = {k: np.nan_to_num(c[k]) for k in ("max3", "over3", "over6", "bounces3", "paid3", "due3")}
    columns = {
        "dpd": c["dpd"], "max_dpd_3m": zero["max3"], "max_dpd_6m": c["max6"],
        "overdue_days_3m": zero["over3"], "overdue_days_6m": zero["over6"],
        "late_trend": 2 * zero["over3"] - zero["over6"], "months_late_6m": c["late"],
        "partial_months_6m": c["partial"], "missed_months_6m": c["missed"],
        "paid_share_3m": _ratio(zero["paid3"], zero["due3"]), "bounces_3m": zero["bounces3"],
        "bounces_6m": c["bounces6"], "broken_promises_6m": c["broken"],
        "excess_share": _ratio(c["excess"], c["due_now"]),
        "months_on_book": np.array([(month.year - d.year) * 12 + month.month - d.month
                                    for d in disbursed], dtype=np.float64),
        "installments_left": c["left"], "outstanding_share": _ratio(c["outstanding"], c["principal"]),
        "rate": c["rate"], "other_loans": np.array([n - 1 for n, _ in known], dtype=np.float64),
        "borrower_worst_dpd": np.array([w for _, w in known], dtype=np.float64),
        "product": c["product"],
        "branch": np.array([index.get(b, np.nan) for b in codes_of], dtype=np.float64),
    }  # fmt: skip
    matrix = np.column_stack([columns[name] for name in NAMES])
    return Frame(month, c["loan_id"].astype(np.int64), matrix, codes)


# the query's columns before the borrower, branch and disbursement, in order
_NUMBERS = ("loan_id", "dpd", "max3", "max6", "over3", "over6", "late", "partial", "missed",
            "due3", "paid3", "bounces3", "bounces6", "broken", "excess", "due_now",
            "outstanding", "left", "product", "principal", "rate")  # fmt: skip


def _ratio(part: np.ndarray[Any, Any], whole: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """part / whole, NaN where the whole is nought or unknown."""
    safe = np.where((whole == 0) | np.isnan(whole), np.nan, whole)
    return np.asarray(part / safe)


def _query(month: date, low: int | None, high: int | None) -> Any:
    m, recent = LoanMonth, shift(month, -2)
    now, late3 = m.month == month, m.month >= recent
    agg = (
        select(
            m.loan_id,
            func.max(m.dpd).filter(now).label("dpd"),
            func.max(m.max_dpd).filter(late3).label("max3"),
            func.max(m.max_dpd).label("max6"),
            func.sum(m.overdue_days).filter(late3).label("over3"),
            func.sum(m.overdue_days).label("over6"),
            func.count().filter(m.max_dpd > 0).label("late"),
            func.count().filter(and_(m.paid > ZERO, m.paid < m.due)).label("partial"),
            func.count().filter(and_(m.due > ZERO, m.paid == ZERO)).label("missed"),
            _raw(func.sum(m.due).filter(late3)).label("due3"),
            _raw(func.sum(m.paid).filter(late3)).label("paid3"),
            func.sum(m.bounces).filter(late3).label("bounces3"),
            func.sum(m.bounces).label("bounces6"),
            func.sum(m.broken_promises).label("broken"),
            _raw(func.max(m.excess).filter(now)).label("excess"),
            _raw(func.max(m.due).filter(now)).label("due_now"),
            _raw(func.max(m.principal_outstanding).filter(now)).label("outstanding"),
            func.max(m.installments_left).filter(now).label("left"),
        )
        .where(m.month.in_([shift(month, -k) for k in range(6)]))
        .group_by(m.loan_id)
        .having(func.count().filter(and_(now, m.status == "active")) == 1)
    )
    if low is not None and high is not None:
        agg = agg.where(m.loan_id.between(low, high))
    months = agg.subquery()
    return (
        select(
            months, Loan.product_id, _raw(Loan.principal), _raw(Loan.annual_rate), Loan.customer_id,
            Loan.branch_code, Loan.disbursed_on,
        )
        .join(Loan, Loan.id == months.c.loan_id)
        .order_by(months.c.loan_id)
    )  # fmt: skip


def _raw(amount: Any) -> Any:
    """A sum of money as the database holds it, cast to a float by the database (SQLite: in
    ten-thousandths of the unit): only ever divided by another so held, so the scale cancels
    (the features are ratios), and a million values are not made exact Decimals to be thrown
    away."""
    return cast(amount, Float)


def _borrowers(
    uow: UnitOfWork, month: date, low: int | None, high: int | None
) -> dict[int, tuple[int, int]]:
    """Per borrower: their loans active at the month end, and the most days past due of any."""
    m = LoanMonth
    query = (
        select(Loan.customer_id, func.count(), func.max(m.dpd))
        .join(Loan, Loan.id == m.loan_id)
        .where(m.month == month, m.status == "active")
        .group_by(Loan.customer_id)
    )
    if low is not None and high is not None:
        mine = select(Loan.customer_id).where(Loan.id.between(low, high))
        query = query.where(Loan.customer_id.in_(mine))
    return {customer: (count, worst) for customer, count, worst in read_rows(uow, query)}


def outcomes(uow: UnitOfWork, frame: Frame, target: str) -> np.ndarray[Any, np.dtype[np.int8]]:
    """1 for each loan of `frame` that went bad (`target`) in the three months after its month
    end, else 0 (the caller makes sure those months are in the history)."""
    bad = select(LoanMonth.loan_id).where(went_bad(frame.month, target)).distinct()
    went = set(uow.session.scalars(bad))
    return np.array([1 if int(i) in went else 0 for i in frame.loan_ids], dtype=np.int8)


def went_bad(month: date, target: str) -> Any:
    """The condition on a loan's months that it went bad (`target`) in the three months after
    month end `month`: more than the target's days past due, or written off."""
    m = LoanMonth
    return and_(
        m.month.between(shift(month, 1), shift(month, HORIZON)),
        (m.max_dpd > TARGETS[target]) | (m.status == "written_off"),
    )


def eligible(frame: Frame, target: str) -> Frame:
    """The loans of `frame` that can still go bad: at most the target's DPD at the month end."""
    return frame.where(frame.column("dpd") <= TARGETS[target])
