"""The consumer data file's records of a chunk of reported loans: one record per consumer of
each loan (the borrower, then its co-borrowers and guarantors) in TUDF, or the loan left out
with every reason. Loans of microfinance products and loans to firms and companies are not
this file's: they go in the microfinance and commercial files.

Guarantees: read only; any consumer's problem leaves the whole loan out (with the reasons of
all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from lms.bureau import tudf
from lms.bureau.accounts import DataFile, Figures, LeftOut, Written, customer_addresses
from lms.platform.db import UnitOfWork
from lms.servicing.models import Customer, LoanParty

_ROLES = {"co_borrower": "joint", "guarantor": "guarantor"}


class ConsumerFile(DataFile):
    """The consumer file (TUDF)."""

    def records(self, uow: UnitOfWork, chunk: Sequence[Figures], as_of: date) -> Written:
        """The chunk's consumer records (loans to individuals on other than microfinance
        terms)."""
        loans = [f for f in chunk if not f.microfinance]
        people = _consumers(uow, loans)
        written = Written()
        for figures in loans:
            if people[figures.loan_id][0][0].entity:
                continue  # a firm's or a company's loan: the commercial file's
            records, left = _records(self.member, figures, people, as_of)
            if left is not None:
                written.left_out.append(left)
            else:
                written.lines.extend(records)
                written.reported.append(figures)
        return written

    def text(self, made: date, as_of: date) -> str:
        return tudf.data_file(self.member, as_of, self.lines)


def _records(
    member: tudf.Member,
    figures: Figures,
    people: dict[int, list[tuple[tudf.Consumer, str]]],
    as_of: date,
) -> tuple[list[str], LeftOut | None]:
    """The loan's records, one per consumer (the borrower; co-borrowers and guarantors), or
    why it is left out (any consumer's problem leaves the whole loan out)."""
    reasons: list[str] = []
    if figures.bureau_type is None:
        reasons.append("product: no bureau account type set")
    accounts = []
    for consumer, ownership in people.get(figures.loan_id, []):
        account = _account(figures, ownership)
        found = tudf.account_problems(account, as_of) + tudf.consumer_problems(consumer, as_of)
        reasons.extend(r for r in found if r not in reasons)
        accounts.append((consumer, account))
    if reasons:
        return [], LeftOut(figures.loan_id, figures.number, figures.customer_id, tuple(reasons))
    return [tudf.record(member, c, a, as_of) for c, a in accounts], None


def _account(f: Figures, ownership: str) -> tudf.Account:
    return tudf.Account(
        number=f.number, account_type=f.bureau_type or "", ownership=ownership,
        opened=f.opened, last_paid=f.last_paid, closed=f.closed, sanctioned=f.sanctioned,
        balance=f.balance, overdue=f.overdue, dpd=f.dpd, asset_class=f.asset_class,
        status=f.status, suit_filed=f.suit_filed, rate=f.rate, tenure=f.tenure, emi=f.emi,
        frequency=f.frequency, written_off=f.written_off,
        written_off_principal=f.written_off_principal, settled=f.settled,
    )  # fmt: skip


def _consumers(uow: UnitOfWork, chunk: list[Figures]) -> dict[int, list[tuple[tudf.Consumer, str]]]:
    """Each loan's consumers with their ownership: the borrower (individual, or joint when
    the loan has co-borrowers), then its co-borrowers (joint) and guarantors."""
    loan_ids = [f.loan_id for f in chunk]
    parties: dict[int, list[tuple[int, str]]] = {}
    for loan_id, customer_id, role in uow.session.execute(
        select(LoanParty.loan_id, LoanParty.customer_id, LoanParty.role)
        .where(LoanParty.loan_id.in_(loan_ids))
        .order_by(LoanParty.loan_id, LoanParty.customer_id)
    ):
        parties.setdefault(loan_id, []).append((customer_id, _ROLES.get(role, "guarantor")))
    wanted = {f.customer_id for f in chunk} | {c for ps in parties.values() for c, _ in ps}
    customers = {
        c.id: _consumer(c)
        for c in uow.session.scalars(select(Customer).where(Customer.id.in_(sorted(wanted))))
    }
    found = {}
    for f in chunk:
        others = parties.get(f.loan_id, [])
        joint = any(role == "joint" for _, role in others)
        found[f.loan_id] = [(customers[f.customer_id], "joint" if joint else "individual")]
        found[f.loan_id] += [(customers[c], role) for c, role in others]
    return {
        loan_id: [(c, tudf.OWNERSHIP[role]) for c, role in people]
        for loan_id, people in found.items()
    }


def _consumer(customer: Customer) -> tudf.Consumer:
    addresses = customer_addresses(customer)
    return tudf.Consumer(
        name=customer.name,
        birth=customer.date_of_birth,
        gender=customer.gender,
        ids=(("pan", customer.pan),) if customer.pan else (),
        phones=((customer.phone, "mobile"),) if customer.phone else (),
        emails=(customer.email,) if customer.email else (),
        addresses=addresses,
        entity=customer.kind == "entity",
    )
