"""The borrower's certificates and repayment schedule, read from stored data: the schedule as
of a business date, the interest certificate of a financial year (with `interest_paid`, its
figures, for a page to show), and the no-dues certificate of a closed loan.

Guarantees: read-only. Every figure comes from the replay of the loan's events (the one its
state, its statement and its ledger come from), so a document cannot disagree with the loan.
What was paid in a year is what was applied to the loan on the days of that year, as known on
the day of issue: a payment returned (or reversed as a posting error) by then counts as never
made, also where it was returned after the year ended, and the payments after it count as the
loan finally applied them. A year not begun by the day of issue, or over before the loan was
paid out, is refused (field `fy`); a no-dues certificate is refused for a loan not closed, a
settled loan among them (it closed for less than it owed).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.core.allocation import Component
from lms.core.book import RECOVERY, LoanState
from lms.core.replay import Event, Payment, Prepayment, Reversal
from lms.documents.certificates_pdf import (
    InterestFacts,
    LoanFacts,
    NoDuesFacts,
    PaidInYear,
    PlanLine,
    ScheduleFacts,
    financial_year,
    interest_certificate_pdf,
    no_dues_pdf,
    schedule_pdf,
    year_label,
)
from lms.documents.service import borrower_of, lender_identity
from lms.documents.words import words
from lms.platform.business_date import business_date
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.figures import current_emi
from lms.servicing.models import Customer, Loan, LoanEvent, Product
from lms.servicing.service import (
    existing_loan,
    loan_history,
    loan_state,
    loan_terms,
    replayed,
)

ZERO = Decimal(0)
CHARGES = (Component.FEE, Component.PENAL)

__all__ = [  # PaidInYear too, for pages that show `interest_paid`
    "PaidInYear",
    "as_known",
    "interest_certificate",
    "interest_paid",
    "loan_schedule_document",
    "no_dues_certificate",
    "paid_between",
    "plan_lines",
]


def loan_schedule_document(
    uow: UnitOfWork, *, loan_id: int, as_of: date, lang: str = "en"
) -> bytes:
    """The loan's current installment plan at the day-end of `as_of` (the business date), as
    PDF bytes: each installment, what is paid of it, paid / overdue / not due."""
    loan = _disbursed(uow, loan_id, "repayment schedule")
    state = loan_state(uow, loan_id=loan_id, as_of=as_of)
    facts = ScheduleFacts(
        _loan_facts(uow, loan, state, lang), as_of,
        current_emi(state, loan_terms(loan), loan.emi), state.principal_outstanding,
        state.principal_due + state.interest_due + state.charges_due, state.charges_due,
    )  # fmt: skip
    borrower = borrower_of(uow.session.get(Customer, loan.customer_id))
    return schedule_pdf(facts, lender_identity(), borrower, plan_lines(state), lang)


def plan_lines(state: LoanState) -> list[PlanLine]:
    """The installments of `state` (the current plan: revised by rate changes and
    prepayments), each with what is paid of it, its status at the state's day-end and the
    principal left after it."""
    left = sum((i.principal for i in state.installments), ZERO)
    lines = []
    for i in state.installments:
        left -= i.principal
        status = "paid" if i.unpaid <= 0 else "overdue" if i.due_date <= state.as_of else "not_due"
        lines.append(PlanLine(i.number, i.due_date, i.principal, i.interest,
                              i.principal_paid + i.interest_paid, status, left))  # fmt: skip
    return lines


def interest_paid(uow: UnitOfWork, loan_id: int, fy_start_year: int, as_of: date) -> PaidInYear:
    """(principal, interest, charges with their GST) paid on the loan in the financial year
    that starts on 1 April `fy_start_year`, up to `as_of` if the year is not over, as known on
    `as_of`."""
    loan = _disbursed(uow, loan_id, "interest certificate")
    since, until = _year_open(loan, fy_start_year, as_of)
    return paid_between(_year_state(uow, loan, until, as_of), since, until)


def interest_certificate(
    uow: UnitOfWork, *, loan_id: int, fy_start_year: int, as_of: date, lang: str = "en"
) -> bytes:
    """The interest certificate of the financial year `fy_start_year`-(next), issued on
    `as_of` (the business date), as PDF bytes: the loan, what was paid in the year, the
    principal outstanding at its end (or on `as_of` within it)."""
    loan = _disbursed(uow, loan_id, "interest certificate")
    since, until = _year_open(loan, fy_start_year, as_of)
    state = _year_state(uow, loan, until, as_of)
    facts = InterestFacts(
        _loan_facts(uow, loan, state, lang), fy_start_year, until,
        paid_between(state, since, until), state.principal_outstanding, as_of,
    )  # fmt: skip
    borrower = borrower_of(uow.session.get(Customer, loan.customer_id))
    return interest_certificate_pdf(facts, lender_identity(), borrower, lang)


def paid_between(state: LoanState, since: date, until: date) -> PaidInYear:
    """What `state`'s payments and its unapplied funds paid, by component, on the days from
    `since` to `until`: payments on their value dates, funds held ahead on the day they were
    applied, less what a revision gave back to unapplied funds; refunds owed back (recovered
    like a charge, but not one) are left out."""
    recoveries = {-k for k, c in enumerate(state.charges, 1) if c.reference.startswith(RECOVERY)}
    moved = [(a.payment.value_date, a.parts, 1) for a in state.applied]
    moved += [(e.day, e.parts, 1) for e in state.excess_applied]
    moved += [(e.day, e.parts, -1) for e in state.released]
    sums = dict.fromkeys(Component, ZERO)
    for day, parts, sign in moved:
        if since <= day <= until:
            for part in parts:
                if part.installment not in recoveries:
                    sums[part.component] += part.amount if sign > 0 else -part.amount
    charges = sum((sums[c] for c in CHARGES), ZERO)
    return PaidInYear(sums[Component.PRINCIPAL], sums[Component.INTEREST], charges)


def as_known(events: list[Event], on: date) -> list[Event]:
    """`events` with each payment reversed by `on` left out together with its reversal: the
    loan as if that money had never come (as the replay voids it from its value date)."""
    void = {e.reference for e in events if isinstance(e, Reversal) and e.known_on <= on}
    return [
        e for e in events
        if not (isinstance(e, Payment | Prepayment | Reversal) and e.reference in void)
    ]  # fmt: skip


def _year_state(uow: UnitOfWork, loan: Loan, until: date, as_of: date) -> LoanState:
    """The loan at the day-end of `until` as known on `as_of` (returns known by then)."""
    rows, events = loan_history(uow, loan)
    return replayed(uow, loan, until, (rows, as_known(events, as_of)))


def _year_open(loan: Loan, first: int, as_of: date) -> tuple[date, date]:
    """(the year's first day, the last day its figures run to: its end, or `as_of`), or the
    refusal of a year not begun on `as_of` or over before the loan was paid out."""
    since, end = financial_year(first)
    year = year_label(first)
    assert loan.disbursed_on is not None
    if since > as_of:
        raise InvalidError([("fy", f"the financial year {year} has not begun on {as_of}")])
    if end < loan.disbursed_on:
        raise InvalidError([("fy", f"the financial year {year} ended before loan {loan.id}"
                                   f" was paid out on {loan.disbursed_on}")])  # fmt: skip
    return since, min(end, as_of)


def no_dues_certificate(
    uow: UnitOfWork, *, loan_id: int, lang: str = "en", issued_on: date | None = None
) -> bytes:
    """The no-dues certificate of a closed loan (repaid in full, or foreclosed), as PDF bytes,
    issued on `issued_on` (None: the business date; the closing date in a book without one)."""
    loan = existing_loan(uow, loan_id)
    closed_on = _closed(loan)
    foreclosed = uow.session.scalar(
        select(LoanEvent.id)
        .where(LoanEvent.loan_id == loan.id, LoanEvent.kind == "foreclosure")
        .limit(1)
    )
    facts = NoDuesFacts(
        words(lang)("st.loan", number=loan.external_id, id=loan.id), closed_on,
        foreclosed is not None, loan.excess, issued_on or business_date(uow) or closed_on,
    )  # fmt: skip
    borrower = borrower_of(uow.session.get(Customer, loan.customer_id))
    return no_dues_pdf(facts, lender_identity(), borrower, lang)


def _closed(loan: Loan) -> date:
    """The day the loan closed, or why it gets no no-dues certificate."""
    if loan.status == "closed" and loan.closed_on is not None:
        return loan.closed_on
    if loan.status == "settled":
        raise ConflictError(
            f"loan {loan.id} was settled on {loan.closed_on}: it closed for less than it owed,"
            " the rest waived, so it gets no no-dues certificate"
        )
    if loan.status == "written_off":
        raise ConflictError(
            f"loan {loan.id} is written off: it is not closed, so it gets no no-dues certificate"
        )
    raise ConflictError(
        f"loan {loan.id} is {loan.status}, not closed: a no-dues certificate is issued only"
        " when the loan is repaid in full"
    )


def _disbursed(uow: UnitOfWork, loan_id: int, document: str) -> Loan:
    loan = existing_loan(uow, loan_id)
    if loan.disbursed_on is None:
        raise ConflictError(f"loan {loan_id} is not disbursed; it has no {document} yet")
    return loan


def _loan_facts(uow: UnitOfWork, loan: Loan, state: LoanState, lang: str) -> LoanFacts:
    assert loan.disbursed_on is not None
    product = uow.session.get(Product, loan.product_id)
    return LoanFacts(
        words(lang)("st.loan", number=loan.external_id, id=loan.id),
        product.name if product is not None else words(lang)("kfs.loan"),
        loan.principal, state.annual_rate or loan.annual_rate, loan.disbursed_on,
    )  # fmt: skip
