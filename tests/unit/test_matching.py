"""Matching bank credits to loans: each rule, its confidence, and ambiguity never guessed."""

from datetime import date
from decimal import Decimal as D

from lms.core.matching import Candidate, Credit, Match, MatchIndex, match, squeeze

DAY = date(2026, 11, 26)
LOANS = [
    Candidate(1, "PL-2026-000123", "Ravi Kumar", D("8884.88"), D("8884.88"), "LMSVA0000000001"),
    Candidate(
        2,
        "PL-2026-000124",
        "Sunita Devi",
        D("5000.00"),
        D(0),
        "LMSVA0000000002",
        ("50100012345678",),
    ),
    Candidate(3, "PL-2026-000125", "Ravi Kumar", D("12000.00"), D("24000.00")),
    Candidate(4, "HL-77", "Asha Rao", D("5000.00"), D(0), "", ("50100012345678",)),
]
INDEX = MatchIndex.build(LOANS, references={"UPI-REQ-9": 3})


def _credit(amount: str = "1000.00", **kw: str) -> Credit:
    return Credit(D(amount), DAY, kw.pop("reference", "UTR0001"), **kw)


def test_a_virtual_account_names_its_loan() -> None:
    credit = _credit(virtual_account="lmsva0000000002", narration="PL-2026-000123")
    assert match(credit, INDEX) == Match(2, "virtual_account", 100)  # beats the narration


def test_a_reference_the_lender_issued() -> None:
    assert match(_credit(reference="upi-req-9"), INDEX) == Match(3, "reference", 100)
    in_words = _credit(narration="UPI/633012345678/U261126000000003/PAYMENT")
    index = MatchIndex.build(LOANS, references={"U261126000000003": 3})
    assert match(in_words, index) == Match(3, "reference", 100)


def test_the_loan_number_in_the_narration_however_typed() -> None:
    for narration in ("EMI PL-2026-000124 NOV", "emi pl2026000124", "NEFT PL 2026 000124/RAVI"):
        assert match(_credit(narration=narration), INDEX) == Match(2, "loan_number", 95)
    assert match(_credit(narration="EMI FOR HL-77"), INDEX) == Match(4, "loan_number", 95)


def test_two_loan_numbers_in_one_narration_match_neither() -> None:
    credit = _credit(narration="PL-2026-000123 AND PL-2026-000125")
    assert match(credit, INDEX).rule == "none"


def test_a_payer_who_paid_before_and_the_amount() -> None:
    """Account 50100012345678 paid loans 2 and 4 before, both with an EMI of 5,000: ambiguous,
    no match; in a book without loan 4 it names loan 2."""
    both = _credit("5000.00", payer_account="50100012345678")
    assert match(both, INDEX).rule == "none"
    index = MatchIndex.build(LOANS[:2])
    assert match(both, index) == Match(2, "payer_and_amount", 85)


def test_a_name_and_an_amount() -> None:
    """Two loans of Ravi Kumar: the amount tells them apart (24,000 is what loan 3 owes)."""
    credit = _credit("24000.00", narration="BY TRANSFER RAVI KUMAR")
    assert match(credit, INDEX) == Match(3, "name_and_amount", 70)
    by_payer = _credit("8884.88", payer_name="ravi  kumar")
    assert match(by_payer, INDEX) == Match(1, "name_and_amount", 70)
    assert match(_credit("7000.00", payer_name="Ravi Kumar"), INDEX).rule == "none"


def test_nothing_known() -> None:
    assert not match(_credit(narration="SALARY NOV"), INDEX).found


def test_squeeze() -> None:
    assert squeeze(" pl-2026/000123 ") == "PL2026000123"
