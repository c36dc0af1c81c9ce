"""Every setting of the product, read from the environment in this one place, typed and
documented, each with its default (the RBI's rule where one applies).

Each is an environment variable named ``LMS_`` + the field's name in capitals (e.g.
``LMS_LENDER_TYPE``). `get_settings()` reads them when called (parsing once per distinct
environment), so a process (a worker, a test) sees the environment it was given; nothing is
read at import time.

Guarantee: a bad value (a word where a number belongs, an unknown lender type) is refused
with the variable's name, before anything runs on it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lms.core.provisioning import ProvisionRates, rates_for


class Settings(BaseSettings):
    """The product's settings; see docs/settings.md for each one's meaning and default."""

    model_config = SettingsConfigDict(env_prefix="LMS_", extra="ignore", frozen=True)

    # -- the book
    database_url: str | None = Field(
        None, description="the database; unset: the book `lms demo` builds in the data folder"
    )
    database_replica_url: str | None = Field(
        None, description="a PostgreSQL hot standby: lists, summaries, dashboards, reports read it"
    )
    replica_max_lag: float = Field(
        30, ge=0, description="seconds behind the primary past which reads go to the primary"
    )
    replica_retry: float = Field(
        10, gt=0, description="seconds before a replica that did not answer is asked again"
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="the load balancers whose X-Forwarded-For names the caller's address"
        " (comma-separated addresses or networks; for audit records and sign-in throttles)",
    )
    timezone: str = Field("Asia/Kolkata", description="the lender's time zone (calendar day)")
    lender_name: str = Field("Your lender", description="shown to borrowers (notices, UPI)")
    # -- the lender as its documents name it (KFS, statements, receipts)
    lender_address: str = Field("", description="the registered office, on documents")
    lender_registration: str = Field(
        "", description="the RBI registration or licence number and CIN, on documents"
    )
    lender_website: str = Field("", description="where the lender's policies are published")
    # -- credit bureau reporting: the member code each credit information company issued
    bureau_members: dict[str, str] = Field(
        default_factory=dict,
        description='{"CIBIL": "NB12345678", ...}: member codes by bureau (10 characters)',
    )
    bureau_short_name: str = Field(
        "", description="the member short name the bureaus know (default: the lender's name)"
    )
    # -- the lender's general ledger: each account's ledger name and group, and the company
    gl_accounts: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description='{"collection_bank": {"name": "HDFC Bank 1234", "group": "Bank Accounts"}}',
    )
    gl_company: str = Field("", description="the company in Tally (default: the lender's name)")
    # -- documents: where their bytes are kept
    document_store: Literal["local", "s3"] = Field("local", description="local disk or S3")
    document_dir: str = Field("", description="the local store's folder (default: data folder)")
    document_max_mb: int = Field(10, ge=1, le=100, description="the largest upload, in MB")
    s3_endpoint: str = Field("", description="an S3-compatible endpoint (empty: AWS)")
    s3_bucket: str = Field("lms-documents", description="the bucket documents are kept in")
    s3_region: str = Field("ap-south-1", description="the bucket's region")
    s3_access_key: str = Field("", description="the access key id (empty: the environment's)")
    s3_secret_key: str = Field("", description="the secret access key")
    # -- events out: webhooks and a message broker
    events_broker_url: str = Field(
        "", description="amqp://user:password@host:5672/ (RabbitMQ); empty: no broker"
    )
    webhook_attempts: int = Field(8, ge=1, le=50, description="tries before a webhook is dead")
    webhook_timeout_seconds: float = Field(10, gt=0, le=120, description="a webhook's timeout")
    # -- risk
    risk_bands: list[Decimal] = Field(
        default_factory=lambda: [Decimal(2), Decimal(5), Decimal(15), Decimal(35)],
        description="where risk bands B, C, D and E begin: a probability of going bad within "
        "three months, in percent (JSON list, rising); below the first: band A",
    )
    risk_signals: dict[str, int] = Field(
        default_factory=lambda: {
            "first_bounce": 6,
            "rising_lateness": 5,
            "partial_payment": 1,
            "promise_broken": 1,
            "related_loan_slipping": 31,
        },
        description="the early warnings and each one's figure (JSON; 0 turns one off): months "
        "of clean history before a first bounce, days more overdue in the last three months "
        "than the three before, (any) partial payment, (any) broken promise, the DPD a "
        "related loan reaches",
    )
    risk_signal_days: int = Field(30, ge=1, le=365, description="days a warning stays open")
    risk_psi_alert: float = Field(
        0.25, gt=0, le=10, description="a PSI above this (score or feature) is an alert"
    )
    grievance_officer: str = Field(
        "", description="the grievance redressal officer: name, phone, e-mail (in the KFS)"
    )
    nodal_officer: str = Field(
        "", description="the principal nodal officer the borrower escalates to (in the KFS)"
    )
    request_sla_hours: int = Field(
        72, ge=1, le=720, description="hours staff have to answer a borrower's service request"
    )
    release_delay_compensation: Decimal = Field(
        Decimal(5000), ge=0, description="paid per day a closed loan's security is released late"
    )
    restructure_specified_months: int = Field(
        12,
        ge=1,
        le=60,
        description="a restructured loan's specified period, from its first due date after",
    )
    cooling_off_days: int = Field(
        3, ge=1, le=30, description="days a digital loan can be left without penalty (KFS)"
    )
    currency: str = Field(
        "INR", pattern="^[A-Z]{3}$", description="the book's and its bank accounts' currency"
    )
    pii_keys: str = Field(
        "",
        description="keys sealing personal data at rest: id:base64-32-bytes, comma-separated, "
        "the first sealing; unset: one generated key kept in the data folder (pii.key)",
    )
    # -- the ledger
    ledger_mismatch: Literal["record", "raise"] = Field(
        "record",
        description="a loan whose ledger differs from its replay: recorded as an alarm, or "
        "raised as an error (the tests)",
    )
    # -- the daily close
    accrual_posting: Literal["monthly", "daily"] = Field(
        "monthly", description="book accrued interest at month ends (RBI IRACP) or every day"
    )
    lender_type: Literal["bank", "nbfc", "nbfc_mfi"] = Field(
        "nbfc", description="which RBI provisioning norms apply (lms.core.provisioning)"
    )
    provision_rates: dict[str, Decimal] = Field(
        default_factory=dict, description="overrides of the provision rates, by category (JSON)"
    )
    close_queue: str = Field("lms-close", description="the worker queue of the close")
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="the close's task broker")
    # -- payments
    payment_group_size: int = Field(
        64, ge=0, description="repayments over HTTP committed together at most (0: one by one)"
    )
    auto_post_confidence: int = Field(
        90, ge=0, le=100, description="statement credits matched at least this surely post"
    )
    virtual_account_prefix: str = Field("LMSVA", description="virtual accounts per loan")
    nach_represent_after: int = Field(
        3, ge=1, description="days before a return is presented again"
    )
    nach_attempts: int = Field(2, ge=1, description="presentations of one due at most")
    nach_sponsor_ifsc: str = Field("HDFC0000001", description="the sponsor bank of NACH files")
    nach_user_code: str = Field("LMS", description="the lender's NACH user code")
    upi_autopay_limit: Decimal = Field(
        Decimal(15000), description="UPI AutoPay debit without extra authentication (NPCI)"
    )
    upi_vpa: str = Field("lender@upi", description="the lender's UPI address for requests")
    cash_limit: Decimal = Field(
        Decimal("199999.99"),
        description="cash a borrower may pay in a day (Income-tax Act s.269ST: under 2 lakh)",
    )
    disbursement_account: str = Field("", description="the account refunds are paid from")
    razorpay_key_id: str = Field("", description="the gateway's API key (orders)")
    razorpay_key_secret: str = Field("", description="the gateway's API secret")
    razorpay_webhook_secret: str = Field("", description="signs the gateway's webhooks (HMAC)")
    razorpay_url: str = Field("https://api.razorpay.com", description="the gateway's API")
    # -- e-mail
    smtp_host: str | None = Field(None, description="the mail server; unset: notices stay queued")
    smtp_port: int = Field(25, description="the mail server's port")
    smtp_starttls: bool = Field(False, description="upgrade the connection with STARTTLS")
    smtp_user: str | None = Field(None, description="sign in to the mail server as")
    smtp_password: str = Field("", description="the mail server's password")
    mail_from: str = Field("lms@localhost", description="the sender of notices")
    # -- SMS and WhatsApp (lms.notices.channels); unset: messages go by e-mail only
    sms_url: str = Field("", description="the SMS gateway's send URL (HTTPS, JSON)")
    sms_api_key: str = Field("", description="the SMS gateway's API key (bearer)")
    sms_sender: str = Field("LENDER", description="the SMS sender id (header) registered on DLT")
    sms_dlt_entity_id: str = Field("", description="the lender's DLT principal entity id (TRAI)")
    sms_dlt_templates: dict[str, str] = Field(
        default_factory=dict, description="each event's DLT template id, as JSON"
    )
    sms_callback_token: str = Field("", description="what the gateway's delivery reports carry")
    whatsapp_url: str = Field(
        "https://graph.facebook.com/v21.0", description="the WhatsApp Cloud API"
    )
    whatsapp_phone_id: str = Field("", description="the WhatsApp business phone number id")
    whatsapp_token: str = Field("", description="the WhatsApp Cloud API's access token")
    whatsapp_app_secret: str = Field("", description="signs the WhatsApp webhook (HMAC)")
    whatsapp_verify_token: str = Field("", description="the webhook subscription's verify token")
    # -- conduct (RBI fair practices): when and how often borrowers are contacted
    quiet_hours: str = Field(
        "08:00-19:00",
        pattern=r"^\d\d:\d\d-\d\d:\d\d$",
        description="the local hours messages may go out in (RBI: 08:00 to 19:00)",
    )
    messages_per_day: int = Field(
        3, ge=1, description="messages a borrower may get a day on one channel"
    )
    # -- collections (lms.collections)
    collection_buckets: str = Field(
        "1-30,31-60,61-90,91+",
        pattern=r"^\d+-\d+(,\d+-\d+)*(,\d+\+)?$",
        description="the buckets of days past due a collection case moves through",
    )
    promise_days: int = Field(30, ge=1, description="how far ahead a promise to pay may be")
    agent_capacity: int = Field(
        150, ge=1, description="open cases the close gives one collections agent at most"
    )
    settlement_grace_days: int = Field(
        7, ge=0, description="days a settlement's instalment may be late before it breaks"
    )
    # -- lending against gold (lms.collateral)
    gold_ltv_tiers: list[tuple[Decimal | None, Decimal]] = Field(
        default_factory=lambda: [
            (Decimal(250_000), Decimal(85)),
            (Decimal(500_000), Decimal(80)),
            (None, Decimal(75)),
        ],
        description="the highest loan-to-value ratio, in percent, by loan amount (JSON list of "
        "[up to, percent], rising; the last up to null: any larger loan)",
    )
    gold_price_days: int = Field(
        30, ge=1, le=90, description="days of closing prices the gold valuation averages"
    )
    gold_ornament_grams: Decimal = Field(
        Decimal(1000), gt=0, description="gold ornaments one borrower may pledge, gross grams"
    )
    gold_coin_grams: Decimal = Field(
        Decimal(50), gt=0, description="gold coins one borrower may pledge, gross grams"
    )
    # -- microfinance (lms.microfinance; the RBI framework for microfinance loans, 2022)
    mfi_income_limit: Decimal = Field(
        Decimal(300_000),
        gt=0,
        description="a microfinance borrower's household income a year, at most (rupees)",
    )
    mfi_repayment_cap: Decimal = Field(
        Decimal(50),
        gt=0,
        le=100,
        description="a household's monthly repayments on all its "
        "loans, at most this percent of its monthly income",
    )
    gold_auction_overdue_days: int = Field(
        30,
        ge=1,
        description="days a gold loan's installment is overdue before the auction "
        "notice may be given",
    )
    gold_auction_notice_days: int = Field(
        21,
        ge=1,
        description="days from the auction notice to the earliest auction",
    )
    gold_reserve_percent: tuple[Decimal, Decimal] = Field(
        (Decimal(90), Decimal(85)),
        description="an auction's reserve price, percent of the "
        "gold's value then: at first, and after two failed auctions (JSON [first, later])",
    )
    gold_surplus_days: int = Field(
        7,
        ge=0,
        description="working days after an auction within which its surplus is "
        "refunded to the borrower",
    )
    property_ltv_tiers: list[tuple[Decimal | None, Decimal]] = Field(
        default_factory=lambda: [
            (Decimal(3_000_000), Decimal(90)),
            (Decimal(7_500_000), Decimal(80)),
            (None, Decimal(75)),
        ],
        description="the highest loan-to-value ratio against property, in percent, by loan "
        "amount (JSON list of [up to, percent]; the RBI's for housing loans by default)",
    )
    # -- lending against securities (lms.collateral.securities)
    security_haircuts: dict[str, Decimal] = Field(
        default_factory=lambda: {"equity": Decimal(50), "equity_fund": Decimal(50),
                                 "debt_fund": Decimal(25)},
        description="the percent of a pledged security's value that does not count towards the "
        "drawing power, by class (JSON object)",
    )  # fmt: skip
    security_price_days: int = Field(
        5,
        ge=1,
        le=30,
        description="days a security's last closing price may be old and still value it",
    )
    # -- co-lending (lms.colending; the RBI's co-lending directions, 2025)
    colend_min_share: Decimal = Field(
        Decimal(10),
        ge=0,
        lt=100,
        description="the share of every co-lent loan the "
        "originating lender keeps, at least (percent)",
    )
    colend_take_days: int = Field(
        15,
        ge=0,
        le=365,
        description="days after a loan is paid out within which the partner "
        "takes its share (a loan is co-lent no later)",
    )
    mfi_group_members: tuple[int, int] = Field(
        (4, 10),
        description="the fewest and the most members of a joint liability group "
        "(JSON [fewest, most])",
    )
    mfi_rate_ceiling: Decimal = Field(
        Decimal(24),
        gt=0,
        le=100,
        description="the pricing policy's ceiling on a microfinance "
        "loan's interest rate, percent a year",
    )
    mfi_fee_ceiling: Decimal = Field(
        Decimal(1),
        ge=0,
        le=100,
        description="the pricing policy's ceiling on a microfinance "
        "loan's upfront fees, percent of the loan (tax excluded)",
    )


def get_settings() -> Settings:
    """The settings as the environment gives them now: parsed once per distinct set of
    ``LMS_`` variables (a parse costs milliseconds; this look-up microseconds), so a changed
    environment (a test, a worker started with other settings) is seen at the next call."""
    import os  # read here, never at import

    return _parsed(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LMS_"))))


@lru_cache(maxsize=8)
def _parsed(environment: tuple[tuple[str, str], ...]) -> Settings:
    del environment  # the cache key: Settings reads the same variables itself
    return Settings()


def data_folder(home: Path | None = None) -> Path:
    """Where the embedded book lives: $XDG_DATA_HOME/lms (or ~/.local/share/lms)."""
    import os  # the XDG base directory is the platform's, not the product's, setting

    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = (
        Path(xdg) if xdg and Path(xdg).is_absolute() else (home or Path.home()) / ".local" / "share"
    )
    return base / "lms"


def lender_rates() -> ProvisionRates:
    """The provision rates of the lender type, with the overrides of the settings."""
    settings = get_settings()
    return rates_for(settings.lender_type, {k: str(v) for k, v in settings.provision_rates.items()})
