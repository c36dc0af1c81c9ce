"""The demo book's history, day by day in date order, through paths proven equal to the single
services: loans booked by bulk onboarding (lms.servicing.bulk_onboarding), the dues falling due
raised by the daily close's own step (lms.close.steps.dues), the day's installment payments
taken together by the bulk payment path (lms.servicing.bulk_payments, which takes the ordinary
ones set-based and the rest through `record_payment`), and the rarer events on the single
services for the loans that have them: second tranches, the repo rate's moves on home loans,
returned debits (with their NPCI return code: a bounce charge), part-prepayments and
foreclosures.

The loans of a product disbursed in one month are booked together, on the month's last
disbursement date of the product (as a lender bringing a month's loans over at once); a
home loan disbursed before a repo move in that month has its rate moved on the day it is
booked, from the move's date. Every other event is posted on its own value date.

Guarantees: a day's events are taken in a fixed order (bookings, then single events by loan,
then repo moves, then the dues and the payments), so the same borrowers always give the same
book; every payment the bulk path refuses is an error (the demo's payments are all valid).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, tuple_

from lms.close.steps import dues
from lms.demo.data import REPO_MOVES
from lms.demo.gold import CODE as GOLD
from lms.demo.gold import pledge_gold
from lms.demo.plan import Borrower
from lms.platform.db import UnitOfWork
from lms.servicing.bulk import LoanColumns
from lms.servicing.bulk_onboarding import BulkBook, onboard_bulk
from lms.servicing.bulk_payments import post_payments
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.rates import change_rate
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment
from lms.servicing.service import disburse_loan, locked_loan, replayed
from lms.servicing.tranches import disburse_tranche

TRANCHE_AFTER = timedelta(days=60)  # the second tranche of a home loan
RETURNED_AFTER = timedelta(days=3)  # a bounced debit is known returned
SPECIAL_AFTER = timedelta(days=12)  # a part-prepayment or foreclosure, after an installment
# products booked by the single services: bulk onboarding refuses a product with a principal
# grace period (the template it parses the settings into has a single installment)
ONE_BY_ONE = frozenset({"MSME"})


@dataclass(frozen=True)
class _Due:
    due_date: date
    emi: Decimal  # principal and interest of the installment as the loan has it now


@dataclass
class Counts:
    payments: int = 0
    prepayments: int = 0
    reversals: int = 0
    foreclosures: int = 0


class History:
    """The demo loans' histories, taken one day at a time (`run_day`) in date order."""

    def __init__(
        self,
        borrowers: Sequence[Borrower],
        customers: dict[int, int],
        as_of: date,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.as_of, self.customers, self.progress = as_of, customers, progress
        self.counts = Counts()
        self.loans: dict[int, Borrower] = {}  # by loan id, once booked
        self.bookings = _booking_days(borrowers)
        self.payments: dict[date, list[tuple[int, int]]] = {}  # (loan, installment)
        self.singles: dict[date, list[tuple[int, str, int | None]]] = {}  # (loan, kind, event)
        self.moves = {as_of - timedelta(days=days): Decimal(rate) for days, rate in REPO_MOVES}

    @property
    def first_day(self) -> date:
        return min(self.bookings)

    def busy(self, day: date) -> bool:
        """Whether anything happens on `day`."""
        return any(day in q for q in (self.bookings, self.payments, self.singles, self.moves))

    def run_day(self, uow: UnitOfWork, day: date) -> None:
        """Everything of `day`, in the order the module's text gives."""
        for group in self.bookings.pop(day, []):
            self._book(uow, day, group)
        for loan_id, kind, event in sorted(self.singles.pop(day, []), key=lambda s: s[:2]):
            self._single(uow, day, loan_id, kind, event)
        if day in self.moves:
            self._reprice(uow, day, day, [k for k, b in self.loans.items() if b.product == "HL"])
        if day in self.payments:
            top = max(self.loans)
            dues.run(uow, day, min(self.loans), top)  # what falls due today: raised first
            self._pay(uow, day, self.payments.pop(day))

    def _book(self, uow: UnitOfWork, day: date, group: list[Borrower]) -> None:
        """Book and pay out a group of one product; plan each loan's next events."""
        if group[0].product in ONE_BY_ONE:
            booked = {_onboard_one(uow, b, self.customers[b.number]): b for b in group}
        else:
            booked = _onboard_group(uow, day, group, self.customers)
        before = len(self.loans)
        self.loans.update(booked)
        for loan_id, b in booked.items():
            if b.product == GOLD:  # the ornaments pledged the day it is paid out
                pledge_gold(uow, loan_id, day)
        for move in sorted(m for m in self.moves if m <= day):  # moves of the month before
            late = [k for k, b in booked.items() if b.product == "HL" and b.disbursed < move]
            if late:
                self._reprice(uow, move, day, late)
        for loan_id, b in booked.items():
            if b.first_tranche is not None and b.disbursed + TRANCHE_AFTER <= self.as_of:
                self._plan(b.disbursed + TRANCHE_AFTER, loan_id, "tranche")
        for (loan_id, _), due in _installments(uow, [(k, 1) for k in booked]).items():
            self._plan_payment(loan_id, 1, due.due_date, day)
        if self.progress is not None:
            for done in range(before + 1, len(self.loans) + 1):
                self.progress(done)

    def _plan(self, day: date, loan_id: int, kind: str, event: int | None = None) -> None:
        self.singles.setdefault(day, []).append((loan_id, kind, event))

    def _plan_payment(self, loan_id: int, number: int, due: date, after: date) -> None:
        """Installment `number` (due on `due`) paid as its borrower pays, after `after`."""
        borrower = self.loans[loan_id]
        if number > borrower.stop:
            return
        day = borrower.paid_on(due, after, number)
        if day <= self.as_of:
            self.payments.setdefault(day, []).append((loan_id, number))

    def _single(
        self, uow: UnitOfWork, day: date, loan_id: int, kind: str, event: int | None
    ) -> None:
        """A second tranche, a returned debit (`event`), or a prepayment or foreclosure."""
        if _status(uow, [loan_id])[loan_id] != "active":
            return
        borrower = self.loans[loan_id]
        if kind == "tranche":
            disburse_tranche(
                uow, loan_id=loan_id, amount=borrower.second_tranche, value_date=day,
                reference=f"TR2-{loan_id}", posting_date=day,
            )  # fmt: skip
        elif kind.startswith("return:"):  # a returned debit, with its NPCI return code
            assert event is not None
            reverse_payment(
                uow, loan_id=loan_id, event_id=event, known_on=day, posting_date=day,
                return_code=kind.removeprefix("return:"),
            )  # fmt: skip
            self.counts.reversals += 1
        elif borrower.behaviour == "foreclosed":
            foreclose_loan(
                uow, loan_id=loan_id, on=day, reference=f"FC-{loan_id}", channel="neft",
                posting_date=day,
            )  # fmt: skip
            self.counts.foreclosures += 1
        else:
            self._prepay(uow, day, loan_id, borrower)

    def _prepay(self, uow: UnitOfWork, day: date, loan_id: int, borrower: Borrower) -> None:
        """About a quarter of the principal outstanding, with what is due, by NEFT."""
        state = replayed(uow, locked_loan(uow, loan_id), day)
        amount = (state.principal_outstanding / 4).quantize(Decimal("1"))
        owed = state.principal_due + state.interest_due + state.charges_due
        request = PaymentRequest(
            amount + owed, day, f"PRE-{loan_id}", "neft", reschedule=borrower.reschedule()
        )
        record_payment(uow, loan_id=loan_id, request=request, posting_date=day)
        self.counts.prepayments += 1

    def _reprice(self, uow: UnitOfWork, move: date, day: date, loans: list[int]) -> None:
        """Home loans disbursed before `move` follow the repo rate from `move` (their rate is
        the repo rate plus their spread; the EMI is kept, the tenure moves); posted on `day`."""
        rate = self.moves[move]
        rows = uow.session.execute(
            select(Loan.id, Loan.spread)
            .where(Loan.id.in_(loans), Loan.status == "active", Loan.disbursed_on < move)
            .order_by(Loan.id)
        ).all()
        for loan_id, spread in rows:
            change_rate(
                uow, loan_id=loan_id, day=move, annual_rate=rate + (spread or 0),
                reschedule="reduce_tenure", reference=f"REPO@{move.isoformat()}",
                posting_date=day,
            )  # fmt: skip

    def _pay(self, uow: UnitOfWork, day: date, due: list[tuple[int, int]]) -> None:
        """The day's installment payments (NACH debits) in one batch; then each loan's next
        installment is planned, and a bounced debit's return, or a prepayment or foreclosure."""
        wanted = sorted(due) + [(k, n + 1) for k, n in due]
        rows = _installments(uow, wanted)
        status = _status(uow, [k for k, _ in due])
        batch = [
            (k, PaymentRequest(self.loans[k].amount(rows[k, n].emi), day, f"NACH-{k}-{n}", "nach"))
            for k, n in sorted(due)
            if (k, n) in rows and status[k] == "active"
        ]
        numbers = dict(due)  # one installment a loan at a time: its next is planned once paid
        for outcome in post_payments(uow, batch, posting_date=day):
            if outcome.error is not None or outcome.event_id is None:
                raise RuntimeError(f"demo payment refused: {outcome}")
            self.counts.payments += 1
            loan_id = outcome.loan_id
            self._after_payment(day, loan_id, numbers[loan_id], outcome.event_id, rows)

    def _after_payment(
        self, day: date, loan_id: int, number: int, event: int, rows: dict[tuple[int, int], _Due]
    ) -> None:
        """Plan what follows installment `number`'s payment (`event`)."""
        borrower = self.loans[loan_id]
        code = borrower.bounces(day, self.as_of, number)
        if code is not None and day + RETURNED_AFTER <= self.as_of:
            self._plan(day + RETURNED_AFTER, loan_id, f"return:{code}", event)
        special = number == borrower.special and borrower.behaviour in ("prepayer", "foreclosed")
        if special and day + SPECIAL_AFTER <= self.as_of:
            self._plan(day + SPECIAL_AFTER, loan_id, "special")
        if special and borrower.behaviour == "foreclosed":
            return  # no more installments
        following = rows.get((loan_id, number + 1))
        if following is not None:
            self._plan_payment(loan_id, number + 1, following.due_date, day)


def _onboard_group(
    uow: UnitOfWork, day: date, group: list[Borrower], customers: dict[int, int]
) -> dict[int, Borrower]:
    """Book and pay out `group` (one product, each loan in its own branch) by bulk onboarding,
    posted on `day`; the borrowers by their loans' ids."""
    columns = LoanColumns(
        [b.principal for b in group],
        [b.annual_rate for b in group],
        [b.disbursed for b in group],
        [b.installments for b in group],
    )
    tranched = [b.first_tranche for b in group]
    book = BulkBook(
        [b.external_id for b in group],
        [customers[b.number] for b in group],
        columns,
        tranched if any(t is not None for t in tranched) else None,
        [b.branch for b in group],
    )
    onboard_bulk(
        uow, product_code=group[0].product, branch_code=group[0].branch, book=book,
        posting_date=day,
    )  # fmt: skip
    ids = dict(
        uow.session.execute(
            select(Loan.external_id, Loan.id).where(Loan.external_id.in_(book.external_ids))
        ).all()
    )
    return {ids[b.external_id]: b for b in group}


def _onboard_one(uow: UnitOfWork, borrower: Borrower, customer: int) -> int:
    """Book and pay out one loan by the single services, on its disbursement date."""
    b = borrower
    request = LoanRequest(
        b.external_id, b.branch, customer, b.product, b.principal, b.annual_rate,
        b.installments, b.disbursed,
    )  # fmt: skip
    loan = onboard_loan(uow, request=request)
    disburse_loan(uow, loan_id=loan.id, posting_date=b.disbursed, amount=b.first_tranche)
    return loan.id


def _booking_days(borrowers: Sequence[Borrower]) -> dict[date, list[list[Borrower]]]:
    """The groups of loans of one product disbursed in one month (in one day, for a product
    booked one by one), by the day they are booked: the group's last disbursement date."""
    groups: dict[tuple[str, date], list[Borrower]] = {}
    for b in borrowers:
        when = b.disbursed if b.product in ONE_BY_ONE else b.disbursed.replace(day=1)
        groups.setdefault((b.product, when), []).append(b)
    days: dict[date, list[list[Borrower]]] = {}
    for group in groups.values():
        days.setdefault(max(b.disbursed for b in group), []).append(group)
    return days


def _installments(
    uow: UnitOfWork, wanted: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], _Due]:
    """The installments (loan, number) of `wanted` that the loans have, as stored now."""
    if not wanted:
        return {}
    item = LoanInstallment
    found = uow.session.execute(
        select(item.loan_id, item.number, item.due_date, item.principal, item.interest).where(
            tuple_(item.loan_id, item.number).in_(sorted(set(wanted)))
        )
    ).all()
    return {(k, n): _Due(day, p + i) for k, n, day, p, i in found}


def _status(uow: UnitOfWork, loans: Sequence[int]) -> dict[int, str]:
    return dict(
        uow.session.execute(select(Loan.id, Loan.status).where(Loan.id.in_(set(loans)))).all()
    )
