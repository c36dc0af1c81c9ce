"""The microfinance and commercial files' writers (lms.bureau.mfi, lms.bureau.msme): one
member's and one facility's lines spelled out by hand, field by field from the layout in
docs/bureau-formats.md, and the reasons a record is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from lms.bureau import mfi, msme
from lms.bureau.tudf import Address, Member

DAY = date(2026, 10, 15)
HOME = Address("4, Gandhi Nagar,Hadapsar, Pune", "27", "411028", "current")
SITA = mfi.Borrower(
    member_id="17", branch="PUN01", centre="C-1", group="3", name="Sita Devi", birth=date(1990, 10, 16),
    gender="F", key_person="Ramu", pan=None, phone="+91 98220 11111", monthly_income=D("12500"),
    group_leader=False, addresses=(HOME,),
)  # fmt: skip
LOAN = mfi.Loan(
    reference="41", number="JLG-41", branch="PUN01", centre="C-1", group="3", officer="fo-1",
    category="member_of_group", cycle=2, status="delinquent", opened=date(2026, 9, 29),
    closed=None, last_paid=date(2026, 10, 6), sanctioned=D("20800"), disbursed=D("20800"),
    installments=52, frequency="weekly", installment=D("448.00"), balance=D("20448.49"),
    overdue=D("448.50"), dpd=3, written_off=None, written_off_on=None, meetings=2, absences=1,
    meeting_day=1, meeting_time="08:30",
)  # fmt: skip


def test_a_member_is_her_segments_field_by_field() -> None:
    member, address, account = mfi.member_lines(SITA, [LOAN], DAY)
    # 28 fields: the name in first / middle / last (no middle); 35, her 36th birthday tomorrow
    assert member == (
        "CNSCRD|17|PUN01|C-1|3|SITA||DEVI||16101990|35|15102026|F||RAMU|K15|||||||P03|"
        "9822011111|12500|N||"
    )
    assert address == (
        "ADRCRD|4, GANDHI NAGAR, HADAPSAR, PUNE|MH|411028|4, GANDHI NAGAR, HADAPSAR, PUNE|MH|411028"
    )
    # 36 fields; amounts rounded half up to the rupee (20,448.49 to 20448, 448.50 to 449)
    assert account == (
        "ACTCRD|41|JLG-41|PUN01|C-1|fo-1|15102026|T02|3|2||S05||29092026|29092026||06102026|"
        "20800|20800|20800|52|F01|448|20448|449|3||||2|1||||TUE|08:30"
    )
    assert [len(x.split("|")) for x in (member, address, account)] == [28, 7, 36]


def test_the_header_and_trailer_hold_their_places() -> None:
    text = mfi.data_file("MFI0000123", date(2026, 10, 16), DAY, mfi.member_lines(SITA, [LOAN], DAY))
    lines = text.split("\n")
    assert lines[0] == "HDR" + "MFI0000123    " + " " * 14 + "16102026" + "15102026" + " " * 53
    assert lines[-2] == "TRL" + "0000000001" + "0000000001" + " " * 77
    assert len(lines) == 6 and lines[-1] == ""


def test_what_the_microfinance_file_refuses() -> None:
    nobody = mfi.Borrower(
        member_id="18", branch="PUN01", centre=None, group=None, name="R2 D2", birth=None,
        gender=None, key_person=None, pan="ABC", phone="12345", monthly_income=None,
        group_leader=False, addresses=(Address("Somewhere", "37", "411000"),),
    )  # fmt: skip
    assert mfi.member_problems(nobody, DAY) == [
        "name: holds digits or characters the bureaus refuse",
        "date_of_birth: required in the microfinance format",
        "gender: required (F, M or T)",
        "pan: must be 5 letters, 4 digits and a letter",
        "address: none with text, a known state and a PIN code",
    ]
    future = replace(LOAN, opened=date(2026, 10, 16), closed=DAY, balance=D(-1))
    assert mfi.account_problems(future, DAY) == [
        "date opened: after the reporting date",
        "balance: must be 0 to 999999999 rupees",
    ]


def test_a_facility_is_its_borrower_address_and_credit_lines() -> None:
    firm = msme.Business("PUN01", "Rane Castings Private Limited", "AAACR1234K",
                         (Address("Plot 7, MIDC Bhosari, Pune", "27", "411026", "office"),),
                         "020 2712 0000")  # fmt: skip
    loan = msme.Facility(
        number="PL-1", credit_type="51", opened=date(2026, 9, 26), sanctioned=D("100000"),
        tenure=12, frequency="monthly", balance=D("101921.15"), closed=None, dpd=36,
        asset_class="SMA", overdue=D("17769.76"), installment=D("8884.88"), last_paid=None,
        status=None, written_off=None, settled=None, suit_filed=False,
    )  # fmt: skip
    assert msme.problems(firm, loan, DAY) == []
    assert msme.facility_lines(firm, loan) == [
        "BS|PUN01|RANE CASTINGS PRIVATE LIMITED|RANE CASTINGS PRIVAT|AAACR1234K|20",
        "AS|PLOT 7, MIDC BHOSARI, PUNE|||MH|411026|IN|02027120000",
        "CR|PL-1|26092026|100000|INR|51|12|M|101921||036|SMA|17770|8885|||||N",
    ]
    text = msme.data_file(Member("CM00001234", "Test"), DAY, DAY, ["BS|x", "AS|x", "CR|x"])
    assert text == "HD|CM00001234|Test|15102026|15102026|01\nBS|x\nAS|x\nCR|x\nTS|1|1\n"
    person = msme.Business("PUN01", "Ravi", "ABCPK1234", (), None)
    assert msme.problems(person, loan, DAY) == [
        "pan: a business's PAN (5 letters, the fourth its status, 4 digits, a letter)",
        "address: none with text, a known state and a PIN code",
    ]
