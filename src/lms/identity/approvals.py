"""Maker-checker: a change that needs a second person is proposed by one identity (the maker)
and takes effect only when another approves it (the checker).

An approval holds what was asked (its kind, a subject for people to read, and the request as
JSON); deciding it runs the change through the function the caller gives for its kind, in the
same transaction, and records the outcome. What each kind does, and who may decide it, is
the callers' (lms.interfaces.approvals); this module keeps the queue and its rules.

Guarantees: the maker can never approve or reject their own request; a request is decided
once (the row is locked, a second decision is a conflict); a change that fails when approved
leaves the request pending and writes nothing (the caller's unit of work is not committed);
nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base, UnitOfWork
from lms.platform.errors import ConflictError, NotFoundError


class Approval(Base):
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # product_change, rate, match
    subject: Mapped[str] = mapped_column(String(200))  # what it is about, for people
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending, approved, rejected
    maker: Mapped[str] = mapped_column(String(80))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checker: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the change did


def propose(
    uow: UnitOfWork, *, kind: str, subject: str, request: dict[str, Any], maker: str, now: datetime
) -> Approval:
    """Queue a change for a second person's approval."""
    row = Approval(kind=kind, subject=subject[:200], request=request, status="pending",
                   maker=maker, made_at=now)  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def decide(
    uow: UnitOfWork,
    *,
    approval_id: int,
    approve: bool,
    checker: str,
    now: datetime,
    apply: Callable[[Approval], dict[str, Any]],
    note: str | None = None,
) -> Approval:
    """The checker's decision: an approval runs `apply` (the change) and keeps its outcome."""
    row = uow.session.scalar(select(Approval).where(Approval.id == approval_id).with_for_update())
    if row is None:
        raise NotFoundError("approval", approval_id)
    if row.status != "pending":
        raise ConflictError(f"approval {approval_id} is {row.status} already")
    if checker == row.maker:
        raise ConflictError("the maker of a request cannot approve or reject it")
    if approve:
        row.outcome = apply(row)
    row.status = "approved" if approve else "rejected"
    row.checker, row.decided_at, row.note = checker, now, note
    uow.session.flush()
    return row


def pending(uow: UnitOfWork, *, kinds: frozenset[str], limit: int, offset: int) -> list[Approval]:
    """The requests of `kinds` waiting for a checker, oldest first."""
    return list(
        uow.session.scalars(
            select(Approval)
            .where(Approval.status == "pending", Approval.kind.in_(sorted(kinds)))
            .order_by(Approval.id)
            .limit(limit)
            .offset(offset)
        )
    )
