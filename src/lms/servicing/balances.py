"""What a loan's ledger accounts must hold, derived from its replayed state: the check that
the posting rules kept the ledger right (never a way of posting).

Guarantees: `expected_balances` is a pure function of the loan's terms, its replayed state,
how far interest has been raised and the accrual the close booked; `loan_ledger_problems`
names every loan whose ledger balances differ from it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.core.allocation import Component
from lms.core.charge_positions import charge_positions
from lms.core.events import FEES_COLLECTED
from lms.core.money import Rounding
from lms.core.replay import Charge, Event, LoanState, Refund, live_charges
from lms.core.schedule import Schedule
from lms.core.terms import BPITreatment, FeePayee
from lms.ledger.accounts import Account
from lms.ledger.check import LedgerProblem, account_balances
from lms.ledger.postings import recoveries
from lms.ledger.rules import WRITTEN_DOWN
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan
from lms.servicing.service import loan_history, loan_schedule, loan_terms, replayed

ZERO = Decimal(0)


def expected_balances(
    schedule: Schedule,
    bpi_deducted: bool,
    state: LoanState,
    interest_through: date | None,
    refunded: Decimal = ZERO,
    charges: tuple[Charge, ...] = (),
    npa: bool = False,
    accrued: Decimal = ZERO,
) -> dict[Account, Decimal]:
    """Debit-minus-credit balance each account must hold for this loan. While the loan is an
    NPA, interest raised and not received is held in suspense, not income (RBI)."""
    fees = schedule.fee_charges
    lender = sum((f.amount for f in fees if f.payee is FeePayee.LENDER), ZERO)
    others = sum((f.amount for f in fees if f.payee is FeePayee.THIRD_PARTY), ZERO)
    tax = sum((f.tax for f in fees), ZERO)
    bpi = schedule.bpi if bpi_deducted else ZERO
    principal = sum((row.principal for row in schedule.installments), ZERO)
    # upfront fees collected from the borrower instead of deducted: owed like a charge, but
    # their income and tax are the schedule's fees, recognised at disbursement
    collected = sum((c.amount + c.tax for c in charges if c.reference == FEES_COLLECTED), ZERO)
    balances = {
        Account.LOAN_PRINCIPAL: principal
        + state.principal_tranched
        - sum((i.principal_paid for i in state.installments), ZERO)
        + sum((p.amount for c in state.capitalised for p in c.parts), ZERO)
        - state.principal_prepaid,
        Account.DISBURSEMENT_BANK: -(principal - lender - others - tax - bpi + collected)
        - state.principal_tranched,
        Account.FEE_INCOME: -lender,
        Account.THIRD_PARTY_PAYABLE: -others,
        Account.TAX_PAYABLE: -tax,
        Account.COLLECTION_BANK: sum((a.payment.amount for a in state.applied), ZERO) - refunded,
        Account.UNAPPLIED_FUNDS: -state.excess,
        Account.WRITE_OFF_EXPENSE: sum((p.amount for f in state.forgiven for p in f.parts), ZERO),
    }
    interest = _interest_balances(state, interest_through, bpi + accrued, npa)
    for part in (interest, _charge_balances(state, charges, npa)):
        for account, amount in part.items():
            balances[account] = balances.get(account, ZERO) + amount
    balances[Account.INTEREST_ACCRUED] = accrued
    return {account: amount for account, amount in balances.items() if amount}


def unpaid_raised_interest(state: LoanState, through: date | None) -> Decimal:
    """The unpaid interest of the installments raised (due by `through`) and the interest a
    restructure capitalised: what an NPA holds in suspense (interest paid ahead of its due is
    nobody's income yet; capitalised interest is unrealised, RBI: held until the upgrade)."""
    capitalised = sum((c.interest for c in state.capitalised), ZERO)
    return capitalised + sum(
        (
            i.interest - i.interest_paid
            for i in state.installments
            if through and i.due_date <= through
        ),
        ZERO,
    )


def _interest_balances(
    state: LoanState, through: date | None, recognised: Decimal, npa: bool
) -> dict[Account, Decimal]:
    """Interest raised (due by `through`) is receivable until paid and income, with the BPI
    and the accrual (`recognised`), except on an NPA the unpaid part, held in suspense."""
    raised = sum(
        (i.interest for i in state.installments if through and i.due_date <= through), ZERO
    )
    held = unpaid_raised_interest(state, through) if npa else ZERO
    return {
        Account.INTEREST_RECEIVABLE: raised
        - sum((i.interest_paid for i in state.installments), ZERO),
        Account.INTEREST_INCOME: -(raised + recognised) + held,
        Account.INTEREST_SUSPENSE: -held,
    }


def _charge_balances(
    state: LoanState, charges: tuple[Charge, ...], npa: bool
) -> dict[Account, Decimal]:
    """Charges levied (fees and penal charges, not the upfront fees collected apart, which are
    the disbursement's): receivable until paid or waived, income and GST less what waivers
    forgave; an NPA's penal income held."""
    levied = [c for c in charges if c.reference != FEES_COLLECTED]
    penal = sum((c.amount for c in levied if c.component is Component.PENAL), ZERO)
    penal_held = penal_unrecognised(state) if npa else ZERO
    # a waiver takes its part out of the income (and its GST share out of the tax owed)
    forgiven = dict.fromkeys((Component.FEE, Component.PENAL), ZERO)
    for waived in state.waived:
        forgiven[waived.charge.component] += waived.amount - waived.tax
    return {
        Account.FEE_INCOME: -sum(
            (c.amount for c in levied if c.component is not Component.PENAL), ZERO
        )
        + forgiven[Component.FEE],
        Account.FEE_RECEIVABLE: state.charges_due - state.penal_due,
        Account.PENAL_INCOME: -penal + penal_held + forgiven[Component.PENAL],
        Account.PENAL_SUSPENSE: -penal_held,
        Account.PENAL_RECEIVABLE: state.penal_due,
        Account.TAX_PAYABLE: -sum((c.tax for c in levied), ZERO)
        + sum((w.tax for w in state.waived), ZERO),
    }


def loan_expected(
    uow: UnitOfWork, loan: Loan, known: tuple[LoanState, list[Event]] | None = None
) -> dict[Account, Decimal]:
    """The expected balances of a disbursed loan, from its stored events (or from `known`: its
    state as of its last event and its events, when the caller has just replayed them)."""
    schedule = loan_schedule(loan)
    assert loan.last_event_on is not None
    if known is None:
        rows, events = loan_history(uow, loan)
        state = replayed(uow, loan, loan.last_event_on, (rows, events))
    else:
        state, events = known
        assert state.as_of == loan.last_event_on
    if loan.written_off_on is not None:
        return written_off_expected(uow, loan, state)
    deducted = loan_terms(loan).bpi is BPITreatment.DEDUCT
    refunded = sum(
        (e.amount for e in events if isinstance(e, Refund) and e.value_date <= loan.last_event_on),
        ZERO,
    )
    charges = tuple(live_charges(events, loan.last_event_on))
    through = loan.interest_posted_through
    npa = loan.asset_class == "NPA"
    # the accrual the close booked for the running installment (zeroed when it is raised)
    accrued = ZERO if npa else loan.accrued_interest or ZERO
    return expected_balances(schedule, deducted, state, through, refunded, charges, npa, accrued)


def written_off_expected(uow: UnitOfWork, loan: Loan, state: LoanState) -> dict[Account, Decimal]:
    """A loan taken off the books on day W: its entries up to W as posted, with nothing left
    on the accounts a write-off empties, and each payment after W as recovery income."""
    assert loan.written_off_on is not None
    through = loan.written_off_on
    frozen = account_balances(uow.session, str(loan.id), through)
    balances = {Account(a): v for a, v in frozen.items() if Account(a) not in WRITTEN_DOWN}
    for entry in recoveries(str(loan.id), through, state):
        for line in entry.lines:
            moved = line.debit - line.credit
            balances[line.account] = balances.get(line.account, ZERO) + moved
    return {account: amount for account, amount in balances.items() if amount}


def penal_unrecognised(state: LoanState) -> Decimal:
    """The income part of the penal charges levied and not received, held in suspense while
    the loan is an NPA: of each charge, what is unpaid times its share of the charge with its
    GST (all of it for a charge not paid at all), added unrounded and rounded once to the
    paisa (the GST part stays a tax payable)."""
    exact = ZERO
    for position in charge_positions(state):
        charge = position.charge
        gross = charge.amount + charge.tax
        if charge.component is Component.PENAL and gross and position.unpaid:
            exact += position.unpaid * charge.amount / gross
    return Rounding().apply(exact)


def loan_penal_unrecognised(uow: UnitOfWork, loan: Loan) -> Decimal:
    """`penal_unrecognised` of a loan as of its last event (it is replayed)."""
    if loan.last_event_on is None:
        return ZERO
    rows, events = loan_history(uow, loan)
    return penal_unrecognised(replayed(uow, loan, loan.last_event_on, (rows, events)))


def loan_ledger_problems(uow: UnitOfWork) -> list[LedgerProblem]:
    """Every disbursed loan whose ledger balances differ from its replayed state."""
    problems = []
    loans = uow.session.scalars(select(Loan).where(Loan.status != "approved").order_by(Loan.id))
    for loan in loans:
        expected = {a.value: v for a, v in loan_expected(uow, loan).items()}
        actual = {a: v for a, v in account_balances(uow.session, str(loan.id)).items() if v}
        for account in sorted(set(expected) | set(actual)):
            want, have = expected.get(account, ZERO), actual.get(account, ZERO)
            if want != have:
                message = f"{account} holds {have}, the loan's state says {want}"
                problems.append(LedgerProblem(None, str(loan.id), message))
    return problems
