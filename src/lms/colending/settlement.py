"""The partner's daily settlement: its part of every rupee through the escrow on a day, loan by
loan, as a statement and as the CSV file sent to it; settling records the day once.

A row is a co-lent loan with money through the escrow that day (entries posted that day:
backdated payments and reversals count on the day they were posted): the partner's principal
(negative: what it funded at a payout), interest and charges (fees, penal and bounce charges
with their tax) received, the borrower's money held ahead, and the net (positive: owed to the
partner); beside them the partner's principal outstanding at the day's end and the loan's asset
class and days past due, which both lenders share.

Guarantees: read-only but for `settle`; amounts exact to the paisa, the file's totals the sum
of its rows; a day settled again with the same figures returns the first settlement, with
other figures (money posted since) is a conflict.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from lms.close.models import LoanSnapshot
from lms.colending.models import Arrangement, Settlement
from lms.colending.service import arrangement_by_code, lender_entries
from lms.core.colending import CHARGES, ESCROW, INTEREST
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError
from lms.servicing.models import Loan

ZERO = Decimal(0)
PAISA = Decimal("0.01")
COLUMNS = ("loan", "class", "dpd", "principal", "interest", "charges", "held", "net",
           "principal_outstanding")  # fmt: skip


@dataclass
class Row:
    loan_id: int
    external_id: str = ""
    asset_class: str = ""
    dpd: int = 0
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    charges: Decimal = ZERO
    held: Decimal = ZERO
    outstanding: Decimal = ZERO  # the partner's principal at the day's end

    @property
    def net(self) -> Decimal:
        return self.principal + self.interest + self.charges + self.held


@dataclass(frozen=True)
class Statement:
    arrangement: Arrangement
    day: date
    rows: list[Row]

    def total(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), ZERO)


def statement(uow: UnitOfWork, code: str, day: date) -> Statement:
    """The partner's statement of `day` for arrangement `code`."""
    arrangement = arrangement_by_code(uow, code)
    rows: dict[int, Row] = {}
    outstanding: dict[int, Decimal] = {}
    for entry in lender_entries(uow, arrangement.id, "partner", through=day):
        for line in entry.lines:
            if line.account == "loan_principal":
                outstanding[entry.loan_id] = outstanding.get(entry.loan_id, ZERO) + line.net
        if entry.posting_date != day or not any(x.account == ESCROW for x in entry.lines):
            continue
        row = rows.setdefault(entry.loan_id, Row(entry.loan_id))
        for line in entry.lines:
            _take(row, line.account, -line.net)  # what came in: credit less debit
    standing = {k: (c, d) for k, c, d in uow.session.execute(
        select(LoanSnapshot.loan_id, LoanSnapshot.asset_class, LoanSnapshot.dpd)
        .where(LoanSnapshot.day == day, LoanSnapshot.loan_id.in_(rows)))}  # fmt: skip
    for loan in uow.session.scalars(select(Loan).where(Loan.id.in_(rows))):
        row = rows[loan.id]
        row.external_id = loan.external_id
        latest = (loan.asset_class or "STD", loan.dpd or 0)
        row.asset_class, row.dpd = standing.get(loan.id, latest)
        row.outstanding = outstanding.get(loan.id, ZERO).quantize(PAISA)
    return Statement(arrangement, day, [rows[k] for k in sorted(rows)])


def _take(row: Row, account: str, amount: Decimal) -> None:
    if account == ESCROW:
        return
    if account in INTEREST:
        row.interest += amount
    elif account in CHARGES:
        row.charges += amount
    elif account == "unapplied_funds":
        row.held += amount
    else:  # the principal, or a written-off loan's recovery
        row.principal += amount


def statement_csv(found: Statement) -> bytes:
    """The file for the partner: a row a loan, then the totals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["arrangement", found.arrangement.code, "partner", found.arrangement.partner,
                     "day", found.day.isoformat(), "escrow", found.arrangement.escrow_account])  # fmt: skip
    writer.writerow(COLUMNS)
    for r in found.rows:
        writer.writerow([r.external_id, r.asset_class, r.dpd, *(_paise(v) for v in (
            r.principal, r.interest, r.charges, r.held, r.net, r.outstanding))])  # fmt: skip
    writer.writerow(["total", "", "", *(_paise(found.total(name)) for name in (
        "principal", "interest", "charges", "held", "net", "outstanding"))])  # fmt: skip
    return out.getvalue().encode()


def _paise(value: Decimal) -> str:
    return str(value.quantize(PAISA))


def settle(uow: UnitOfWork, code: str, day: date) -> tuple[Settlement, bytes]:
    """Record the day's settlement with the partner, and the file that goes with it."""
    found = statement(uow, code, day)
    content = statement_csv(found)
    digest = hashlib.sha256(content).hexdigest()
    done = uow.session.scalar(select(Settlement).where(
        Settlement.arrangement_id == found.arrangement.id, Settlement.day == day))  # fmt: skip
    if done is not None:
        if done.sha256 != digest:
            raise ConflictError(f"{day} was settled already with other figures (net {done.net})")
        return done, content
    row = Settlement(
        arrangement_id=found.arrangement.id, day=day, loans=len(found.rows),
        principal=found.total("principal"), interest=found.total("interest"),
        charges=found.total("charges"), held=found.total("held"), net=found.total("net"),
        sha256=digest, created_by=uow.actor or "system", created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row, content
