"""`lms simulate`: a scenario's states on its observation dates, and clear errors."""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lms.interfaces.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simulate-late-payer.json"
runner = CliRunner()


def test_the_late_payer_example() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0
    states = json.loads(result.stdout)
    summary = [
        (
            s["as_of"],
            s["principal_outstanding"],
            s["principal_due"],
            s["interest_due"],
            s["excess"],
            s["dpd"],
        )
        for s in states
    ]
    # 16 Mar: both EMIs paid. 31 Mar: the 15 Mar NACH debit returned on 18 Mar; 5,000 on 25 Mar
    # pays installment 2's interest (921.15) and 4,078.85 of its principal: 3,884.88 left,
    # overdue since 15 Mar (day 1) = 17 days. 15 Apr: 15,000 clears installment 2 (3,884.88) and
    # installment 3 (8,884.88); 2,230.24 is held for installment 4.
    assert summary == [
        ("2026-03-16", "84151.39", "0.00", "0.00", "0.00", 0),
        ("2026-03-31", "88036.27", "3884.88", "0.00", "0.00", 17),
        ("2026-04-15", "76108.02", "0.00", "0.00", "2230.24", 0),
    ]
    assert states[2]["installments"][2] == {
        "number": 3,
        "due_date": "2026-04-15",
        "principal": "8043.37",
        "interest": "841.51",
        "principal_paid": "8043.37",
        "interest_paid": "841.51",
        "unpaid": "0.00",
    }


def test_table_output() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "As of 2026-03-16: principal outstanding 84151.39, due 0.00 (principal 0.00, "
        "interest 0.00), charges due 0.00, excess 0.00, DPD 0 (STD), rate 12"
    )


BASE = json.loads(EXAMPLE.read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"observe": []}, "error: observe: Tuple should have at least 1 item"),
        (
            {"terms": {**BASE["terms"], "principal": 0}},
            "error: terms.principal: Input should be greater",
        ),
        (
            {"events": [{"type": "pay", "date": "2026-02-15", "amount": "-1", "reference": "A"}]},
            "error: events[0].pay.amount: Input should be greater than 0",
        ),
        (
            {"events": [{"type": "writeoff", "date": "2026-02-15"}]},
            "error: events[0]: Input tag 'writeoff' found using 'type' does not match",
        ),
        (
            {"events": [{"type": "prepay", "date": "2026-02-15"}]},
            "error: events[0].prepay.reschedule: Field required",
        ),
        (
            {"events": [{"type": "reverse", "date": "2026-02-15", "reference": "X"}]},
            "error: events[0].reference: reverses no payment of the scenario",
        ),
        (
            {
                "events": [
                    {"type": "pay", "date": "2026-02-15", "amount": "1", "reference": "A"},
                    {"type": "pay", "date": "2026-03-15", "amount": "1", "reference": "A"},
                ]
            },
            "error: events[1].reference: already used by another payment",
        ),
    ],
)
def test_bad_scenarios_name_the_field(change: dict[str, object], message: str) -> None:
    result = runner.invoke(app, ["simulate", "-"], input=json.dumps({**BASE, **change}))
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_prepayment_then_a_foreclosure() -> None:
    """examples/simulate-prepay.json: the figures of tests/unit/test_replay.py (EMI after the
    prepayment 6,773.24; foreclosure interest 761.50 = 84,151.39 x 12 % x 26/365 + 64,151.39 x
    12 % x 2/365)."""
    example = EXAMPLE.parent / "simulate-prepay.json"
    result = runner.invoke(app, ["simulate", str(example), "--format", "json"])
    assert result.exit_code == 0, result.output
    after, closing = json.loads(result.stdout)
    assert (after["principal_outstanding"], after["principal_prepaid"]) == ("64151.39", "20000.00")
    assert after["installments"][3]["unpaid"] == "6773.24"
    assert len(closing["installments"]) == 3
    assert closing["installments"][2]["interest"] == "761.50"
    assert closing["total_due"] == str(D("64151.39") + D("761.50"))


def test_a_prepayment_of_everything_not_yet_due_is_an_error() -> None:
    scenario = json.loads((EXAMPLE.parent / "simulate-prepay.json").read_text())
    scenario["events"][2]["amount"] = "90000"
    result = runner.invoke(app, ["simulate", "-"], input=json.dumps(scenario))
    assert result.exit_code == 2
    assert "foreclose" in result.output


