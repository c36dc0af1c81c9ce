"""API shapes of loan servicing: requests validated field by field, responses with amounts as
exact decimal strings and identity numbers masked.

Guarantee: request models refuse unknown fields and floats are never needed (amounts are
strings or JSON numbers read as decimals); response models carry no unmasked identity number.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from lms.core.terms import MAX_AMOUNT
from lms.identity import masking
from lms.servicing.catalog import LOAN_KEYS
from lms.servicing.onboarding import LoanRequest
from lms.servicing.spec import FeeSpec, ScheduleSpec


def shown(amount: Decimal) -> str:
    """An amount as text without the storage's extra places: 8884.8800 reads 8884.88."""
    cents = amount.quantize(Decimal("0.01"))
    return str(cents) if cents == amount else f"{amount.normalize():f}"


Amount = Annotated[
    Decimal,
    Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False),
    PlainSerializer(shown, return_type=str, when_used="json"),
]
Shown = Annotated[Decimal, PlainSerializer(shown, return_type=str, when_used="json")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, given: Any) -> Any:
        refuse_nul(given)
        return given


def refuse_nul(given: Any, at: str = "") -> None:
    """A NUL character in any text of a request is refused, naming the field (no database
    stores it in text)."""
    if isinstance(given, str) and "\x00" in given:
        raise ValueError(f"{at or 'value'}: must not contain a NUL character")
    if isinstance(given, dict):
        for key, value in given.items():
            refuse_nul(value, f"{at}.{key}" if at else str(key))
    if isinstance(given, list):
        for n, value in enumerate(given):
            refuse_nul(value, f"{at}[{n}]")


class BranchIn(_Request):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=120)


class CustomerIn(_Request):
    branch_code: str
    name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    pan: str | None = None
    aadhaar: str | None = None
    kind: Literal["individual", "entity"] = "individual"
    addresses: list[AddressIn] = []
    gender: Literal["F", "M", "T"] | None = None  # the credit bureaus ask it


class AddressIn(_Request):
    kind: Literal["permanent", "current", "office", "other"]
    text: str = Field(min_length=1, max_length=500)
    pin: str = Field(pattern="^[1-9][0-9]{5}$")
    state: str | None = Field(default=None, pattern="^[0-9]{2}$")  # the bureaus' state code


class CustomerOut(BaseModel):
    id: int
    branch_code: str
    name: str
    pan: str | None  # masked: XXXXX1234X
    aadhaar: str | None  # masked: XXXX XXXX 1234
    kind: str = "individual"
    phone: str | None = None
    email: str | None = None
    date_of_birth: date | None = None
    addresses: list[dict[str, str]] = []
    # true: phone, e-mail and addresses are masked and the date of birth left out, because
    # the reader's roles may not see personal data in clear
    masked: bool = False


class ConsentIn(_Request):
    purpose: str = Field(min_length=1, max_length=64)  # bureau_pull, emandate, data_sharing ...
    given_on: date
    channel: str = Field(min_length=1, max_length=32)  # branch, app, otp, esign
    text_version: str = Field(min_length=1, max_length=32)


