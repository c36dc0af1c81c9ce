"""Derive the golden repayment schedules used by ``tests/unit/test_golden_schedules.py``.

This is NOT a test module (its name does not start with ``test_``) and it deliberately does
not import anything from ``lms``: it is an independent, deliberately naive re-implementation
of the scheduling rules written straight from the specification, using exact rational
arithmetic (``fractions.Fraction``).  Every amount is carried exactly and rounded exactly once
at the point the specification says it is rounded (0.01 half-up, ties away from zero, unless
the case's ``rounding`` says otherwise for the instalment amount).

For the plain annuity cases the exact EMI is cross-checked against ``numpy_financial.pmt``.

Usage (from the repository root)::

    .venv/bin/python tests/unit/golden/derive_golden.py           # print the case blocks
    .venv/bin/python tests/unit/golden/derive_golden.py --write   # rewrite the golden block
    .venv/bin/python tests/unit/golden/derive_golden.py --check   # fail if the block is stale

``--write`` replaces the text between the ``# BEGIN GOLDEN`` / ``# END GOLDEN`` markers of the
test module, so the parameters and the tables in the test can never drift apart.
"""

from __future__ import annotations

import calendar
import math
import sys
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

TEST_FILE = Path(__file__).resolve().parents[1] / "test_golden_schedules.py"
BEGIN, END = "# BEGIN GOLDEN", "# END GOLDEN"

ZERO = Fraction(0)
CENT = Fraction(1, 100)


# --------------------------------------------------------------------------- rounding / dates


def quantize(x: Fraction, step: Fraction = CENT, mode: str = "HALF_UP") -> Fraction:
    """Round ``x`` to a multiple of ``step``; HALF_UP ties go away from zero, UP is away from 0."""
    q = x / step
    sign = -1 if q < 0 else 1
    a = abs(q)
    if mode == "HALF_UP":
        k = math.floor(a + Fraction(1, 2))
    elif mode == "UP":
        k = math.ceil(a)
    elif mode == "DOWN":
        k = math.floor(a)
    elif mode == "HALF_EVEN":
        k = round(a)  # Fraction.__round__ is banker's rounding
    else:  # pragma: no cover
        raise ValueError(mode)
    return sign * k * step


def r2(x: Fraction) -> Fraction:
    return quantize(x, CENT, "HALF_UP")


def add_months(d: date, k: int) -> date:
    y, m0 = divmod(d.month - 1 + k, 12)
    y += d.year
    m = m0 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def on_day(year: int, month: int, day: int) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day == 0 else min(day, last))


def first_due(p: dict[str, Any]) -> date:
    disb = p["disbursement_date"]
    if p.get("first_due_date"):
        return p["first_due_date"]
    if p.get("due_day") is not None:
        earliest = add_months(disb, 1)
        cand = on_day(disb.year, disb.month, p["due_day"])
        while cand < earliest:
            nxt = add_months(date(cand.year, cand.month, 1), 1)
            cand = on_day(nxt.year, nxt.month, p["due_day"])
        return cand
    return add_months(disb, 1)


# --------------------------------------------------------------------------- the spec


@dataclass
class Row:
    no: int
    due: date
    principal: Fraction
    interest: Fraction
    balance: Fraction

    @property
    def total(self) -> Fraction:
        return self.principal + self.interest


@dataclass
class Result:
    rows: list[Row]
    emi: Fraction | None
    bpi: Fraction
    total_interest: Fraction
    capitalised: Fraction
    principal: Fraction


def annuity(b: Fraction, r: Fraction, n: int) -> Fraction:
    return b * r / (1 - (1 + r) ** -n)


