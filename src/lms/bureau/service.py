"""Reporting the book to the credit information companies: the consumer data file as of a
reporting date (the 15th and the month end, sent within seven days), the list of what was
left out and why, the borrower's intimation before a default is first reported, and a
bureau's rejection report read back into a queue of corrections.

Guarantees: the file holds only records the bureaus' rules accept (each refusal is listed
with its reasons instead); a date whose close has not run is refused (the figures are the
close's); every loan reported in default has an intimation queued to its borrower on or before
the day its file is written, one per default spell; each file is recorded with its hash and
actor; a correction is never deleted, only marked corrected.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, tuple_

from lms.bureau import tudf
from lms.bureau.accounts import Figures, reported_loans
from lms.bureau.models import BureauCorrection, BureauIntimation, BureauReport
from lms.notices.outbox import Message, queue_messages
from lms.platform.business_date import business_date
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Customer, Loan, LoanParty

BUREAUS = ("CIBIL", "EXPERIAN", "EQUIFAX", "CRIF")
REJECTION_COLUMNS = ("account_number", "segment", "field", "code", "message")
_ROLES = {"co_borrower": "joint", "guarantor": "guarantor"}


@dataclass(frozen=True, slots=True)
class LeftOut:
    loan_id: int
    number: str
    customer_id: int
    reasons: tuple[str, ...]


@dataclass(slots=True)
class BureauFile:
    """A data file as written: its text, what it holds and what it left out."""

    as_of: date
    since: date  # the previous reporting date (closed loans after it are reported once)
    text: str = ""
    accounts: int = 0
    left_out: list[LeftOut] = field(default_factory=list)
    told: int = 0  # borrowers told today that a default of theirs will be reported
    report_id: int | None = None


def previous_reporting_date(day: date) -> date:
    """The reporting date before `day`: the 15th or the last day of a month."""
    if day.day > 15:
        return day.replace(day=15)
    return day.replace(day=1) - timedelta(days=1)


def latest_reporting_date(day: date) -> date:
    """The last reporting date on or before `day`."""
    following = day + timedelta(days=1)
    return day if day.day == 15 or following.day == 1 else previous_reporting_date(day)


def bureau_file(
    uow: UnitOfWork, *, as_of: date, bureau: str, member: tudf.Member, actor: str | None
) -> BureauFile:
    """The consumer data file of the book as of `as_of` for `bureau` (member code and short
    name as the bureau issued them), recorded; the intimations it needs queued."""
    today = _checked(uow, as_of, bureau, member)
    result = BureauFile(as_of, previous_reporting_date(as_of))
    records, defaults = [], []
    for chunk in _chunks(reported_loans(uow, as_of, result.since), 1000):
        people = _consumers(uow, chunk)
        for figures in chunk:
            written, left = _records(member, figures, people, as_of)
            if left is not None:
                result.left_out.append(left)
                continue
            records.extend(written)
            result.accounts += 1
            if figures.dpd > 0 and figures.overdue_since is not None:
                defaults.append(figures)
    result.told = _intimate(uow, defaults, today)
    result.text = tudf.data_file(member, as_of, records)
    report = BureauReport(
        as_of=as_of, bureau=bureau, member_id=member.code, accounts=result.accounts,
        left_out=len(result.left_out), sha256=hashlib.sha256(result.text.encode()).hexdigest(),
        actor=actor, created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(report)
    uow.session.flush()
    result.report_id = report.id
    return result


@dataclass(frozen=True, slots=True)
class Due:
    """A reporting date's file for a bureau: when it was made, and by when it must be sent."""

    as_of: date
    bureau: str
    made_on: date | None  # the day of the first file made for it (None: none yet)
    deadline: date  # seven days after the reporting date

    def late(self, today: date) -> bool:
        return self.made_on is None and today > self.deadline


def reporting_status(
    uow: UnitOfWork, today: date, bureaus: Iterable[str], days: int = 62
) -> list[Due]:
    """Each reporting date of the last `days` (closed by `today`) for each bureau: whether its
    file was made, and its deadline."""
    dates = []
    day = latest_reporting_date(today - timedelta(days=1))
    while day > today - timedelta(days=days):
        dates.append(day)
        day = previous_reporting_date(day)
    made = {
        (as_of, bureau): created.date()
        for as_of, bureau, created in uow.session.execute(
            select(BureauReport.as_of, BureauReport.bureau, func.min(BureauReport.created_at))
            .where(BureauReport.as_of.in_(dates))
            .group_by(BureauReport.as_of, BureauReport.bureau)
        )
    }
    return [
        Due(d, b, made.get((d, b)), d + timedelta(days=7)) for d in sorted(dates) for b in bureaus
    ]


