"""Asset classification under the RBI's IRACP norms, as pure functions of days past due and
dates: SMA-0/1/2 and NPA for one facility, the borrower-level rule, and NPA ageing.

- A facility is standard while nothing is overdue; SMA-0 when overdue up to 30 days, SMA-1 up
  to 60, SMA-2 up to 90; NPA beyond 90 (the thresholds are a setting).
- NPA is borrower-level: when one facility is NPA, all the borrower's facilities are NPA from
  that date; they are upgraded only when nothing is overdue on any of them.
- An NPA ages: sub-standard for 12 months, then doubtful (D1 for its first year, D2 up to three
  years, D3 beyond); loss only when identified as such (not by age).
- A restructure for financial stress makes a standard facility NPA from its day; a facility
  NPA when restructured (or so made) stays NPA through the plan's specified period however
  well it is paid, and is upgraded after it only when nothing is overdue (`Facility.held`).
- Classification has a memory (an NPA stays NPA until nothing is overdue), so a date's class
  depends on the days before it: `classify` stamps one day-end from that day's DPD and the
  day before's NPA dates; `classify_history` folds it over consecutive day-ends. The daily
  close and `lms simulate` both go through `classify`, so they agree.

Guarantee: pure and deterministic (no clock: every date is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class AssetClass(StrEnum):
    STANDARD = "STD"
    SMA0 = "SMA-0"
    SMA1 = "SMA-1"
    SMA2 = "SMA-2"
    NPA = "NPA"


class AssetCategory(StrEnum):
    STANDARD = "standard"
    SUBSTANDARD = "substandard"
    D1 = "doubtful-1"
    D2 = "doubtful-2"
    D3 = "doubtful-3"
    LOSS = "loss"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Days past due above which a facility is SMA-1, SMA-2 and NPA (RBI: 30, 60, 90)."""

    sma1: int = 30
    sma2: int = 60
    npa: int = 90


def facility_class(dpd: int, thresholds: Thresholds = Thresholds()) -> AssetClass:
    """The class of one facility from its days past due."""
    if dpd <= 0:
        return AssetClass.STANDARD
    if dpd > thresholds.npa:
        return AssetClass.NPA
    if dpd > thresholds.sma2:
        return AssetClass.SMA2
    return AssetClass.SMA1 if dpd > thresholds.sma1 else AssetClass.SMA0


@dataclass(frozen=True, slots=True)
class Facility:
    """One loan as the classification sees it at a day-end."""

    loan_id: int
    borrower: int
    dpd: int
    npa_since: date | None  # the day it became NPA, as stamped the day before (None: not NPA)
    held: tuple[date, date] | None = None  # NPA from the first day until before the second


@dataclass(frozen=True, slots=True)
class Stamp:
    """A loan's classification at a day-end."""

    asset_class: AssetClass
    npa_since: date | None
    category: AssetCategory


def classify(
    facilities: Iterable[Facility], day: date, thresholds: Thresholds = Thresholds()
) -> dict[int, Stamp]:
    """Each facility's stamp at the day-end of `day`, borrower by borrower."""
    by_borrower: dict[int, list[Facility]] = {}
    for facility in facilities:
        by_borrower.setdefault(facility.borrower, []).append(facility)
    stamps: dict[int, Stamp] = {}
    for group in by_borrower.values():
        stamps.update(_borrower(group, day, thresholds))
    return stamps


def classify_history(
    days: Iterable[tuple[date, Iterable[tuple[int, int, int]]]],
    thresholds: Thresholds = Thresholds(),
    npa_since: Mapping[int, date | None] | None = None,
    held: Mapping[int, tuple[date, date]] | None = None,
) -> Iterator[tuple[date, dict[int, Stamp]]]:
    """The stamps of consecutive day-ends, each `(day, [(loan_id, borrower, dpd), ...])`: each
    day is classified by `classify` from its DPD and the NPA dates stamped the day before (for
    the first day, `npa_since`, by loan; none if not given) and the restructures' NPA holds
    (`held`, by loan). Give every day: a day left out is a day the NPA memory skips."""
    since: dict[int, date | None] = dict(npa_since or {})
    holds = held or {}
    for day, facilities in days:
        stamps = classify(
            (
                Facility(loan, borrower, dpd, since.get(loan), holds.get(loan))
                for loan, borrower, dpd in facilities
            ),
            day,
            thresholds,
        )
        since = {loan: stamp.npa_since for loan, stamp in stamps.items()}
        yield day, stamps


def classify_loan_history(
    dpd_by_day: Iterable[tuple[date, int]],
    thresholds: Thresholds = Thresholds(),
    held: tuple[date, date] | None = None,
) -> Iterator[tuple[date, Stamp]]:
    """One loan as its borrower's only facility: its stamp at each of consecutive day-ends
    `(day, dpd)` (`classify_history`), NPA through `held` (a restructure's hold) if given."""
    history = classify_history(
        ((day, [(0, 0, dpd)]) for day, dpd in dpd_by_day),
        thresholds,
        held={0: held} if held else None,
    )
    for day, stamps in history:
        yield day, stamps[0]


def _borrower(group: list[Facility], day: date, thresholds: Thresholds) -> Mapping[int, Stamp]:
    own = {f.loan_id: facility_class(f.dpd, thresholds) for f in group}
    was_npa = [f.npa_since for f in group if f.npa_since is not None]
    any_overdue = any(f.dpd > 0 for f in group)
    holding = [f.npa_since or f.held[0] for f in group if f.held and f.held[0] <= day < f.held[1]]
    if holding or (was_npa and any_overdue):  # stays NPA until nothing is overdue anywhere
        since: date | None = min([*was_npa, *holding])
    elif any(c is AssetClass.NPA for c in own.values()):
        # becomes NPA, all facilities with it, from the day the first one went past the NPA
        # threshold (today, closing daily; earlier when a book's first close catches up)
        since = min(
            day - timedelta(days=f.dpd - thresholds.npa - 1)
            for f in group
            if own[f.loan_id] is AssetClass.NPA
        )
    else:
        since = None  # standard or SMA (an NPA with all arrears paid is upgraded)
    return {
        f.loan_id: Stamp(
            AssetClass.NPA if since is not None else own[f.loan_id],
            since,
            npa_category(since, day),
        )
        for f in group
    }


def npa_category(npa_since: date | None, day: date) -> AssetCategory:
    """Sub-standard for 12 months as NPA, then doubtful D1 (its first year), D2 (up to three
    years), D3 (beyond). Calendar months and years from the NPA date."""
    if npa_since is None:
        return AssetCategory.STANDARD
    months = (day.year - npa_since.year) * 12 + day.month - npa_since.month
    if day.day < npa_since.day:
        months -= 1
    if months < 12:
        return AssetCategory.SUBSTANDARD
    if months < 24:
        return AssetCategory.D1
    return AssetCategory.D2 if months < 48 else AssetCategory.D3
