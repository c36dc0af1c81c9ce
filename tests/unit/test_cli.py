"""The `lms schedule` command: output formats, exact figures, and clear errors with exit code 2."""

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lms.interfaces.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()

PERSONAL_LOAN = {
    "principal": "100000",
    "annual_rate": 12,
    "disbursement_date": "2026-01-15",
    "installments": 12,
}


def run(spec: object, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["schedule", "-", *args], input=json.dumps(spec))
    return result.exit_code, result.stdout, result.stderr


def test_json_output_lists_installments_and_figures() -> None:
    code, out, _ = run(PERSONAL_LOAN, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["emi"] == "8884.88"
    assert doc["installments"][0] == {
        "number": 1,
        "due_date": "2026-02-15",
        "principal": "7884.88",
        "interest": "1000.00",
        "total": "8884.88",
        "balance": "92115.12",
    }
    assert doc["installments"][-1] == {
        "number": 12,
        "due_date": "2027-01-15",
        "principal": "8796.88",
        "interest": "87.97",
        "total": "8884.85",
        "balance": "0.00",
    }
    assert (doc["total_interest"], doc["total_payable"]) == ("6618.53", "106618.53")
    assert (doc["net_disbursed"], doc["apr"], doc["bpi"]) == ("100000.00", "12.00", "0.00")


def test_csv_output() -> None:
    code, out, _ = run(PERSONAL_LOAN, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["number", "due_date", "principal", "interest", "total", "balance"]
    assert rows[2] == ["2", "2026-03-15", "7963.73", "921.15", "8884.88", "84151.39"]
    assert len(rows) == 13


def test_table_output_is_the_default() -> None:
    code, out, _ = run(PERSONAL_LOAN)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "#",
        "Due",
        "date",
        "Principal",
        "Interest",
        "Installment",
        "Balance",
    ]
    assert lines[2].split() == ["1", "2026-02-15", "7884.88", "1000.00", "8884.88", "92115.12"]
    assert "APR (%)                  12.00" in out


def test_json_numbers_are_read_exactly() -> None:
    spec = {**PERSONAL_LOAN, "principal": 100000.10, "annual_rate": 10.1}
    code, out, _ = run(spec, "--format", "json")
    assert code == 0
    assert json.loads(out)["installments"][0]["interest"] == "841.67"  # 100000.10 x 10.1 % / 12


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"principal": "-5"}, "error: principal: Input should be greater than 0"),
        ({"colour": "red"}, "error: colour: unknown field"),
        ({"method": "rule78"}, "error: method: Input should be 'emi', 'equal_principal'"),
        (
            {"disbursement_date": "2026-02-30"},
            "error: disbursement_date: Input should be a valid date",
        ),
        ({"due_day": 32}, "error: due_day"),
        ({"moratorium": {"periods": 12}}, "error: moratorium.periods: must leave at least one"),
        (
            {"rounding": {"step": "0"}},
            "error: rounding.step: Value error, must be greater than zero",
        ),
        ({"day_count": "act/999"}, "error: day_count: Value error, unknown"),
        ({"fixed_installment": "9000"}, "error: fixed_installment: give either installments or"),
        ({"step": {"every": 3}}, "error: step: give exactly one of percent or amount"),
        ({"holidays": {"country": "ZZ"}}, "error: holidays: Country ZZ not available"),
        (
            {"moratorium": {"periods": 2, "type": "principal", "interest": "waived"}},
            "error: moratorium.interest: a principal-only moratorium collects interest",
        ),
        (
            {"first_due_date": "2026-01-01"},
            "error: first_due_date: must be after disbursement_date",
        ),
        ({"frequency": "weekly", "due_day": 5}, "error: due_day: applies to monthly, quarterly"),
        ({"principal": "1e400"}, "error: principal: Input should be less than or equal to"),
        ({"installments": "12"}, "error: installments: Input should be a valid integer"),
        ({"installments": True}, "error: installments: Input should be a valid integer"),
        ({"holidays": {"subdiv": "MH"}}, "error: holidays: Value error, subdiv (a state) needs"),
        ({"fees": [{"amount": "x"}]}, "error: fees[0].amount: Input should be a valid decimal"),
        ({"fees": [{"percent": "90", "tax": "18"}]}, "error: fees: upfront fees and their tax"),
        ({"precision": 0}, "error: precision: Value error, must be greater than zero"),
        (
            {"disbursement_date": "2026-01-15T00:00:00"},
            "error: disbursement_date: Value error, must be a date",
        ),
        (
            {"holidays": {"dates": [1771113600]}},
            "error: holidays.dates[0]: Value error, must be a date",
        ),
        ({"apr_includes_tax": "yes"}, "error: apr_includes_tax: Input should be a valid boolean"),
        (
            {"due_day": 5, "first_due_date": "2026-02-06"},
            "error: first_due_date: must fall on the due_day",
        ),
    ],
)
def test_bad_input_names_the_field_and_exits_2(change: dict[str, object], message: str) -> None:
    code, out, err = run({**PERSONAL_LOAN, **change})
    assert code == 2
    assert out == ""
    assert message in err


