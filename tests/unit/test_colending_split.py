"""The co-lending split against figures worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

from lms.core.colending import Line, Split, blended_rate, originator_lines, partner_lines

SPLIT = Split.of(D(80), D(9), D(18), D(25))  # interest: 7.2 / 10.8 = 2/3


def test_the_blend_and_the_interest_share() -> None:
    assert blended_rate(D(80), D(9), D(18)) == D("10.8")
    assert blended_rate(D("85"), D("9.15"), D("17.5")) == D("10.4025")  # 7.7775 + 2.625
    assert (SPLIT.principal, SPLIT.charges) == (D("0.8"), D("0.25"))
    assert (D(900) * SPLIT.interest).quantize(D("0.01")) == D("600.00")


def test_a_repayment_splits_by_kind_and_the_escrow_balances() -> None:
    # 6,000.01 paid: interest 900 (2/3: 600.00), principal 5,100.01 (80 %: 4,080.008 -> .01)
    lines = [Line("collection_bank", D("6000.01"), D(0)),
             Line("interest_receivable", D(0), D(900)),
             Line("loan_principal", D(0), D("5100.01"))]  # fmt: skip
    partner = partner_lines(lines, SPLIT)
    assert partner == [Line("escrow", D("4680.01"), D(0)),
                       Line("interest_receivable", D(0), D("600.00")),
                       Line("loan_principal", D(0), D("4080.01"))]  # fmt: skip
    assert originator_lines(lines, partner) == [
        Line("escrow", D("1320.00"), D(0)), Line("interest_receivable", D(0), D("300.00")),
        Line("loan_principal", D(0), D("1020.00"))]  # fmt: skip


def test_an_entry_without_cash_gives_the_rounding_to_its_first_line() -> None:
    # a penal charge of 10.05 with 1.81 GST (11.86 receivable): 25 % of each is 2.965 -> 2.97,
    # 2.5125 -> 2.51 and 0.4525 -> 0.45, a paisa out of balance; the first line takes 2.96
    lines = [Line("penal_receivable", D("11.86"), D(0)), Line("penal_income", D(0), D("10.05")),
             Line("tax_payable", D(0), D("1.81"))]  # fmt: skip
    partner = partner_lines(lines, SPLIT)
    assert partner == [Line("penal_receivable", D("2.96"), D(0)),
                       Line("penal_income", D(0), D("2.51")),
                       Line("tax_payable", D(0), D("0.45"))]  # fmt: skip
    rest = originator_lines(lines, partner)
    assert rest == [Line("penal_receivable", D("8.90"), D(0)),
                    Line("penal_income", D(0), D("7.54")), Line("tax_payable", D(0), D("1.36"))]  # fmt: skip


def test_a_write_off_balances_on_its_expense() -> None:
    lines = [Line("write_off_expense", D("1000.03"), D(0)),
             Line("loan_principal", D(0), D("999.99")),
             Line("interest_receivable", D(0), D("0.04"))]  # fmt: skip
    partner = partner_lines(lines, SPLIT)
    # 80 % of 999.99 = 799.992 -> 799.99; 2/3 of 0.04 = 0.0267 -> 0.03; the expense 800.02
    assert partner[0] == Line("write_off_expense", D("800.02"), D(0))
    assert sum((x.net for x in partner), D(0)) == 0