def test_states_carry_the_asset_class_and_category() -> None:
    """The late-payer example on 31 Mar is 17 days past due: SMA-0. Observed on 15 Jul with no
    more payments, 2026-03-15 to 2026-07-15 is 122 days + 1 = 123 DPD: NPA since day 91
    (13 Jun), sub-standard."""
    scenario = json.loads(EXAMPLE.read_text())
    scenario["events"] = scenario["events"][:4]
    scenario["observe"] = ["2026-03-31", "2026-07-15"]
    result = runner.invoke(app, ["simulate", "-", "--format", "json"], input=json.dumps(scenario))
    assert result.exit_code == 0, result.output
    march, july = json.loads(result.stdout)
    assert (march["dpd"], march["asset_class"], march["npa_since"]) == (17, "SMA-0", None)
    assert (july["dpd"], july["asset_class"], july["npa_since"], july["asset_category"]) == (
        123,
        "NPA",
        "2026-06-13",
        "substandard",
    )


def test_penal_charges_and_accrued_interest() -> None:
    """Installment 2 (8,884.88, due 15 Mar) unpaid: overdue at the day-ends of 15-31 March, 17
    days, so March's penal charge at 24 % a year is 17 x 8,884.88 x 24 / 36,500 = 99.32, GST
    17.88 (117.20 owed from 31 Mar). Accrued on 31 Mar: installment 3's 841.51 for 16 of its
    31 days = 434.33."""
    scenario = {
        "terms": json.loads(EXAMPLE.read_text())["terms"],
        "events": [{"type": "pay", "date": "2026-02-15", "amount": "8884.88", "reference": "N1"}],
        "penal": {"rate": "24", "tax": "18"},
        "observe": ["2026-03-31"],
    }
    result = runner.invoke(app, ["simulate", "-", "--format", "json"], input=json.dumps(scenario))
    assert result.exit_code == 0, result.output
    (state,) = json.loads(result.stdout)
    expected = (D(17) * D("8884.88") * 24 / 36500).quantize(D("0.01"))
    assert expected == D("99.32")
    assert (state["penal_due"], state["accrued_interest"]) == ("117.20", "434.33")


def test_an_npa_stays_npa_until_all_its_arrears_are_paid() -> None:
    """The late payer pays only its first EMI: 123 DPD on 15 Jul, NPA since 13 Jun (day 91).
    30,000 on 20 Jul pays the interest of installments 2-6 and principal oldest first, up to
    part of installment 5 (due 15 Jun): 20 Jul - 15 Jun + 1 = 36 DPD, SMA-1 on that day's DPD
    alone, but arrears remain, so it stays NPA (IRACP). The rest of the arrears, 5 x 8,884.88
    - 30,000 = 14,424.40, paid on 25 Jul: nothing overdue, upgraded to standard."""
    scenario = {
        "terms": BASE["terms"],
        "events": [
            {"type": "pay", "date": "2026-02-15", "amount": "8884.88", "reference": "N1"},
            {"type": "pay", "date": "2026-07-20", "amount": "30000", "reference": "P1"},
            {"type": "pay", "date": "2026-07-25", "amount": "14424.40", "reference": "P2"},
        ],
        "observe": ["2026-07-15", "2026-07-20", "2026-07-24", "2026-07-25"],
    }
    result = runner.invoke(app, ["simulate", "-", "--format", "json"], input=json.dumps(scenario))
    assert result.exit_code == 0, result.output
    assert [
        (s["as_of"], s["dpd"], s["total_due"], s["asset_class"], s["npa_since"])
        for s in json.loads(result.stdout)
    ] == [
        ("2026-07-15", 123, "44424.40", "NPA", "2026-06-13"),
        ("2026-07-20", 36, "14424.40", "NPA", "2026-06-13"),
        ("2026-07-24", 40, "14424.40", "NPA", "2026-06-13"),
        ("2026-07-25", 0, "0.00", "STD", None),
    ]
    table = runner.invoke(app, ["simulate", "-"], input=json.dumps(scenario))
    assert "DPD 36 (NPA)" in table.stdout