def test_fee_lines_are_listed_with_payee_and_tax() -> None:
    spec = {
        **PERSONAL_LOAN,
        "due_day": "LAST",
        "fees": [
            {"name": "processing", "percent": "2", "tax": "18"},
            {"name": "insurance", "amount": "1500", "payee": "third_party"},
        ],
    }
    code, out, _ = run(spec, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["fees"] == [
        {"name": "processing", "payee": "lender", "amount": "2000.00", "tax": "360.00"},
        {"name": "insurance", "payee": "third_party", "amount": "1500.00", "tax": "0.00"},
    ]
    assert (doc["upfront_fees"], doc["net_disbursed"]) == ("3860.00", "96140.00")
    assert doc["installments"][0]["due_date"] == "2026-02-28"  # due_day "LAST": month end


def test_several_problems_are_all_reported() -> None:
    code, _, err = run({"principal": 0, "annual_rate": -1, "disbursement_date": "x"})
    assert code == 2
    assert [line.split(":")[1].strip() for line in err.splitlines()] == [
        "principal",
        "annual_rate",
        "disbursement_date",
    ]


def test_a_byte_order_mark_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(PERSONAL_LOAN).encode()
    result = runner.invoke(app, ["schedule", "-", "--format", "json"], input=raw)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["emi"] == "8884.88"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"principal": "100\xff"}', "error: (file): not UTF-8 text"),
        (
            b'{"principal": ' + b"9" * 5000 + b"}",
            "error: (file): not usable JSON: Exceeds the limit",
        ),
        (b"[" * 100000 + b"]" * 100000, "error: (file): not usable JSON: maximum recursion depth"),
        (b"[1, 2]", "error: (file): must be a JSON object of loan terms"),
    ],
)
def test_unusable_input_is_an_error_not_a_traceback(raw: bytes, message: str) -> None:
    result = runner.invoke(app, ["schedule", "-"], input=raw)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert "error: SPEC: cannot read" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    result = runner.invoke(app, ["schedule", str(bad)])
    assert result.exit_code == 2
    assert "error: (file): not valid JSON" in result.stderr


def test_the_home_loan_example_runs_with_indian_holidays() -> None:
    result = runner.invoke(app, ["schedule", str(EXAMPLES / "home-loan.json"), "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["emi"] == "22093"  # rounded up to the rupee
    # 2,500,000 x 8.75 % x 23 days (2026-11-12 to 2026-12-05) / 365, deducted upfront
    assert doc["bpi"] == "13784.25"
    # fees: 0.5 % processing (12,500) + 18 % GST (2,250) + stamp duty 500
    assert doc["upfront_fees"] == "15250.00"
    assert doc["net_disbursed"] == "2470965.75"
    assert len(doc["installments"]) == 240
    # 2027-09-05 is a Sunday: the installment moves to Monday 2027-09-06 (rule: following)
    assert doc["installments"][8]["due_date"] == "2027-09-06"


def test_the_vehicle_example_keeps_an_advance_emi_back() -> None:
    """examples/vehicle-advance-emi.json: the EMI of 5,00,000 at 10 % over 36 months paid one
    month ahead, 16,133.59 / (1 + 10 % / 12) = 16,000.26, kept back with the fee and its GST;
    35 installments from 10 Feb. Without an advance, no such figure is printed."""
    path = str(EXAMPLES / "vehicle-advance-emi.json")
    doc = json.loads(runner.invoke(app, ["schedule", path, "--format", "json"]).stdout)
    assert (doc["emi"], doc["advance"], doc["net_disbursed"]) == (
        "16000.26", "16000.26", "478099.74")  # fmt: skip
    assert (len(doc["installments"]), doc["installments"][0]["due_date"]) == (35, "2026-02-10")
    table = runner.invoke(app, ["schedule", path]).stdout
    assert "Advance EMIs (kept back)  16000.26" in table
    plain = runner.invoke(app, ["schedule", str(EXAMPLES / "home-loan.json")]).stdout
    assert "Advance" not in plain
