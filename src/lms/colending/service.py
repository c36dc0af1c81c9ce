"""Co-lending arrangements, the loans lent under them, and each lender's books of those loans.

An arrangement fixes the partner's share of each loan, the partner's rate and ours, and the
partner's share of fees and charges; the originator keeps at least `LMS_COLEND_MIN_SHARE`
percent of every loan (10 %, the RBI's co-lending directions of 2025). A loan is lent under it
when it is booked at the blended rate (fixed: a floating loan's blend would move), and no later
than `LMS_COLEND_TAKE_DAYS` days after it was paid out (15: the partner takes its share on its
books within that). The loan keeps the terms of the day.

Each lender's books of the loans are split, line by line, from the loans' own journal
(lms.core.colending): every entry of a co-lent loan gives one balanced entry to each lender,
the two adding up to it exactly, the loan's bank lines becoming the escrow; the partner's book
also has the day's settlements (escrow to its bank). The asset class is the loan's (shared:
one loan, one borrower, one class).

Guarantees: works in the caller's unit of work and never commits; bad input raises
`InvalidError` naming each field and writes nothing; lending a loan under the same arrangement
again does nothing, under another is a conflict.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from sqlalchemy import select

from lms.colending.models import Arrangement, CoLentLoan, Settlement
from lms.core.colending import ESCROW, Line, Split, blended_rate, originator_lines, partner_lines
from lms.documents.kfs_pdf import CoLending
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan

HUNDRED = Decimal(100)
ZERO = Decimal(0)
LENDERS = ("partner", "originator")


@dataclass(frozen=True)
class ArrangementRequest:
    code: str
    partner: str
    partner_share: Decimal
    partner_rate: Decimal
    own_rate: Decimal
    fee_share: Decimal
    escrow_account: str


def create_arrangement(uow: UnitOfWork, request: ArrangementRequest) -> Arrangement:
    """A new arrangement (its code taken already is a conflict)."""
    least = get_settings().colend_min_share
    problems = [(name, "is required") for name in ("code", "partner", "escrow_account")
                if not getattr(request, name).strip()]  # fmt: skip
    if not 0 < request.partner_share <= HUNDRED - least:
        problems.append(("partner_share", f"more than 0 and at most {HUNDRED - least}: we keep "
                                          f"at least {least} % of every loan"))  # fmt: skip
    for name in ("partner_rate", "own_rate"):
        if not 0 < getattr(request, name) <= HUNDRED:
            problems.append((name, "percent a year, more than 0 and at most 100"))
    if not 0 <= request.fee_share <= HUNDRED:
        problems.append(("fee_share", "percent, 0 to 100"))
    if problems:
        raise InvalidError(problems)
    taken = select(Arrangement.id).where(Arrangement.code == request.code.strip())
    if uow.session.scalar(taken) is not None:
        raise ConflictError(f"arrangement {request.code.strip()!r} exists already")
    row = Arrangement(
        code=request.code.strip(), partner=request.partner.strip(),
        partner_share=request.partner_share, partner_rate=request.partner_rate,
        own_rate=request.own_rate, fee_share=request.fee_share,
        escrow_account=request.escrow_account.strip(), created_by=uow.actor or "system",
        created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def arrangement_by_code(uow: UnitOfWork, code: str) -> Arrangement:
    found = uow.session.scalar(select(Arrangement).where(Arrangement.code == code))
    if found is None:
        raise NotFoundError("arrangement", code)
    return found


def blend_of(arrangement: Arrangement | CoLentLoan) -> Decimal:
    return blended_rate(arrangement.partner_share, arrangement.partner_rate,
                        arrangement.own_rate)  # fmt: skip


def lend_under(uow: UnitOfWork, code: str, loan_id: int, day: date) -> CoLentLoan:
    """Put the loan under the arrangement `code` on `day` (see the module's rules)."""
    arrangement = arrangement_by_code(uow, code)
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    linked = uow.session.get(CoLentLoan, loan_id)
    if linked is not None:
        if linked.arrangement_id != arrangement.id:
            raise ConflictError(f"loan {loan_id} is co-lent under another arrangement")
        return linked
    problems = []
    if loan.annual_rate != blend_of(arrangement):
        problems.append(("loan_id", f"the loan's rate is {loan.annual_rate} %, not the "
                                    f"arrangement's blended {blend_of(arrangement)} %"))  # fmt: skip
    if loan.spread is not None:
        problems.append(("loan_id", "a floating-rate loan cannot be co-lent at a fixed blend"))
    if loan.status not in ("approved", "active"):
        problems.append(("loan_id", f"the loan is {loan.status}"))
    days = get_settings().colend_take_days
    if loan.disbursed_on is not None and (day - loan.disbursed_on).days > days:
        problems.append(("loan_id", f"paid out on {loan.disbursed_on}, more than {days} days "
                                    f"ago: the partner takes its share within {days}"))  # fmt: skip
    if problems:
        raise InvalidError(problems)
    row = CoLentLoan(
        loan_id=loan_id, arrangement_id=arrangement.id,
        partner_share=arrangement.partner_share, partner_rate=arrangement.partner_rate,
        own_rate=arrangement.own_rate, fee_share=arrangement.fee_share, linked_on=day,
        created_by=uow.actor or "system",
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def split_of(row: CoLentLoan) -> Split:
    return Split.of(row.partner_share, row.partner_rate, row.own_rate, row.fee_share)


@dataclass(frozen=True)
class LenderEntry:
    """One lender's part of a journal entry of a co-lent loan."""

    loan_id: int
    entry_id: int
    event: str
    posting_date: date
    lines: list[Line]


def lender_entries(
    uow: UnitOfWork, arrangement_id: int, lender: str, *, through: date
) -> Iterator[LenderEntry]:
    """`lender`'s entries of the arrangement's loans posted through `through`, in the order
    they were posted."""
    for loan, entry_id, event, posted, partner, originator in _split_entries(
        uow, arrangement_id, through
    ):
        yield LenderEntry(loan, entry_id, event, posted,
                          partner if lender == "partner" else originator)  # fmt: skip


def _split_entries(
    uow: UnitOfWork, arrangement_id: int, through: date
) -> Iterator[tuple[int, int, str, date, list[Line], list[Line]]]:
    """Each entry of the arrangement's loans through `through`, read once and split: (loan,
    entry, event, posting date, the partner's lines, the originator's)."""
    loans = {row.loan_id: split_of(row) for row in uow.session.scalars(
        select(CoLentLoan).where(CoLentLoan.arrangement_id == arrangement_id))}  # fmt: skip
    e, x = JournalEntryRow, JournalLineRow
    rows = uow.session.execute(
        select(e.id, e.loan_id, e.event, e.posting_date, x.account, x.debit, x.credit)
        .join(x, x.entry_id == e.id)
        .where(e.loan_id.in_([str(k) for k in loans]), e.posting_date <= through)
        .order_by(e.id, x.id)
    ).all()
    for entry_id, group in groupby(rows, key=itemgetter(0)):
        found = list(group)
        _, loan, event, posted = found[0][:4]
        lines = [Line(r[4], Decimal(r[5]), Decimal(r[6])) for r in found]
        partner = partner_lines(lines, loans[int(str(loan))])
        yield int(str(loan)), entry_id, event, posted, partner, originator_lines(lines, partner)


def books(uow: UnitOfWork, arrangement_id: int, through: date) -> dict[str, dict[str, Decimal]]:
    """Each lender's balance of each account (debit less credit) of the arrangement's loans at
    the end of `through`, from one read of their journal; the partner's with its settlements
    (escrow to its bank)."""
    found: dict[str, dict[str, Decimal]] = {lender: {} for lender in LENDERS}
    for *_, partner, originator in _split_entries(uow, arrangement_id, through):
        for lender, lines in (("partner", partner), ("originator", originator)):
            for line in lines:
                found[lender][line.account] = found[lender].get(line.account, ZERO) + line.net
    mine = found["partner"]
    paid = uow.session.scalars(select(Settlement.net).where(
        Settlement.arrangement_id == arrangement_id, Settlement.day <= through))  # fmt: skip
    for net in paid:
        mine[ESCROW] = mine.get(ESCROW, ZERO) - net
        mine["bank"] = mine.get("bank", ZERO) + net
    return {lender: {account: value for account, value in sorted(balances.items()) if value}
            for lender, balances in found.items()}  # fmt: skip


def lender_balances(
    uow: UnitOfWork, arrangement_id: int, lender: str, through: date
) -> dict[str, Decimal]:
    """`lender`'s part of `books`."""
    if lender not in LENDERS:
        raise InvalidError([("lender", f"one of {list(LENDERS)}")])
    return books(uow, arrangement_id, through)[lender]


def kfs_terms(uow: UnitOfWork, loan_id: int) -> CoLending | None:
    """What the KFS of a co-lent loan says of it (None: not co-lent)."""
    row = uow.session.get(CoLentLoan, loan_id)
    if row is None:
        return None
    arrangement = uow.session.get(Arrangement, row.arrangement_id)
    assert arrangement is not None
    return CoLending(arrangement.partner, row.partner_share, HUNDRED - row.partner_share,
                     blend_of(row))  # fmt: skip
