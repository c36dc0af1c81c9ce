"""Collections strategies as data, evaluated by the daily close: each open case, on the day it
has been `day` days in its bucket, gets what the active steps for that bucket (and its
borrower's products) say: a message of an event on every channel (the outbox's rules apply),
or a task due the next day for its agent: a call, a field visit, or a legal notice where the
law gives one (a SARFAESI demand notice for a secured loan, a notice under section 138 of the
Negotiable Instruments Act for a returned cheque; a borrower without the ground gets none).

A step may be kept for the riskier cases: those whose risk band (the worst of the borrower's
loans, from the delinquency model and early warnings) is `min_band` or worse.

Guarantees: a step acts once for a case's stay in a bucket (on that one day); steps are
added and retired, never edited, so what acted is known; a message step names a template
whose variables a case can fill (checked when the step is added).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from lms.collections.cases import CLAIMED, History, Standing, buckets
from lms.collections.models import CaseTask, CollectionCase, Strategy
from lms.notices.outbox import Message, queue_messages
from lms.notices.templates import TEMPLATES
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, insert_rows
from lms.platform.errors import InvalidError, NotFoundError
from lms.servicing.models import RISK_BANDS as BANDS
from lms.servicing.models import Loan, LoanEvent, Product

ACTIONS = ("message", "call", "visit", "sarfaesi_notice", "cheque_notice")
# legal notices only where the law gives them: SARFAESI (a demand notice under s.13(2)) for a
# loan secured by collateral; the Negotiable Instruments Act s.138 for a cheque returned
LEGAL = frozenset({"sarfaesi_notice", "cheque_notice"})
FILLED = frozenset({"name", "amount", "loan_number", "dpd", "lender"})  # what a case gives


def add_step(
    uow: UnitOfWork, *, bucket: str, day: int, action: str, event: str | None,
    product_code: str | None, min_band: str | None = None,
) -> Strategy:  # fmt: skip
    """Add a step (refused, naming each field, if it could not act)."""
    labels = [b.label for b in buckets()]
    problems = []
    if bucket not in labels:
        problems.append(("bucket", f"must be one of {', '.join(labels)}"))
    if not 0 <= day <= 365:
        problems.append(("day", "must be from 0 to 365 days into the bucket"))
    if action not in ACTIONS:
        problems.append(("action", f"must be one of {', '.join(ACTIONS)}"))
    if action == "message" and (
        event not in TEMPLATES or not set(TEMPLATES[event].params) <= FILLED
    ):
        fit = sorted(e for e, t in TEMPLATES.items() if set(t.params) <= FILLED)
        problems.append(("event", f"a message step needs one of {', '.join(fit)}"))
    if product_code and uow.session.scalar(select(Product.id).where(Product.code == product_code)
                                           .limit(1)) is None:  # fmt: skip
        problems.append(("product_code", f"no product {product_code!r}"))
    if min_band and min_band not in BANDS:
        problems.append(("min_band", f"must be one of {', '.join(BANDS)} (or none: every case)"))
    if problems:
        raise InvalidError(problems)
    step = Strategy(bucket=labels.index(bucket), day=day, action=action,
                    event=event if action == "message" else None,
                    product_code=product_code or None, min_band=min_band or None, active=True,
                    made_by=uow.actor,
                    created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(step)
    uow.session.flush()
    return step


def retire_step(uow: UnitOfWork, step_id: int) -> None:
    step = uow.session.get(Strategy, step_id)
    if step is None:
        raise NotFoundError("strategy step", step_id)
    step.active = False


def evaluate(
    uow: UnitOfWork, day: date, low: int, high: int, standings: dict[int, Standing]
) -> int:
    """Do what the active steps say on `day` for the open cases of borrowers `low`..`high`;
    how many actions. Only the cases some step falls on today are read (a step's day counts
    from the day the case entered its bucket)."""
    steps = list(uow.session.scalars(select(Strategy).where(Strategy.active)))
    if not steps:
        return 0
    c = CollectionCase
    due = or_(*(and_(c.bucket == b, c.bucket_since == day - timedelta(days=d))
                for b, d in sorted({(s.bucket, s.day) for s in steps})))  # fmt: skip
    open_cases = uow.session.execute(  # rows, not objects: read only
        select(c.id, c.customer_id, c.bucket, c.bucket_since, c.opened_on, c.overdue, c.dpd,
               c.risk_band)
        .where(c.customer_id.between(low, high), c.closed_on.is_(None), due).order_by(c.id)
    ).all()  # fmt: skip
    if not open_cases:
        return 0
    products = _products(uow, {c.customer_id for c in open_cases})
    grounds = _grounds(uow, {c.customer_id for c in open_cases})
    done, messages, tasks, history = 0, list[Message](), list[dict[str, Any]](), History()
    for case in open_cases:
        stay = (day - (case.bucket_since or case.opened_on)).days
        for step in steps:
            wanted = (
                step.product_code is None
                or step.product_code in products.get(case.customer_id, set())
            ) and (step.min_band is None or (case.risk_band or "") >= step.min_band)
            if step.action in LEGAL and step.action not in grounds.get(case.customer_id, set()):
                continue  # no ground for this notice: no secured loan, or no cheque returned
            if step.bucket == case.bucket and step.day == stay and wanted:
                done += _act(day, case, step, standings.get(case.customer_id),
                             (messages, tasks, history))  # fmt: skip
    queue_messages(uow, messages, day + timedelta(days=1))  # all at once: the next morning's
    insert_rows(uow, CaseTask.metadata.tables["case_tasks"], tasks)
    history.write(uow)
    return done


def _products(uow: UnitOfWork, customers: set[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for customer_id, code in uow.session.execute(
        select(Loan.customer_id, Product.code).join(Product, Product.id == Loan.product_id)
        .where(among(uow, Loan.customer_id, sorted(customers)), Loan.status.in_(CLAIMED))
    ):  # fmt: skip
        found.setdefault(customer_id, set()).add(code)
    return found


def _grounds(uow: UnitOfWork, customers: set[int]) -> dict[int, set[str]]:
    """The legal notices each borrower's loans give grounds for: a SARFAESI notice for an active
    loan of a secured product, a cheque notice for a cheque of theirs the bank returned."""
    found: dict[int, set[str]] = {}
    secured = (
        select(Loan.customer_id)
        .join(Product, Product.id == Loan.product_id)
        .where(
            among(uow, Loan.customer_id, sorted(customers)),
            Loan.status.in_(CLAIMED),
            Product.secured.is_(True),
        )
    )
    for customer_id in uow.session.scalars(secured):
        found.setdefault(customer_id, set()).add("sarfaesi_notice")
    e, returned = LoanEvent, aliased(LoanEvent)
    bounced = (
        select(Loan.customer_id).join(e, e.loan_id == Loan.id)
        .join(returned, (returned.loan_id == e.loan_id) & (returned.reference == e.reference))
        .where(among(uow, Loan.customer_id, sorted(customers)), e.kind == "payment",
               e.channel == "cheque",
               returned.kind == "reversal", returned.reason.like("returned%"))
    )  # fmt: skip
    for customer_id in uow.session.scalars(bounced):
        found.setdefault(customer_id, set()).add("cheque_notice")
    return found


def _act(
    day: date, case: Any, step: Strategy, standing: Standing | None,
    out: tuple[list[Message], list[dict[str, Any]], History],
) -> int:  # fmt: skip
    """The step's message or task for the case, added to `out` (written by the caller)."""
    messages, tasks, history = out
    if step.action == "message":
        if standing is None or step.event is None:
            return 0
        data = {"amount": str(case.overdue.quantize(Decimal("0.01"))), "dpd": case.dpd}
        messages.append(Message(standing.loan_id, step.event, data))
        history.add(case.id, day, "message_queued", event=step.event, strategy=step.id)
        return 1
    tasks.append({"case_id": case.id, "strategy_id": step.id, "kind": step.action,
                  "due_on": day + timedelta(days=1), "status": "open", "done_by": None,
                  "done_at": None})  # fmt: skip
    history.add(case.id, day, "task_set", task=step.action, strategy=step.id)
    return 1


def tasks_done_by_outcome(uow: UnitOfWork, case_id: int, kind: str, actor: str | None) -> None:
    """A call or visit logged does the case's oldest open task of that kind."""
    task = uow.session.scalar(
        select(CaseTask).where(CaseTask.case_id == case_id, CaseTask.kind == kind,
                               CaseTask.status == "open").order_by(CaseTask.due_on, CaseTask.id)
    )  # fmt: skip
    if task is not None:
        task.status, task.done_by, task.done_at = "done", actor, datetime.now(UTC)
