"""The consumer data file's writer (lms.bureau.tudf): one record spelled out by hand, character
by character, from the format's rule (two-digit tag, two-digit length, value), and the
reasons a record is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from lms.bureau import tudf

MEMBER = tudf.Member("NB12340001", "Test Lender")
HOME = tudf.Address("12, MG Road, Camp, Pune", "27", "411001", "current")
ASHA = tudf.Consumer(
    name="Asha Patil", birth=date(1990, 4, 12), gender="F", ids=(("pan", "ABCPP1234K"),),
    phones=(("+91 98765 43210", "mobile"),), emails=("asha@example.in",), addresses=(HOME,),
)  # fmt: skip
LOAN = tudf.Account(
    number="PL-1", account_type="05", ownership="1", opened=date(2026, 9, 26),
    last_paid=date(2026, 11, 26), closed=None, sanctioned=D("100000"), balance=D("84151.50"),
    overdue=D("0"), dpd=0, asset_class="STD", status=None, suit_filed=False, rate=D("12"),
    tenure=12, emi=D("8884.88"), frequency="monthly",
)  # fmt: skip


def test_a_record_is_each_segment_and_field_as_the_format_spells_it() -> None:
    expected = (
        "PN03N01" + "0110ASHA PATIL" + "070812041990" + "08011"
        + "ID03I01" + "010201" + "0210ABCPP1234K"
        + "PT03T01" + "0112919876543210" + "030201"
        + "EC03C01" + "0115asha@example.in"
        + "PA03A01" + "012312, MG Road, Camp, Pune" + "060227" + "0706411001" + "080202"
        + "TL04T001" + "0110NB12340001" + "0211Test Lender" + "0304PL-1" + "040205"
        + "05011" + "080826092026" + "090826112026" + "110830112026" + "1206100000"
        + "130584152" + "1503000" + "260201" + "380512.00" + "390212" + "40048885"
        + "440203"
        + "ES02**"
    )  # fmt: skip
    # the EMI: tag 40, length 04, 8885 (8,884.88 rounded to the rupee); the phone's digits
    # with the country code (12 of them); the balance 84,151.50 rounded half up
    assert tudf.record(MEMBER, ASHA, LOAN, date(2026, 11, 30)) == expected


def test_the_header_holds_each_field_at_its_place() -> None:
    text = tudf.header(MEMBER, date(2026, 11, 30))
    assert len(text) == 146
    assert text[0:6] == "TUDF12" and text[6:36] == "NB12340001" + " " * 20
    assert text[36:52] == "Test Lender     " and text[54:62] == "30112026"
    assert text[92:98] == "L00000" and text[98:] == " " * 48
    whole = tudf.data_file(MEMBER, date(2026, 11, 30), ["A", "B"])
    assert whole == text + "AB" + "TRLR"


def test_names_and_addresses_break_between_words_and_amounts_round_half_up() -> None:
    long_name = "Venkata Lakshmi Narasimha Subrahmanya Sastry Ramachandran"
    assert tudf.name_parts(long_name) == [
        "VENKATA LAKSHMI NARASIMHA", "SUBRAHMANYA SASTRY", "RAMACHANDRAN",
    ]  # fmt: skip
    assert all(len(p) <= 26 for p in tudf.name_parts(long_name))
    lines = tudf.address_lines(
        "Flat 402, Sai Krupa Apartments, 14th Cross Road, Near Shiv Mandir, Koramangala 5th Block"
    )
    assert lines == ["Flat 402, Sai Krupa Apartments, 14th", "Cross Road, Near Shiv Mandir,",
                     "Koramangala 5th Block"]  # fmt: skip
    assert [tudf.rupees(D(v)) for v in ("0.49", "0.50", "1.50", "2.50", "84151.39")] == [
        "0", "1", "2", "3", "84151",
    ]  # fmt: skip


def test_the_reasons_a_record_is_refused() -> None:
    day = date(2026, 11, 30)
    nobody = tudf.Consumer("Ravi 2", None, None, (("pan", "ABC123"),), (), (),
                           (tudf.Address("1 Road", None, "411001"),
                            tudf.Address("2 Road", "07", "411000"),
                            tudf.Address("3 Road", "07", "911001")))  # fmt: skip
    assert tudf.consumer_problems(nobody, day) == [
        "name: holds digits or characters the bureaus refuse",
        "pan: must be 5 letters, 4 digits and a letter",
        "identity: neither an identity number (PAN ...) nor a phone number",
        "address: PIN '411000': not a PIN code (6 digits, not ending 000); an APO address (state 99) and only"
        " it has a PIN from 900000; no state code",
    ]
    firm = tudf.Consumer("Asha Enterprises", None, None, (), (), (), (HOME,), entity=True)
    assert tudf.consumer_problems(firm, day) == [
        "borrower: an entity, reported in the commercial (MSME) format, not this one"
    ]
    assert tudf.consumer_problems(ASHA, day) == []
    wrong = tudf.Account(**{**_fields(LOAN), "account_type": "99", "closed": day,
                            "last_paid": date(2026, 9, 1), "overdue": D("-1")})  # fmt: skip
    assert tudf.account_problems(wrong, day) == [
        "account type '99': not a bureau account type",
        "date of last payment: before the date opened",
        "date closed: the account still has a balance",
        "overdue: must be 0 to 999999999 rupees",
    ]


def _fields(account: tudf.Account) -> dict[str, object]:
    return {name: getattr(account, name) for name in tudf.Account.__slots__}