def _checked(uow: UnitOfWork, as_of: date, bureau: str, member: tudf.Member) -> date:
    problems = []
    if bureau not in BUREAUS:
        problems.append(("bureau", f"must be one of {', '.join(BUREAUS)}"))
    if len(member.code) != 10 or not member.code.isalnum():
        problems.append(("member_code", "the bureau's member code: 10 letters and digits"))
    if not member.short_name.strip():
        problems.append(("short_name", "the member's short name is required"))
    if problems:
        raise InvalidError(problems)
    today = business_date(uow)
    if today is None or as_of >= today:
        raise ConflictError(f"the close of {as_of} has not run: the file reports its figures")
    return today


def _records(
    member: tudf.Member,
    figures: Figures,
    people: dict[int, list[tuple[tudf.Consumer, str]]],
    as_of: date,
) -> tuple[list[str], LeftOut | None]:
    """The loan's records, one per consumer (the borrower; co-borrowers and guarantors), or
    why it is left out (any consumer's problem leaves the whole loan out)."""
    reasons: list[str] = []
    if figures.bureau_type is None:
        reasons.append("product: no bureau account type set")
    accounts = []
    for consumer, ownership in people.get(figures.loan_id, []):
        account = _account(figures, ownership)
        found = tudf.account_problems(account, as_of) + tudf.consumer_problems(consumer, as_of)
        reasons.extend(r for r in found if r not in reasons)
        accounts.append((consumer, account))
    if reasons:
        return [], LeftOut(figures.loan_id, figures.number, figures.customer_id, tuple(reasons))
    return [tudf.record(member, c, a, as_of) for c, a in accounts], None


def _account(f: Figures, ownership: str) -> tudf.Account:
    return tudf.Account(
        number=f.number, account_type=f.bureau_type or "", ownership=ownership,
        opened=f.opened, last_paid=f.last_paid, closed=f.closed, sanctioned=f.sanctioned,
        balance=f.balance, overdue=f.overdue, dpd=f.dpd, asset_class=f.asset_class,
        status=f.status, suit_filed=f.suit_filed, rate=f.rate, tenure=f.tenure, emi=f.emi,
        frequency=f.frequency, written_off=f.written_off,
        written_off_principal=f.written_off_principal, settled=f.settled,
    )  # fmt: skip


def _consumers(uow: UnitOfWork, chunk: list[Figures]) -> dict[int, list[tuple[tudf.Consumer, str]]]:
    """Each loan's consumers with their ownership: the borrower (individual, or joint when
    the loan has co-borrowers), then its co-borrowers (joint) and guarantors."""
    loan_ids = [f.loan_id for f in chunk]
    parties: dict[int, list[tuple[int, str]]] = {}
    for loan_id, customer_id, role in uow.session.execute(
        select(LoanParty.loan_id, LoanParty.customer_id, LoanParty.role)
        .where(LoanParty.loan_id.in_(loan_ids))
        .order_by(LoanParty.loan_id, LoanParty.customer_id)
    ):
        parties.setdefault(loan_id, []).append((customer_id, _ROLES.get(role, "guarantor")))
    wanted = {f.customer_id for f in chunk} | {c for ps in parties.values() for c, _ in ps}
    customers = {
        c.id: _consumer(c)
        for c in uow.session.scalars(select(Customer).where(Customer.id.in_(sorted(wanted))))
    }
    found = {}
    for f in chunk:
        others = parties.get(f.loan_id, [])
        joint = any(role == "joint" for _, role in others)
        found[f.loan_id] = [(customers[f.customer_id], "joint" if joint else "individual")]
        found[f.loan_id] += [(customers[c], role) for c, role in others]
    return {
        loan_id: [(c, tudf.OWNERSHIP[role]) for c, role in people]
        for loan_id, people in found.items()
    }


