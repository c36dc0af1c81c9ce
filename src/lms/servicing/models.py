"""Tables of loan servicing: branches, customers, products (versioned), loans, their events
and their installments (the stored state, kept equal to the replay of the events).

Guarantees: amounts are `Money` and rates `DecimalText` (exact on every backend); a loan keeps
the product version it was booked under; an event's idempotency key and a payment's reference
are unique within the loan; identity numbers are stored masked (only what outputs may show); personal data (phone,
e-mail, date of birth, addresses, PAN, bank accounts) is sealed at rest.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, Session, mapped_column, validates

from lms.platform.db import Base, DecimalText, Money
from lms.platform.db.sealed import Sealed, SealedDate, SealedJSON, keyring, phone_digits


class Branch(Base):
    __tablename__ = "branches"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Customer(Base):
    __tablename__ = "customers"
    # staff find a borrower by part of the name: on PostgreSQL a trigram index (pg_trgm)
    # serves `lower(name) LIKE '%text%'`; SQLite scans (an embedded book is small)
    __table_args__ = (
        Index(
            "ix_customers_name_trigram",
            sql("lower(name) public.gin_trgm_ops"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # personal data sealed at rest (lms.platform.db.sealed); outputs mask it by role
    date_of_birth: Mapped[date | None] = mapped_column(SealedDate("customers.date_of_birth"))
    phone: Mapped[str | None] = mapped_column(Sealed("customers.phone"))
    # the phone's blind index (lms.platform.db.sealed), set whenever the phone is: to find a
    # borrower by phone without opening every row
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(Sealed("customers.email"))
    language: Mapped[str | None] = mapped_column(String(2))  # of messages and documents: en, hi
    pan_masked: Mapped[str | None] = mapped_column(String(10))  # e.g. XXXXX1234X
    pan: Mapped[str | None] = mapped_column(Sealed("customers.pan"))  # for credit bureaus
    aadhaar_last4: Mapped[str | None] = mapped_column(String(4))  # never the full number
    kind: Mapped[str | None] = mapped_column(String(16))  # individual (None) or entity
    gender: Mapped[str | None] = mapped_column(String(1))  # F, M, T (credit bureaus ask it)
    addresses: Mapped[list[dict[str, str]] | None] = mapped_column(  # [{kind, text, pin}]
        SealedJSON("customers.addresses")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @validates("phone")
    def _index_phone(self, _key: str, phone: str | None) -> str | None:
        self.phone_index = phone_index(phone)
        return phone


PHONE = "customers.phone"


def phone_index(phone: str | None) -> str | None:
    """The blind index of a phone number under the keyring's primary key."""
    digits = phone_digits(phone)
    return None if digits is None else keyring().blind_index(digits, PHONE)


