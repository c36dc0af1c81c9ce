"""Asset classification (IRACP): facility classes at the thresholds, the borrower-level NPA
rule, upgrades only when nothing is overdue, and NPA ageing. Dates and DPD are worked by hand."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core.classification import (
    AssetCategory,
    AssetClass,
    Facility,
    Stamp,
    classify,
    classify_history,
    classify_loan_history,
    facility_class,
    npa_category,
)

DAY = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("dpd", "expected"),
    [
        (0, AssetClass.STANDARD),
        (1, AssetClass.SMA0),
        (30, AssetClass.SMA0),
        (31, AssetClass.SMA1),
        (60, AssetClass.SMA1),
        (61, AssetClass.SMA2),
        (90, AssetClass.SMA2),
        (91, AssetClass.NPA),
    ],
)
def test_facility_classes_at_the_thresholds(dpd: int, expected: AssetClass) -> None:
    assert facility_class(dpd) is expected


def test_one_npa_facility_makes_all_the_borrowers_facilities_npa_the_same_day() -> None:
    """Borrower 7 has three loans: 91, 10 and 0 days past due; borrower 8 one loan at 45."""
    stamps = classify(
        [
            Facility(1, 7, 91, None),
            Facility(2, 7, 10, None),
            Facility(3, 7, 0, None),
            Facility(4, 8, 45, None),
        ],
        DAY,
    )
    assert {k: (s.asset_class, s.npa_since) for k, s in stamps.items()} == {
        1: (AssetClass.NPA, DAY),
        2: (AssetClass.NPA, DAY),
        3: (AssetClass.NPA, DAY),
        4: (AssetClass.SMA1, None),
    }
    assert stamps[3].category is AssetCategory.SUBSTANDARD


def test_an_npa_stays_until_every_arrear_of_every_facility_is_paid() -> None:
    since = date(2026, 5, 1)
    # loan 1's arrears paid, but loan 2 still 5 days overdue (a partial payment did not
    # clear its oldest due): all stay NPA from the same date
    partly = classify([Facility(1, 7, 0, since), Facility(2, 7, 5, since)], DAY)
    assert {s.asset_class for s in partly.values()} == {AssetClass.NPA}
    assert {s.npa_since for s in partly.values()} == {since}
    cleared = classify([Facility(1, 7, 0, since), Facility(2, 7, 0, since)], DAY)
    assert {(s.asset_class, s.npa_since) for s in cleared.values()} == {(AssetClass.STANDARD, None)}


def test_a_first_close_dates_an_npa_from_the_day_it_passed_90_days() -> None:
    """120 days past due on 30 Jun: day 91 was 1 Jun (30 Jun less 29 days)."""
    stamps = classify([Facility(1, 7, 120, None), Facility(2, 7, 95, None)], DAY)
    assert {s.npa_since for s in stamps.values()} == {date(2026, 6, 1)}


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (date(2025, 7, 1), AssetCategory.SUBSTANDARD),  # 11 months 29 days
        (date(2025, 6, 30), AssetCategory.D1),  # 12 months
        (date(2024, 7, 1), AssetCategory.D1),  # 23 months 29 days
        (date(2024, 6, 30), AssetCategory.D2),  # 2 years: doubtful for 1 year
        (date(2022, 7, 1), AssetCategory.D2),  # doubtful for 2 years 11 months
        (date(2022, 6, 30), AssetCategory.D3),  # doubtful for 3 years
    ],
)
def test_npa_ageing(since: date, expected: AssetCategory) -> None:
    assert npa_category(since, DAY) is expected


def test_a_history_keeps_an_npa_until_nothing_is_overdue() -> None:
    """One loan, by hand: 90 DPD on 29 Jun (SMA-2), 91 on 30 Jun (NPA from that day); a
    partial payment on 1 Jul leaves 20 days overdue (SMA-0 on that day's DPD alone, but still
    NPA from 30 Jun); 21 on 2 Jul (NPA); all paid on 3 Jul (standard); 1 on 4 Jul (SMA-0: the
    NPA memory is gone)."""
    days = [date(2026, 6, 29) + timedelta(days=n) for n in range(6)]
    history = dict(classify_loan_history(zip(days, (90, 91, 20, 21, 0, 1), strict=True)))
    npa = date(2026, 6, 30)
    assert [(s.asset_class, s.npa_since) for s in history.values()] == [
        (AssetClass.SMA2, None),
        (AssetClass.NPA, npa),
        (AssetClass.NPA, npa),
        (AssetClass.NPA, npa),
        (AssetClass.STANDARD, None),
        (AssetClass.SMA0, None),
    ]


def test_a_borrowers_history_carries_its_npa_across_facilities() -> None:
    """Borrower 7: loan 1 goes NPA on 30 Jun (91 DPD), loan 2 only 3 days overdue goes with
    it; on 1 Jul loan 1 is paid up but loan 2 is 4 days overdue: both stay NPA from 30 Jun;
    on 2 Jul both are paid up: both standard. Borrower 8's loan 3 starts NPA (given)."""
    given = {3: date(2026, 1, 1)}
    history = dict(
        classify_history(
            [
                (DAY, [(1, 7, 91), (2, 7, 3), (3, 8, 200)]),
                (date(2026, 7, 1), [(1, 7, 0), (2, 7, 4), (3, 8, 5)]),
                (date(2026, 7, 2), [(1, 7, 0), (2, 7, 0), (3, 8, 6)]),
            ],
            npa_since=given,
        )
    )
    assert {
        day: {loan: (s.asset_class.value, s.npa_since) for loan, s in stamps.items()}
        for day, stamps in history.items()
    } == {
        DAY: {1: ("NPA", DAY), 2: ("NPA", DAY), 3: ("NPA", date(2026, 1, 1))},
        date(2026, 7, 1): {1: ("NPA", DAY), 2: ("NPA", DAY), 3: ("NPA", date(2026, 1, 1))},
        date(2026, 7, 2): {1: ("STD", None), 2: ("STD", None), 3: ("NPA", date(2026, 1, 1))},
    }


@given(
    loans=st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=90)),
        min_size=1,
        max_size=6,
    ),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_borrower_with_no_npa_has_each_loan_in_its_own_class(
    loans: list[tuple[int, int]], day: date
) -> None:
    """The close stamps borrowers with no loan NPA or past 90 days in one statement, each loan
    the class of its own DPD, standard category, no NPA date: the rule gives exactly that."""
    facilities = [Facility(k, borrower, dpd, None) for k, (borrower, dpd) in enumerate(loans)]
    stamps = classify(facilities, day)
    assert stamps == {
        k: Stamp(facility_class(dpd), None, AssetCategory.STANDARD)
        for k, (_, dpd) in enumerate(loans)
    }
