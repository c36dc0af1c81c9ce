"""Provisions for loan losses by asset category, with the RBI's default rates per lender type
(each rate a setting).

A standard loan restructured under a relief scheme carries 10 % through its specified period
(RBI Resolution Framework 2.0; a setting, `restructured_standard`).

Banks: standard 0.40 %, sub-standard 15 % (25 % unsecured), doubtful: the unsecured part 100 %,
the secured part 25 % / 40 % / 100 % (D1 / D2 / D3), loss 100 %. NBFCs: standard 0.40 %,
sub-standard 10 %, doubtful unsecured 100 %, secured 20 % / 30 % / 50 %, loss 100 %: per loan,
the rate of its category times its principal outstanding.

NBFC-MFIs (RBI): for the whole portfolio, the higher of 1 % of the loans outstanding and 50 % of
the instalments overdue 90 to 179 days plus 100 % of those overdue 180 days or more. Each
instalment is aged by its own days past due (DPD convention: day - due date + 1), and what counts
of it is its unpaid principal (its unpaid interest is held in suspense, never income, so there is
nothing to provide against). Per loan the aged part is `mfi_aged`; the portfolio's figure is
`mfi_book`. For an MFI the rates read: standard = the floor on the portfolio, substandard = the
rate for 90-179 days, doubtful_unsecured = the rate for 180 days or more.

Guarantee: pure; each figure is rounded once to the paisa (collateral values are not tracked: a
secured product's loan counts as secured in full).
"""

from __future__ import annotations

from collections.abc import Iterable
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
    mfi: bool = False
    # a standard loan restructured under a relief scheme, through its specified period (RBI
    # Resolution Framework 2.0, 5 May 2021: 10 %); the standard rate if that is higher
    restructured_standard: Decimal = Decimal(
        10
    )  # NBFC-MFI: by instalments' days overdue, portfolio floor (see above)


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
    known = {f.name for f in fields(ProvisionRates)} - {"mfi"}  # restructured_standard too
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
    restructured: bool = False,
) -> Decimal:
    """The provision required for a bank's or an NBFC's loan of this category and principal
    outstanding (`restructured`: a standard loan restructured under a relief scheme, in its
    specified period)."""
    rate = percent(rates, category, secured=secured, restructured=restructured)
    return Rounding().apply(principal * rate / 100)


def mfi_aged(rates: ProvisionRates, overdue: Iterable[tuple[int, Decimal]]) -> Decimal:
    """A loan's aged part of the NBFC-MFI provision: `overdue` holds (days past due, unpaid
    principal) per overdue instalment."""
    total = Decimal(0)
    for dpd, principal in overdue:
        if dpd >= 180:
            total += principal * rates.doubtful_unsecured
        elif dpd >= 90:
            total += principal * rates.substandard
    return Rounding().apply(total / 100)


def mfi_book(rates: ProvisionRates, outstanding: Decimal, aged: Decimal) -> Decimal:
    """The NBFC-MFI portfolio's provision: the floor rate of all principal outstanding, or the
    sum of the loans' aged parts if that is more."""
    return max(Rounding().apply(outstanding * rates.standard / 100), aged)


def percent(
    rates: ProvisionRates, category: AssetCategory, *, secured: bool, restructured: bool = False
) -> Decimal:
    """The rate of a bank's or an NBFC's loan (not an MFI's: see mfi_aged)."""
    if rates.mfi:
        raise ValueError("an NBFC-MFI provides by instalment age: use mfi_aged and mfi_book")
    if category is AssetCategory.STANDARD:
        return max(rates.standard, rates.restructured_standard) if restructured else rates.standard
    if category is AssetCategory.SUBSTANDARD:
        return rates.substandard if secured else rates.substandard_unsecured
    if category is AssetCategory.LOSS or not secured:
        return rates.loss if category is AssetCategory.LOSS else rates.doubtful_unsecured
    return {AssetCategory.D1: rates.d1, AssetCategory.D2: rates.d2}.get(category, rates.d3)