def _consumer(customer: Customer) -> tudf.Consumer:
    addresses = tuple(
        tudf.Address(a.get("text", ""), a.get("state"), a.get("pin", ""), a.get("kind", ""))
        for a in customer.addresses or ()
    )
    return tudf.Consumer(
        name=customer.name,
        birth=customer.date_of_birth,
        gender=customer.gender,
        ids=(("pan", customer.pan),) if customer.pan else (),
        phones=((customer.phone, "mobile"),) if customer.phone else (),
        emails=(customer.email,) if customer.email else (),
        addresses=addresses,
        entity=customer.kind == "entity",
    )


def _intimate(uow: UnitOfWork, defaults: list[Figures], today: date) -> int:
    """Queue the intimation of each default spell not yet told (the borrower hears before the
    file that first reports it is sent); how many were queued."""
    if not defaults:
        return 0
    keys = [(f.loan_id, f.overdue_since) for f in defaults]
    query = select(BureauIntimation.loan_id, BureauIntimation.overdue_since).where(
        tuple_(BureauIntimation.loan_id, BureauIntimation.overdue_since).in_(keys)
    )
    told = {(loan_id, since) for loan_id, since in uow.session.execute(query)}
    fresh = [f for f in defaults if (f.loan_id, f.overdue_since) not in told]
    messages = [
        Message(f.loan_id, "bureau_default",
                {"amount": f"{f.overdue:.2f}", "due_date": f.overdue_since.isoformat()})
        for f in fresh if f.overdue_since is not None
    ]  # fmt: skip
    queue_messages(uow, messages, today)
    now = datetime.now(UTC)
    uow.session.add_all(
        BureauIntimation(loan_id=f.loan_id, overdue_since=f.overdue_since, told_on=today,
                         created_at=now)
        for f in fresh
    )  # fmt: skip
    uow.session.flush()
    return len(fresh)


def left_out_csv(left_out: Iterable[LeftOut]) -> str:
    """The loans left out of a file and why, one row per loan."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("loan_id", "loan_number", "customer_id", "reasons"))
    for row in left_out:
        writer.writerow((row.loan_id, row.number, row.customer_id, "; ".join(row.reasons)))
    return out.getvalue()


def read_rejections(uow: UnitOfWork, *, bureau: str, text: str, received_on: date) -> int:
    """Queue each error of a bureau's rejection report (CSV: account_number, segment, field,
    code, message) for correction; how many were queued. A malformed report writes nothing."""
    if bureau not in BUREAUS:
        raise InvalidError([("bureau", f"must be one of {', '.join(BUREAUS)}")])
    rows = list(csv.DictReader(io.StringIO(text)))
    problems = []
    if not rows or set(REJECTION_COLUMNS) - set(rows[0]):
        problems.append(("file", f"needs the columns {', '.join(REJECTION_COLUMNS)}"))
    else:
        problems = [
            (f"line {n + 2}", "account_number, segment and code are required")
            for n, row in enumerate(rows)
            if not (row["account_number"] and row["segment"] and row["code"])
        ]
    if problems:
        raise InvalidError(problems)
    numbers = {row["account_number"].strip() for row in rows}
    query = select(Loan.external_id, Loan.id).where(Loan.external_id.in_(sorted(numbers)))
    loans: dict[str, int] = dict(uow.session.execute(query).all())
    now = datetime.now(UTC)
    uow.session.add_all(
        BureauCorrection(
            bureau=bureau, loan_id=loans.get(row["account_number"].strip()),
            account_number=row["account_number"].strip()[:40], segment=row["segment"][:4],
            field=(row["field"] or None) and row["field"][:4], code=row["code"][:16],
            message=row["message"] or "", received_on=received_on, status="open",
            created_at=now,
        )
        for row in rows
    )  # fmt: skip
    uow.session.flush()
    return len(rows)


def open_corrections(uow: UnitOfWork) -> list[BureauCorrection]:
    query = select(BureauCorrection).where(BureauCorrection.status == "open")
    return list(uow.session.scalars(query.order_by(BureauCorrection.id)))


def mark_corrected(uow: UnitOfWork, *, correction_id: int, day: date, actor: str) -> None:
    row = uow.session.get(BureauCorrection, correction_id)
    if row is None:
        raise NotFoundError("correction", correction_id)
    if row.status != "open":
        raise ConflictError(f"correction {correction_id} was corrected on {row.corrected_on}")
    row.status, row.corrected_on, row.corrected_by = "corrected", day, actor


def _chunks(items: Iterable[Figures], size: int) -> Iterable[list[Figures]]:
    chunk: list[Figures] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
