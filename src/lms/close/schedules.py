"""Reports sent by e-mail on a schedule: each schedule names a report, a format, its
recipients and when it falls due (every closed date, a weekday, or a day of the month); once
the close of a date finishes, every schedule due on that date is sent (`send_due`), with the
report of that date (a report of a period covers the day, the week or the month it ends).

Guarantees: a schedule is sent at most once for a date (`last_sent_for`), so sending again
after a failure (`lms reports send-due`) sends only what did not go; a mail server that is
down or missing is recorded on the schedule (`last_error`) and never stops the close or the
other schedules; a schedule reports within its owner's branches; nothing is deleted (a
cancelled schedule stays, inactive).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.dashboards import Scope
from lms.close.models import ReportSchedule
from lms.close.reports import NAMES, report
from lms.documents.tables import MEDIA_TYPES, table_file
from lms.notices.service import send_messages
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError, NotFoundError

FORMATS = MEDIA_TYPES
FREQUENCIES = ("daily", "weekly", "monthly")
LAST_DAY = 31  # a monthly schedule's day meaning the month's last day
MAX_RECIPIENTS = 20
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True, slots=True)
class Asked:
    """A schedule as asked for (checked by `add_schedule`)."""

    report: str
    format: str
    recipients: tuple[str, ...]
    frequency: str
    day: int = 0
    branch: str | None = None


def add_schedule(
    uow: UnitOfWork, asked: Asked, *, owner: str, branches: frozenset[str] | None
) -> ReportSchedule:
    """Keep a new schedule (refused, naming each field, if any is wrong)."""
    problems = _problems(asked)
    if branches is not None and asked.branch is not None and asked.branch not in branches:
        problems.append(("branch", f"must be one of {', '.join(sorted(branches))}"))
    if problems:
        raise InvalidError(problems)
    row = ReportSchedule(
        report=asked.report, format=asked.format, recipients=", ".join(asked.recipients),
        frequency=asked.frequency, day=asked.day if asked.frequency != "daily" else 0,
        branch=asked.branch, branches=sorted(branches) if branches is not None else None,
        owner=owner, active=True, created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def _problems(asked: Asked) -> list[tuple[str, str]]:
    problems = []
    if asked.report not in NAMES:
        problems.append(("report", f"must be one of {', '.join(NAMES)}"))
    if asked.format not in FORMATS:
        problems.append(("format", f"must be one of {', '.join(FORMATS)}"))
    if not 0 < len(asked.recipients) <= MAX_RECIPIENTS or not all(
        _ADDRESS.match(r) for r in asked.recipients
    ):
        problems.append(("recipients", f"must be 1 to {MAX_RECIPIENTS} e-mail addresses"))
    if asked.frequency not in FREQUENCIES:
        problems.append(("frequency", f"must be one of {', '.join(FREQUENCIES)}"))
    elif asked.frequency == "weekly" and not 0 <= asked.day <= 6:
        problems.append(("day", "must be a weekday from 0 (Monday) to 6 (Sunday)"))
    elif asked.frequency == "monthly" and not (1 <= asked.day <= 28 or asked.day == LAST_DAY):
        problems.append(("day", f"must be a day from 1 to 28, or {LAST_DAY} for the last"))
    return problems


def cancel_schedule(uow: UnitOfWork, schedule_id: int, branches: frozenset[str] | None) -> None:
    """Stop a schedule (it is kept, inactive); one of branches a caller may not see is not
    there for them."""
    row = uow.session.get(ReportSchedule, schedule_id)
    if row is None or not _visible(row, branches):
        raise NotFoundError("report schedule", schedule_id)
    row.active = False


def schedules(uow: UnitOfWork, branches: frozenset[str] | None) -> list[ReportSchedule]:
    """Every schedule a caller bound to `branches` may see, active first."""
    rows = uow.session.scalars(
        select(ReportSchedule).order_by(ReportSchedule.active.desc(), ReportSchedule.id)
    )
    return [r for r in rows if _visible(r, branches)]


def _visible(row: ReportSchedule, branches: frozenset[str] | None) -> bool:
    return branches is None or (row.branches is not None and set(row.branches) <= branches)


def due_on(row: ReportSchedule, day: date) -> bool:
    """Whether the schedule falls due on the closed date `day`."""
    if row.frequency == "weekly":
        return day.weekday() == row.day
    if row.frequency == "monthly":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == (last if row.day == LAST_DAY else row.day)
    return True


def period_of(row: ReportSchedule, day: date) -> tuple[date, date]:
    """The period a report of a period covers when sent for `day`: the day, the week, or the
    month ending on it (the whole calendar month for a month-end schedule)."""
    if row.frequency == "weekly":
        return day - timedelta(days=6), day
    if row.frequency == "monthly":
        if row.day == LAST_DAY:
            return day.replace(day=1), day
        before = day.replace(day=1) - timedelta(days=1)  # the previous month's same day
        return before.replace(day=min(day.day, before.day)) + timedelta(days=1), day
    return day, day


def send_due(
    sessions: sessionmaker[Session],
    day: date,
    send: Callable[[list[EmailMessage]], None] | None = None,
) -> dict[int, str]:
    """Send every active schedule due on the closed date `day` not yet sent for it; returns
    each one tried: "sent" or the error recorded on it."""
    mail = send or send_messages
    with UnitOfWork(sessions) as uow:
        ids = [
            r.id
            for r in uow.session.scalars(select(ReportSchedule).where(ReportSchedule.active))
            if due_on(r, day) and r.last_sent_for != day
        ]
    return {schedule_id: _send_one(sessions, schedule_id, day, mail) for schedule_id in ids}


def _send_one(
    sessions: sessionmaker[Session],
    schedule_id: int,
    day: date,
    send: Callable[[list[EmailMessage]], None],
) -> str:
    with UnitOfWork(sessions, origin="close") as uow:
        row = uow.session.get_one(ReportSchedule, schedule_id)
        try:
            send([_message(uow, row, day)])
        except (InvalidError, RuntimeError, OSError) as exc:  # SMTPException is an OSError
            uow.session.rollback()
            row = uow.session.get_one(ReportSchedule, schedule_id)
            row.last_error = f"{day.isoformat()}: {type(exc).__name__}: {exc}"[:2000]
            uow.commit()
            return row.last_error
        row.last_sent_for, row.last_error = day, None
        uow.commit()
        return "sent"


def _message(uow: UnitOfWork, row: ReportSchedule, day: date) -> EmailMessage:
    since, until = period_of(row, day)
    branches = frozenset(row.branches) if row.branches is not None else None
    table = report(uow, row.report, Scope(branch=row.branch, branches=branches),
                   as_of=day, since=since, until=until)  # fmt: skip
    note = f"Sent on schedule {row.id} of {row.owner} after the close of {day.isoformat()}."
    content = table_file(row.format, table.title, note, table.columns, table.rows)
    message = EmailMessage()
    message["To"], message["Subject"] = row.recipients, table.title
    message.set_content(f"{table.title}: attached ({row.format.upper()}).\n\n"
                        f"Sent by lms on schedule {row.id} ({row.frequency}).")  # fmt: skip
    maintype, subtype = FORMATS[row.format].split("/", 1)
    message.add_attachment(content, maintype=maintype, subtype=subtype,
                           filename=f"{row.report}-{day.isoformat()}.{row.format}")  # fmt: skip
    return message
