"""A demo portfolio: branches, products, customers and loans with up to two years of realistic
repayment history (on-time payers, late payers, partial payers, defaulters, bounced debits,
part-prepayers, foreclosures; home loans floating on the repo rate through its moves, some paid
out in two tranches), built through the same services as real use, so the ledger and the loans
agree exactly.

Guarantee: the same seed, size and date always build the same book; every money movement goes
through `lms.servicing.repayments`, so `lms ledger check` passes on the result.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lms.demo.data import (
    BEHAVIOURS,
    BRANCHES,
    FIRST,
    LAST,
    PRODUCTS,
    REPO_MOVES,
    RULES,
)
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import create_branch, create_customer, create_product
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import BenchmarkRate, Loan, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.rates import change_rate
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment
from lms.servicing.service import disburse_loan, replayed
from lms.servicing.tranches import disburse_tranche


@dataclass(frozen=True)
class DemoSummary:
    loans: int
    payments: int
    reversals: int


def build_demo(
    sessions: sessionmaker[Session],
    *,
    loans: int,
    as_of: date,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Create the demo book in an empty, migrated database; `progress` hears the number of
    loans built after each one."""
    rnd = random.Random(seed)
    with UnitOfWork(sessions, origin="demo") as uow:
        for code, name in BRANCHES.items():
            create_branch(uow, code=code, name=name)
        for code, (name, settings, amount, rate, tenure) in PRODUCTS.items():
            create_product(
                uow,
                code=code,
                name=name,
                settings=settings,
                amount=(Decimal(amount[0]), Decimal(amount[1])),
                rate=(Decimal(rate[0]), Decimal(rate[1])),
                tenure=tenure,
                rules=replace(RULES[code], bounce_charge=(Decimal(500), Decimal(18))),
            )
        uow.session.add_all(
            BenchmarkRate(
                benchmark="REPO",
                effective_from=as_of - timedelta(days=days),
                rate=Decimal(rate),
                created_at=datetime.now(UTC),
            )
            for days, rate in REPO_MOVES
        )
        uow.commit()
    payments = reversals = 0
    for number in range(1, loans + 1):
        made, returned = _one_loan(sessions, rnd, number, as_of)
        payments, reversals = payments + made, reversals + returned
        if progress is not None:
            progress(number)
    return DemoSummary(loans, payments, reversals)


