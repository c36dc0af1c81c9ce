"""The daily close as a page: the business date, each step's partitions and loans for the date
being closed, the recent dates closed, and the loans whose failures keep the date from
advancing, each parked by a person with the right to.

Guarantees: read only but for parking, which is `lms eod park`'s service (the person recorded
as who parked it), and retrying, which runs a failed step again for that one loan (only the
steps whose work for a loan can be repeated: those the close itself runs again while a loan
fails); both need the form token and `close.run`. The close of the book runs where it always
does (`lms eod run`, its workers), never in a web request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from lms.close.failures import open_failures, park
from lms.close.models import CloseStep
from lms.close.runner import STEPS, steps_done
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform import business_date as calendar

router = APIRouter()
RECENT = 10  # dates shown


@router.get(f"{ROOT}/close")
def close(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    current = calendar.business_date(uow)
    steps = steps_done(uow, current) if current else []
    recent = uow.session.execute(
        select(CloseStep.day, func.count(), func.max(CloseStep.finished_at))
        .group_by(CloseStep.day)
        .order_by(CloseStep.day.desc())
        .limit(RECENT)
    ).all()
    failures = open_failures(uow, current) if current else []
    repeatable = {s.NAME for s in STEPS if getattr(s, "RETRY", False)}
    return page(request, "close.html", current=current, steps=steps, recent=recent,
                failures=failures, repeatable=repeatable)  # fmt: skip


@router.post(f"{ROOT}/close/failures/{{loan_id}}/retry", dependencies=[FormChecked])
def retry_loan(request: Request, uow: UnitOfWorkDep, who: Staff, loan_id: int) -> RedirectResponse:
    """Run the business date's failed steps of the loan again, for it alone (steps that may be
    repeated); what still fails stays open, a step with nothing left to do for the loan
    resolves its failure."""
    current = calendar.business_date(uow)
    failed = (
        {f.step for f in open_failures(uow, current) if f.loan_id == loan_id} if current else set()
    )
    retried = [s for s in STEPS if s.NAME in failed and getattr(s, "RETRY", False)]
    uow.origin = "close"
    for step in retried:
        assert current is not None
        if not step.run(uow, current, loan_id, loan_id):  # a loan's failure is recorded
            for failure in open_failures(uow, current, step.NAME, (loan_id, loan_id)):
                failure.parked_by = "resolved"  # the step has nothing left to do for it
                failure.parked_at = datetime.now(UTC)
    uow.commit()
    left = len([f for f in open_failures(uow, current) if f.loan_id == loan_id]) if current else 0
    return RedirectResponse(
        f"{ROOT}/close?retried={loan_id}&steps={len(retried)}&left={left}", status_code=303
    )


@router.post(f"{ROOT}/close/failures/{{loan_id}}/park", dependencies=[FormChecked])
def park_loan(request: Request, uow: UnitOfWorkDep, who: Staff, loan_id: int) -> RedirectResponse:
    """Park the business date's open failures of the loan: the close goes on without it."""
    current = calendar.business_date(uow)
    parked = park(uow, day=current, loan_id=loan_id, by=who.actor) if current else 0
    uow.commit()
    return RedirectResponse(f"{ROOT}/close?parked={loan_id}&count={parked}", status_code=303)
