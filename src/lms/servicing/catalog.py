"""Branches, customers and loan products: the records loans are booked against.

Guarantees: services work inside the unit of work they are given and never commit; identity
numbers are masked before they are stored (PAN: first five and last characters hidden; Aadhaar:
only the last four digits kept); a product is never changed in place: a new version is added.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.core.allocation import Bucket, Component, FutureRule
from lms.core.charge_rules import parse_rules, rule_problems
from lms.core.revision import CHOICES
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Branch, Consent, Customer, Product, phone_index
from lms.servicing.payment_rules import DEFAULT_BACKDATE_DAYS, DEFAULT_PAYMENT_CEILING
from lms.servicing.spec import SpecError, parse_spec

_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_AADHAAR = re.compile(r"[0-9]{12}")
_PIN = re.compile(r"[1-9][0-9]{5}")
_TWO_DIGITS = re.compile(r"[0-9]{2}")  # a state code, an account type code
_CUSTOMER_KINDS = frozenset({"individual", "entity"})
# schedule spec keys that belong to each loan, not to its product
LOAN_KEYS = frozenset(
    {"principal", "annual_rate", "disbursement_date", "first_due_date", "installments"}
)


def create_branch(uow: UnitOfWork, *, code: str, name: str) -> Branch:
    if uow.session.get(Branch, code) is not None:
        raise InvalidError([("code", f"branch {code!r} exists already")])
    branch = Branch(code=code, name=name)
    uow.session.add(branch)
    uow.session.flush()
    return branch


def create_customer(
    uow: UnitOfWork,
    *,
    branch_code: str,
    name: str,
    date_of_birth: date | None = None,
    phone: str | None = None,
    email: str | None = None,
    pan: str | None = None,
    aadhaar: str | None = None,
    kind: str = "individual",
    addresses: Sequence[dict[str, str]] = (),
    gender: str | None = None,
) -> Customer:
    """Add a customer; `kind` is individual or entity (the RBI's prepayment rules depend on
    it); `addresses` are {kind, text, pin, state} (pin: a 6-digit Indian PIN code; state: the
    two-digit code the credit bureaus use, optional); `gender` F, M or T."""
    if uow.session.get(Branch, branch_code) is None:
        raise NotFoundError("branch", branch_code)
    problems = []
    if kind not in _CUSTOMER_KINDS:
        problems.append(("kind", f"must be one of {sorted(_CUSTOMER_KINDS)}"))
    for index, address in enumerate(addresses):
        if not _PIN.fullmatch(address.get("pin", "")) or not address.get("text"):
            problems.append((f"addresses[{index}]", "needs text and a 6-digit pin"))
        elif not _TWO_DIGITS.fullmatch(address.get("state") or "00"):
            problems.append((f"addresses[{index}].state", "a two-digit state code"))
    if gender not in (None, "F", "M", "T"):
        problems.append(("gender", "F, M or T"))
    if pan is not None and not _PAN.fullmatch(pan):
        problems.append(("pan", "must be 5 letters, 4 digits and a letter"))
    if aadhaar is not None and not _AADHAAR.fullmatch(aadhaar):
        problems.append(("aadhaar", "must be 12 digits"))
    if problems:
        raise InvalidError(problems)
    customer = Customer(
        branch_code=branch_code,
        name=name,
        date_of_birth=date_of_birth,
        phone=phone,
        email=email,
        pan_masked=None if pan is None else "XXXXX" + pan[5:9] + "X",
        pan=pan,
        aadhaar_last4=None if aadhaar is None else aadhaar[-4:],
        kind=kind,
        gender=gender,
        addresses=[{k: v for k, v in a.items() if v is not None} for a in addresses] or None,
        created_at=datetime.now(UTC),
    )
    uow.session.add(customer)
    uow.session.flush()
    return customer


@dataclass(frozen=True)
class ProductRules:
    """A product's charge and rate rules beside its schedule settings. Each charge is
    (amount or percent, GST percent)."""

    bounce_charge: tuple[Decimal, Decimal] | None = None  # amount per returned payment
    foreclosure_charge: tuple[Decimal, Decimal] | None = None  # percent of principal foreclosed
    penal_charge: tuple[Decimal, Decimal] | None = None  # percent a year on overdue amounts
    rate_type: str = "fixed"  # or floating: benchmark + the loan's spread
    benchmark: str | None = None
    reschedule: str = "reduce_tenure"  # on a benchmark move: keep the EMI (or reduce_emi)
    fee_collection: str = "deduct"  # upfront fees deducted from the payout, or collected
    secured: bool = False  # loans backed by collateral (provisions for the secured part)
    # plausibility: a payment above this multiple of all the loan could still owe is refused;
    # a value date more than this many days before the posting date is refused
    payment_ceiling: Decimal = DEFAULT_PAYMENT_CEILING
    backdate_days: int = DEFAULT_BACKDATE_DAYS
    # charges by rule during life (lms.core.charge_rules), in their JSON form
    charge_rules: tuple[dict[str, Any], ...] = ()
    small_balance: Decimal | None = None  # forgiven at the end of the loan (rupees)
    bureau_type: str | None = None  # the credit bureaus' account type code (05: personal)
    # a microfinance product (RBI 2022): collateral-free, no prepayment charge, its loans
    # checked against the household's income; joint liability: a member's group covers a
    # shortfall at the centre meeting
    microfinance: bool = False
    joint_liability: bool = False

    def problems(self) -> list[tuple[str, str]]:
        found = rule_problems(self.charge_rules)
        if self.bureau_type is not None and not _TWO_DIGITS.fullmatch(self.bureau_type):
            found.append(("bureau_type", "the bureaus' two-digit account type code"))
        if self.small_balance is not None and not 0 < self.small_balance <= 1000:
            found.append(("small_balance", "must be above 0 and at most 1000 rupees"))
        if self.bounce_charge is not None and not (
            self.bounce_charge[0] > 0 and 0 <= self.bounce_charge[1] <= 100
        ):
            found.append(
                ("bounce_charge", "needs an amount above 0 and a tax percent from 0 to 100")
            )
        for name, rule in (
            ("foreclosure_charge", self.foreclosure_charge),
            ("penal_charge", self.penal_charge),
        ):
            if rule is not None and not (0 < rule[0] <= 100 and 0 <= rule[1] <= 100):
                found.append((name, "needs a percent above 0 up to 100 and a tax percent 0-100"))
        found.extend(self._microfinance_problems())
        if self.rate_type not in ("fixed", "floating"):
            found.append(("rate_type", "must be 'fixed' or 'floating'"))
        if (self.rate_type == "floating") != (self.benchmark is not None):
            found.append(("benchmark", "is needed for a floating rate, and only for one"))
        if self.fee_collection not in ("deduct", "collect"):
            found.append(("fee_collection", "must be 'deduct' or 'collect'"))
        if self.reschedule not in CHOICES:
            found.append(("reschedule", "must be 'reduce_emi' or 'reduce_tenure'"))
        if not 1 <= self.payment_ceiling <= 10:
            found.append(("payment_ceiling", "must be from 1 to 10 (times what could be owed)"))
        if not 0 <= self.backdate_days <= 3650:
            found.append(("backdate_days", "must be from 0 to 3650 days"))
        return found

    def _microfinance_problems(self) -> list[tuple[str, str]]:
        found = []
        if not self.microfinance:
            if self.joint_liability:
                found.append(("joint_liability", "applies to microfinance products only"))
            return found
        if self.foreclosure_charge is not None:
            found.append(("foreclosure_charge", "a microfinance loan has no prepayment charge"))
        if self.secured:
            found.append(("secured", "a microfinance loan is free of collateral"))
        return found


def create_product(
    uow: UnitOfWork,
    *,
    code: str,
    name: str,
    settings: dict[str, Any],
    amount: tuple[Decimal, Decimal],
    rate: tuple[Decimal, Decimal],
    tenure: tuple[int, int],
    waterfall: Sequence[tuple[str, str]] | None = None,
    future_rule: str = "next",
    bounce_charge: tuple[Decimal, Decimal] | None = None,
    rules: ProductRules | None = None,
) -> Product:
    """Add a product, or a new version of product `code`; `settings` are schedule spec keys;
    `waterfall` is the allocation order as (bucket, component) pairs (default: the standard);
    `bounce_charge` is (amount, tax percent) levied when a payment is returned (or give it in
    `rules` with the other charge and rate rules)."""
    rules = rules or ProductRules()
    if bounce_charge is not None:
        rules = replace(rules, bounce_charge=bounce_charge)
    problems = [
        (f"settings.{key}", "belongs to each loan, not to the product")
        for key in settings
        if key in LOAN_KEYS
    ]
    for name_, (low, high) in (("amount", amount), ("rate", rate), ("tenure", tenure)):
        if not 0 <= low <= high:
            problems.append((name_, "needs 0 <= minimum <= maximum"))
    if not problems:
        problems.extend(_settings_problems(settings, amount[0], rate[0], tenure[0]))
    problems.extend(_waterfall_problems(waterfall, future_rule))
    problems.extend(rules.problems())
    ceiling = get_settings().mfi_rate_ceiling
    if rules.microfinance and rate[1] > ceiling:
        problems.append(("rate", f"is above the pricing policy's ceiling of {ceiling} % a year"))
    if problems:
        raise InvalidError(problems)
    latest = uow.session.scalar(select(func.max(Product.version)).where(Product.code == code))
    product = Product(
        code=code,
        version=(latest or 0) + 1,
        name=name,
        settings=settings,
        min_amount=amount[0],
        max_amount=amount[1],
        min_rate=rate[0],
        max_rate=rate[1],
        min_tenure=tenure[0],
        max_tenure=tenure[1],
        waterfall=None if waterfall is None else [list(pair) for pair in waterfall],
        future_rule=future_rule,
        created_at=datetime.now(UTC),
        **_rule_columns(rules),
    )
    uow.session.add(product)
    uow.session.flush()
    return product


def _rule_columns(rules: ProductRules) -> dict[str, Any]:
    def pair(rule: tuple[Decimal, Decimal] | None) -> tuple[Decimal | None, Decimal | None]:
        return (None, None) if rule is None else rule

    bounce, bounce_tax = pair(rules.bounce_charge)
    foreclosure, foreclosure_tax = pair(rules.foreclosure_charge)
    penal, penal_tax = pair(rules.penal_charge)
    return {
        "bounce_charge": bounce,
        "bounce_charge_tax": bounce_tax,
        "foreclosure_charge": foreclosure,
        "foreclosure_charge_tax": foreclosure_tax,
        "payment_ceiling": rules.payment_ceiling,
        "backdate_days": rules.backdate_days,
        "penal_rate": penal,
        "penal_tax": penal_tax,
        "charge_rules": [r.as_json() for r in parse_rules(rules.charge_rules)] or None,
        "small_balance": rules.small_balance,
        "bureau_type": rules.bureau_type,
        "microfinance": rules.microfinance or None,
        "joint_liability": rules.joint_liability or None,
        "rate_type": rules.rate_type,
        "benchmark": rules.benchmark,
        "reschedule": rules.reschedule,
        "fee_collection": rules.fee_collection,
        "secured": rules.secured,
    }


def record_consent(
    uow: UnitOfWork,
    *,
    customer_id: int,
    purpose: str,
    given_on: date,
    channel: str,
    text_version: str,
) -> Consent:
    """Record that the customer agreed to `purpose` (bureau pull, e-mandate, data sharing) on
    `given_on` through `channel`, to the wording `text_version`. Consents are never edited."""
    if uow.session.get(Customer, customer_id) is None:
        raise NotFoundError("customer", customer_id)
    consent = Consent(
        customer_id=customer_id,
        purpose=purpose,
        given_on=given_on,
        channel=channel,
        text_version=text_version,
        created_at=datetime.now(UTC),
    )
    uow.session.add(consent)
    uow.session.flush()
    return consent


def latest_product(uow: UnitOfWork, code: str) -> Product:
    product = uow.session.scalar(
        select(Product).where(Product.code == code).order_by(Product.version.desc()).limit(1)
    )
    if product is None:
        raise NotFoundError("product", code)
    return product


def _waterfall_problems(
    waterfall: Sequence[tuple[str, str]] | None, future_rule: str
) -> list[tuple[str, str]]:
    problems = []
    if future_rule not in {rule.value for rule in FutureRule}:
        problems.append(("future_rule", "must be 'next' or 'last'"))
    if waterfall is None:
        return problems
    buckets, components = {b.value for b in Bucket}, {c.value for c in Component}
    for index, pair in enumerate(waterfall):
        if len(pair) != 2 or pair[0] not in buckets or pair[1] not in components:
            problems.append(
                (
                    f"waterfall[{index}]",
                    f"must be [bucket, component] with a bucket of {sorted(buckets)} and a component of {sorted(components)}",
                )
            )
    if len({tuple(pair) for pair in waterfall}) != len(waterfall):
        problems.append(("waterfall", "lists a pair twice"))
    return problems


def _settings_problems(
    settings: dict[str, Any], amount: Decimal, rate: Decimal, tenure: int
) -> list[tuple[str, str]]:
    """The product's settings must make a valid schedule for a loan at its minimums."""
    sample = {
        **settings,
        "principal": str(max(amount, Decimal(1))),
        "annual_rate": str(rate),
        "disbursement_date": "2026-01-15",
        "installments": max(tenure, 1),
    }
    try:
        parse_spec(sample)
    except SpecError as exc:
        return [
            (f"settings.{field}", reason)
            for field, reason in exc.problems
            if field not in LOAN_KEYS
        ]
    return []


def reindex_phones(uow: UnitOfWork) -> int:
    """Every customer's phone indexed again under the keyring's primary key (after a key
    rotation, before the old key is dropped); how many."""
    count = 0
    for customer in uow.session.scalars(select(Customer).where(Customer.phone.is_not(None))):
        customer.phone_index = phone_index(customer.phone)
        count += 1
    uow.session.flush()
    return count
