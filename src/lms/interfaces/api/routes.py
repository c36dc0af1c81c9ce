"""REST routes of loan servicing: thin: parse, call one service, commit, shape the answer.

Guarantee: a route commits only after its service returned; money movements are posted on
the lender's business date (the calendar date until the daily close keeps one).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy import select

from lms.close import listing
from lms.close.portfolio import LoanFilter, loan_page
from lms.colending.service import kfs_terms
from lms.core.classification import AssetClass
from lms.core.events import ReversalReason
from lms.documents.service import (
    loan_kfs,
    loan_statement,
    payment_receipt,
    statement_document,
)
from lms.documents.statement import statement_csv
from lms.interfaces.api.app import ReadUnitOfWorkDep, UnitOfWorkDep, today
from lms.interfaces.api.payment_groups import PaymentGroups
from lms.interfaces.api.schemas import (
    DisbursementIn,
    ForeclosureIn,
    InstallmentOut,
    LoanIn,
    LoanListItem,
    LoanOut,
    LoanPage,
    LoanStateOut,
    LoanStatus,
    PrepaymentIn,
    RateChangeIn,
    RefundIn,
    RepaymentIn,
    RepaymentOut,
    ReversalIn,
    TrancheIn,
    shown,
)
from lms.interfaces.api.security import principal_of
from lms.payments.reconcile import reopen_line
from lms.platform.db import UnitOfWork
from lms.servicing import onboarding, rates, service
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.models import Loan
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.servicing.tranches import disburse_tranche

router = APIRouter()
Language = Literal["en", "hi"]  # the languages of the documents (lms.documents.words)


@router.post("/loans/{loan_id}/rate-changes", status_code=status.HTTP_201_CREATED)
def change_rate(loan_id: int, body: RateChangeIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """A new rate for one loan from `day` (a switch, a re-pricing); the installments not yet
    due are revised by `reschedule`."""
    event = rates.change_rate(uow, loan_id=loan_id, **body.model_dump(), posting_date=today(uow))
    uow.commit()
    return {
        "id": event.id,
        "loan_id": loan_id,
        "day": body.day,
        "annual_rate": str(body.annual_rate),
    }


@router.post("/loans", status_code=status.HTTP_201_CREATED)
def onboard_loan(body: LoanIn, uow: UnitOfWorkDep, response: Response) -> LoanOut:
    """Book a loan; the same `external_id` with the same terms returns the same loan (200)."""
    known = uow.session.scalar(select(Loan.id).where(Loan.external_id == body.external_id))
    loan = onboarding.onboard_loan(uow, request=body.request())
    uow.commit()
    if known is not None:
        response.status_code = status.HTTP_200_OK
    return _loan_out(loan)


@router.post("/loans/{loan_id}/disbursement")
def disburse(loan_id: int, uow: UnitOfWorkDep, body: DisbursementIn | None = None) -> LoanOut:
    """Pay the loan out on its disbursement date: in full, or its first tranche (`amount`)."""
    amount = None if body is None else body.amount
    loan = service.disburse_loan(uow, loan_id=loan_id, posting_date=today(uow), amount=amount)
    uow.commit()
    return _loan_out(loan)


@router.post("/loans/{loan_id}/tranches", status_code=status.HTTP_201_CREATED)
def tranche(loan_id: int, body: TrancheIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Pay out a further tranche; the installments not yet due are worked out again."""
    event = disburse_tranche(uow, loan_id=loan_id, **body.model_dump(), posting_date=today(uow))
    uow.commit()
    return {
        "id": event.id,
        "loan_id": loan_id,
        "amount": shown(body.amount),
        "value_date": body.value_date,
    }