def test_a_restructure_for_stress_re_ages_the_loan_and_holds_it_npa() -> None:
    """examples/simulate-restructure.json: two installments unpaid (46 DPD on 19 Apr), the
    arrears capitalised on 20 Apr over 18 installments (the figures of
    tests/unit/test_live_loan_changes.py): current, yet NPA from the day; 5 May's new
    installment paid (4,786.08 + 849.93), still NPA through the specified period (to 5 May
    2027). The same with a relief scheme: a standard loan stays standard."""
    example = EXAMPLE.parent / "simulate-restructure.json"
    result = runner.invoke(app, ["simulate", str(example), "--format", "json"])
    assert result.exit_code == 0, result.output
    states = json.loads(result.stdout)
    assert [(s["dpd"], s["asset_class"], s["npa_since"], s["principal_outstanding"])
            for s in states] == [
        (46, "SMA-1", None, "92115.12"),
        (0, "NPA", "2026-04-20", "93877.78"),
        (0, "NPA", "2026-04-20", "89091.70"),
    ]  # fmt: skip
    scenario = json.loads(example.read_text())
    scenario["events"][1]["reason"] = "relief_scheme"
    result = runner.invoke(app, ["simulate", "-", "--format", "json"], input=json.dumps(scenario))
    assert [s["asset_class"] for s in json.loads(result.stdout)] == ["SMA-1", "STD", "STD"]
    scenario["events"][1]["emi"] = "5000"
    result = runner.invoke(app, ["simulate", "-"], input=json.dumps(scenario))
    assert result.exit_code == 2 and "installments or emi, not both" in result.output


def test_a_capitalising_moratorium_grows_the_balance_on_each_deferred_due_date() -> None:
    """examples/simulate-moratorium.json: 841.51, 849.93 and 858.43 capitalised (1 % a month
    on 84,151.39 growing); 10 installments of 9,154.10 from 5 Jul; never overdue meanwhile."""
    example = EXAMPLE.parent / "simulate-moratorium.json"
    result = runner.invoke(app, ["simulate", str(example), "--format", "json"])
    assert result.exit_code == 0, result.output
    june, july = json.loads(result.stdout)
    assert (june["dpd"], june["principal_outstanding"], len(june["installments"])) == (
        0, "86701.26", 15)  # fmt: skip
    assert [i["interest"] for i in june["installments"][2:5]] == ["841.51", "849.93", "858.43"]
    assert (july["dpd"], july["installments"][5]["unpaid"]) == (1, "9154.10")


def test_interest_on_the_actual_balance_moves_the_installment_on_its_due_date() -> None:
    """examples/simulate-actual-balance.json: 9,644.08 overdue 10 days (12 % x 10 / 365:
    31.7065) and 10,661.85 held 9 days (31.5476 less): the third installment's interest rises
    by 0.1589, rounded once to 0.16, on its due date; before it, the schedule's 1,028.52."""
    example = EXAMPLE.parent / "simulate-actual-balance.json"
    result = runner.invoke(app, ["simulate", str(example), "--format", "json"])
    assert result.exit_code == 0, result.output
    before, on = json.loads(result.stdout)
    third = [
        (i["principal"], i["interest"], i["unpaid"]) for i in (before, on)[1]["installments"][2:3]
    ]
    assert before["installments"][2]["interest"] == "1028.52" and before["excess"] == "10661.85"
    assert third == [("9633.17", "1028.68", "0.00")]
    assert (on["excess"], on["dpd"], on["principal_outstanding"]) == ("0.00", 0, "91283.91")