def derive(p: dict[str, Any]) -> Result:
    principal0 = Fraction(p["principal"])
    rate = Fraction(p["annual_rate"]) / 100
    r = rate / 12
    n = p["installments"]
    disb = p["disbursement_date"]
    method = p.get("method", "EMI")
    basis = p.get("interest_basis", "PERIODIC")
    step_str, mode = p.get("rounding", ("0.01", "HALF_UP"))
    rstep = Fraction(step_str)

    def rnd(x: Fraction) -> Fraction:
        return quantize(x, rstep, mode)

    fd = first_due(p)
    dues = [add_months(fd, k) for k in range(n)]
    full_start = add_months(fd, -1)

    bpi_kind = p.get("bpi", "NONE")
    bpi_applies = bpi_kind != "NONE" and full_start > disb
    bpi = r2(principal0 * rate * (full_start - disb).days / 365) if bpi_applies else ZERO
    irregular_first = not bpi_applies and full_start != disb

    def period_interest(i: int, bal: Fraction) -> Fraction:
        if basis == "ACTUAL_DAYS" or (i == 0 and irregular_first):
            start = disb if i == 0 else dues[i - 1]
            return r2(bal * rate * (dues[i] - start).days / 365)
        return r2(bal * r)

    rows: list[Row] = []
    capitalised = ZERO
    emi: Fraction | None = None

    if method == "EMI":
        bal = principal0
        mor_n, mor_kind = p.get("moratorium", (0, "COLLECTED"))
        gp = p.get("grace_principal", 0)
        gi = p.get("grace_interest", 0)
        free = p.get("interest_free_periods", 0)
        start_amort = max(mor_n, gp)
        balloon = p.get("balloon")
        balloon_amt = ZERO
        if balloon:
            balloon_amt = (
                Fraction(balloon["amount"])
                if "amount" in balloon
                else r2(principal0 * Fraction(balloon["percent"]) / 100)
            )
        amounts: list[Fraction] = []
        carried = ZERO  # moratorium FIRST_INSTALLMENT accumulation
        deferred = ZERO  # grace_interest deferral
        for i in range(n):
            last = i == n - 1
            interest = period_interest(i, bal)
            if i < mor_n:
                if mor_kind == "CAPITALISED":
                    bal += interest
                    capitalised += interest
                    rows.append(Row(i + 1, dues[i], ZERO, ZERO, bal))
                elif mor_kind == "COLLECTED":
                    rows.append(Row(i + 1, dues[i], ZERO, interest, bal))
                elif mor_kind == "FIRST_INSTALLMENT":
                    carried += interest
                    rows.append(Row(i + 1, dues[i], ZERO, ZERO, bal))
                elif mor_kind == "WAIVED":
                    rows.append(Row(i + 1, dues[i], ZERO, ZERO, bal))
                else:  # pragma: no cover
                    raise ValueError(mor_kind)
                continue
            if i < gp:
                rows.append(Row(i + 1, dues[i], ZERO, interest, bal))
                continue
            if i == start_amort:
                m = n - start_amort
                v = 1 / (1 + r)
                step = p.get("step")
                if step is None:
                    base = (bal * (1 + r) ** m - balloon_amt) * r / ((1 + r) ** m - 1)
                    amounts = [rnd(base)] * m
                elif "percent" in step:
                    g = 1 + Fraction(step["percent"]) / 100
                    factors = [g ** (j // step["every"]) for j in range(m)]
                    base = (bal - balloon_amt * v**m) / sum(
                        f * v ** (j + 1) for j, f in enumerate(factors)
                    )
                    amounts = [rnd(base * f) for f in factors]
                else:
                    a = Fraction(step["amount"])
                    ks = [j // step["every"] for j in range(m)]
                    annuity_factor = sum(v ** (j + 1) for j in range(m))
                    base = (
                        bal
                        - balloon_amt * v**m
                        - a * sum(k * v ** (j + 1) for j, k in enumerate(ks))
                    ) / annuity_factor
                    amounts = [rnd(base + a * k) for k in ks]
                emi = amounts[0]
            amount = amounts[i - start_amort]
            if i < free:
                row_interest, principal = ZERO, amount
            elif i < gi:
                deferred += interest
                row_interest, principal = ZERO, amount - interest
            else:
                row_interest, principal = interest, amount - interest
                if i == gi:
                    row_interest += deferred
                    deferred = ZERO
                if i == mor_n and mor_kind == "FIRST_INSTALLMENT":
                    row_interest += carried
                    carried = ZERO
            stop = False
            if last:
                principal = bal
            else:
                if balloon_amt:
                    principal = min(principal, bal - balloon_amt)
                if principal >= bal:
                    principal, stop = bal, True
            bal -= principal
            rows.append(Row(i + 1, dues[i], principal, row_interest, bal))
            if stop:
                break
    elif method == "EQUAL_PRINCIPAL":
        bal = principal0
        part = rnd(principal0 / n)
        for i in range(n):
            interest = period_interest(i, bal)
            principal = bal if i == n - 1 else part
            bal -= principal
            rows.append(Row(i + 1, dues[i], principal, interest, bal))
        emi = rows[0].total
    elif method == "FLAT":
        bal = principal0
        total_int = r2(principal0 * rate * n / 12)
        per_row = r2(total_int / n)
        inst = rnd((principal0 + total_int) / n)
        for i in range(n):
            last = i == n - 1
            interest = total_int - per_row * (n - 1) if last else per_row
            principal = bal if last else inst - interest
            bal -= principal
            rows.append(Row(i + 1, dues[i], principal, interest, bal))
        emi = inst
    elif method in ("BULLET", "INTEREST_ONLY"):
        interests = [period_interest(i, principal0) for i in range(n)]
        if method == "BULLET" and p.get("bullet_interest") == "END":
            rows.append(Row(1, dues[-1], principal0, sum(interests, ZERO), ZERO))
        else:
            for i in range(n):
                last = i == n - 1
                rows.append(
                    Row(
                        i + 1,
                        dues[i],
                        principal0 if last else ZERO,
                        interests[i],
                        ZERO if last else principal0,
                    )
                )
    else:  # pragma: no cover
        raise ValueError(method)

    # Broken-period interest placement.
    if bpi_applies and bpi_kind != "DEDUCT":
        if bpi_kind == "FIRST":
            rows[0].interest += bpi
        elif bpi_kind == "LAST":
            rows[-1].interest += bpi
        elif bpi_kind == "SPREAD":
            share = r2(bpi / len(rows))
            for row in rows[:-1]:
                row.interest += share
            rows[-1].interest += bpi - share * (len(rows) - 1)
    total_interest = sum((row.interest for row in rows), ZERO) + capitalised
    if bpi_applies and bpi_kind == "DEDUCT":
        total_interest += bpi
    return Result(rows, emi, bpi, total_interest, capitalised, principal0)


def cross_check_pmt(p: dict[str, Any], res: Result) -> str | None:
    """For plain annuities: the exact EMI must agree with numpy_financial.pmt."""
    plain = p.get("method", "EMI") == "EMI" and not any(
        p.get(k)
        for k in (
            "moratorium",
            "grace_principal",
            "grace_interest",
            "interest_free_periods",
            "step",
            "balloon",
        )
    )
    if not plain:
        return None
    import numpy_financial as npf

    principal0 = Fraction(p["principal"])
    r = Fraction(p["annual_rate"]) / 1200
    exact = annuity(principal0, r, p["installments"])
    pmt = float(npf.pmt(float(r), p["installments"], -float(principal0)))
    assert abs(pmt - float(exact)) < 1e-6, (p, pmt, float(exact))
    if p.get("rounding", ("0.01", "HALF_UP")) == ("0.01", "HALF_UP"):
        assert r2(Fraction(pmt)) == res.emi, (pmt, res.emi)
    return f"numpy_financial.pmt = {pmt:.6f}"


# --------------------------------------------------------------------------- the cases

D = date


CASES: list[tuple[str, dict[str, Any]]] = [
    # -- EMI, periodic interest
    (
        "emi_periodic_100k_12pc_6m",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
        },
    ),
    (
        "emi_periodic_ugly_123456_78_13_99pc_12m",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 12,
        },
    ),
    (
        "emi_periodic_month_end_clamp_31st",
        {
            "principal": "250000",
            "annual_rate": "9.25",
            "disbursement_date": D(2025, 12, 31),
            "installments": 6,
        },
    ),
    # -- EMI, actual-days interest (ACT/365F)
    (
        "emi_actual_days_leap_february_2028",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2028, 1, 15),
            "installments": 6,
            "interest_basis": "ACTUAL_DAYS",
        },
    ),
    (
        "emi_actual_days_ugly_over_leap_year",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2027, 11, 20),
            "installments": 12,
            "interest_basis": "ACTUAL_DAYS",
        },
    ),
    (
        "emi_actual_days_month_end_leap",
        {
            "principal": "75000",
            "annual_rate": "10.5",
            "disbursement_date": D(2027, 12, 31),
            "installments": 6,
            "interest_basis": "ACTUAL_DAYS",
        },
    ),
    # -- EMI rounding of the instalment amount
    (
        "emi_round_up_rupee_100k",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "rounding": ("1", "UP"),
        },
    ),
    (
        "emi_round_up_rupee_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 12,
            "rounding": ("1", "UP"),
        },
    ),
    (
        "emi_round_nearest_10_300k",
        {
            "principal": "300000",
            "annual_rate": "11",
            "disbursement_date": D(2026, 2, 1),
            "installments": 12,
            "rounding": ("10", "HALF_UP"),
        },
    ),
    (
        "emi_round_nearest_10_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 9,
            "rounding": ("10", "HALF_UP"),
        },
    ),
    (
        "emi_round_up_1000_stops_early",
        {
            "principal": "4000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "rounding": ("1000", "UP"),
        },
    ),
    # -- equal principal
    (
        "equal_principal_120k_12pc_6m",
        {
            "principal": "120000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "method": "EQUAL_PRINCIPAL",
        },
    ),
    (
        "equal_principal_ugly_7m",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 7,
            "method": "EQUAL_PRINCIPAL",
        },
    ),
    # -- flat
    (
        "flat_100k_12pc_12m",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 12,
            "method": "FLAT",
        },
    ),
    (
        "flat_ugly_7m",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 7,
            "method": "FLAT",
        },
    ),
    # -- bullet, interest every period
    (
        "bullet_periodic_500k_9pc_6m",
        {
            "principal": "500000",
            "annual_rate": "9",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "method": "BULLET",
        },
    ),
    (
        "bullet_periodic_ugly_4m",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 4,
            "method": "BULLET",
        },
    ),
    # -- bullet, interest at the end
    (
        "bullet_end_500k_9pc_6m",
        {
            "principal": "500000",
            "annual_rate": "9",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "method": "BULLET",
            "bullet_interest": "END",
        },
    ),
    (
        "bullet_end_ugly_actual_days_leap",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2027, 12, 5),
            "installments": 5,
            "method": "BULLET",
            "bullet_interest": "END",
            "interest_basis": "ACTUAL_DAYS",
        },
    ),
    # -- interest only
    (
        "interest_only_200k_10pc_5m",
        {
            "principal": "200000",
            "annual_rate": "10",
            "disbursement_date": D(2026, 1, 10),
            "installments": 5,
            "method": "INTEREST_ONLY",
        },
    ),
    (
        "interest_only_ugly_actual_days",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2028, 1, 15),
            "installments": 4,
            "method": "INTEREST_ONLY",
            "interest_basis": "ACTUAL_DAYS",
        },
    ),
    # -- balloon
    (
        "balloon_amount_200k_20k",
        {
            "principal": "200000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "balloon": {"amount": "20000"},
        },
    ),
    (
        "balloon_amount_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 8,
            "balloon": {"amount": "30000.50"},
        },
    ),
    (
        "balloon_percent_25pc",
        {
            "principal": "400000",
            "annual_rate": "9.5",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "balloon": {"percent": "25"},
        },
    ),
    (
        "balloon_percent_ugly_33_33pc",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 9,
            "balloon": {"percent": "33.33"},
        },
    ),
    # -- step-up (percent) and step-down (amount)
    (
        "step_up_5pc_every_3",
        {
            "principal": "300000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 9,
            "step": {"every": 3, "percent": "5"},
        },
    ),
    (
        "step_up_ugly_7_5pc_every_4",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 12,
            "step": {"every": 4, "percent": "7.5"},
        },
    ),
    (
        "step_down_amount_500_every_3",
        {
            "principal": "150000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 9,
            "step": {"every": 3, "amount": "-500"},
        },
    ),
    (
        "step_down_amount_ugly_every_2",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 8,
            "step": {"every": 2, "amount": "-1234.56"},
        },
    ),
    # -- moratorium
    (
        "moratorium_capitalised_3_of_9",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 9,
            "moratorium": (3, "CAPITALISED"),
        },
    ),
    (
        "moratorium_capitalised_ugly_2_of_8",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 8,
            "moratorium": (2, "CAPITALISED"),
        },
    ),
    (
        "moratorium_first_installment_3_of_9",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 9,
            "moratorium": (3, "FIRST_INSTALLMENT"),
        },
    ),
    (
        "moratorium_first_installment_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 8,
            "moratorium": (2, "FIRST_INSTALLMENT"),
        },
    ),
    (
        "moratorium_waived_3_of_9",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 9,
            "moratorium": (3, "WAIVED"),
        },
    ),
    (
        "moratorium_waived_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 8,
            "moratorium": (2, "WAIVED"),
        },
    ),
    (
        "moratorium_collected_3_of_9",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 9,
            "moratorium": (3, "COLLECTED"),
        },
    ),
    (
        "moratorium_collected_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 8,
            "moratorium": (2, "COLLECTED"),
        },
    ),
    # -- grace periods and interest-free periods
    (
        "grace_principal_2_of_8",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 8,
            "grace_principal": 2,
        },
    ),
    (
        "grace_principal_ugly_3_of_10",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 10,
            "grace_principal": 3,
        },
    ),
    (
        "grace_interest_2_of_8",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 8,
            "grace_interest": 2,
        },
    ),
    (
        "grace_interest_ugly_3_of_10",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 10,
            "grace_interest": 3,
        },
    ),
    (
        "interest_free_2_of_8",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 8,
            "interest_free_periods": 2,
        },
    ),
    (
        "interest_free_ugly_3_of_10",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 3, 15),
            "installments": 10,
            "interest_free_periods": 3,
        },
    ),
    # -- broken-period interest (disbursed 10 Jan, due on the 5th -> first due 5 Mar, BPI 26 days)
    (
        "bpi_deduct_due_day_5",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "due_day": 5,
            "bpi": "DEDUCT",
        },
    ),
    (
        "bpi_deduct_ugly_first_due_given",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 6, 20),
            "installments": 9,
            "first_due_date": D(2026, 8, 7),
            "bpi": "DEDUCT",
        },
    ),
    (
        "bpi_first_due_day_5",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "due_day": 5,
            "bpi": "FIRST",
        },
    ),
    (
        "bpi_first_ugly_due_day_7",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 6, 20),
            "installments": 9,
            "due_day": 7,
            "bpi": "FIRST",
        },
    ),
    (
        "bpi_spread_due_day_5",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "due_day": 5,
            "bpi": "SPREAD",
        },
    ),
    (
        "bpi_spread_ugly_due_day_7",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 6, 20),
            "installments": 9,
            "due_day": 7,
            "bpi": "SPREAD",
        },
    ),
    (
        "bpi_last_due_day_5",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "due_day": 5,
            "bpi": "LAST",
        },
    ),
    (
        "bpi_last_ugly_due_day_7",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 6, 20),
            "installments": 9,
            "due_day": 7,
            "bpi": "LAST",
        },
    ),
    # -- irregular first period, no BPI treatment: actual days from disbursement
    (
        "long_first_period_first_due_given",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "first_due_date": D(2026, 3, 5),
        },
    ),
    (
        "long_first_period_ugly_over_leap_feb",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2027, 12, 20),
            "installments": 8,
            "first_due_date": D(2028, 2, 15),
        },
    ),
    (
        "long_first_period_due_day_no_bpi",
        {
            "principal": "250000",
            "annual_rate": "10.75",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "due_day": 5,
        },
    ),
    (
        "short_first_period_to_month_end",
        {
            "principal": "100000",
            "annual_rate": "12",
            "disbursement_date": D(2026, 1, 10),
            "installments": 6,
            "first_due_date": D(2026, 1, 31),
        },
    ),
    (
        "short_first_period_ugly",
        {
            "principal": "123456.78",
            "annual_rate": "13.99",
            "disbursement_date": D(2026, 4, 20),
            "installments": 8,
            "first_due_date": D(2026, 5, 5),
        },
    ),
]


