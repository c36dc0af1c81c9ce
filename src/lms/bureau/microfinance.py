"""The microfinance loans of a reporting date as the microfinance data file tells them: each
loan's figures (from the close, as for the consumer file) with its centre, group, field officer,
loan cycle, meetings held and missed, and the meeting's day and time; each member with her
household's monthly income (its latest assessment by the date) and another member of the
household as the key person.

Guarantees: read only; figures as of the reporting date (meetings and assessments after it do
not count); a loan's records are left out, with every reason, when any field the CICs require
is missing or wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, cast, func, select

from lms.bureau import mfi, tudf
from lms.bureau.accounts import DataFile, Figures, LeftOut, Written, customer_addresses
from lms.microfinance.models import (
    Centre,
    GroupLoan,
    GroupMember,
    LendingGroup,
    Meeting,
    MeetingLine,
)
from lms.platform.db import UnitOfWork
from lms.servicing.households import HouseholdAssessment, HouseholdMember
from lms.servicing.models import Customer, Loan, Product


@dataclass(frozen=True, slots=True)
class Placed:
    """A loan lent through a group: where and when its member meets."""

    centre: Centre
    group: LendingGroup
    leader: bool


class MicrofinanceFile(DataFile):
    """The microfinance file: each member written once, with her loans of every chunk."""

    def __init__(self, member: tudf.Member) -> None:
        super().__init__(member)
        self.members: dict[str, tuple[mfi.Borrower, list[mfi.Loan]]] = {}

    def records(self, uow: UnitOfWork, chunk: Sequence[Figures], as_of: date) -> Written:
        """The chunk's microfinance loans, kept with their members (no lines yet)."""
        written = Written()
        for figures, borrower, account, reasons in loan_records(uow, chunk, as_of):
            if reasons or borrower is None:
                left = LeftOut(figures.loan_id, figures.number, figures.customer_id, tuple(reasons))
                written.left_out.append(left)
                continue
            self.members.setdefault(borrower.member_id, (borrower, []))[1].append(account)
            written.reported.append(figures)
        return written

    def text(self, made: date, as_of: date) -> str:
        lines = [x for b, loans in self.members.values() for x in mfi.member_lines(b, loans, as_of)]
        return mfi.data_file(self.member.code, made, as_of, lines)


def loan_records(
    uow: UnitOfWork, chunk: Sequence[Figures], as_of: date
) -> list[tuple[Figures, mfi.Borrower | None, mfi.Loan, list[str]]]:
    """Each microfinance loan of the chunk: its figures, its member (None: unknown), its account
    and why the CICs would refuse it (empty: none)."""
    loans = [f for f in chunk if f.microfinance]
    if not loans:
        return []
    customers = {f.customer_id for f in loans}
    placed = _placed(uow, [f.loan_id for f in loans], as_of)
    meetings = _meetings(uow, [f.loan_id for f in loans], as_of)
    cycles = _cycles(uow, customers)
    borrowers = _borrowers(uow, customers, placed, loans, as_of)
    found = []
    for f in loans:
        where = placed.get(f.loan_id)
        account = _account(f, where, meetings.get(f.loan_id, (0, 0)), cycles.get(f.loan_id, 1))
        borrower = borrowers.get((f.customer_id, f.loan_id))
        reasons = mfi.account_problems(account, as_of)
        reasons += mfi.member_problems(borrower, as_of) if borrower else ["customer: not found"]
        found.append((f, borrower, account, reasons))
    return found


def _placed(uow: UnitOfWork, loan_ids: list[int], as_of: date) -> dict[int, Placed]:
    """Each group loan's centre, group and whether its member led the group on `as_of`."""
    rows = uow.session.execute(
        select(GroupLoan.loan_id, Centre, LendingGroup, GroupMember.leader)
        .join(Centre, Centre.id == GroupLoan.centre_id)
        .join(LendingGroup, LendingGroup.id == GroupLoan.group_id)
        .join(Loan, Loan.id == GroupLoan.loan_id)
        .outerjoin(
            GroupMember,
            (GroupMember.group_id == GroupLoan.group_id)
            & (GroupMember.customer_id == Loan.customer_id)
            & (GroupMember.joined_on <= as_of)
            & (GroupMember.left_on.is_(None) | (GroupMember.left_on > as_of)),
        )
        .where(GroupLoan.loan_id.in_(loan_ids))
    )
    return {loan_id: Placed(c, g, bool(leader)) for loan_id, c, g, leader in rows}


def _meetings(uow: UnitOfWork, loan_ids: list[int], as_of: date) -> dict[int, tuple[int, int]]:
    """Each loan's centre meetings held by `as_of` and those its member missed."""
    missed = func.sum(cast(~MeetingLine.attended, Integer))
    rows = uow.session.execute(
        select(MeetingLine.loan_id, func.count(), missed)
        .join(Meeting, Meeting.id == MeetingLine.meeting_id)
        .where(MeetingLine.loan_id.in_(loan_ids), Meeting.held_on <= as_of)
        .group_by(MeetingLine.loan_id)
    )
    return {loan_id: (held, int(missed or 0)) for loan_id, held, missed in rows}


