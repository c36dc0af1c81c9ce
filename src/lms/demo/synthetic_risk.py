"""A synthetic book for the risk models' benchmarks and tests at scale: borrowers, loans (their
terms only: no schedules, events or ledger) and each loan's months of behaviour, drawn from a
process in which repayment depends on a hidden, slowly moving stress of the borrower.

Each borrower has a lasting quality and a stress that follows its own past (autoregressive,
with monthly shocks); a month's stress sets the chances that the due is missed, paid late, paid
in part, that a debit bounces and that a promise is broken. So trouble usually shows before it
deepens (late days rising, bounces, partial payments), some borrowers recover, and some go bad
from a shock with no warning: signals a model can learn, never the outcome itself. Loans close
at maturity or are prepaid; one more than 180 days past due is written off.

Guarantee: the same seed and size give the same book (the process is drawn twice from one
seed: once for the loans' fates, once writing their months); the loans and months are written
with the set-based writers (`insert_rows`: COPY on PostgreSQL), a month at a time. Never part
of a lender's book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import insert_rows
from lms.risk.models import LoanMonth
from lms.risk.months import shift
from lms.servicing.models import Branch, Customer, Loan, Product

BRANCHES = ("PUN01", "BLR01", "DEL01", "MUM01")
PRODUCTS = (("PL", "14.0"), ("TW", "11.5"), ("BL", "18.0"))


@dataclass(frozen=True)
class Book:
    first: date  # the first month end
    last: date  # the last month end
    loans: int
    rows: int


def build(uow: UnitOfWork, *, loans: int, months: int, last: date, seed: int = 11) -> Book:
    """Write a book of `loans` loans with `months` months of behaviour ending at month end
    `last` (loans are disbursed before and during those months)."""
    rnd = np.random.default_rng(seed)
    products = _catalog(uow)
    first = shift(last, -(months - 1))
    people = _people(uow, loans, rnd)
    terms = _terms(loans, months, rnd)
    written: list[int] = []

    def write(rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 200_000):
            insert_rows(uow, LoanMonth.__table__, rows[start : start + 200_000])  # type: ignore[arg-type]
        written.append(len(rows))

    # the loans first (the months refer to them), with the fates the months will draw
    ends = _months(loans, months, first, terms, np.random.default_rng(seed + 1), None)
    _loans(uow, people, products, terms, first, ends)
    _months(loans, months, first, terms, np.random.default_rng(seed + 1), write)
    return Book(first, last, loans, sum(written))


def _catalog(uow: UnitOfWork) -> list[int]:
    for code in BRANCHES:
        uow.session.add(Branch(code=code, name=code))
    made = [
        Product(code=code, version=1, name=code, settings={}, min_amount=Decimal(1000),
                max_amount=Decimal(10**7), min_rate=Decimal(0), max_rate=Decimal(36),
                min_tenure=1, max_tenure=60, created_at=datetime.now(UTC))
        for code, _ in PRODUCTS
    ]  # fmt: skip
    uow.session.add_all(made)
    uow.session.flush()
    return [p.id for p in made]


def _people(uow: UnitOfWork, loans: int, rnd: np.random.Generator) -> np.ndarray[Any, Any]:
    """One borrower per loan, but one in ten loans belongs to the borrower of the loan before."""
    second = rnd.random(loans) < 0.1
    second[0] = False
    owner = np.cumsum(~second) - 1
    count = int(owner[-1]) + 1
    now = datetime.now(UTC)
    ids = insert_rows(uow, Customer.__table__, [  # type: ignore[arg-type]
        {"branch_code": BRANCHES[k % len(BRANCHES)], "name": f"Borrower {k + 1}",
         "created_at": now} for k in range(count)
    ], ids=True)  # fmt: skip
    return np.asarray(np.array(ids, dtype=np.int64)[owner])


def _terms(loans: int, months: int, rnd: np.random.Generator) -> dict[str, np.ndarray[Any, Any]]:
    return {
        "quality": rnd.normal(0, 1, loans),
        "product": rnd.integers(0, len(PRODUCTS), loans),
        "branch": rnd.integers(0, len(BRANCHES), loans),
        "start": rnd.integers(-24, months - 2, loans),  # the month of disbursement
        "tenure": rnd.choice([12, 24, 36, 48, 60], loans),
        "principal": rnd.integers(50, 1000, loans) * 1000,
        "due_day": rnd.integers(1, 29, loans),
    }


def _months(
    loans: int, months: int, first: date, t: dict[str, np.ndarray[Any, Any]],
    rnd: np.random.Generator, write: Callable[[list[dict[str, Any]]], None] | None,
) -> dict[str, np.ndarray[Any, Any]]:  # fmt: skip
    """Month by month from the earliest disbursement: the stress, arrears and what shows,
    each month's rows given to `write` (None: only the loans' fates, for their rows)."""
    stress = rnd.normal(0, 1, loans) * 0.5
    behind = np.zeros(loans, dtype=np.int64)  # installments in arrears
    dpd_end = np.zeros(loans, dtype=np.int64)
    gone = np.full(loans, -1)  # the month index the loan left the book, and how (1 closed)
    how = np.zeros(loans, dtype=np.int8)
    emi = t["principal"] / t["tenure"] * 1.08
    for m in range(int(t["start"].min()), months):
        stress = 0.85 * stress + 0.45 * rnd.normal(0, 1, loans) + 0.12 * t["quality"]
        age = m - t["start"]
        live = (age >= 0) & (gone < 0)
        p = 1 / (1 + np.exp(-(-4.2 + 1.3 * stress + 0.6 * behind)))
        miss = live & (rnd.random(loans) < p)
        late = live & ~miss & (rnd.random(loans) < 1 / (1 + np.exp(-(-1.8 + 1.1 * stress))))
        cure = live & ~miss & (behind > 0) & (rnd.random(loans) < 1 / (1 + np.exp(1 + stress)))
        partial = live & miss & (rnd.random(loans) < 0.4)
        late_days = np.where(late, rnd.integers(1, 26, loans), 0)
        before = dpd_end.copy()
        behind = np.where(miss, behind + 1, np.where(cure, np.maximum(behind - 1, 0), behind))
        days = 28 - t["due_day"] + 3
        dpd_end = np.where(behind > 0, (behind - 1) * 30 + days, 0)
        max_dpd = np.maximum(dpd_end, np.where(late | (before > 0), before + late_days, 0))
        overdue = np.where(behind > 0, np.minimum(30, days + np.where(before > 0, 30 - days, 0)),
                           late_days)  # fmt: skip
        bounces = (live & (miss | late) & (rnd.random(loans) < 0.5)).astype(np.int64)
        broken = (live & (behind > 0) & (rnd.random(loans) < 0.3)).astype(np.int64)
        left = np.maximum(t["tenure"] - age - 1, 0)
        matured = live & (left == 0) & (behind == 0)
        prepaid = live & ~matured & (rnd.random(loans) < 0.012)
        written = live & (dpd_end > 180)
        closing = matured | prepaid
        gone = np.where(closing | written, m, gone)
        how = np.where(closing, 1, np.where(written, 2, how))
        if m >= 0 and write is not None:
            write(_rows(shift(first, m), live, t, emi, {
                "dpd": np.where(closing, 0, dpd_end), "max_dpd": max_dpd, "overdue": overdue,
                "paid": np.where(miss, np.where(partial, 0.5, 0.0), 1.0 + cure),
                "bounces": bounces, "broken": broken, "left": left, "age": age,
                "status": np.where(closing, 1, np.where(written, 2, 0)),
            }))  # fmt: skip
    return {"gone": gone, "how": how}


def _rows(
    month: date, live: np.ndarray[Any, Any], t: dict[str, np.ndarray[Any, Any]],
    emi: np.ndarray[Any, Any], f: dict[str, np.ndarray[Any, Any]],
) -> list[dict[str, Any]]:  # fmt: skip
    status = ("active", "closed", "written_off")
    out = []
    for k in np.flatnonzero(live):
        due = Decimal(int(emi[k]))
        outstanding = Decimal(int(t["principal"][k] * f["left"][k] / t["tenure"][k]))
        out.append({
            "month": month, "loan_id": int(k) + 1, "status": status[f["status"][k]],
            "dpd": int(f["dpd"][k]), "max_dpd": int(f["max_dpd"][k]),
            "overdue_days": int(f["overdue"][k]),
            "principal_outstanding": Decimal(0) if f["status"][k] == 1 else outstanding,
            "excess": Decimal(0), "due": due, "installments_left": int(f["left"][k]),
            "paid": (due * Decimal(str(f["paid"][k]))).quantize(Decimal(1)),
            "bounces": int(f["bounces"][k]), "broken_promises": int(f["broken"][k]),
            "source": "replay",
        })  # fmt: skip
    return out


def _loans(
    uow: UnitOfWork, people: np.ndarray[Any, Any], products: list[int],
    t: dict[str, np.ndarray[Any, Any]], first: date, ends: dict[str, np.ndarray[Any, Any]],
) -> None:  # fmt: skip
    now, rows = datetime.now(UTC), []
    for k in range(len(people)):
        rate = PRODUCTS[int(t["product"][k])][1]
        out = int(ends["gone"][k])
        left_on = shift(first, out) if out >= 0 else None
        rows.append({
            "id": k + 1, "external_id": f"SYN-{k + 1:07d}",
            "branch_code": BRANCHES[int(t["branch"][k])], "product_id": products[int(t["product"][k])],
            "customer_id": int(people[k]), "principal": Decimal(int(t["principal"][k])),
            "annual_rate": Decimal(rate), "terms": {}, "emi": Decimal(0),
            "status": ("active", "closed", "written_off")[int(ends["how"][k])],
            "net_disbursed": Decimal(int(t["principal"][k])), "excess": Decimal(0),
            "principal_outstanding": Decimal(0),  # no installments stored: they owe none
            "disbursed_on": shift(first, int(t["start"][k])).replace(day=int(t["due_day"][k])),
            "closed_on": left_on if ends["how"][k] == 1 else None,
            "written_off_on": left_on if ends["how"][k] == 2 else None, "created_at": now,
        })  # fmt: skip
    for start in range(0, len(rows), 100_000):
        insert_rows(uow, Loan.__table__, rows[start : start + 100_000])  # type: ignore[arg-type]
