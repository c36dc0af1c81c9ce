"""A borrower changes their own mobile number or e-mail address: a code goes to the new one,
and the change is made only when it is typed back (so nobody points a loan's messages at a
number they do not hold).

Guarantees: the new detail waits sealed, with its code, and is written to the customer only
by its code (once, within the code's life); the change is in the audit trail as the borrower's (customers are audited).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from lms.platform.db import UnitOfWork
from lms.platform.errors import NotFoundError
from lms.portal.access import Contact, send_code, take_code
from lms.servicing.models import Customer


def ask_contact_code(uow: UnitOfWork, *, customer_id: int, contact: str, now: datetime) -> str:
    """Send a code to the new phone or e-mail `contact`; the challenge to type it against."""
    given = Contact.parse(contact)
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError("customer", customer_id)
    challenge = secrets.token_urlsafe(24)
    send_code(uow, customer, given, "contact", challenge, now)
    return challenge


def confirm_contact(
    uow: UnitOfWork, *, customer_id: int, challenge: str, code: str, now: datetime
) -> bool:
    """Write the new detail if `code` is its code (and the borrower's own); whether it was."""
    row = take_code(uow, challenge=challenge, code=code, purpose="contact", now=now)
    if row is None or row.customer_id != customer_id or row.target is None:
        return False
    customer = uow.session.get(Customer, customer_id)
    assert customer is not None  # the code's foreign key
    if row.channel == "email":
        customer.email = row.target
    else:
        customer.phone = row.target
    return True
