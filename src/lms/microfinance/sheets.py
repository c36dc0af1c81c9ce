"""The collection sheet of a centre meeting, and posting it.

The sheet of a day lists every loan lent through the centre's groups that is paid out and not
closed: the member, the group, the installment falling due that day, the arrears (installments
due before it and unpaid) less any money the loan holds unapplied, and what the meeting should
collect. Once posted, the meeting's own lines are the sheet.

Posting takes what each member paid and, where a member came up short and the loan's product
makes the group jointly liable, what the rest of the group paid for that member. Each amount is
a cash receipt on the member's loan, numbered and posted as its repayment (the group's cover on
a receipt of its own, recorded on the meeting's line as the group's). A loan on the sheet that
the posting leaves out paid nothing, and its member was absent.

Guarantees: one posting per centre and day: the same lines again return the first meeting,
others are a conflict; the centre's row is locked while it posts, so two officers posting the
same meeting cannot both write it; a bad line is refused with every problem named and nothing
is written; all in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select

from lms.core.microfinance import SheetLine, sheet_problems
from lms.microfinance.centres import existing_centre
from lms.microfinance.models import Centre, GroupLoan, LendingGroup, Meeting, MeetingLine
from lms.payments.counter import take_receipt
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import Customer, Loan, LoanInstallment, Product

ZERO = Decimal(0)
PAISA = Decimal("0.01")


@dataclass(frozen=True)
class Row:
    """A member's line of the sheet."""

    loan_id: int
    group: str
    member: str
    installment: Decimal  # falling due on the day
    arrears: Decimal  # due before the day and unpaid, less money held unapplied
    joint: bool  # the group covers a shortfall
    attended: bool | None = None  # posted lines only: what was taken
    collected: Decimal | None = None
    cover: Decimal | None = None

    @property
    def due(self) -> Decimal:
        return self.installment + self.arrears


@dataclass(frozen=True)
class Sheet:
    centre: Centre
    on: date
    rows: list[Row]
    meeting: Meeting | None  # posted: the meeting

    def total(self, name: str) -> Decimal:
        """The sum of a column of the rows (installment, arrears, due, collected, cover)."""
        return sum((getattr(r, name) or ZERO for r in self.rows), ZERO)


@dataclass(frozen=True)
class Taken:
    """What the officer took from a member at the meeting."""

    loan_id: int
    collected: Decimal = ZERO
    cover: Decimal = ZERO  # from the group for the member
    attended: bool = True


def collection_sheet(uow: UnitOfWork, centre_id: int, on: date) -> Sheet:
    """The centre's sheet for the meeting on `on` (posted or to be posted)."""
    centre = existing_centre(uow, centre_id)
    meeting = uow.session.scalar(
        select(Meeting).where(Meeting.centre_id == centre_id, Meeting.held_on == on)
    )
    return Sheet(centre, on, _posted(uow, meeting) if meeting else _due(uow, centre_id, on),
                 meeting)  # fmt: skip


def _due(uow: UnitOfWork, centre_id: int, on: date) -> list[Row]:
    i = LoanInstallment
    unpaid = i.principal + i.interest - i.principal_paid - i.interest_paid
    today = func.sum(case((i.due_date == on, unpaid), else_=0))
    before = func.sum(case((i.due_date < on, unpaid), else_=0))
    query = (
        select(Loan.id, LendingGroup.name, Customer.name, today, before, Loan.excess,
               Product.joint_liability)
        .join(GroupLoan, GroupLoan.loan_id == Loan.id)
        .join(LendingGroup, LendingGroup.id == GroupLoan.group_id)
        .join(Customer, Customer.id == Loan.customer_id)
        .join(Product, Product.id == Loan.product_id)
        .outerjoin(i, (i.loan_id == Loan.id) & (i.due_date <= on))
        .where(GroupLoan.centre_id == centre_id, Loan.status == "active",
               Loan.disbursed_on <= on)
        .group_by(Loan.id, LendingGroup.name, Customer.name, Loan.excess,
                  Product.joint_liability)
        .order_by(LendingGroup.name, Customer.name, Loan.id)
    )  # fmt: skip
    rows = []
    for loan_id, group, member, due_today, earlier, excess, joint in uow.session.execute(query):
        held = paise(excess)  # paid ahead: meets the arrears first, then the day's due
        earlier = paise(earlier)
        installment = max(ZERO, paise(due_today) - max(ZERO, held - earlier)).quantize(PAISA)
        rows.append(Row(loan_id, group, member, installment, max(ZERO, earlier - held).quantize(PAISA),
                        bool(joint)))  # fmt: skip
    return rows