# the trigram index needs its extension on PostgreSQL, also where the schema is made from the
# models (the migrations create it too): in the public schema, whatever schema the book is in
# (two books made at once may both try: the second finds it there)
TRIGRAMS = (
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;"
    " EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END $$"
)
event.listen(
    Customer.__table__,
    "before_create",
    DDL(TRIGRAMS).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)  # schedule spec keys of the product
    min_amount: Mapped[Decimal] = mapped_column(Money)
    max_amount: Mapped[Decimal] = mapped_column(Money)
    min_rate: Mapped[Decimal] = mapped_column(DecimalText)
    max_rate: Mapped[Decimal] = mapped_column(DecimalText)
    min_tenure: Mapped[int] = mapped_column(Integer)
    max_tenure: Mapped[int] = mapped_column(Integer)
    # the allocation waterfall: [[bucket, component], ...] and the rule for future installments;
    # None: lms.core.allocation.STANDARD
    waterfall: Mapped[list[list[str]] | None] = mapped_column(JSON)
    future_rule: Mapped[str | None] = mapped_column(String(8))
    # levied when a payment is returned (NACH/cheque bounce); disclosed in the KFS
    bounce_charge: Mapped[Decimal | None] = mapped_column(Money)
    bounce_charge_tax: Mapped[Decimal | None] = mapped_column(DecimalText)  # percent (GST)
    secured: Mapped[bool | None] = mapped_column(Boolean)  # by collateral: lower provisions
    # plausibility of payments (None: lms.servicing.payment_rules' defaults): refused above
    # this multiple of all a loan could still owe, or dated further back than these days
    payment_ceiling: Mapped[Decimal | None] = mapped_column(DecimalText)
    backdate_days: Mapped[int | None] = mapped_column(Integer)
    # upfront fees deducted from the amount paid out (None) or collected from the borrower
    fee_collection: Mapped[str | None] = mapped_column(String(8))
    # fixed (None) or floating: the loan's rate is the benchmark's rate plus its own spread
    rate_type: Mapped[str | None] = mapped_column(String(8))
    benchmark: Mapped[str | None] = mapped_column(String(32))
    # on a benchmark move (and the default choice on a prepayment): reduce_emi or reduce_tenure
    reschedule: Mapped[str | None] = mapped_column(String(16))
    # percent of the principal foreclosed (plus GST percent); never on a floating-rate loan to
    # an individual (RBI)
    foreclosure_charge: Mapped[Decimal | None] = mapped_column(DecimalText)
    foreclosure_charge_tax: Mapped[Decimal | None] = mapped_column(DecimalText)
    # penal charge: percent a year on the overdue amount (principal and interest), plus GST;
    # levied by the daily close, never compounded, never on charges
    penal_rate: Mapped[Decimal | None] = mapped_column(DecimalText)
    penal_tax: Mapped[Decimal | None] = mapped_column(DecimalText)
    # charges by rule during life: per installment, overdue after N days, on events
    # (lms.core.charge_rules, as JSON)
    charge_rules: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # a remainder at most this much once every installment has fallen due is forgiven
    small_balance: Mapped[Decimal | None] = mapped_column(Money)
    bureau_type: Mapped[str | None] = mapped_column(String(2))  # the CICs' account type code
    # a microfinance product: its loans are checked against the household's income (RBI 2022)
    microfinance: Mapped[bool | None] = mapped_column(Boolean)
    joint_liability: Mapped[bool | None] = mapped_column(Boolean)  # the group covers a shortfall
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (
        # the loan list by branch, and product, in id order (lms.close.portfolio; migration 0015)
        Index("ix_loans_branch_code_product_id_id", "branch_code", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)  # the LOS application id
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(DecimalText)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full schedule spec of the loan
    status: Mapped[str] = mapped_column(String(16), index=True)  # approved, active, closed,
    # written_off, settled
    emi: Mapped[Decimal] = mapped_column(Money)
    apr: Mapped[Decimal | None] = mapped_column(DecimalText)  # None: imported in bulk
    net_disbursed: Mapped[Decimal] = mapped_column(Money)
    excess: Mapped[Decimal] = mapped_column(Money)
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    interest_posted_through: Mapped[date | None] = mapped_column(Date)  # ledger: dues raised
    last_event_on: Mapped[date | None] = mapped_column(Date)
    # paid out in tranches: the first one (the schedule starts from it; `principal` is the
    # sanctioned amount); None: paid out in full
    first_tranche: Mapped[Decimal | None] = mapped_column(Money)
    # where the money goes: {"ifsc", "account_number", "holder"} (outputs show the last 4 digits)
    disbursement_account: Mapped[dict[str, str] | None] = mapped_column(
        SealedJSON("loans.disbursement_account")
    )
    documents: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)  # [{kind, reference}]
    spread: Mapped[Decimal | None] = mapped_column(DecimalText)  # floating: rate = benchmark + this
    # the due date of the oldest installment not fully paid (None: all paid); until the next
    # event, DPD on any day D is D - this + 1 when this is on or before D
    oldest_unpaid_due: Mapped[date | None] = mapped_column(Date, index=True)
    # principal not yet repaid, due or not: the sum over its stored installments, kept by every
    # writer of them (the close's snapshots read it instead of summing the installments)
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)
    # stamped by the daily close: days past due, asset class (STD, SMA-0/1/2, NPA), the day it
    # became NPA (borrower-level), and its category (standard, substandard, doubtful-1/2/3)
    dpd: Mapped[int | None] = mapped_column(Integer)
    # interest accrued and not yet due: the figure of the last close (a memorandum) and the
    # day-end through which it is booked in the ledger (None: nothing booked, e.g. an NPA)
    accrued_interest: Mapped[Decimal | None] = mapped_column(Money)
    accrued_through: Mapped[date | None] = mapped_column(Date)
    # where installment 1's interest starts when it is not the disbursement (a deducted BPI)
    interest_from: Mapped[date | None] = mapped_column(Date)
    asset_class: Mapped[str | None] = mapped_column(String(8))
    npa_since: Mapped[date | None] = mapped_column(Date)
    asset_category: Mapped[str | None] = mapped_column(String(16))
    # taken off the books on this day (lms.servicing.write_offs): written off, "technical" (the
    # borrower still owes it all) or "full", or settled ("settlement": the rest waived); the
    # ledger holds nothing of it after that day but recoveries
    written_off_on: Mapped[date | None] = mapped_column(Date)
    write_off_kind: Mapped[str | None] = mapped_column(String(12))
    # the last restructure (lms.servicing.restructures): its day, reason and the end of its
    # specified period; an NPA until `npa_held_until` however well it is paid, when it is held
    restructured_on: Mapped[date | None] = mapped_column(Date)
    restructure_reason: Mapped[str | None] = mapped_column(String(24))
    specified_until: Mapped[date | None] = mapped_column(Date)
    npa_held_until: Mapped[date | None] = mapped_column(Date)
    # the last installment a moratorium defers falls due on this day (lms.servicing.moratoria)
    relief_until: Mapped[date | None] = mapped_column(Date)
    # the top-up loan whose payout paid this loan off (lms.servicing.top_ups)
    topped_up_by: Mapped[int | None] = mapped_column(Integer)
    # interest restructures capitalised: unrealised, so held in suspense while an NPA
    capitalised_interest: Mapped[Decimal | None] = mapped_column(Money)
    suit_filed_on: Mapped[date | None] = mapped_column(Date)  # a recovery suit, for the CICs
    # A (least risky) to E: the delinquency model's band raised by open early warnings
    # (lms.risk.signals); None: neither scored nor warned of
    risk_band: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# risk bands, least risky first (lms.risk: the delinquency model's band raised by warnings)
