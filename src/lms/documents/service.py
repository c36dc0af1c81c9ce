"""Document use cases: a loan's statement and its Key Facts Statement, from stored data.

Guarantee: read-only; documents are derived from the loan's terms and events exactly as its
state is (same schedule, same replay), so they cannot disagree with it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.core.microfinance import reducing_rate
from lms.core.revision import RevisionError, rate_rise_effect
from lms.core.schedule import Schedule
from lms.core.terms import LoanTerms
from lms.documents.fonts import money
from lms.documents.kfs_pdf import Borrower, CoLending, KfsFacts, Lender, kfs_pdf
from lms.documents.pdf import StatementFacts, statement_pdf
from lms.documents.receipt_pdf import Receipt, receipt_pdf
from lms.documents.statement import StatementLine, statement_lines
from lms.documents.words import words
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.figures import current_emi
from lms.servicing.foreclosure import charge_exempt
from lms.servicing.models import Customer, Loan, LoanEvent, Product
from lms.servicing.payment_rules import MONEY_IN
from lms.servicing.service import (
    existing_loan,
    loan_history,
    loan_schedule,
    loan_state,
    loan_terms,
    loan_waterfall,
)


def loan_statement(
    uow: UnitOfWork, *, loan_id: int, as_of: date
) -> tuple[str, list[StatementLine]]:
    """(a label for the loan, its statement lines up to `as_of`)."""
    loan = existing_loan(uow, loan_id)
    if loan.disbursed_on is None:
        raise ConflictError(f"loan {loan_id} is not disbursed; it has no statement yet")
    rows, events = loan_history(uow, loan)
    waterfall = loan_waterfall(uow, loan)
    terms = loan_terms(loan)
    lines = statement_lines(
        rows, events, terms.principal, loan.disbursed_on, as_of, waterfall, terms,
        loan_schedule(loan).advance,
    )  # fmt: skip
    return words("en")("st.loan", number=loan.external_id, id=loan.id), lines


def statement_document(
    uow: UnitOfWork, *, loan_id: int, since: date, as_of: date, lang: str = "en"
) -> bytes:
    """The loan's statement from `since` to `as_of` as the borrower gets it, as PDF bytes: the
    lender, the borrower, the loan's figures at `as_of`, the lines of the period (upfront fees
    on the day of disbursement among them) between its opening and closing balances."""
    _, lines = loan_statement(uow, loan_id=loan_id, as_of=as_of)
    loan = existing_loan(uow, loan_id)
    label = words(lang)("st.loan", number=loan.external_id, id=loan.id)
    lines = with_fees(lines, loan_schedule(loan))
    before = [line for line in lines if line.day < since]
    opening = before[-1].balance if before else Decimal(0)
    state = loan_state(uow, loan_id=loan_id, as_of=as_of)
    upcoming = next((i for i in state.installments if i.due_date > as_of and i.unpaid), None)
    product = uow.session.get(Product, loan.product_id)
    facts = StatementFacts(
        label, product.name if product is not None else "", state.annual_rate or loan.annual_rate,
        current_emi(state, loan_terms(loan), loan.emi), state.principal_outstanding,
        state.principal_due + state.interest_due + state.charges_due, state.charges_due,
        state.dpd, (upcoming.due_date, upcoming.unpaid) if upcoming else None, state.excess,
    )  # fmt: skip
    shown = [line for line in lines if since <= line.day <= as_of]
    borrower = borrower_of(uow.session.get(Customer, loan.customer_id))
    return statement_pdf(facts, lender_identity(), borrower, (since, as_of), shown, opening, lang)


def with_fees(lines: list[StatementLine], schedule: Schedule) -> list[StatementLine]:
    """The statement's lines with each upfront fee (and its tax) on the line after the
    disbursement: charged then, deducted from the amount paid out or collected."""
    if not lines or not schedule.fee_charges:
        return lines
    first = lines[0]
    fees = [
        StatementLine(first.day, f"fee: {fee.name}", "", fee.amount + fee.tax, Decimal(0),
                      Decimal(0), Decimal(0), first.balance)
        for fee in schedule.fee_charges
    ]  # fmt: skip
    return [first, *fees, *lines[1:]]


def payment_receipt(uow: UnitOfWork, *, loan_id: int, event_id: int, lang: str = "en") -> bytes:
    """The receipt of payment `event_id` of loan `loan_id`, as PDF bytes (404: not a payment
    of that loan)."""
    loan = existing_loan(uow, loan_id)
    event = uow.session.get(LoanEvent, event_id) if event_id < 2**31 else None
    if event is None or event.loan_id != loan.id or event.kind not in MONEY_IN:
        raise NotFoundError("payment", event_id)
    _, lines = loan_statement(uow, loan_id=loan_id, as_of=event.value_date)
    label = words(lang)("st.loan", number=loan.external_id, id=loan.id)
    own = [line for line in lines if line.reference == event.reference
           and line.kind in ("payment", "prepayment") and line.day == event.value_date]  # fmt: skip
    principal = sum((line.principal for line in own), Decimal(0))
    interest = sum((line.interest for line in own), Decimal(0))
    held = sum((line.held for line in own), Decimal(0))
    assert event.amount is not None
    returned = uow.session.scalar(
        select(LoanEvent.value_date).where(LoanEvent.loan_id == loan.id,
                                           LoanEvent.kind == "reversal",
                                           LoanEvent.reference == event.reference)
    )  # fmt: skip
    receipt = Receipt(
        f"R-{event.id}", label, event.value_date, event.amount, event.channel or "", event.reference or "",
        principal, interest, event.amount - principal - interest - held, held, returned,
    )  # fmt: skip
    borrower = borrower_of(uow.session.get(Customer, loan.customer_id))
    return receipt_pdf(receipt, lender_identity(), borrower, lang)


def pricing_policy(
    product: Product | None, schedule: Schedule, principal: Decimal
) -> tuple[Decimal, Decimal, Decimal] | None:
    """A microfinance loan's pricing ceilings (rate, fees) and its own rate on the reducing
    balance, as the KFS discloses them."""
    if product is None or not product.microfinance:
        return None
    settings = get_settings()
    own = reducing_rate(schedule, principal)
    return settings.mfi_rate_ceiling, settings.mfi_fee_ceiling, own


def loan_kfs(
    uow: UnitOfWork, *, loan_id: int, lang: str = "en", colending: CoLending | None = None
) -> bytes:
    """The Key Facts Statement of the loan as booked, as PDF bytes: the lender as the settings
    name it, the borrower with their address and masked identity numbers; a co-lent loan's
    partner, shares and blend as `colending` gives them (lms.colending.service.kfs_terms)."""
    loan = existing_loan(uow, loan_id)
    product = uow.session.get(Product, loan.product_id)
    borrower = uow.session.get(Customer, loan.customer_id)
    terms, schedule = loan_terms(loan), loan_schedule(loan)
    w = words(lang)
    facts = KfsFacts(
        f"KFS-{loan.external_id}", loan.created_at.date(),
        product.name if product is not None else w("kfs.loan"),
        rate_description(loan, product, terms, schedule, lang),
        contingent_charges(product, charge_exempt(product, borrower), lang),
        pricing_policy(product, schedule, terms.principal), colending,
    )  # fmt: skip
    return kfs_pdf(facts, lender_identity(), borrower_of(borrower), terms, schedule, lang)


def lender_identity() -> Lender:
    """The lender as its documents name it (settings: LMS_LENDER_NAME ...)."""
    s = get_settings()
    return Lender(s.lender_name, s.lender_address, s.lender_registration, s.lender_website,
                  s.grievance_officer, s.nodal_officer, s.cooling_off_days)  # fmt: skip


def borrower_of(customer: Customer | None) -> Borrower:
    """The borrower as documents name them: name, home (or first) address with its PIN code,
    identity numbers masked."""
    if customer is None:
        return Borrower("", "", "")
    addresses = customer.addresses or []
    home = next((a for a in addresses if a.get("kind") in ("current", "home")), None)
    where = home or (addresses[0] if addresses else None)
    address = f"{where.get('text', '')} {where.get('pin', '')}".strip() if where else ""
    ids = [f"PAN {customer.pan_masked}" if customer.pan_masked else "",
           f"Aadhaar XXXX XXXX {customer.aadhaar_last4}" if customer.aadhaar_last4 else ""]  # fmt: skip
    return Borrower(customer.name, address, "; ".join(i for i in ids if i))


def contingent_charges(product: Product | None, exempt: bool, lang: str = "en") -> list[str]:
    """The product's charges that depend on what happens, as the KFS lists them."""
    w = words(lang)
    if product is None:
        return [w("kfs.no_contingent")]
    lines = []
    if product.penal_rate:
        lines.append(w("kfs.penal", rate=f"{product.penal_rate:f}", tax=product.penal_tax or 0))
    if product.bounce_charge:
        lines.append(w("kfs.bounce", amount=money(product.bounce_charge, lang=lang),
                       tax=product.bounce_charge_tax or 0))  # fmt: skip
    if exempt:
        lines.append(w("kfs.foreclosure_none"))
    elif product.foreclosure_charge:
        lines.append(w("kfs.foreclosure", rate=f"{product.foreclosure_charge:f}",
                       tax=product.foreclosure_charge_tax or 0))  # fmt: skip
    return lines or [w("kfs.no_contingent")]


def rate_description(
    loan: Loan, product: Product | None, terms: LoanTerms, schedule: Schedule, lang: str = "en"
) -> str:
    """ "fixed", or the floating rate's benchmark, spread and the effect of a 0.25 % rise."""
    w = words(lang)
    if product is None or product.rate_type != "floating":
        return w("kfs.fixed")
    spread = loan.spread or Decimal(0)
    cents = spread.quantize(Decimal("0.01"))
    text = w("kfs.floating", benchmark=product.benchmark,
             spread=cents if cents == spread else spread)  # fmt: skip
    try:
        emi, count = rate_rise_effect(terms, schedule.installments, Decimal("0.25"))
    except RevisionError as exc:
        return text + w("kfs.rise_unknown", error=exc)
    more = count - len(schedule.installments)
    return text + w("kfs.rise", emi=money(emi, lang=lang), more=more)
