"""A top-up: a new loan to the same borrower whose payout first pays off an active loan of
theirs, on the new loan's disbursement date: one transfer, both ledgers.

The old loan is foreclosed on that date for its quote (principal, interest to the day, charges
unpaid, the product's foreclosure charge where one applies, unapplied funds set off), paid by a
repayment referenced `top-up:<new loan id>`; the new loan is paid out as usual, its fees kept
back; and since the money for the old loan never leaves the lender, a transfer entry (no loan)
moves it from the collection account back to the disbursement account: the bank pays out only
what is left.

Guarantees: all or nothing (one unit of work); the new loan's payout must cover the payoff;
both loans belong to the same borrower; each loan's ledger equals its replay, and the two bank
accounts net to the cash that really left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.ledger import rules
from lms.ledger.service import post_entry
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.service import disburse_loan, loan_terms, locked_loan, net_payout


@dataclass(frozen=True)
class TopUp:
    loan_id: int
    paid_off: int  # the old loan
    payoff: Decimal  # what closed it
    paid_out: Decimal  # what the bank paid the borrower


def disburse_top_up(
    uow: UnitOfWork, *, loan_id: int, old_loan_id: int, posting_date: date
) -> TopUp:
    """Pay out approved loan `loan_id`, closing active loan `old_loan_id` from its payout."""
    new, old = locked_loan(uow, loan_id), locked_loan(uow, old_loan_id)
    if new.status != "approved":
        raise ConflictError(f"loan {loan_id} is {new.status}, not approved")
    if old.status != "active" or old.customer_id != new.customer_id:
        raise InvalidError(
            [("old_loan_id", f"loan {old_loan_id} is not an active loan of the same borrower")]
        )
    on = loan_terms(new).disbursement_date
    quote = foreclosure_quote(uow, loan_id=old.id, on=on)
    payout = net_payout(uow, new)
    if quote.payable >= payout:
        raise InvalidError(
            [("old_loan_id", f"its payoff {quote.payable} is not below the payout {payout}")]
        )
    disburse_loan(uow, loan_id=new.id, posting_date=posting_date)
    paid = foreclose_loan(uow, loan_id=old.id, on=on, reference=f"top-up:{new.id}",
                          channel="top-up", posting_date=posting_date)  # fmt: skip
    transfer = rules.top_up_transfer(on, paid.payable, f"top-up:{new.id}")
    post_entry(uow, transfer, posting_date=posting_date)
    old.topped_up_by = new.id
    return TopUp(new.id, old.id, paid.payable, payout - paid.payable)
