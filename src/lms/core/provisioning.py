"""Provisions for loan losses by asset category, with the RBI's default rates per lender type
(each rate a setting).

Banks: standard 0.40 %, sub-standard 15 % (25 % unsecured), doubtful: the unsecured part 100 %,
the secured part 25 % / 40 % / 100 % (D1 / D2 / D3), loss 100 %. NBFCs: standard 0.40 %,
sub-standard 10 %, doubtful unsecured 100 %, secured 20 % / 30 % / 50 %, loss 100 %. NBFC-MFIs:
the higher of 1 % of the portfolio or 50 % of what is 90-179 days overdue plus 100 % of what is
180 days or more; here per loan, the higher of 1 % and that (never less than the rule).

Guarantee: pure; the provision is the rate times the principal outstanding, rounded once to
the paisa (collateral values are not tracked: a secured product's loan counts as secured in
full).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from lms.core.classification import AssetCategory
from lms.core.money import Rounding


@dataclass(frozen=True, slots=True)
class ProvisionRates:
    """Percent of the principal outstanding, by category (and security)."""

    standard: Decimal
    substandard: Decimal
    substandard_unsecured: Decimal
    doubtful_unsecured: Decimal
    d1: Decimal
    d2: Decimal
    d3: Decimal
    loss: Decimal
    mfi: bool = False  # NBFC-MFI: by days overdue, at least the standard rate


def _rates(*values: str, mfi: bool = False) -> ProvisionRates:
    d = [Decimal(v) for v in values]
    return ProvisionRates(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], mfi=mfi)


LENDER_TYPES = {
    "bank": _rates("0.40", "15", "25", "100", "25", "40", "100", "100"),
    "nbfc": _rates("0.40", "10", "10", "100", "20", "30", "50", "100"),
    "nbfc_mfi": _rates("1", "50", "50", "100", "100", "100", "100", "100", mfi=True),
}


def rates_for(lender_type: str, overrides: dict[str, str] | None = None) -> ProvisionRates:
    """The lender type's default rates with any of them overridden (a setting)."""
    if lender_type not in LENDER_TYPES:
        raise ValueError(f"lender type must be one of {sorted(LENDER_TYPES)}")
    known = {f.name for f in fields(ProvisionRates)} - {"mfi"}
    changes = {k: Decimal(v) for k, v in (overrides or {}).items() if k in known}
    unknown = set(overrides or {}) - known
    if unknown:
        raise ValueError(f"unknown provision rates {sorted(unknown)}")
    return replace(LENDER_TYPES[lender_type], **changes)  # type: ignore[arg-type]


def provision(
    rates: ProvisionRates,
    category: AssetCategory,
    principal: Decimal,
    *,
    secured: bool,
    dpd: int,
) -> Decimal:
    """The provision required for a loan of this category and principal outstanding."""
    return Rounding().apply(principal * percent(rates, category, secured=secured, dpd=dpd) / 100)


def percent(rates: ProvisionRates, category: AssetCategory, *, secured: bool, dpd: int) -> Decimal:
    if rates.mfi:
        by_age = rates.doubtful_unsecured if dpd >= 180 else rates.substandard if dpd >= 90 else 0
        return max(rates.standard, Decimal(by_age))
    if category is AssetCategory.STANDARD:
        return rates.standard
    if category is AssetCategory.SUBSTANDARD:
        return rates.substandard if secured else rates.substandard_unsecured
    if category is AssetCategory.LOSS or not secured:
        return rates.loss if category is AssetCategory.LOSS else rates.doubtful_unsecured
    return {AssetCategory.D1: rates.d1, AssetCategory.D2: rates.d2}.get(category, rates.d3)
