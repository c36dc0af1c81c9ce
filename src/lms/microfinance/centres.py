"""Centres, joint liability groups and the loans lent through them.

A centre meets on a regular cadence (weekly, fortnightly or monthly from its first meeting) at
a place and time, with a field officer who collects. Its groups hold 4 to 10 members by default
(`LMS_MFI_GROUP_MEMBERS`), each a customer of the centre's branch and in no other group. A loan
is lent through a group when its borrower is a member, its product is a microfinance product,
and its installments fall due at the centre's meetings: the same cadence, the first installment
on a meeting date (the product's holiday calendar then moves a due date and the meeting with
it: the collection sheet of a day lists the installments falling due on it).

Guarantees: works in the caller's unit of work and never commits; bad input raises
`InvalidError` naming each field and writes nothing; linking a loan again to the same group
does nothing, to another group is a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from lms.core.frequency import Frequency
from lms.core.microfinance import MEETING_FREQUENCIES, meeting_dates
from lms.identity.models import User
from lms.microfinance.models import Centre, GroupLoan, GroupMember, LendingGroup
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Branch, Customer, Loan, Product
from lms.servicing.service import loan_schedule, loan_terms

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


@dataclass(frozen=True)
class CentreRequest:
    code: str
    name: str
    branch_code: str
    place: str
    meeting_time: str  # HH:MM
    frequency: str  # weekly, fortnightly, monthly
    first_meeting: date
    field_officer: str  # a staff user's name


def open_centre(uow: UnitOfWork, request: CentreRequest) -> Centre:
    """A new centre (a code already used is a conflict)."""
    problems = [(name, "is required") for name in ("code", "name", "place")
                if not getattr(request, name).strip()]  # fmt: skip
    if uow.session.get(Branch, request.branch_code) is None:
        problems.append(("branch_code", f"branch {request.branch_code!r} does not exist"))
    if not _TIME.fullmatch(request.meeting_time):
        problems.append(("meeting_time", "HH:MM, 24-hour"))
    if request.frequency not in MEETING_FREQUENCIES:
        problems.append(("frequency", "must be weekly, fortnightly or monthly"))
    officer = uow.session.scalar(select(User).where(User.username == request.field_officer))
    if officer is None:
        problems.append(("field_officer", f"no staff user {request.field_officer!r}"))
    if problems:
        raise InvalidError(problems)
    if uow.session.scalar(select(Centre.id).where(Centre.code == request.code)) is not None:
        raise ConflictError(f"centre {request.code!r} exists already")
    centre = Centre(
        code=request.code.strip(), name=request.name.strip(), branch_code=request.branch_code,
        place=request.place.strip(), meeting_time=request.meeting_time,
        frequency=request.frequency, first_meeting=request.first_meeting,
        field_officer=request.field_officer, created_by=uow.actor or "system",
        created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(centre)
    uow.session.flush()
    return centre


def existing_centre(uow: UnitOfWork, centre_id: int) -> Centre:
    centre = uow.session.get(Centre, centre_id)
    if centre is None:
        raise NotFoundError("centre", centre_id)
    return centre


def form_group(
    uow: UnitOfWork, centre_id: int, name: str, members: Sequence[int], day: date
) -> LendingGroup:
    """A group of `members` (customer ids, the first its leader) at the centre."""
    centre = existing_centre(uow, centre_id)
    low, high = get_settings().mfi_group_members
    problems = []
    if not name.strip():
        problems.append(("name", "is required"))
    if not low <= len(members) <= high or len(set(members)) != len(members):
        problems.append(("members", f"{low} to {high} customers, each once"))
    for index, customer_id in enumerate(members):
        problems.extend(_member_problems(uow, centre, customer_id, f"members[{index}]"))
    if problems:
        raise InvalidError(problems)
    taken = select(LendingGroup.id).where(
        LendingGroup.centre_id == centre_id, LendingGroup.name == name.strip()
    )
    if uow.session.scalar(taken) is not None:
        raise ConflictError(f"the centre has a group {name.strip()!r} already")
    group = LendingGroup(centre_id=centre_id, name=name.strip(), formed_on=day,
                         created_by=uow.actor or "system", created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(group)
    uow.session.flush()
    uow.session.add_all(
        GroupMember(group_id=group.id, customer_id=c, leader=i == 0, joined_on=day)
        for i, c in enumerate(members)
    )
    uow.session.flush()
    return group


def _member_problems(
    uow: UnitOfWork, centre: Centre, customer_id: int, where: str
) -> list[tuple[str, str]]:
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        return [(where, f"customer {customer_id} does not exist")]
    if customer.branch_code != centre.branch_code:
        return [(where, f"is a customer of branch {customer.branch_code}, not the centre's")]
    if current_group(uow, customer_id) is not None:
        return [(where, "is a member of another group")]
    return []


def current_group(uow: UnitOfWork, customer_id: int) -> int | None:
    """The group the customer is a member of now (None: none)."""
    return uow.session.scalar(
        select(GroupMember.group_id).where(
            GroupMember.customer_id == customer_id, GroupMember.left_on.is_(None)
        )
    )


def lend_through(uow: UnitOfWork, group_id: int, loan_id: int) -> GroupLoan:
    """Record that the loan was lent through the group (see the module's rules)."""
    group = uow.session.get(LendingGroup, group_id)
    if group is None:
        raise NotFoundError("group", group_id)
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    linked = uow.session.get(GroupLoan, loan_id)
    if linked is not None:
        if linked.group_id != group_id:
            raise ConflictError(f"loan {loan_id} was lent through group {linked.group_id}")
        return linked
    centre = existing_centre(uow, group.centre_id)
    problems = _loan_problems(uow, centre, group_id, loan)
    if problems:
        raise InvalidError(problems)
    row = GroupLoan(loan_id=loan_id, group_id=group_id, centre_id=centre.id)
    uow.session.add(row)
    uow.session.flush()
    return row


def _loan_problems(
    uow: UnitOfWork, centre: Centre, group_id: int, loan: Loan
) -> list[tuple[str, str]]:
    problems = []
    if current_group(uow, loan.customer_id) != group_id:
        problems.append(("loan_id", "the borrower is not a member of the group"))
    product = uow.session.get(Product, loan.product_id)
    if product is None or not product.microfinance:
        problems.append(("loan_id", "the loan's product is not a microfinance product"))
    if loan.status not in ("approved", "active"):
        problems.append(("loan_id", f"the loan is {loan.status}"))
    terms = loan_terms(loan)
    if terms.cycle.frequency != centre.frequency or terms.cycle.every != 1:
        problems.append(("loan_id", f"its installments are not {centre.frequency}, as the "
                                    f"centre meets"))  # fmt: skip
    else:
        first = terms.first_due_date or loan_schedule(loan).installments[0].due_date
        if first not in meeting_dates(centre.first_meeting, Frequency(centre.frequency),
                                      first, first + timedelta(days=1)):  # fmt: skip
            problems.append(("loan_id", f"its first installment, on {first}, is not on a "
                                        f"meeting day of the centre"))  # fmt: skip
    return problems


def next_meetings(centre: Centre, after: date, count: int = 6) -> list[date]:
    """The centre's next `count` regular meeting dates on or after `after`."""
    frequency = Frequency(centre.frequency)
    span = {"weekly": 7, "fortnightly": 14}.get(centre.frequency, 31) * (count + 1)
    return meeting_dates(centre.first_meeting, frequency, after, after + timedelta(span))[:count]