def _cycles(uow: UnitOfWork, customers: set[int]) -> dict[int, int]:
    """Each microfinance loan's place among its borrower's microfinance loans (1: her first)."""
    rows = uow.session.execute(
        select(Loan.id, Loan.customer_id)
        .join(Product, Product.id == Loan.product_id)
        .where(Loan.customer_id.in_(sorted(customers)), Product.microfinance.is_(True),
               Loan.disbursed_on.is_not(None))
        .order_by(Loan.customer_id, Loan.disbursed_on, Loan.id)
    )  # fmt: skip
    found: dict[int, int] = {}
    seen: dict[int, int] = {}
    for loan_id, customer_id in rows:
        seen[customer_id] = seen.get(customer_id, 0) + 1
        found[loan_id] = seen[customer_id]
    return found


def _borrowers(
    uow: UnitOfWork,
    customers: set[int],
    placed: dict[int, Placed],
    loans: list[Figures],
    as_of: date,
) -> dict[tuple[int, int], mfi.Borrower]:
    """Each loan's member as the file tells her (a member's group is the loan's)."""
    people = {
        c.id: c
        for c in uow.session.scalars(select(Customer).where(Customer.id.in_(sorted(customers))))
    }
    income, key_person = _households(uow, customers, as_of)
    found = {}
    for f in loans:
        c = people.get(f.customer_id)
        if c is None:
            continue
        where = placed.get(f.loan_id)
        found[(f.customer_id, f.loan_id)] = mfi.Borrower(
            member_id=str(c.id),
            branch=c.branch_code,
            centre=where.centre.code if where else None,
            group=str(where.group.id) if where else None,
            name=c.name,
            birth=c.date_of_birth,
            gender=c.gender,
            key_person=key_person.get(c.id),
            pan=c.pan,
            phone=c.phone,
            monthly_income=income.get(c.id),
            group_leader=bool(where and where.leader),
            addresses=customer_addresses(c),
            email=c.email,
        )
    return found


def _households(
    uow: UnitOfWork, customers: set[int], as_of: date
) -> tuple[dict[int, Decimal], dict[int, str]]:
    """Each customer's household's monthly income by its latest assessment on or before
    `as_of` (a twelfth of the year's, to the rupee), and another member's name."""
    homes = dict(
        uow.session.execute(
            select(HouseholdMember.customer_id, HouseholdMember.household_id).where(
                HouseholdMember.customer_id.in_(sorted(customers)),
                HouseholdMember.added_on <= as_of,
            )
        ).all()
    )
    if not homes:
        return {}, {}
    yearly = _incomes(uow, set(homes.values()), as_of)
    members: dict[int, list[tuple[int, str]]] = {}
    for household_id, customer_id, name in uow.session.execute(
        select(HouseholdMember.household_id, Customer.id, Customer.name)
        .join(Customer, Customer.id == HouseholdMember.customer_id)
        .where(
            HouseholdMember.household_id.in_(sorted(set(homes.values()))),
            HouseholdMember.added_on <= as_of,
        )
        .order_by(Customer.id)
    ):
        members.setdefault(household_id, []).append((customer_id, name))
    income = {
        c: (yearly[h] / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        for c, h in homes.items()
        if h in yearly
    }
    key = {
        c: next(name for other, name in members[h] if other != c)
        for c, h in homes.items()
        if any(other != c for other, _ in members.get(h, []))
    }
    return income, key


def _incomes(uow: UnitOfWork, households: set[int], as_of: date) -> dict[int, Decimal]:
    """Each household's yearly income by its latest assessment on or before `as_of`."""
    yearly: dict[int, Decimal] = {}
    for household_id, annual in uow.session.execute(
        select(HouseholdAssessment.household_id, HouseholdAssessment.annual_income)
        .where(HouseholdAssessment.household_id.in_(sorted(households)),
               HouseholdAssessment.assessed_on <= as_of)
        .order_by(HouseholdAssessment.assessed_on, HouseholdAssessment.id)
    ):  # fmt: skip
        yearly[household_id] = annual  # the latest wins
    return yearly


def _account(f: Figures, where: Placed | None, meetings: tuple[int, int], cycle: int) -> mfi.Loan:
    centre = where.centre if where else None
    return mfi.Loan(
        reference=str(f.loan_id), number=f.number,
        branch=f.branch, centre=centre.code if centre else None,
        group=str(where.group.id) if where else None,
        officer=centre.field_officer if centre else None,
        category="member_of_group" if where else "individual", cycle=cycle, status=_status(f),
        opened=f.opened, closed=f.closed, last_paid=f.last_paid, sanctioned=f.sanctioned,
        disbursed=f.disbursed, installments=f.tenure, frequency=f.frequency or "bullet",
        installment=f.emi, balance=f.balance, overdue=f.overdue, dpd=f.dpd,
        written_off=f.written_off, written_off_on=f.written_off_on, meetings=meetings[0],
        absences=meetings[1], meeting_day=_weekday(centre), meeting_time=centre.meeting_time if centre else None,
    )  # fmt: skip


def _status(f: Figures) -> str:
    """The account's status code: how it ended, or whether it is behind."""
    if f.status in ("settled", "post_write_off_settled", "written_off"):
        return f.status
    if f.status == "restructured":
        return "restructured_closed" if f.closed else "restructured"
    if f.closed:
        return "closed"
    return "delinquent" if f.dpd > 0 else "current"


def _weekday(centre: Centre | None) -> int | None:
    """The centre's meeting day of the week, when it meets weekly or fortnightly."""
    if centre is None or centre.frequency == "monthly":
        return None
    return centre.first_meeting.weekday()