def _product_settings() -> type[BaseModel]:
    """The schedule spec's keys a product may set (lms.servicing.spec.ScheduleSpec without the
    loan's own: principal, rate, dates, installments), each optional, checked as the spec
    checks it; unknown keys refused."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))  # type: ignore[operator]
        for name, info in ScheduleSpec.model_fields.items()
        if name not in LOAN_KEYS
    }
    made: type[BaseModel] = create_model(
        "ProductSettings", __config__=ConfigDict(extra="forbid"), **fields
    )
    return made


if TYPE_CHECKING:
    ProductSettings = BaseModel
else:
    ProductSettings = _product_settings()


class RangeIn(_Request):
    min: Decimal
    max: Decimal


class ProductIn(_Request):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    settings: ProductSettings = Field(default_factory=lambda: ProductSettings())
    amount: RangeIn
    rate: RangeIn
    tenure: RangeIn
    waterfall: list[tuple[str, str]] | None = None  # [[bucket, component], ...] in order
    future_rule: str = "next"  # in-advance amounts go to the next or the last installment
    bounce_charge: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    bounce_charge_tax: Decimal = Field(default=Decimal(0), ge=0, le=100, allow_inf_nan=False)
    # percent of the principal foreclosed; never levied on floating loans to individuals
    foreclosure_charge: Decimal | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    foreclosure_charge_tax: Decimal = Field(default=Decimal(0), ge=0, le=100, allow_inf_nan=False)
    # percent a year on overdue amounts, levied by the daily close
    penal_charge: Decimal | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    penal_charge_tax: Decimal = Field(default=Decimal(0), ge=0, le=100, allow_inf_nan=False)
    rate_type: Literal["fixed", "floating"] = "fixed"
    benchmark: str | None = Field(default=None, min_length=1, max_length=32)
    reschedule: Literal["reduce_emi", "reduce_tenure"] = "reduce_tenure"
    # upfront fees deducted from the amount paid out, or collected from the borrower
    fee_collection: Literal["deduct", "collect"] = "deduct"
    secured: bool = False  # backed by collateral (vehicle, property, gold)
    # plausibility: payments above this multiple of all a loan could still owe are refused
    payment_ceiling: Decimal = Field(default=Decimal("1.1"), ge=1, le=10, allow_inf_nan=False)
    # and value dates further back than this many days before the posting date
    backdate_days: int = Field(default=365, ge=0, le=3650)
    # charges by rule during life: {name, on: installment|overdue|event, amount or percent,
    # tax, days (overdue)} (lms.core.charge_rules)
    charge_rules: list[dict[str, str | int]] = Field(default_factory=list, max_length=20)
    # a remainder at most this much once every installment has fallen due is forgiven
    small_balance: Decimal | None = Field(default=None, gt=0, le=1000, allow_inf_nan=False)
    # the credit bureaus' account type of its loans (05 personal, 02 housing, 07 gold ...)
    bureau_type: str | None = Field(default=None, pattern="^[0-9]{2}$")
    # a microfinance product: each loan checked against its household's income; with joint
    # liability a member's group covers a shortfall at the centre meeting
    microfinance: bool = False
    joint_liability: bool = False


class ProductOut(BaseModel):
    id: int
    code: str
    version: int
    name: str


class LoanIn(_Request):
    external_id: str = Field(min_length=1, max_length=64)
    branch_code: str
    customer_id: int
    product_code: str
    principal: Amount
    annual_rate: Decimal = Field(ge=0, le=1000, allow_inf_nan=False)
    installments: int = Field(ge=1, le=1200, strict=True)
    disbursement_date: date
    first_due_date: date | None = None
    parties: list[PartyIn] = []
    disbursement_account: AccountIn | None = None
    documents: list[DocumentIn] = []
    # this loan's upfront fees instead of the product's: schedule-spec fee objects
    fees: list[FeeSpec] | None = None

    def request(self) -> LoanRequest:
        fields = self.model_dump(exclude={"parties", "disbursement_account", "documents", "fees"})
        return LoanRequest(
            **fields,
            parties=tuple((p.customer_id, p.role) for p in self.parties),
            disbursement_account=None
            if self.disbursement_account is None
            else self.disbursement_account.model_dump(),
            documents=tuple(d.model_dump() for d in self.documents),
            fees=None if self.fees is None else [f.model_dump(mode="json") for f in self.fees],
        )


class PartyIn(_Request):
    customer_id: int
    role: Literal["co_borrower", "guarantor"]


class AccountIn(_Request):
    ifsc: str = Field(pattern="^[A-Z]{4}0[A-Z0-9]{6}$")
    account_number: str = Field(pattern="^[0-9]{9,18}$")
    holder: str = Field(min_length=1, max_length=200)


class DocumentIn(_Request):
    kind: str = Field(min_length=1, max_length=64)  # sanction_letter, agreement, kyc ...
    reference: str = Field(min_length=1, max_length=200)  # DMS id, file name


class DisbursementIn(_Request):
    amount: Amount | None = None  # a first tranche; None: the whole sanctioned amount


class TrancheIn(_Request):
    amount: Amount
    value_date: date
    reference: str = Field(min_length=1, max_length=64)


class RateChangeIn(_Request):
    day: date
    annual_rate: Decimal = Field(ge=0, le=100, allow_inf_nan=False)
    reschedule: Literal["reduce_emi", "reduce_tenure"]
    reference: str = Field(min_length=1, max_length=64)


class BenchmarkRateIn(_Request):
    effective_from: date
    rate: Decimal = Field(ge=0, le=100, allow_inf_nan=False)


class LoanOut(BaseModel):
    id: int
    external_id: str
    branch_code: str
    product_id: int
    customer_id: int
    status: str
    principal: Shown
    annual_rate: Shown
    emi: Shown
    apr: Shown | None
    net_disbursed: Shown
    excess: Shown
    disbursed_on: date | None
    closed_on: date | None
    spread: Shown | None = None  # floating: over the product's benchmark
    first_tranche: Shown | None = None  # paid out in tranches: the first one
    disbursement_account: dict[str, str] | None = None  # account number masked

    @field_validator("disbursement_account")
    @classmethod
    def _masked(cls, account: dict[str, str] | None) -> dict[str, str] | None:
        return masking.account(account)


LoanStatus = Literal["approved", "active", "closed"]


class LoanListItem(LoanOut):
    """A loan in a list, with what staff look for first (lms.close.listing): the borrower,
    principal outstanding, installments overdue, DPD and class, at the business date."""

    borrower: str
    principal_outstanding: Shown
    overdue: Shown
    dpd: int
    asset_class: str | None


class LoanPage(BaseModel):
    items: list[LoanListItem]
    # every loan the filters match, exact up to 10,000 (then 10,000 and total_exact false)
    total: int
    limit: int
    offset: int
    total_exact: bool = True
    next_after: int | None = None  # the `after` cursor of the next page; None: the last page


class RepaymentIn(_Request):
    amount: Amount
    value_date: date
    reference: str = Field(min_length=1, max_length=64)
    channel: str = Field(pattern="^(upi|nach|enach|neft|rtgs|imps|cash|cheque|gateway|card)$")


class PrepaymentIn(RepaymentIn):
    """A part-prepayment: what is due is paid first; the rest reduces the principal."""

    reschedule: Literal["reduce_emi", "reduce_tenure"]


class ForeclosureIn(_Request):
    on: date
    reference: str = Field(min_length=1, max_length=64)
    channel: str = Field(pattern="^(upi|nach|enach|neft|rtgs|imps|cash|cheque|gateway|card)$")


class RefundIn(_Request):
    amount: Amount
    value_date: date
    reference: str = Field(min_length=1, max_length=64)


class ReversalIn(_Request):
    known_on: date
    # returned: the bank returned it (a cheque or NACH debit bounced; `return_code` is the NPCI
    # or cheque return code; the product's bounce charge is levied); posting_error: it was
    # posted to the wrong loan or never arrived (no charge; the money goes to receipts
    # suspense, to be matched to the right loan)
    reason: Literal["returned", "posting_error"] = "returned"
    return_code: str | None = Field(
        default=None, min_length=1, max_length=8, pattern=r"^[A-Za-z0-9]+$"
    )


class RepaymentOut(BaseModel):
    id: int
    kind: str  # payment or prepayment
    loan_id: int
    amount: Shown
    value_date: date
    reference: str
    channel: str


class InstallmentOut(BaseModel):
    number: int
    due_date: date
    principal: Shown
    interest: Shown
    principal_paid: Shown
    interest_paid: Shown
    unpaid: Shown


class LoanStateOut(BaseModel):
    loan: LoanOut
    as_of: date
    principal_outstanding: Shown
    principal_due: Shown
    interest_due: Shown
    excess: Shown
    charges_due: Shown
    principal_prepaid: Shown
    annual_rate: Shown  # the rate in force on `as_of` (a floating loan's moves with its benchmark)
    dpd: int
    installments: list[InstallmentOut]


class PlanRowOut(BaseModel):
    """One installment of the plan: due, paid, and the principal left after it."""

    number: int
    due_date: date
    principal: Shown
    interest: Shown
    total: Shown
    principal_paid: Shown
    interest_paid: Shown
    unpaid: Shown
    balance: Shown  # principal left after this installment, by the plan
    # at the day-end of the business date; "planned": the loan is not paid out yet
    status: Literal["paid", "overdue", "not_due", "planned"]


class ScheduleOut(BaseModel):
    loan_id: int
    status: str
    as_of: date  # the business date the installments' status is read on
    projected_to: date | None = None  # the next due date the plan is projected to, if asked
    installments: list[PlanRowOut]


class SummaryCellOut(BaseModel):
    """The loans active at the day-end in one branch and DPD bucket."""

    branch: str
    bucket: str
    loans: int
    principal_outstanding: Shown
    principal_overdue: Shown
    interest_overdue: Shown


class PortfolioSummaryOut(BaseModel):
    as_of: date
    buckets: list[str]  # in DPD order
    cells: list[SummaryCellOut]  # by branch, then bucket; only cells with loans
    totals: list[SummaryCellOut]  # per bucket over every branch (branch "*")


RequestBody = _Request  # the base of every request body: unknown fields and NUL characters refused