# --------------------------------------------------------------------------- rendering


def fmt_money(x: Fraction) -> str:
    cents = x * 100
    assert cents.denominator == 1, x
    c = int(cents)
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def pyrepr(v: Any) -> str:
    """Python source for a parameter value, in the style ``ruff format`` keeps unchanged."""
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, date):
        return f"date({v.year}, {v.month}, {v.day})"
    if isinstance(v, tuple):
        return "(" + ", ".join(pyrepr(x) for x in v) + ")"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(x)}" for k, x in v.items()) + "}"
    return repr(v)


def render_case(name: str, p: dict[str, Any]) -> str:
    res = derive(p)
    note = cross_check_pmt(p, res)
    hdr = (
        f"{'no':>2}  {'due_date':<10}  {'principal':>10}  {'interest':>9}  "
        f"{'total':>10}  {'balance':>10}"
    )
    lines = [hdr]
    for row in res.rows:
        lines.append(
            f"{row.no:>2}  {row.due.isoformat():<10}  {fmt_money(row.principal):>10}  "
            f"{fmt_money(row.interest):>9}  {fmt_money(row.total):>10}  "
            f"{fmt_money(row.balance):>10}"
        )
    emi = "None" if res.emi is None else pyrepr(fmt_money(res.emi))
    out = [
        "    Case(",
        f"        {pyrepr(name)},",
        "        {",
        *(f"            {pyrepr(k)}: {pyrepr(v)}," for k, v in p.items()),
        "        },",
        f"        emi={emi},",
        f"        bpi={pyrepr(fmt_money(res.bpi))},",
        f"        total_interest={pyrepr(fmt_money(res.total_interest))},",
        f"        capitalised={pyrepr(fmt_money(res.capitalised))},",
    ]
    if note:
        out.append(f"        # cross-check: {note}")
    out.append('        table="""')
    out.extend(f"            {line}".rstrip() for line in lines)
    out.append('        """,')
    out.append("    ),")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    blocks = []
    for name, p in CASES:
        blocks.append(render_case(name, p))
    body = "CASES = [\n" + "\n".join(blocks) + "\n]\n"
    if "--write" in argv or "--check" in argv:
        text = TEST_FILE.read_text()
        head, rest = text.split(BEGIN + "\n", 1)
        _, tail = rest.split(END + "\n", 1)
        new = head + BEGIN + "\n" + body + END + "\n" + tail
        if "--check" in argv:
            if new != text:
                print("golden block is stale; run with --write", file=sys.stderr)
                return 1
            return 0
        TEST_FILE.write_text(new)
        return 0
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
