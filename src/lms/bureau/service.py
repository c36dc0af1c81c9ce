"""Reporting the book to the credit information companies: the data files as of a reporting
date (the 15th and the month end, sent within seven days) in the consumer format, the
microfinance format (loans of microfinance products) and the commercial format (loans to
firms and companies), the list of what was
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

from lms.bureau import commercial, consumer, microfinance, tudf
from lms.bureau.accounts import DataFile, Figures, LeftOut, reported_loans
from lms.bureau.models import BureauCorrection, BureauIntimation, BureauReport
from lms.notices.outbox import Message, queue_messages
from lms.platform.business_date import business_date
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Loan

BUREAUS = ("CIBIL", "EXPERIAN", "EQUIFAX", "CRIF")
REJECTION_COLUMNS = ("account_number", "segment", "field", "code", "message")
FORMATS = ("consumer", "microfinance", "commercial")
CHUNK = 1000  # loans read and written together
FILES: dict[str, type[DataFile]] = {
    "consumer": consumer.ConsumerFile,
    "microfinance": microfinance.MicrofinanceFile,
    "commercial": commercial.CommercialFile,
}


@dataclass(slots=True)
class BureauFile:
    """A data file as written: its text, what it holds and what it left out."""

    as_of: date
    since: date  # the previous reporting date (closed loans after it are reported once)
    kind: str = "consumer"  # FORMATS
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
    uow: UnitOfWork,
    *,
    as_of: date,
    bureau: str,
    member: tudf.Member,
    actor: str | None,
    kind: str = "consumer",
) -> BureauFile:
    """The data file of `kind` (FORMATS) of the book as of `as_of` for `bureau` (member code
    and short name as the bureau issued them for that format), recorded; the intimations it
    needs queued."""
    today = _checked(uow, as_of, bureau, member, kind)
    result = BureauFile(as_of, previous_reporting_date(as_of), kind=kind)
    writer = FILES[kind](member)
    defaults: list[Figures] = []
    for chunk in _chunks(reported_loans(uow, as_of, result.since), CHUNK):
        written = writer.add(uow, chunk, as_of)
        result.left_out.extend(written.left_out)
        result.accounts += len(written.reported)
        defaults.extend(f for f in written.reported if f.dpd > 0 and f.overdue_since is not None)
    result.told = _intimate(uow, defaults, today)
    result.text = writer.text(today, as_of)
    report = BureauReport(
        as_of=as_of, bureau=bureau, member_id=member.code, accounts=result.accounts,
        left_out=len(result.left_out), sha256=hashlib.sha256(result.text.encode()).hexdigest(),
        actor=actor, created_at=datetime.now(UTC), kind=kind,
    )  # fmt: skip
    uow.session.add(report)
    uow.session.flush()
    result.report_id = report.id
    return result


@dataclass(frozen=True, slots=True)
class Due:
    """A reporting date's file of one format for a bureau: when it was made, and by when it
    must be sent."""

    as_of: date
    bureau: str
    made_on: date | None  # the day of the first file made for it (None: none yet)
    deadline: date  # seven days after the reporting date
    kind: str = "consumer"  # FORMATS

    def late(self, today: date) -> bool:
        return self.made_on is None and today > self.deadline


def reporting_status(
    uow: UnitOfWork, today: date, files: Iterable[tuple[str, str]], days: int = 62
) -> list[Due]:
    """Each reporting date of the last `days` (closed by `today`) for each (bureau, format):
    whether its file was made, and its deadline."""
    dates = []
    day = latest_reporting_date(today - timedelta(days=1))
    while day > today - timedelta(days=days):
        dates.append(day)
        day = previous_reporting_date(day)
    kind = func.coalesce(BureauReport.kind, "consumer")
    made = {
        (as_of, bureau, made_kind): created.date()
        for as_of, bureau, made_kind, created in uow.session.execute(
            select(BureauReport.as_of, BureauReport.bureau, kind, func.min(BureauReport.created_at))
            .where(BureauReport.as_of.in_(dates))
            .group_by(BureauReport.as_of, BureauReport.bureau, kind)
        )
    }
    return [
        Due(d, b, made.get((d, b, k)), d + timedelta(days=7), k)
        for d in sorted(dates)
        for b, k in files
    ]


def member_files(members: dict[str, str]) -> list[tuple[str, str]]:
    """The (bureau, format) files a lender makes, by the keys of its member ids: `CIBIL` for
    the consumer file, `CIBIL-MICROFINANCE` and `CIBIL-COMMERCIAL` for the others."""
    found = []
    for key in sorted(members):
        bureau, _, kind = key.upper().partition("-")
        found.append((bureau, kind.lower() or "consumer"))
    return found


def _checked(uow: UnitOfWork, as_of: date, bureau: str, member: tudf.Member, kind: str) -> date:
    problems = []
    if bureau not in BUREAUS:
        problems.append(("bureau", f"must be one of {', '.join(BUREAUS)}"))
    if kind not in FORMATS:
        problems.append(("format", f"must be one of {', '.join(FORMATS)}"))
    if kind == "consumer" and (len(member.code) != 10 or not member.code.isalnum()):
        problems.append(("member_code", "the bureau's member code: 10 letters and digits"))
    elif not 1 <= len(member.code) <= 14 or not member.code.isalnum():
        problems.append(("member_code", "the bureau's member id: 1 to 14 letters and digits"))
    if not member.short_name.strip():
        problems.append(("short_name", "the member's short name is required"))
    if problems:
        raise InvalidError(problems)
    today = business_date(uow)
    if today is None or as_of >= today:
        raise ConflictError(f"the close of {as_of} has not run: the file reports its figures")
    return today


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
