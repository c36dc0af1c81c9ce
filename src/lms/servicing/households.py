"""Households and their income, and the check a microfinance loan must pass when it is booked.

A household (RBI: the borrower, the spouse and their unmarried children) groups customers; its
income is assessed by the lender, with the monthly repayments it owes to other lenders (as the
credit bureau reports them or as declared). A microfinance product's loan is refused when the
household earns more than the income limit, or when the household's monthly repayments on all
its loans (every loan of its members here that is booked and not closed, the other lenders'
figure, and the new loan) would exceed the cap's share of its monthly income; and when the
loan's interest (as a rate on the reducing balance) or its upfront fees exceed the lender's
pricing policy (lms.core.microfinance).

Guarantees: nothing is deleted: an assessment is never edited, a later one takes over; a
customer belongs to one household; works in the caller's unit of work and never commits; a
refusal raises `InvalidError` naming the field and the figures, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.microfinance import (
    Affordability,
    affordability,
    monthly_equivalent,
    reducing_rate,
)
from lms.core.schedule import Schedule
from lms.core.terms import LoanTerms
from lms.platform.db import UnitOfWork
from lms.platform.db.base import Base
from lms.platform.db.types import Money
from lms.platform.errors import InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Customer, Loan
from lms.servicing.service import loan_terms

OWING = ("approved", "active")  # loans whose installments the household still has to pay
HUNDRED = Decimal(100)


class Household(Base):
    """A household the lender has assessed."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HouseholdMember(Base):
    """A customer's household (one each)."""

    __tablename__ = "household_members"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    added_on: Mapped[date] = mapped_column(Date)


class HouseholdAssessment(Base):
    """The household's income and its repayments to other lenders, as assessed on a day."""

    __tablename__ = "household_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    annual_income: Mapped[Decimal] = mapped_column(Money)
    other_obligations: Mapped[Decimal] = mapped_column(Money)  # a month, to other lenders
    source: Mapped[str] = mapped_column(String(40))  # of the other lenders' figure: bureau ...
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def form_household(uow: UnitOfWork, customer_ids: Sequence[int], day: date) -> Household:
    """A new household of the customers, none of whom belongs to one yet."""
    problems = []
    if not customer_ids or len(set(customer_ids)) != len(customer_ids):
        problems.append(("members", "name each member once, at least one"))
    for index, customer_id in enumerate(customer_ids):
        if uow.session.get(Customer, customer_id) is None:
            problems.append((f"members[{index}]", f"customer {customer_id} does not exist"))
        elif uow.session.get(HouseholdMember, customer_id) is not None:
            problems.append((f"members[{index}]", "belongs to a household already"))
    if problems:
        raise InvalidError(problems)
    household = Household(created_by=uow.actor or "system", created_at=datetime.now(UTC))
    uow.session.add(household)
    uow.session.flush()
    uow.session.add_all(
        HouseholdMember(customer_id=c, household_id=household.id, added_on=day)
        for c in customer_ids
    )
    uow.session.flush()
    return household