RISK_BANDS = "ABCDE"

# what a loan is stamped with when it is paid out, until the daily close says otherwise:
# nothing overdue, standard; so the first close writes only the loans that differ
FIRST_STAMP = {"dpd": 0, "asset_class": "STD", "asset_category": "standard"}


class LoanEvent(Base):
    __tablename__ = "loan_events"
    __table_args__ = (
        UniqueConstraint("loan_id", "idempotency_key"),
        UniqueConstraint("loan_id", "kind", "reference"),
        # the day's payments and returns, for the close's early warnings (lms.risk.signals)
        Index("ix_loan_events_value_date_loan_id", "value_date", "loan_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    # disbursement, tranche, payment, prepayment, reversal, refund, charge, penal,
    # charge_reversal, charge_waiver, rate_change, restructure, foreclosure (EventKind)
    kind: Mapped[str] = mapped_column(String(16))
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    tax: Mapped[Decimal | None] = mapped_column(Money)  # a charge's tax (GST)
    # UTR, NACH debit id, receipt; one may be split over one borrower's loans, never two's
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))  # upi, nach, neft, cash ...
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    rate: Mapped[Decimal | None] = mapped_column(DecimalText)  # a rate change's new rate
    installments: Mapped[int | None] = mapped_column(Integer)  # a restructure's new tenure
    due_day: Mapped[int | None] = mapped_column(Integer)  # a restructure's new due day (0: last)
    frequency: Mapped[str | None] = mapped_column(String(16))  # a restructure's new frequency
    reschedule: Mapped[str | None] = mapped_column(String(16))  # reduce_emi / reduce_tenure
    # a reversal's reason: "returned:<code>" (NPCI or cheque return code; the product's bounce
    # charge applies) or "posting_error" (no charge; the money goes to suspense or its loan)
    reason: Mapped[str | None] = mapped_column(String(32))
    # the charge a waiver forgives (its reference); None for every other kind
    charge_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(80))  # who recorded it (None: the system)


@event.listens_for(Session, "before_flush")
def _stamp_actor(session: Session, _context: object, _instances: object) -> None:
    """Each new loan event records the actor of the unit of work writing it."""
    actor = session.info.get("actor")
    if actor is not None:
        for row in session.new:
            if isinstance(row, LoanEvent) and row.actor is None:
                row.actor = actor


class LedgerAlarm(Base):
    """A loan whose ledger differed from its replayed state after an operation: recorded for
    the finance team (and an error under test), never adjusted away."""

    __tablename__ = "ledger_alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    found_on: Mapped[date] = mapped_column(Date)
    cause_event_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoanParty(Base):
    """A customer's part in a loan beside the borrower: co-borrower or guarantor."""

    __tablename__ = "loan_parties"

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # co_borrower, guarantor


class Consent(Base):
    """A customer's recorded consent (credit bureau pull, e-mandate, data sharing ...)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    given_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))  # branch, app, otp, e-sign
    text_version: Mapped[str] = mapped_column(String(32))  # which wording the customer agreed to
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BenchmarkRate(Base):
    """A published benchmark (repo rate, T-bill, the lender's EBLR/MCLR) from a date on."""

    __tablename__ = "benchmark_rates"

    benchmark: Mapped[str] = mapped_column(String(32), primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoanRestatement(Base):
    """A loan whose past day-ends changed (an event dated before the day it was booked): the
    daily close restates its snapshots and classification from `from_date`."""

    __tablename__ = "loan_restatements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    from_date: Mapped[date] = mapped_column(Date)
    restated_on: Mapped[date | None] = mapped_column(Date)  # the close that did it


class LoanInstallment(Base):
    __tablename__ = "loan_installments"
    # the close finds each loan's dues by it, a partition (a range of loans) at a time
    __table_args__ = (
        Index("ix_loan_installments_loan_id_due_date", "loan_id", "due_date"),
        # a partition's installments falling due on given days (the close's reminders)
        Index("ix_loan_installments_due_date_loan_id", "due_date", "loan_id"),
    )

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    principal_paid: Mapped[Decimal] = mapped_column(Money)
    interest_paid: Mapped[Decimal] = mapped_column(Money)


class SecurityRelease(Base):
    """The release of a closed secured loan's security: its original documents returned to the
    borrower and the charge on the asset removed from its registry (RBI, 13 Sep 2023: within
    30 days of closure, or the lender compensates the borrower for each day of delay)."""

    __tablename__ = "security_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), unique=True)
    # documents lost or damaged by the lender: 30 more days to help obtain copies
    extended_because: Mapped[str | None] = mapped_column(Text)
    returned_on: Mapped[date | None] = mapped_column(Date)  # the documents given back
    charge_removed_on: Mapped[date | None] = mapped_column(Date)  # CERSAI, ROC or RTO
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
