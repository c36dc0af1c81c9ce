"""The commercial data file's records of a chunk of reported loans: each loan to a firm or a
company (a customer of kind entity) as a facility with its borrower and address, or left out
with every reason.

Guarantees: read only; the figures are the consumer file's (the close's of the reporting date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from lms.bureau import msme
from lms.bureau.accounts import DataFile, Figures, LeftOut, Written, customer_addresses
from lms.platform.db import UnitOfWork
from lms.servicing.models import Customer


class CommercialFile(DataFile):
    """The commercial file."""

    def records(self, uow: UnitOfWork, chunk: Sequence[Figures], as_of: date) -> Written:
        """The chunk's facilities to businesses (microfinance loans are never to businesses)."""
        wanted = sorted({f.customer_id for f in chunk if not f.microfinance})
        businesses = {
            c.id: _business(c)
            for c in uow.session.scalars(
                select(Customer).where(Customer.id.in_(wanted), Customer.kind == "entity")
            )
        }
        written = Written()
        for f in chunk:
            business = businesses.get(f.customer_id)
            if business is None or f.microfinance:
                continue
            facility = _facility(f)
            reasons = msme.problems(business, facility, as_of)
            if reasons:
                left = LeftOut(f.loan_id, f.number, f.customer_id, tuple(reasons))
                written.left_out.append(left)
                continue
            written.lines.extend(msme.facility_lines(business, facility))
            written.reported.append(f)
        return written

    def text(self, made: date, as_of: date) -> str:
        return msme.data_file(self.member, made, as_of, self.lines)


def _business(c: Customer) -> msme.Business:
    return msme.Business(c.branch_code, c.name, c.pan, customer_addresses(c), c.phone)


def _facility(f: Figures) -> msme.Facility:
    return msme.Facility(
        number=f.number, credit_type=f.bureau_type, opened=f.opened, sanctioned=f.sanctioned,
        tenure=f.tenure, frequency=f.frequency, balance=f.balance, closed=f.closed, dpd=f.dpd,
        asset_class=f.asset_class, overdue=f.overdue, installment=f.emi,
        last_paid=f.last_paid, status=f.status, written_off=f.written_off, settled=f.settled,
        suit_filed=f.suit_filed,
    )  # fmt: skip