def _simulated(name: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["simulate", str(EXAMPLE.parent / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    states: list[dict[str, object]] = json.loads(result.stdout)
    return states


def test_a_construction_loan_pays_pre_emi_until_its_last_tranche() -> None:
    """examples/simulate-construction.json: 20,00,000 of 50,00,000 paid out at 9 %: 15,000 a
    month of interest; 15,00,000 more on 20 Mar (April's 15,000 + 15,00,000 x 0.75 % x 16/31 =
    20,806.45, then 26,250); the last 15,00,000 on 20 Jun: the EMI of 50,00,000 over 120
    months (63,337.89) from 5 Jul, whose installment carries June's 26,250 + 15,00,000 x
    0.75 % x 15/30 = 31,875 (so 125 installments, the last on 5 Jun 2036)."""
    april, june = _simulated("simulate-construction.json")
    assert (april["principal_outstanding"], april["dpd"]) == ("3500000.00", 0)
    assert [i["interest"] for i in april["installments"][2:4]] == ["20806.45", "26250.00"]
    assert {i["principal"] for i in april["installments"][:-1]} == {"0.00"}
    running, next_one = june["installments"][5:7]
    assert (running["principal"], running["interest"]) == ("25837.89", "31875.00")
    assert D(next_one["principal"]) + D(next_one["interest"]) == D("63337.89")
    assert (len(june["installments"]), june["installments"][-1]["due_date"]) == (125, "2036-06-05")


def test_arrears_moved_to_the_end_bring_the_loan_current() -> None:
    """examples/simulate-reage.json: February's EMI paid, March's and April's not (46 DPD on
    19 Apr); re-aged on 20 Apr: installments 13 and 14 (5 Feb and 5 Mar 2027) carry their
    7,963.73 + 921.15 and 8,043.37 + 841.51; nothing is overdue."""
    before, after = _simulated("simulate-reage.json")
    assert (before["dpd"], before["principal_due"], before["interest_due"]) == (
        46, "16007.10", "1762.66")  # fmt: skip
    assert (after["dpd"], after["principal_due"], after["principal_outstanding"]) == (
        0, "0.00", "92115.12")  # fmt: skip
    moved = [(i["number"], i["due_date"], i["principal"], i["interest"])
             for i in after["installments"][12:]]  # fmt: skip
    assert moved == [
        (13, "2027-02-05", "7963.73", "921.15"),
        (14, "2027-03-05", "8043.37", "841.51"),
    ]


def test_an_advance_emi_is_paid_on_the_disbursement_date() -> None:
    """examples/simulate-advance-emi.json: 5,00,000 less the advance EMI of 16,000.26 is owed
    from the disbursement date, in 35 installments from 10 Feb."""
    paid_out, february = _simulated("simulate-advance-emi.json")
    assert (paid_out["principal_outstanding"], len(paid_out["installments"])) == ("483999.74", 35)
    assert (february["dpd"], february["installments"][0]["unpaid"]) == (0, "0.00")


def _states(name: str) -> list[tuple[str, str, str, str, int, str]]:
    path = EXAMPLE.parent / name
    result = runner.invoke(app, ["simulate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return [(s["as_of"], s["principal_outstanding"], s["principal_due"], s["interest_due"],
             s["dpd"], s["asset_class"]) for s in json.loads(result.stdout)]  # fmt: skip


def test_the_group_meeting_example() -> None:
    """examples/simulate-jlg-meeting.json: 20,800 at a flat 12 % over 52 weeks (448.00: 400 of
    principal, 48 of interest); on 6 Oct the member pays 300 and her group 148 (two receipts),
    nothing on 13 Oct (a day past due that evening), 448 on 20 Oct, which clears the 13th's
    installment and leaves the 20th's unpaid that evening."""
    assert _states("simulate-jlg-meeting.json") == [
        ("2026-10-06", "20400.00", "0.00", "0.00", 0, "STD"),
        ("2026-10-13", "20400.00", "400.00", "48.00", 1, "SMA-0"),
        ("2026-10-20", "20000.00", "400.00", "48.00", 1, "SMA-0"),
    ]


def test_the_co_lent_loan_example() -> None:
    """examples/simulate-colent.json: the co-lent loan at its blended 10.8 % (equal principal,
    10,000 + 900.00 due on 1 Oct), paid 6,000.01 on 10 Oct (interest 900, principal 5,100.01:
    4,899.99 of it still overdue, ten days) and the rest on 20 Oct."""
    assert _states("simulate-colent.json") == [
        ("2026-10-01", "100000.00", "10000.00", "900.00", 1, "SMA-0"),
        ("2026-10-10", "94899.99", "4899.99", "0.00", 10, "SMA-0"),
        ("2026-10-20", "90000.00", "0.00", "0.00", 0, "STD"),
    ]