def _one_loan(
    sessions: sessionmaker[Session], rnd: random.Random, number: int, as_of: date
) -> tuple[int, int]:
    code = rnd.choices(list(PRODUCTS), weights=[40, 25, 10, 15, 10])[0]
    _, _, amount, rate, tenure = PRODUCTS[code]
    branch = rnd.choice(list(BRANCHES))
    disbursed = as_of - timedelta(days=rnd.randrange(30, 730))
    with UnitOfWork(sessions, origin="demo") as uow:
        customer = create_customer(
            uow,
            branch_code=branch,
            name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            + (" Enterprises" if code == "MSME" else ""),
            phone=f"9{rnd.randrange(10**8, 10**9)}",
            kind="entity" if code == "MSME" else "individual",
        )
        principal = Decimal(rnd.randrange(amount[0], amount[1]) // 1000 * 1000)
        request = LoanRequest(
            external_id=f"LOS-{number:06d}",
            branch_code=branch,
            customer_id=customer.id,
            product_code=code,
            principal=principal,
            annual_rate=Decimal(
                rnd.randrange(int(Decimal(rate[0]) * 4), int(Decimal(rate[1]) * 4) + 1)
            )
            / 4,
            installments=rnd.choice(
                [t for t in (6, 12, 24, 36, 48, 60, 120, 180, 240) if tenure[0] <= t <= tenure[1]]
            ),
            disbursement_date=disbursed,
        )
        loan = onboard_loan(uow, request=request)
        # a third of home loans are paid out in two tranches (a house being built)
        tranche = principal * 6 // 10 if code == "HL" and rnd.random() < 0.33 else None
        disburse_loan(uow, loan_id=loan.id, posting_date=disbursed, amount=tranche)
        plan = _Plan(loan.id, disbursed, as_of, principal - (tranche or principal), code)
        behaviour = rnd.choices([b for b, _ in BEHAVIOURS], weights=[w for _, w in BEHAVIOURS])[0]
        if behaviour == "prepayer" and code not in ("PL", "TW", "HL"):
            behaviour = "on_time"  # part-prepayments revise level-EMI schedules only
        done = _repay(uow, rnd, plan, behaviour)
        _mandate(uow, loan, as_of)
        uow.commit()  # one transaction per loan and its whole history
    return done


IFSCS = ("HDFC0001234", "ICIC0004321", "SBIN0012345", "UTIB0000987", "KKBK0006543")


def _mandate(uow: UnitOfWork, loan: Loan, as_of: date) -> None:
    """Three loans in five still running get an active eNACH mandate from today (up to twice
    the EMI), so the next close presents their dues; drawn from the loan's own number, so the
    rest of the book is the same as without mandates."""
    from lms.payments.nach import MandateRequest, register_mandate

    pick = random.Random(loan.id)
    if loan.status != "active" or pick.random() >= 0.6:
        return
    request = MandateRequest(
        "enach", "monthly", "maximum", (loan.emi * 2).quantize(Decimal("0.01")), as_of, None,
        "Borrower", str(pick.randrange(10**11, 10**12)), pick.choice(IFSCS),
        f"DEMO{loan.id:016d}",
    )  # fmt: skip
    register_mandate(uow, loan_id=loan.id, request=request)


@dataclass(frozen=True)
class _Plan:
    loan_id: int
    disbursed: date
    as_of: date
    second_tranche: Decimal  # paid out 60 days after the first (0: paid out in full)
    product: str


def _repay(uow: UnitOfWork, rnd: random.Random, plan: _Plan, behaviour: str) -> tuple[int, int]:
    """Pay installment after installment as the borrower's behaviour says, reading each
    installment as the loan now has it (tranches, rate moves and prepayments change them)."""
    made = returned = 0
    stop = rnd.randrange(1, 6) if behaviour == "defaulter" else 10**6
    special = rnd.randrange(3, 15)  # when a prepayer prepays, or a borrower forecloses
    for number in range(1, stop + 1):
        row = _installment(uow, plan.loan_id, number)
        if row is None:
            break
        delay = rnd.randrange(5, 40) if behaviour == "late" and rnd.random() < 0.6 else 0
        paid_on = row.due_date + timedelta(days=delay)
        if paid_on > plan.as_of:
            break
        if plan.product == "HL" and _before_paying(uow, plan, paid_on):
            row = _installment(uow, plan.loan_id, number)
            assert row is not None
        share = Decimal("0.6") if behaviour == "partial" else Decimal(1)
        amount = ((row.principal + row.interest) * share).quantize(Decimal("0.01"))
        returned += _pay(
            uow,
            rnd,
            plan,
            f"NACH-{plan.loan_id}-{number}",
            amount,
            paid_on,
            bounce=behaviour == "bounced",
        )
        made += 1
        if number == special and behaviour in ("prepayer", "foreclosed"):
            made += _special(uow, rnd, plan, behaviour, paid_on + timedelta(days=12))
            if behaviour == "foreclosed":
                break
    return made, returned


def _installment(uow: UnitOfWork, loan_id: int, number: int) -> _Row | None:
    """Installment `number` as stored now (read afresh: services write it with Core)."""
    found = uow.session.execute(
        select(LoanInstallment.due_date, LoanInstallment.principal, LoanInstallment.interest).where(
            LoanInstallment.loan_id == loan_id, LoanInstallment.number == number
        )
    ).one_or_none()
    return None if found is None else _Row(*found)


@dataclass(frozen=True)
class _Row:
    due_date: date
    principal: Decimal
    interest: Decimal


def _before_paying(uow: UnitOfWork, plan: _Plan, day: date) -> bool:
    """What happens to a home loan up to `day` before the payment: its second tranche, and
    the repo rate's moves (its rate is the repo rate plus its spread). True if anything did."""
    done = False
    loan = uow.session.get(Loan, plan.loan_id)
    assert loan is not None and loan.last_event_on is not None
    since = loan.last_event_on
    second = plan.disbursed + timedelta(days=60)
    if plan.second_tranche and since < second <= day:
        disburse_tranche(
            uow,
            loan_id=loan.id,
            amount=plan.second_tranche,
            value_date=second,
            reference=f"TR2-{loan.id}",
            posting_date=second,
        )
        done = True
    for days, rate in REPO_MOVES if plan.product == "HL" else ():
        moved = plan.as_of - timedelta(days=days)
        if plan.disbursed < moved and since < moved <= day and loan.status == "active":
            change_rate(
                uow,
                loan_id=loan.id,
                day=moved,
                annual_rate=Decimal(rate) + (loan.spread or 0),
                reschedule="reduce_tenure",
                reference=f"REPO@{moved.isoformat()}",
                posting_date=moved,
            )
            done = True
    return done


def _pay(
    uow: UnitOfWork,
    rnd: random.Random,
    plan: _Plan,
    reference: str,
    amount: Decimal,
    paid_on: date,
    *,
    bounce: bool,
) -> int:
    """One NACH debit; a bouncer's is returned three days later one time in five."""
    loan = uow.session.get(Loan, plan.loan_id)
    if loan is None or loan.status != "active":
        return 0
    request = PaymentRequest(amount, paid_on, reference, "nach")
    event, _ = record_payment(uow, loan_id=plan.loan_id, posting_date=paid_on, request=request)
    returned = 0
    known = paid_on + timedelta(days=3)
    if bounce and rnd.random() < 0.2 and known <= plan.as_of:
        reverse_payment(
            uow, loan_id=plan.loan_id, event_id=event.id, known_on=known, posting_date=known
        )
        returned = 1
    return returned


def _special(uow: UnitOfWork, rnd: random.Random, plan: _Plan, behaviour: str, day: date) -> int:
    """A part-prepayment of about a quarter of the principal (either choice), or a
    foreclosure; returns 1 if one was made."""
    if day > plan.as_of:
        return 0
    loan = uow.session.get(Loan, plan.loan_id)
    if loan is None or loan.status != "active" or loan.last_event_on is None:
        return 0
    day = max(day, loan.last_event_on)
    if day > plan.as_of:
        return 0
    if behaviour == "foreclosed":
        foreclose_loan(
            uow,
            loan_id=loan.id,
            on=day,
            reference=f"FC-{loan.id}",
            channel="neft",
            posting_date=day,
        )
    else:
        state = replayed(uow, loan, day)
        amount = (state.principal_outstanding / 4).quantize(Decimal("1"))
        request = PaymentRequest(
            amount + state.principal_due + state.interest_due + state.charges_due,
            day,
            f"PRE-{loan.id}",
            "neft",
            reschedule=rnd.choice(["reduce_emi", "reduce_tenure"]),
        )
        record_payment(uow, loan_id=loan.id, request=request, posting_date=day)
    return 1
