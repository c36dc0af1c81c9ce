"""The changes that wait for a second person (maker-checker, lms.identity.approvals): what
each kind does when approved, the permission its maker and its checker both need, and how a
route queues one.

Kinds: `product_change` (a new version of an existing product; a product code no loan can yet
use is created at once), `benchmark_rate` (a benchmark's new rate, re-pricing every floating
loan on it), `statement_match` (a suspense credit named as a loan's repayment by hand),
`charge_waiver` (a charge forgiven in part or in full), `write_off` (a loan taken off the books,
technical or full), `settlement` (a one-time settlement agreed with its plan) and
`restructure` (a loan restructured from its value date: lms.servicing.restructures) and
`moratorium` (installments deferred under a relief scheme: lms.servicing.moratoria), each asked
and decided with permissions of their own; a checker sees only the loans of their branches.

Guarantee: a queued change is checked as far as it can be before it waits (the body's schema,
the line and the loan exist), and runs through the same service as an immediate one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from lms.collections import settlements
from lms.core.frequency import LAST_DAY
from lms.identity.approvals import Approval, decide, propose
from lms.identity.roles import Permission
from lms.identity.service import Principal
from lms.interfaces.api.schemas import ProductIn
from lms.interfaces.api.security import within_branches
from lms.payments.reconcile import match_by_hand
from lms.platform.db import UnitOfWork
from lms.platform.errors import NotFoundError
from lms.servicing import catalog, moratoria, rates, restructures
from lms.servicing.charges import waive_charge
from lms.servicing.models import Loan, Product


class ApprovalOut(BaseModel):
    id: int
    kind: str
    subject: str
    request: dict[str, Any]
    status: str  # pending, approved, rejected
    maker: str
    made_at: datetime
    checker: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    outcome: dict[str, Any] | None = None


def shown(row: Approval) -> ApprovalOut:
    return ApprovalOut.model_validate(row, from_attributes=True)


@dataclass(frozen=True)
class Kind:
    permission: Permission  # the maker's (and the checker's, unless `checker` names another)
    apply: Callable[[UnitOfWork, Approval, date], dict[str, Any]]
    checker: Permission | None = None

    @property
    def decided_with(self) -> Permission:
        return self.checker or self.permission


def queue(uow: UnitOfWork, *, kind: str, subject: str, request: dict[str, Any]) -> ApprovalOut:
    """Queue a change for approval (committed); the pending request as the answer shows it."""
    row = propose(uow, kind=kind, subject=subject, request=request, maker=uow.actor or "",
                  now=datetime.now(UTC))  # fmt: skip
    uow.commit()
    return shown(row)


def accepted(pending: ApprovalOut) -> JSONResponse:
    """202 Accepted with the pending request, for a route whose usual answer is another."""
    return JSONResponse(pending.model_dump(mode="json"), status_code=202)


def make_product(uow: UnitOfWork, body: ProductIn) -> Product:
    """A product (or a new version of one) as the body describes it."""
    return catalog.create_product(
        uow, code=body.code, name=body.name,
        settings=body.settings.model_dump(mode="json", exclude_none=True),
        amount=(body.amount.min, body.amount.max), rate=(body.rate.min, body.rate.max),
        tenure=(int(body.tenure.min), int(body.tenure.max)), waterfall=body.waterfall,
        future_rule=body.future_rule, rules=rules_of(body),
    )  # fmt: skip


def rules_of(body: ProductIn) -> catalog.ProductRules:
    def rule(value: Decimal | None, tax: Decimal) -> tuple[Decimal, Decimal] | None:
        return None if value is None else (value, tax)

    return catalog.ProductRules(
        bounce_charge=rule(body.bounce_charge, body.bounce_charge_tax),
        foreclosure_charge=rule(body.foreclosure_charge, body.foreclosure_charge_tax),
        penal_charge=rule(body.penal_charge, body.penal_charge_tax),
        rate_type=body.rate_type,
        benchmark=body.benchmark,
        reschedule=body.reschedule,
        fee_collection=body.fee_collection,
        secured=body.secured,
        payment_ceiling=body.payment_ceiling,
        backdate_days=body.backdate_days,
        charge_rules=tuple(body.charge_rules),
        small_balance=body.small_balance,
        bureau_type=body.bureau_type,
        microfinance=body.microfinance,
        joint_liability=body.joint_liability,
    )


def _product(uow: UnitOfWork, row: Approval, _day: date) -> dict[str, Any]:
    product = make_product(uow, ProductIn.model_validate(row.request))
    return {"product_id": product.id, "code": product.code, "version": product.version}


def _rate(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    asked = row.request
    done = rates.publish_benchmark(
        uow, benchmark=asked["benchmark"], effective_from=date.fromisoformat(asked["effective_from"]),
        rate=Decimal(asked["rate"]), posting_date=day,
    )  # fmt: skip
    skipped = [{"loan_id": loan, "reason": reason} for loan, reason in done.skipped]
    return {"loans": done.changed, "skipped": skipped}


def _match(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    line_id, loan_id = int(row.request["line_id"]), int(row.request["loan_id"])
    line = match_by_hand(uow, line_id=line_id, loan_id=loan_id, by=row.maker, posting_date=day)
    return {"line_id": line.id, "loan_id": loan_id, "status": line.status}


def _waiver(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    asked = row.request
    event = waive_charge(
        uow, loan_id=int(asked["loan_id"]), charge=asked["charge"], amount=Decimal(asked["amount"]),
        reason=asked["reason"], posting_date=day,
    )  # fmt: skip
    return {"loan_id": event.loan_id, "event_id": event.id, "reference": event.reference}


def _write_off(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    asked = row.request
    event = settlements.write_off(
        uow, loan_id=int(asked["loan_id"]), kind=asked["kind"], reason=asked["reason"],
        posting_date=day,
    )  # fmt: skip
    return {"loan_id": event.loan_id, "event_id": event.id, "written_off": f"{event.amount:.2f}"}


def _settlement(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    asked = row.request
    plan = [settlements.PlanStep(date.fromisoformat(p["due_on"]), Decimal(p["amount"]))
            for p in asked["plan"]]  # fmt: skip
    agreed = settlements.agree(
        uow, loan_id=int(asked["loan_id"]), amount=Decimal(asked["amount"]), plan=plan,
        asked_by=row.maker, approved_by=uow.actor or "", day=day,
    )  # fmt: skip
    return {"loan_id": agreed.loan_id, "settlement_id": agreed.id, "owed": f"{agreed.owed:.2f}"}


def _restructure(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    asked = row.request
    ask = restructures.RestructureAsk(
        date.fromisoformat(asked["day"]), asked["reason"], asked["reference"],
        asked.get("installments"), None if asked.get("emi") is None else Decimal(asked["emi"]),
        None if asked.get("annual_rate") is None else Decimal(asked["annual_rate"]),
        bool(asked.get("capitalise", True)),
        LAST_DAY if asked.get("due_day") == "last" else asked.get("due_day"),
        bool(asked.get("to_end", False)),
        None if asked.get("down_payment") is None else Decimal(asked["down_payment"]),
        asked.get("frequency"),
    )  # fmt: skip
    event = restructures.restructure(uow, loan_id=int(asked["loan_id"]), ask=ask, today=day)
    return {"loan_id": event.loan_id, "event_id": event.id, "reference": event.reference}


def _moratorium(uow: UnitOfWork, row: Approval, day: date) -> dict[str, Any]:
    asked = row.request
    ask = moratoria.MoratoriumAsk(date.fromisoformat(asked["day"]), int(asked["periods"]),
                                  asked["interest"], asked["reference"])  # fmt: skip
    event = moratoria.grant(uow, loan_id=int(asked["loan_id"]), ask=ask, today=day)
    return {"loan_id": event.loan_id, "event_id": event.id, "reference": event.reference}


KINDS: dict[str, Kind] = {
    "product_change": Kind(Permission.CATALOG_WRITE, _product),
    "benchmark_rate": Kind(Permission.CATALOG_WRITE, _rate),
    "statement_match": Kind(Permission.MONEY_FILES, _match),
    "charge_waiver": Kind(Permission.WAIVERS_REQUEST, _waiver, Permission.WAIVERS_APPROVE),
    "write_off": Kind(Permission.WRITEOFFS_REQUEST, _write_off, Permission.WRITEOFFS_APPROVE),
    "settlement": Kind(Permission.SETTLEMENTS_REQUEST, _settlement, Permission.SETTLEMENTS_APPROVE),
    "restructure": Kind(
        Permission.RESTRUCTURES_REQUEST, _restructure, Permission.RESTRUCTURES_APPROVE
    ),
    "moratorium": Kind(
        Permission.RESTRUCTURES_REQUEST, _moratorium, Permission.RESTRUCTURES_APPROVE
    ),
}


def decide_request(
    uow: UnitOfWork,
    who: Principal,
    *,
    approval_id: int,
    approve: bool,
    note: str | None,
    day: date,
) -> Approval:
    """`who`'s decision on a queued request (run on business date `day` if approved): 404 for
    no such request, 403 for a kind `who` may not decide, 409 for the maker or a decided one;
    a change its service refuses raises that refusal."""
    row = uow.session.get(Approval, approval_id)
    if row is None or row.kind not in KINDS:
        raise NotFoundError("approval", approval_id)
    kind = KINDS[row.kind]
    if not who.may(kind.decided_with):
        raise HTTPException(403, f"{who.actor} may not decide a {row.kind}")
    if "loan_id" in row.request:  # a loan of a branch `who` may not see is not there
        within_branches(uow, who, {"loan_id": str(row.request["loan_id"])})
    return decide(
        uow, approval_id=approval_id, approve=approve, checker=who.actor,
        now=datetime.now(UTC), apply=lambda r: kind.apply(uow, r, day), note=note,
    )  # fmt: skip


def in_reach(uow: UnitOfWork, who: Principal, rows: list[Approval]) -> list[Approval]:
    """The requests among `rows` that `who` may see: those naming no loan, or a loan of one of
    their branches."""
    if who.branches is None:
        return rows
    loans = {int(r.request["loan_id"]) for r in rows if "loan_id" in r.request}
    found = uow.session.execute(select(Loan.id, Loan.branch_code).where(Loan.id.in_(loans)))
    branch: dict[int, str] = {loan_id: code for loan_id, code in found}  # noqa: C416
    return [
        r
        for r in rows
        if "loan_id" not in r.request or branch.get(int(r.request["loan_id"])) in who.branches
    ]


def decidable(who: Principal) -> frozenset[str]:
    """The kinds of request `who` may see and decide."""
    return frozenset(k for k, kind in KINDS.items() if who.may(kind.decided_with))