def paise(amount: Decimal | None) -> Decimal:
    """A database sum (None: nothing) to the paisa."""
    return Decimal(amount or 0).quantize(PAISA)


def _posted(uow: UnitOfWork, meeting: Meeting) -> list[Row]:
    query = (
        select(MeetingLine, LendingGroup.name, Customer.name, Product.joint_liability)
        .join(LendingGroup, LendingGroup.id == MeetingLine.group_id)
        .join(Loan, Loan.id == MeetingLine.loan_id)
        .join(Customer, Customer.id == Loan.customer_id)
        .join(Product, Product.id == Loan.product_id)
        .where(MeetingLine.meeting_id == meeting.id)
        .order_by(LendingGroup.name, Customer.name, Loan.id)
    )
    return [Row(line.loan_id, group, member, paise(line.installment), paise(line.arrears),
                bool(joint), line.attended, paise(line.collected), paise(line.cover))
            for line, group, member, joint in uow.session.execute(query)]  # fmt: skip


def post_sheet(
    uow: UnitOfWork,
    centre_id: int,
    on: date,
    *,
    taken: Sequence[Taken],
    collector: str,
    posted: date,
) -> Meeting:
    """Post the meeting of `on` (on or before the business date `posted`): every member's
    payment and the group's covers as receipts, and the meeting's lines."""
    existing_centre(uow, centre_id)
    uow.session.execute(select(Centre.id).where(Centre.id == centre_id).with_for_update())
    sheet = collection_sheet(uow, centre_id, on)
    if sheet.meeting is not None:
        return _same_meeting(sheet, taken)
    rows = {row.loan_id: row for row in sheet.rows}
    _check(rows, taken, collector, on, posted)
    given = {t.loan_id: t for t in taken}
    meeting = Meeting(centre_id=centre_id, held_on=on, collector=collector.strip(),
                      collected=sum((t.collected + t.cover for t in taken), ZERO),
                      created_by=uow.actor or "system", created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(meeting)
    uow.session.flush()
    groups: dict[int, int] = dict(uow.session.execute(
        select(GroupLoan.loan_id, GroupLoan.group_id).where(GroupLoan.loan_id.in_(rows))
    ).all())  # fmt: skip
    for loan_id, row in rows.items():
        got = given.get(loan_id, Taken(loan_id, attended=False))
        uow.session.add(MeetingLine(
            meeting_id=meeting.id, loan_id=loan_id, group_id=groups[loan_id],
            attended=got.attended, installment=row.installment, arrears=row.arrears,
            collected=got.collected, cover=got.cover,
            receipt=_receipt(uow, loan_id, got.collected, meeting.collector, on, posted),
            cover_receipt=_receipt(uow, loan_id, got.cover, meeting.collector, on, posted),
        ))  # fmt: skip
    uow.session.flush()
    return meeting


def _receipt(
    uow: UnitOfWork, loan_id: int, amount: Decimal, collector: str, on: date, posted: date
) -> str | None:
    if not amount:
        return None
    return take_receipt(uow, loan_id=loan_id, amount=amount, mode="cash", collector=collector,
                        day=on, posted=posted).number  # fmt: skip


def _check(
    rows: dict[int, Row], taken: Sequence[Taken], collector: str, on: date, posted: date
) -> None:
    problems = []
    if on > posted:
        problems.append(("on", f"is after the business date {posted}"))
    if not collector.strip():
        problems.append(("collector", "is required"))
    seen: set[int] = set()
    lines = []
    for index, t in enumerate(taken):
        row = rows.get(t.loan_id)
        if row is None or t.loan_id in seen:
            problems.append((f"lines[{index}].loan_id",
                             "is not on the sheet, or is named twice"))  # fmt: skip
            row = Row(t.loan_id, "", "", ZERO, ZERO, False)
        seen.add(t.loan_id)
        lines.append(SheetLine(t.loan_id, row.due, t.collected, t.cover, row.joint))
    problems.extend(sheet_problems(lines))
    if problems:
        raise InvalidError(problems)


def _same_meeting(sheet: Sheet, taken: Sequence[Taken]) -> Meeting:
    """The meeting posted already, if `taken` says what it took; a conflict otherwise."""
    assert sheet.meeting is not None
    given = {t.loan_id: t for t in taken}
    same = (
        len(given) == len(taken)
        and set(given) <= {r.loan_id for r in sheet.rows}
        and all(
            (r.collected, r.cover, r.attended) == (g.collected, g.cover, g.attended)
            for r in sheet.rows
            for g in [given.get(r.loan_id, Taken(r.loan_id, attended=False))]
        )
    )
    if not same:
        raise ConflictError(f"the meeting of {sheet.on} was posted already, with other figures")
    return sheet.meeting
