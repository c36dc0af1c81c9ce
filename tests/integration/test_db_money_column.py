"""The `Money` column on every configured database: exact round trips, ordering, sums, refusals.

Every expectation is an exact `Decimal` (and, where the representation matters, its exact
string): a value that comes back rounded, as a float, or with another scale fails.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from money_probe import MoneyProbe
from sqlalchemy import Engine, func, select, text, type_coerce
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from lms.platform.db import Money, MoneyColumnError
from lms.platform.db.types import MONEY_MAX

AWKWARD = [
    ("0", "0.0000"),
    ("0.0001", "0.0001"),
    ("-0.01", "-0.0100"),
    ("99999999999999.9999", "99999999999999.9999"),
    ("-99999999999999.9999", "-99999999999999.9999"),
    ("12345678.9012", "12345678.9012"),
    ("-0", "0.0000"),
    ("1E+3", "1000.0000"),
    ("1.50000", "1.5000"),
]


def _store(engine: Engine, amounts: list[Decimal]) -> list[int]:
    with Session(engine) as session:
        probes = [MoneyProbe(amount=amount) for amount in amounts]
        session.add_all(probes)
        session.commit()
        return [probe.id for probe in probes]


def _read(engine: Engine, ids: list[int]) -> list[Decimal]:
    with Session(engine) as session:
        rows = session.execute(select(MoneyProbe.id, MoneyProbe.amount)).all()
    by_id = dict(rows)
    return [by_id[probe_id] for probe_id in ids]


def test_awkward_values_round_trip_exactly(probe_engine: Engine) -> None:
    ids = _store(probe_engine, [Decimal(given) for given, _ in AWKWARD])
    back = _read(probe_engine, ids)
    assert [str(amount) for amount in back] == [canonical for _, canonical in AWKWARD]
    assert back == [Decimal(canonical) for _, canonical in AWKWARD]
    assert {type(amount) for amount in back} == {Decimal}


def test_decimal_arithmetic_is_stored_without_binary_error(probe_engine: Engine) -> None:
    ids = _store(probe_engine, [Decimal("0.1") + Decimal("0.2"), Decimal("0.0001") * 123456789])
    assert [str(amount) for amount in _read(probe_engine, ids)] == ["0.3000", "12345.6789"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(units=st.integers(min_value=-(10**18 - 1), max_value=10**18 - 1))
def test_every_multiple_of_one_ten_thousandth_round_trips(probe_engine: Engine, units: int) -> None:
    amount = Decimal(units).scaleb(-4)
    [probe_id] = _store(probe_engine, [amount])
    [back] = _read(probe_engine, [probe_id])
    assert back == amount
    assert back.as_tuple().exponent == -4


def test_order_by_is_numeric(probe_engine: Engine) -> None:
    given = ["10", "9", "-0.01", "0.0001", "-5", "100.5", "-99999999999999.9999", "2"]
    _store(probe_engine, [Decimal(value) for value in given])
    with Session(probe_engine) as session:
        ascending = session.scalars(select(MoneyProbe.amount).order_by(MoneyProbe.amount)).all()
    expected = ["-99999999999999.9999", "-5", "-0.01", "0.0001", "2", "9", "10", "100.5"]
    assert ascending == [Decimal(value) for value in expected]


def test_sum_min_max_are_exact(probe_engine: Engine) -> None:
    _store(probe_engine, [Decimal("0.1")] * 10 + [Decimal("12345678.9012"), Decimal("-0.0001")])
    with Session(probe_engine) as session:
        total, low, high = session.execute(
            select(
                func.sum(MoneyProbe.amount),
                func.min(MoneyProbe.amount),
                func.max(MoneyProbe.amount),
            )
        ).one()
    assert (str(total), str(low), str(high)) == ("12345679.9011", "-0.0001", "12345678.9012")


def test_sum_may_exceed_the_column_range_and_stays_exact(probe_engine: Engine) -> None:
    _store(probe_engine, [MONEY_MAX, MONEY_MAX, Decimal("0.0001")])
    with Session(probe_engine) as session:
        total = session.scalar(select(func.sum(MoneyProbe.amount)))
    assert total == Decimal("199999999999999.9999")


def test_sum_of_no_rows_is_null(probe_engine: Engine) -> None:
    with Session(probe_engine) as session:
        assert session.scalar(select(func.sum(MoneyProbe.amount))) is None


def test_comparisons_against_decimals(probe_engine: Engine) -> None:
    _store(probe_engine, [Decimal(value) for value in ["9", "10", "9.4999", "9.5", "-1"]])
    amount = MoneyProbe.amount
    with Session(probe_engine) as session:
        above = session.scalars(select(amount).where(amount > Decimal("9.4999")).order_by(amount))
        between = session.scalars(
            select(amount).where(amount.between(Decimal("-1"), Decimal("9.4999"))).order_by(amount)
        )
        assert above.all() == [Decimal("9.5"), Decimal("10")]
        assert between.all() == [Decimal("-1"), Decimal("9"), Decimal("9.4999")]


def test_adding_amounts_in_sql_is_exact(probe_engine: Engine) -> None:
    [probe_id] = _store(probe_engine, [Decimal("12.34")])
    with Session(probe_engine) as session:
        shifted = session.scalar(
            select(MoneyProbe.amount + Decimal("0.0066")).where(MoneyProbe.id == probe_id)
        )
    assert str(shifted) == "12.3466"


@pytest.mark.parametrize(
    "bad",
    [0.1, 1.0, 3, True, "1.00", Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")],
    ids=["float", "float-whole", "int", "bool", "str", "nan", "inf", "-inf"],
)
def test_non_decimal_and_non_finite_values_are_refused(probe_engine: Engine, bad: object) -> None:
    with Session(probe_engine) as session:
        session.add(MoneyProbe(amount=bad))
        with pytest.raises(StatementError) as raised:
            session.flush()
    assert isinstance(raised.value.orig, MoneyColumnError)
    _assert_table_empty(probe_engine)


def test_float_refusal_says_why(probe_engine: Engine) -> None:
    with Session(probe_engine) as session:
        session.add(MoneyProbe(amount=0.1))
        with pytest.raises(StatementError, match=r"refuse float 0\.1: binary floats are not exact"):
            session.flush()


@pytest.mark.parametrize(
    "too_precise", ["0.00001", "1.23456", "-0.00005", "99999999999999.99981", "0.1000000001"]
)
def test_more_than_four_decimal_places_is_refused_never_rounded(
    probe_engine: Engine, too_precise: str
) -> None:
    with Session(probe_engine) as session:
        session.add(MoneyProbe(amount=Decimal(too_precise)))
        with pytest.raises(StatementError, match="more than 4 decimal places") as raised:
            session.flush()
    assert isinstance(raised.value.orig, MoneyColumnError)
    _assert_table_empty(probe_engine)


@pytest.mark.parametrize("too_large", ["100000000000000", "-100000000000000", "1E+20"])
def test_amounts_outside_the_range_are_refused(probe_engine: Engine, too_large: str) -> None:
    with Session(probe_engine) as session:
        session.add(MoneyProbe(amount=Decimal(too_large)))
        with pytest.raises(StatementError, match="outside the Money range"):
            session.flush()


def test_refused_in_a_where_clause_too(probe_engine: Engine) -> None:
    with Session(probe_engine) as session, pytest.raises(StatementError, match="refuse float"):
        session.scalars(select(MoneyProbe).where(MoneyProbe.amount == 0.5)).all()


def test_reads_that_are_not_whole_ten_thousandths_are_refused(probe_engine: Engine) -> None:
    _store(probe_engine, [Decimal("1"), Decimal("1"), Decimal("2")])
    average = type_coerce(func.avg(MoneyProbe.amount), Money)
    # SQLite returns the REAL 13333.333...; PostgreSQL the NUMERIC 1.3333...: both refused.
    expected = "REAL arithmetic are not supported|never rounds on read"
    with Session(probe_engine) as session, pytest.raises(MoneyColumnError, match=expected):
        session.scalar(select(average))


@pytest.mark.parametrize("scale", [lambda a: a * Decimal(2), lambda a: a / Decimal(2)])
def test_sql_side_scaling_is_refused(scale: object) -> None:
    assert callable(scale)
    with pytest.raises(MoneyColumnError, match="not supported"):
        scale(MoneyProbe.amount)


def test_storage_representation(probe_engine: Engine) -> None:
    _store(probe_engine, [Decimal("12.34"), Decimal("-0.0001")])
    with probe_engine.connect() as connection:
        raw = connection.execute(text("SELECT amount FROM money_probe ORDER BY id")).scalars()
        stored = raw.all()
    if probe_engine.dialect.name == "sqlite":
        assert stored == [123400, -1]
    else:
        assert stored == [Decimal("12.3400"), Decimal("-0.0001")]


def _assert_table_empty(engine: Engine) -> None:
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MoneyProbe)) == 0