def assess(
    uow: UnitOfWork,
    household_id: int,
    *,
    day: date,
    annual_income: Decimal,
    other_obligations: Decimal,
    source: str,
) -> HouseholdAssessment:
    """Record the household's income a year and its monthly repayments to other lenders."""
    if uow.session.get(Household, household_id) is None:
        raise NotFoundError("household", household_id)
    problems = [
        (name, "rupees, nought or more, to the paisa")
        for name, value in (("annual_income", annual_income),
                            ("other_obligations", other_obligations))
        if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01"))
    ]  # fmt: skip
    if not source.strip():
        problems.append(("source", "is required (the bureau report, or declared)"))
    if problems:
        raise InvalidError(problems)
    row = HouseholdAssessment(
        household_id=household_id, assessed_on=day, annual_income=annual_income,
        other_obligations=other_obligations, source=source.strip()[:40],
        created_by=uow.actor or "system", created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def household_of(uow: UnitOfWork, customer_id: int) -> int | None:
    """The customer's household (None: not assessed)."""
    member = uow.session.get(HouseholdMember, customer_id)
    return None if member is None else member.household_id


def latest_assessment(uow: UnitOfWork, household_id: int) -> HouseholdAssessment | None:
    return uow.session.scalar(
        select(HouseholdAssessment)
        .where(HouseholdAssessment.household_id == household_id)
        .order_by(HouseholdAssessment.assessed_on.desc(), HouseholdAssessment.id.desc())
        .limit(1)
    )


def household_loans(uow: UnitOfWork, household_id: int) -> list[Loan]:
    """The loans of the household's members that are booked and not closed."""
    members = select(HouseholdMember.customer_id).where(
        HouseholdMember.household_id == household_id
    )
    return list(
        uow.session.scalars(
            select(Loan)
            .where(Loan.customer_id.in_(members), Loan.status.in_(OWING))
            .order_by(Loan.id)
        )
    )


def obligations(
    uow: UnitOfWork, household_id: int, assessed: HouseholdAssessment | None = None
) -> Affordability | None:
    """The household's monthly repayments against the cap, by its latest assessment (or
    `assessed`, read already); None: never assessed."""
    assessed = assessed or latest_assessment(uow, household_id)
    if assessed is None:
        return None
    ours = [monthly_equivalent(loan.emi, loan_terms(loan).cycle)
            for loan in household_loans(uow, household_id)]  # fmt: skip
    return affordability(
        assessed.annual_income,
        [assessed.other_obligations, *ours],
        get_settings().mfi_repayment_cap,
    )


def check_microfinance(
    uow: UnitOfWork, customer_id: int, terms: LoanTerms, schedule: Schedule
) -> None:
    """Refuse a microfinance loan the household may not take (see the module's rules)."""
    settings = get_settings()
    household_id = household_of(uow, customer_id)
    assessed = None if household_id is None else latest_assessment(uow, household_id)
    if household_id is None or assessed is None:
        raise InvalidError([("customer_id", "a microfinance loan needs the borrower's "
                                            "household and its income assessed first")])  # fmt: skip
    problems = []
    if assessed.annual_income > settings.mfi_income_limit:
        problems.append(("customer_id", f"the household's income of {assessed.annual_income:.2f} a "
                         f"year is above the microfinance limit of {settings.mfi_income_limit}"))  # fmt: skip
    current = obligations(uow, household_id, assessed)
    assert current is not None
    new = monthly_equivalent(schedule.emi, terms.cycle)
    if current.obligations + new > current.limit:
        problems.append(("principal", f"the household's monthly repayments would be "
                         f"{current.obligations + new} ({new} of them this loan's), above the "
                         f"cap of {current.limit}: {settings.mfi_repayment_cap} % of its monthly "
                         f"income of {current.monthly_income}"))  # fmt: skip
    rate = reducing_rate(schedule, terms.principal)
    if rate > settings.mfi_rate_ceiling:
        problems.append(("annual_rate", f"is {rate} % a year on the reducing balance, above the "
                         f"pricing policy's ceiling of {settings.mfi_rate_ceiling} %"))  # fmt: skip
    fees = sum((f.amount for f in schedule.fee_charges), Decimal(0))
    if fees * HUNDRED > terms.principal * settings.mfi_fee_ceiling:
        problems.append(("fees", f"upfront fees of {fees} are above the pricing policy's "
                         f"ceiling of {settings.mfi_fee_ceiling} % of the loan"))  # fmt: skip
    if problems:
        raise InvalidError(problems)


def members_of(uow: UnitOfWork, household_id: int) -> list[int]:
    return list(uow.session.scalars(
        select(HouseholdMember.customer_id)
        .where(HouseholdMember.household_id == household_id)
        .order_by(HouseholdMember.customer_id)
    ))  # fmt: skip
