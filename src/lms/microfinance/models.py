"""Tables of group lending: centres (where and when members meet, and who collects), joint
liability groups within them, their members, the loans lent through a group, and each centre
meeting with every member's line of its collection sheet.

Guarantees: nothing is deleted (a member who leaves keeps the row, with the day); a customer is
in at most one group at a time; a loan belongs to one group; a centre meets once a day (its
key refuses a second meeting on the same date).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db.base import Base
from lms.platform.db.types import Money


class Centre(Base):
    """A place members of several groups meet on a regular day with their field officer."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"), index=True)
    place: Mapped[str] = mapped_column(String(200))
    meeting_time: Mapped[str] = mapped_column(String(5))  # HH:MM, local time
    frequency: Mapped[str] = mapped_column(String(12))  # weekly, fortnightly or monthly
    first_meeting: Mapped[date] = mapped_column(Date)  # the meetings run from it
    field_officer: Mapped[str] = mapped_column(String(80))  # the staff user who collects
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LendingGroup(Base):
    """A joint liability group: members who stand for each other's loans."""

    __tablename__ = "lending_groups"
    __table_args__ = (Index("ux_lending_groups_centre_id_name", "centre_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    formed_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GroupMember(Base):
    """A customer's membership of a group, from the day they joined to the day they left."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_customer_id", "customer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lending_groups.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    leader: Mapped[bool] = mapped_column(Boolean)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class GroupLoan(Base):
    """A loan lent to a member through the group."""

    __tablename__ = "group_loans"

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lending_groups.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)


class Meeting(Base):
    """A centre meeting whose collection sheet was posted."""

    __tablename__ = "centre_meetings"
    __table_args__ = (
        Index("ux_centre_meetings_centre_id_held_on", "centre_id", "held_on", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    held_on: Mapped[date] = mapped_column(Date)
    collector: Mapped[str] = mapped_column(String(80))  # who took the money
    collected: Mapped[Decimal] = mapped_column(Money)  # all the money taken, covers too
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MeetingLine(Base):
    """A member's line of a meeting's sheet: what was due, paid, covered, and if they came."""

    __tablename__ = "meeting_lines"
    __table_args__ = (
        Index("ux_meeting_lines_meeting_id_loan_id", "meeting_id", "loan_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("centre_meetings.id"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lending_groups.id"))
    attended: Mapped[bool] = mapped_column(Boolean)
    installment: Mapped[Decimal] = mapped_column(Money)  # falling due on the day
    arrears: Mapped[Decimal] = mapped_column(Money)  # due before, unpaid, less money held
    collected: Mapped[Decimal] = mapped_column(Money)  # from the member
    receipt: Mapped[str | None] = mapped_column(String(40))  # of the member's payment
    cover: Mapped[Decimal] = mapped_column(Money)  # paid by the group for the member
    cover_receipt: Mapped[str | None] = mapped_column(String(40))
