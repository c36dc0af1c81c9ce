"""Floating rates: benchmark publications and rate changes on loans.

A floating-rate product names a benchmark (the repo rate, a T-bill yield, the lender's EBLR or
MCLR); each of its loans carries a spread fixed at booking. When a benchmark's new rate is
published, every active loan on it disbursed before the effective date gets a rate change to
benchmark + spread from that date, revised by the product's choice (keep the EMI and change the
tenure, or keep the tenure and change the EMI; lms.core.revision). A single loan's rate can
also be changed on its own (a switch of rate, a borrower's request).

Guarantees: each change is a stored event replayed with the loan, so a backdated benchmark
moves the schedule and the ledger from its effective date; publishing the same rate for the
same date twice changes nothing; a different rate for a published date is refused; a loan that
cannot be re-priced is left as it was and named with the reason, without holding up the rest;
keeping the EMI never takes a loan past its product's longest tenure or into negative
amortisation (the EMI is raised instead). Loans closed before a backdated move are not re-priced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from lms.core.replay import ReplayError
from lms.core.revision import CHOICES, Reschedule
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import BenchmarkRate, Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.repayments import book_event
from lms.servicing.service import locked_loan, reference_taken


def publish_benchmark(
    uow: UnitOfWork, *, benchmark: str, effective_from: date, rate: Decimal, posting_date: date
) -> Publication:
    """Record the benchmark's `rate` from `effective_from` and re-price every active loan on it
    disbursed before then."""
    if not Decimal(0) <= rate <= Decimal(100):
        raise InvalidError([("rate", "must be from 0 to 100 percent")])
    if effective_from > posting_date:
        raise InvalidError([("effective_from", f"is after the business date {posting_date}")])
    known = uow.session.get(BenchmarkRate, (benchmark, effective_from))
    if known is not None:
        if known.rate != rate:
            raise ConflictError(
                f"{benchmark} from {effective_from} was published at {known.rate}, not {rate}"
            )
        return Publication([], [])
    uow.session.add(
        BenchmarkRate(
            benchmark=benchmark,
            effective_from=effective_from,
            rate=rate,
            created_at=datetime.now(UTC),
        )
    )
    uow.session.flush()
    loans = uow.session.execute(
        select(Loan.id, Loan.spread, Product.reschedule, Product.max_tenure)
        .join(Product, Product.id == Loan.product_id)
        .where(
            Product.benchmark == benchmark,
            Product.rate_type == "floating",
            Loan.status == "active",
            Loan.disbursed_on < effective_from,
        )
        .order_by(Loan.id)
    ).all()
    changed, skipped = [], []
    for loan_id, spread, reschedule, longest in loans:
        reason = _reprice(
            uow,
            loan_id,
            effective_from,
            rate + (spread or Decimal(0)),
            (reschedule or Reschedule.REDUCE_TENURE.value, longest),
            f"{benchmark}@{effective_from.isoformat()}",
            posting_date,
        )
        if reason is None:
            changed.append(loan_id)
        else:
            skipped.append((loan_id, reason))
    return Publication(changed, skipped)


@dataclass(frozen=True)
class Publication:
    """What a benchmark publication did: the loans re-priced, and those it could not re-price
    with the reason (no installment left to revise, a moratorium still running ...)."""

    changed: list[int]
    skipped: list[tuple[int, str]]


def _reprice(
    uow: UnitOfWork,
    loan_id: int,
    day: date,
    annual_rate: Decimal,
    choice: tuple[str, int],
    reference: str,
    posting_date: date,
) -> str | None:
    """Re-price one loan in a savepoint, so one loan that cannot be revised does not hold up
    the others. Keeping the EMI that would take the loan past its product's longest tenure,
    or that no longer covers the interest, raises the EMI instead (no negative amortisation).
    Returns None, or why the loan was left as it was."""
    reschedule, longest = choice
    reason = None
    for keep in dict.fromkeys([reschedule, Reschedule.REDUCE_EMI.value]):
        savepoint = uow.session.begin_nested()
        try:
            change_rate(
                uow,
                loan_id=loan_id,
                day=day,
                annual_rate=annual_rate,
                reschedule=keep,
                reference=reference,
                posting_date=posting_date,
            )
            count = uow.session.scalar(
                select(func.max(LoanInstallment.number)).where(LoanInstallment.loan_id == loan_id)
            )
            if keep == Reschedule.REDUCE_TENURE.value and (count or 0) > longest:
                raise ReplayError(
                    f"keeping the EMI would take {count} installments (most {longest})"
                )
        except ReplayError as exc:
            savepoint.rollback()
            reason = str(exc)
            continue
        savepoint.commit()
        return None
    return reason


def change_rate(
    uow: UnitOfWork,
    *,
    loan_id: int,
    day: date,
    annual_rate: Decimal,
    reschedule: str,
    reference: str,
    posting_date: date,
) -> LoanEvent:
    """Loan `loan_id` carries `annual_rate` from `day` on; its installments not yet due are
    revised by `reschedule` (reduce_emi: a new EMI; reduce_tenure: the EMI kept)."""
    loan = locked_loan(uow, loan_id)
    if loan.status != "active" or loan.disbursed_on is None:
        raise ConflictError(f"loan {loan_id} is {loan.status}; only an active loan is re-priced")
    problems = []
    if not loan.disbursed_on < day <= posting_date:
        problems.append(
            (
                "day",
                f"must be after the disbursement and not after the business date {posting_date}",
            )
        )
    if reschedule not in CHOICES:
        problems.append(("reschedule", "must be 'reduce_emi' or 'reduce_tenure'"))
    if not Decimal(0) <= annual_rate <= Decimal(100):
        problems.append(("annual_rate", "must be from 0 to 100 percent"))
    if reference_taken(uow, loan.id, "rate_change", reference):
        problems.append(("reference", f"{reference!r} is already a rate change of loan {loan.id}"))
    if problems:
        raise InvalidError(problems)
    return book_event(
        uow, loan, kind="rate_change", value_date=day, posting_date=posting_date,
        rate=annual_rate, reschedule=reschedule, reference=reference,
    )  # fmt: skip