@router.post("/loans/{loan_id}/repayments", status_code=status.HTTP_201_CREATED)
def repay(
    loan_id: int,
    body: RepaymentIn,
    uow: UnitOfWorkDep,
    response: Response,
    http: Request,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> RepaymentOut:
    """Take a repayment; a retry with the same Idempotency-Key returns the first result (200).
    Payments arriving together are committed in groups (lms.interfaces.api.payment_groups);
    what a group does not take as new is answered by the single path."""
    request = PaymentRequest(**body.model_dump(), idempotency_key=idempotency_key)
    groups: PaymentGroups | None = http.app.state.payment_groups
    outcome = groups.take(loan_id, request, uow.actor, uow.asked) if groups is not None else None
    if outcome is not None and outcome.new and outcome.event_id is not None:
        return RepaymentOut(
            id=outcome.event_id,
            kind="payment",
            loan_id=loan_id,
            amount=request.amount,
            value_date=request.value_date,
            reference=request.reference,
            channel=request.channel,
        )
    return _take_money(uow, loan_id, request, response)


@router.post("/loans/{loan_id}/prepayments", status_code=status.HTTP_201_CREATED)
def prepay(
    loan_id: int,
    body: PrepaymentIn,
    uow: UnitOfWorkDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> RepaymentOut:
    """Take a part-prepayment: it pays what is due, the rest reduces the principal, and the
    installments not yet due are worked out again with a lower EMI (`reduce_emi`) or fewer
    installments (`reduce_tenure`). Retries with the same Idempotency-Key return the first."""
    request = PaymentRequest(**body.model_dump(), idempotency_key=idempotency_key)
    return _take_money(uow, loan_id, request, response)


def _take_money(
    uow: UnitOfWork, loan_id: int, request: PaymentRequest, response: Response
) -> RepaymentOut:
    event, created = record_payment(uow, loan_id=loan_id, request=request, posting_date=today(uow))
    uow.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return RepaymentOut(
        id=event.id,
        kind=event.kind,
        loan_id=event.loan_id,
        amount=event.amount or 0,
        value_date=event.value_date,
        reference=event.reference or "",
        channel=event.channel or "",
    )


@router.post("/loans/{loan_id}/repayments/{event_id}/reversal", status_code=status.HTTP_201_CREATED)
def reverse(loan_id: int, event_id: int, body: ReversalIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Void a repayment as known on `known_on`: returned by the bank (a bounced cheque or NACH
    debit: the product's bounce charge) or a posting error (no charge; to receipts suspense)."""
    event = reverse_payment(
        uow,
        loan_id=loan_id,
        event_id=event_id,
        known_on=body.known_on,
        posting_date=today(uow),
        reason=ReversalReason(body.reason),
        return_code=body.return_code,
    )
    line = None
    if event.reason == ReversalReason.POSTING_ERROR and event.reference:
        note = f"reversed from loan {loan_id} as a posting error"
        line = reopen_line(uow, loan_id=loan_id, reference=event.reference, note=note)
    uow.commit()
    return {
        "id": event.id,
        "loan_id": loan_id,
        "reverses": event_id,
        "known_on": event.value_date,
        "reason": event.reason,
        "statement_line": line,  # back in the exceptions queue, if the payment came from one
    }


@router.post("/loans/{loan_id}/refunds", status_code=status.HTTP_201_CREATED)
def refund(loan_id: int, body: RefundIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Pay unapplied funds back to the borrower."""
    event = refund_excess(
        uow,
        loan_id=loan_id,
        amount=body.amount,
        value_date=body.value_date,
        reference=body.reference,
        posting_date=today(uow),
    )
    uow.commit()
    return {
        "id": event.id,
        "loan_id": loan_id,
        "amount": shown(body.amount),
        "value_date": body.value_date,
    }


@router.get("/loans/{loan_id}/foreclosure-quote")
def quote(loan_id: int, uow: UnitOfWorkDep, on: date | None = None) -> dict[str, object]:
    """What closes the loan on `on` (default: today): principal, interest to date, charges."""
    q = foreclosure_quote(uow, loan_id=loan_id, on=on or today(uow))
    return {
        "on": q.on,
        "principal": shown(q.principal),
        "interest": shown(q.interest),
        "charges": shown(q.charges),
        "foreclosure_charge": shown(q.foreclosure_charge),
        "foreclosure_tax": shown(q.foreclosure_tax),
        "excess": shown(q.excess),
        "payable": shown(q.payable),
    }


@router.post("/loans/{loan_id}/foreclosure", status_code=status.HTTP_201_CREATED)
def foreclose(loan_id: int, body: ForeclosureIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Close the loan on `on` with a payment of the quoted amount."""
    q = foreclose_loan(
        uow,
        loan_id=loan_id,
        on=body.on,
        reference=body.reference,
        channel=body.channel,
        posting_date=today(uow),
    )
    uow.commit()
    return {"loan_id": loan_id, "on": q.on, "paid": shown(q.payable), "status": "closed"}


@router.get("/loans/{loan_id}/statement", response_model=None)
def statement(
    loan_id: int,
    uow: UnitOfWorkDep,
    as_of: date | None = None,
    since: date | None = None,
    format_: Annotated[str, Query(alias="format", pattern="^(json|csv|pdf)$")] = "json",
    lang: Language = "en",
) -> Response | list[dict[str, object]]:
    """Every transaction with its split and the running principal balance; the PDF is the
    statement a borrower gets (lender, borrower, the loan's figures, the period from `since`,
    default the disbursement, with its opening and closing balances), in English or Hindi."""
    day = as_of or today(uow)
    if format_ == "pdf":
        start = since or service.existing_loan(uow, loan_id).disbursed_on or day
        content = statement_document(uow, loan_id=loan_id, since=start, as_of=day, lang=lang)
        return Response(content, media_type="application/pdf")
    _, lines = loan_statement(uow, loan_id=loan_id, as_of=day)
    if format_ == "csv":
        return Response(statement_csv(lines), media_type="text/csv")
    return [
        {
            "date": line.day,
            "kind": line.kind,
            "reference": line.reference,
            "amount": shown(line.amount),
            "principal": shown(line.principal),
            "interest": shown(line.interest),
            "held": shown(line.held),
            "balance": shown(line.balance),
        }
        for line in lines
    ]


@router.get("/loans/{loan_id}/repayments/{event_id}/receipt.pdf", response_class=Response)
def receipt(
    loan_id: int, event_id: int, uow: UnitOfWorkDep, request: Request, lang: Language = "en"
) -> Response:
    """The receipt of a repayment (amount in figures and words, where it went), in English or
    Hindi."""
    content = payment_receipt(uow, loan_id=loan_id, event_id=event_id, lang=lang)
    _issued(uow, request, loan_id, "receipt", f"Receipt of payment {event_id} ({lang})", content)
    return Response(content, media_type="application/pdf")


@router.get("/loans/{loan_id}/kfs.pdf", response_class=Response)
def kfs(loan_id: int, uow: UnitOfWorkDep, request: Request, lang: Language = "en") -> Response:
    """The Key Facts Statement (RBI format) with the schedule and the APR computation sheet,
    in English or Hindi (`lang=hi`); each one issued is kept with the loan's documents."""
    content = loan_kfs(uow, loan_id=loan_id, lang=lang, colending=kfs_terms(uow, loan_id))
    _issued(uow, request, loan_id, "kfs", f"Key Facts Statement ({lang})", content)
    return Response(content, media_type="application/pdf")


@router.get("/loans/{loan_id}")
def get_loan(loan_id: int, uow: UnitOfWorkDep, as_of: date | None = None) -> LoanStateOut:
    loan = service.existing_loan(uow, loan_id)
    state = service.loan_state(uow, loan_id=loan_id, as_of=as_of or today(uow))
    return LoanStateOut(
        loan=_loan_out(loan),
        as_of=state.as_of,
        principal_outstanding=state.principal_outstanding,
        principal_due=state.principal_due,
        interest_due=state.interest_due,
        excess=state.excess,
        charges_due=state.charges_due,
        principal_prepaid=state.principal_prepaid,
        annual_rate=state.annual_rate if state.annual_rate is not None else loan.annual_rate,
        dpd=state.dpd,
        installments=[
            InstallmentOut(
                number=i.number,
                due_date=i.due_date,
                principal=i.principal,
                interest=i.interest,
                principal_paid=i.principal_paid,
                interest_paid=i.interest_paid,
                unpaid=i.unpaid,
            )
            for i in state.installments
        ],
    )


@router.get("/loans")
def list_loans(
    uow: ReadUnitOfWorkDep,
    request: Request,
    status_: Annotated[LoanStatus | None, Query(alias="status")] = None,
    branch: str | None = None,
    product_id: int | None = None,
    asset_class: AssetClass | None = None,
    bucket: Annotated[str | None, Query(max_length=16)] = None,
    dpd_min: Annotated[int | None, Query(ge=0)] = None,
    dpd_max: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    after: Annotated[int | None, Query(ge=0)] = None,
    exact_total: bool = False,
) -> LoanPage:
    """Loans in id order under the filters, each with its borrower, principal outstanding,
    overdue, DPD and class; `bucket` is a DPD bucket of the portfolio summary (0, 1-30, 31-60,
    61-90, 91+). Page with `after` (the last id seen: `next_after`) or `offset`. `total` is
    exact up to 10,000 loans (`total_exact`), or always with `exact_total=true` (slower on a
    large book)."""
    low, high = listing.bucket_range(bucket)
    low = dpd_min if low is None else low if dpd_min is None else max(low, dpd_min)
    high = dpd_max if high is None else high if dpd_max is None else min(high, dpd_max)
    where = LoanFilter(status_, branch, product_id, asset_class, low, high,
                       branches=principal_of(request).branches)  # fmt: skip
    day = today(uow)
    page = loan_page(
        uow, where=where, today=day, limit=limit, offset=offset, after=after,
        exact_total=exact_total,
    )  # fmt: skip
    lines = listing.loan_lines(uow, page.loans, day)
    return LoanPage(
        items=[
            LoanListItem(**_loan_out(loan).model_dump(), **asdict(lines[loan.id]))
            for loan in page.loans
        ],
        total=page.total,
        limit=limit,
        offset=offset,
        total_exact=page.total_exact,
        next_after=page.next_after,
    )


def _loan_out(loan: Loan) -> LoanOut:
    """A loan as the API shows it; a loan booked in bulk (no stored APR) shows the APR of its
    terms, as its KFS does."""
    shown = LoanOut.model_validate(loan, from_attributes=True)
    if shown.apr is None and loan.terms:
        shown.apr = service.loan_schedule(loan).apr
    return shown


def _issued(
    uow: UnitOfWork, request: Request, loan_id: int, kind: str, name: str, content: bytes
) -> None:
    """Keep a document the product issued with the loan's documents (a new version when its
    bytes differ from the last issued)."""
    from lms.documents.filing import Filing, file_document
    from lms.documents.store import blob_store

    filing = Filing(kind, name, content, "application/pdf", loan_id=loan_id)
    actor = principal_of(request).actor
    file_document(uow, blob_store(), filing, actor=actor, today=today(uow), issued=True)
    uow.commit()
