"""Tables of the payments side: bank statements imported and each of their lines, with what
became of it (posted to a loan, held in suspense, matched by hand, or a debit not ours).

Guarantees: a statement file is stored once (its SHA-256 is unique); a line is stored once per
collection account (its key, lms.payments.formats, is unique within the account), so a line in
two overlapping statements is taken once; lines are never deleted, a line's outcome is only
moved on (suspense to matched) with who did it and when.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base, Money
from lms.platform.db.sealed import Sealed


class BankStatement(Base):
    """One statement file imported."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(64), index=True)  # our collection account
    format: Mapped[str] = mapped_column(String(16))  # mt940, camt053
    statement_ref: Mapped[str] = mapped_column(String(64))  # the bank's statement id
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    entries: Mapped[int] = mapped_column(Integer)
    imported_on: Mapped[date] = mapped_column(Date)  # the business date
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str | None] = mapped_column(String(64))


class StatementLine(Base):
    """One entry of a statement and what became of it."""

    __tablename__ = "statement_lines"
    __table_args__ = (UniqueConstraint("account", "line_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))
    line_key: Mapped[str] = mapped_column(String(80))
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[bool] = mapped_column(Boolean)
    reference: Mapped[str] = mapped_column(String(64))  # the UTR, as the payer's bank gave it
    bank_reference: Mapped[str] = mapped_column(String(64))
    narration: Mapped[str] = mapped_column(Text)
    payer_name: Mapped[str] = mapped_column(String(140))
    payer_account: Mapped[str] = mapped_column(Sealed("statement_lines.payer_account"))
    paid_into: Mapped[str] = mapped_column(String(64))
    # posted (to loan_id, automatically), suspense (waiting for a person), matched (by hand),
    # debit (money out of the account: not a repayment, nothing posted)
    status: Mapped[str] = mapped_column(String(16), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)
    rule: Mapped[str] = mapped_column(String(24))  # the matching rule that named the loan
    confidence: Mapped[int] = mapped_column(Integer)
    suggested_loan_id: Mapped[int | None] = mapped_column(Integer)  # below the threshold
    payment_reference: Mapped[str | None] = mapped_column(String(64))  # the loan event's
    note: Mapped[str | None] = mapped_column(Text)  # why it is in suspense, or the match note
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PaymentOrder(Base):
    """An order created at a payment gateway for a loan's repayment (a checkout link)."""

    __tablename__ = "payment_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gateway: Mapped[str] = mapped_column(String(16))
    order_ref: Mapped[str] = mapped_column(String(64), unique=True)  # the gateway's order id
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    receipt: Mapped[str] = mapped_column(String(40))  # our reference, sent to the gateway
    status: Mapped[str] = mapped_column(String(16))  # created, paid
    # what the money is for: None a repayment; "foreclosure" the quote that closes the loan
    purpose: Mapped[str | None] = mapped_column(String(12))
    payment_ref: Mapped[str | None] = mapped_column(String(64))  # the gateway's payment id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GatewayEvent(Base):
    """A webhook delivery taken (each event once: the gateway retries, and may send several
    events for one payment)."""

    __tablename__ = "gateway_events"
    __table_args__ = (UniqueConstraint("gateway", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gateway: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(80))  # the gateway's event id, or the body's hash
    event: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))  # posted, repeat, ignored, unknown_order
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GatewaySettlement(Base):
    """One payment of a gateway's settlement report and how it compares with the book."""

    __tablename__ = "gateway_settlements"
    __table_args__ = (UniqueConstraint("gateway", "settlement_ref", "payment_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gateway: Mapped[str] = mapped_column(String(16))
    settlement_ref: Mapped[str] = mapped_column(String(64))
    payment_ref: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    settled_on: Mapped[date] = mapped_column(Date)
    # matched (the book took this payment, same amount), amount_differs, unknown (not in the book)
    status: Mapped[str] = mapped_column(String(16))
    loan_id: Mapped[int | None] = mapped_column(Integer)


class Mandate(Base):
    """A NACH / eNACH debit mandate: the borrower's standing authority to debit an account."""

    __tablename__ = "mandates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    umrn: Mapped[str | None] = mapped_column(String(20), unique=True)  # given by NPCI
    kind: Mapped[str] = mapped_column(String(12))  # nach (paper), enach, upi_autopay
    frequency: Mapped[str] = mapped_column(String(12))  # monthly, as_presented ...
    amount_type: Mapped[str] = mapped_column(String(8))  # fixed, maximum
    amount: Mapped[Decimal] = mapped_column(Money)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # None: until cancelled
    debtor_name: Mapped[str] = mapped_column(String(140))
    debtor_account: Mapped[str] = mapped_column(Sealed("mandates.debtor_account"))
    debtor_ifsc: Mapped[str] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending, active, rejected...
    reason: Mapped[str | None] = mapped_column(Text)  # of a rejection or cancellation
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Presentation(Base):
    """One debit presented under a mandate, and what the sponsor bank said of it."""

    __tablename__ = "presentations"
    __table_args__ = (UniqueConstraint("loan_id", "due_date", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandates.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)  # the installment it collects
    attempt: Mapped[int] = mapped_column(Integer)  # 1, then re-presentations
    amount: Mapped[Decimal] = mapped_column(Money)
    presented_on: Mapped[date] = mapped_column(Date, index=True)  # the debit (settlement) date
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # ours, in the file
    file_name: Mapped[str | None] = mapped_column(String(80))  # None: not yet in a file
    status: Mapped[str] = mapped_column(String(10), index=True)  # presented, paid, returned
    reason_code: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PaymentLink(Base):
    """A payment request the lender issued for a loan's due (a UPI intent link and its QR
    code): its reference names the loan when the money comes back on a statement."""

    __tablename__ = "payment_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # upi
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[date | None] = mapped_column(Date)
    link: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Receipt(Base):
    """Cash or a cheque collected at a branch or in the field, against a numbered receipt."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # BRANCH-YYYYMMDD-NNNNN
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    branch_code: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))  # cash, cheque
    amount: Mapped[Decimal] = mapped_column(Money)
    collected_on: Mapped[date] = mapped_column(Date, index=True)
    collector: Mapped[str] = mapped_column(String(64))
    cheque_number: Mapped[str | None] = mapped_column(String(12))
    cheque_bank: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RefundRequest(Base):
    """A refund of unapplied funds to the borrower's bank account: asked by one person (the
    maker), paid only when another approves it (the checker)."""

    __tablename__ = "refund_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    account_holder: Mapped[str] = mapped_column(String(140))
    account_number: Mapped[str] = mapped_column(Sealed("refund_requests.account_number"))
    ifsc: Mapped[str] = mapped_column(String(11))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)  # requested, approved, rejected
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    payout_file: Mapped[str | None] = mapped_column(String(64))  # the bank file that pays it
