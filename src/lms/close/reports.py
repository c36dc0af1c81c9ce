"""The reports a lender files and reconciles, each a table for a date or a period:

- `iracp`: asset classification and provisioning (RBI IRACP norms) at a closed date: by asset
  category, the loans, principal outstanding and provision required (the daily close's
  snapshots; provisions are worked out at month ends).
- `sma`: the special mention and NPA accounts at a closed date, loan by loan: class, DPD,
  principal outstanding and overdue (for the SMA and CRILC returns).
- `disbursements`: the disbursement register of a period, loan by loan.
- `collections`: the collection register of a period: every payment taken, by value date,
  with its reference (UTR), channel and whether it was reversed since.
- `trial_balance`: each ledger account's debits, credits and balance from the journal lines
  of entries valued on or before a date.
- interest income, accrual and suspense; overdue ageing; the general ledger: see
  lms.close.ledger_reports.

Guarantees: read only; amounts are exact sums of stored figures, shown to the paisa (see
lms.close.dashboards.Table); a caller's branches bound every report but the trial balance,
which is the whole book's (the ledger's accounts are not kept by branch); dates the close has
not finished are refused, naming `as_of`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from lms.close import ledger_reports
from lms.close.dashboards import Scope, Table, scoped
from lms.close.models import LoanSnapshot
from lms.close.retention import refuse_thinned
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.models import Customer, Loan, LoanEvent
from lms.servicing.payment_rules import MONEY_IN

NAMES = ("iracp", "sma", "disbursements", "collections", "trial_balance", *ledger_reports.NAMES)
CATEGORIES = ("standard", "substandard", "doubtful-1", "doubtful-2", "doubtful-3", "loss")
ZERO = Decimal(0)


def _closed(uow: UnitOfWork, day: date) -> None:
    refuse_thinned(uow, day)
    if uow.session.scalar(select(LoanSnapshot.day).where(LoanSnapshot.day == day).limit(1)) is None:
        raise InvalidError([("as_of", f"{day.isoformat()} has not been closed")])


def iracp(uow: UnitOfWork, scope: Scope, day: date) -> Table:
    _closed(uow, day)
    s = LoanSnapshot
    query = scoped(
        select(s.category, func.count(), func.sum(s.principal_outstanding), func.sum(s.provision))
        .join(Loan, Loan.id == s.loan_id)
        .where(s.day == day, s.status == "active")
        .group_by(s.category),
        scope,
    )
    found = {c: (n, o or ZERO, p or ZERO) for c, n, o, p in uow.session.execute(query)}
    order = [*CATEGORIES, *sorted(set(found) - set(CATEGORIES))]
    rows = [(c, *found.get(c, (0, ZERO, ZERO))) for c in order]
    total = ("total", sum(r[1] for r in rows), sum((r[2] for r in rows), ZERO),
             sum((r[3] for r in rows), ZERO))  # fmt: skip
    return Table("iracp", f"Asset classification and provisioning at {day.isoformat()}",
                 ("category", "loans", "principal_outstanding", "provision_required"),
                 [*rows, total], ("bar", "category", ("principal_outstanding",)))  # fmt: skip


def sma(uow: UnitOfWork, scope: Scope, day: date) -> Table:
    _closed(uow, day)
    s = LoanSnapshot
    query = scoped(
        select(s.loan_id, Loan.external_id, Customer.name, Loan.branch_code, s.asset_class,
               s.dpd, s.principal_outstanding, s.principal_due + s.interest_due, s.npa_since)
        .join(Loan, Loan.id == s.loan_id)
        .join(Customer, Customer.id == Loan.customer_id)
        .where(s.day == day, s.status == "active", s.asset_class != "STD")
        .order_by(s.dpd.desc(), s.loan_id),
        scope,
    )  # fmt: skip
    rows = [tuple(r) for r in uow.session.execute(query)]
    return Table("sma", f"SMA and NPA accounts at {day.isoformat()}",
                 ("loan", "application", "borrower", "branch", "class", "dpd",
                  "principal_outstanding", "overdue", "npa_since"), rows,
                 ("bar", "loan", ("overdue",)))  # fmt: skip


def disbursements(uow: UnitOfWork, scope: Scope, since: date, until: date) -> Table:
    query = scoped(
        select(Loan.disbursed_on, Loan.id, Loan.external_id, Customer.name, Loan.branch_code,
               Loan.product_id, Loan.principal, Loan.net_disbursed)
        .join(Customer, Customer.id == Loan.customer_id)
        .where(Loan.disbursed_on.between(since, until))
        .order_by(Loan.disbursed_on, Loan.id),
        scope,
    )  # fmt: skip
    return Table("disbursements", f"Disbursement register {since.isoformat()} to {until.isoformat()}",
                 ("date", "loan", "application", "borrower", "branch", "product", "principal",
                  "net_paid_out"), [tuple(r) for r in uow.session.execute(query)],
                 ("bar", "date", ("principal",)))  # fmt: skip


def collections(uow: UnitOfWork, scope: Scope, since: date, until: date) -> Table:
    e = LoanEvent
    reversed_refs = select(e.loan_id, e.reference).where(e.kind == "reversal").subquery()
    query = scoped(
        select(e.value_date, e.loan_id, Customer.name, Loan.branch_code, e.kind, e.reference,
               e.channel, e.amount, reversed_refs.c.reference.is_not(None))
        .join(Loan, Loan.id == e.loan_id)
        .join(Customer, Customer.id == Loan.customer_id)
        .outerjoin(reversed_refs, (reversed_refs.c.loan_id == e.loan_id)
                   & (reversed_refs.c.reference == e.reference))
        .where(e.kind.in_(MONEY_IN),
               e.value_date.between(since, until))
        .order_by(e.value_date, e.id),
        scope,
    )  # fmt: skip
    rows = [(*r[:8], "yes" if r[8] else "") for r in uow.session.execute(query)]
    return Table("collections", f"Collection register {since.isoformat()} to {until.isoformat()}",
                 ("value_date", "loan", "borrower", "branch", "kind", "reference", "channel",
                  "amount", "reversed"), rows, ("bar", "value_date", ("amount",)))  # fmt: skip


def trial_balance(uow: UnitOfWork, day: date) -> Table:
    line, entry = JournalLineRow, JournalEntryRow
    query = (
        select(line.account, func.sum(line.debit), func.sum(line.credit))
        .join(entry, entry.id == line.entry_id)
        .where(entry.value_date <= day)
        .group_by(line.account)
        .order_by(line.account)
    )
    rows = [(a, d or ZERO, c or ZERO, (d or ZERO) - (c or ZERO))
            for a, d, c in uow.session.execute(query)]  # fmt: skip
    total = ("total", sum((r[1] for r in rows), ZERO), sum((r[2] for r in rows), ZERO),
             sum((r[3] for r in rows), ZERO))  # fmt: skip
    return Table("trial_balance", f"Trial balance at {day.isoformat()}",
                 ("account", "debit", "credit", "balance"), [*rows, total],
                 ("bar", "account", ("balance",)))  # fmt: skip


def report(
    uow: UnitOfWork,
    name: str,
    scope: Scope,
    *,
    as_of: date,
    since: date,
    until: date,
    account: str | None = None,
) -> Table:
    """The report `name` (one of NAMES): at `as_of`, or for the period `since`..`until`
    (`account`: the general ledger's one account, None for all)."""
    if since > until:
        raise InvalidError([("until", "must not be before since")])
    if name == "interest_income":
        return ledger_reports.interest_income(uow, scope, since, until)
    if name == "overdue_ageing":
        return ledger_reports.overdue_ageing(uow, scope, as_of)
    if name == "general_ledger":
        return ledger_reports.general_ledger(uow, scope, since, until, account)
    if name == "iracp":
        return iracp(uow, scope, as_of)
    if name == "sma":
        return sma(uow, scope, as_of)
    if name == "disbursements":
        return disbursements(uow, scope, since, until)
    if name == "collections":
        return collections(uow, scope, since, until)
    if name == "trial_balance":
        return trial_balance(uow, as_of)
    raise InvalidError([("name", f"must be one of {', '.join(NAMES)}")])
