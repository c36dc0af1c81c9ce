"""Money: the one exact column type for amounts, on PostgreSQL and on SQLite.

Guarantees:
- Python side: binds accept `decimal.Decimal` only and reads return `decimal.Decimal` only,
  always with exactly `MONEY_SCALE` (4) decimal places, e.g. ``Decimal("12.3400")``.
- `float` (and `int`, `bool`, `str`, NaN, infinities) is refused with `MoneyColumnError`:
  a binary float is never an exact amount, and an int is refused so that no caller relies on
  an implicit conversion.
- Nothing is ever rounded. A value with more than 4 significant decimal places is refused on
  write (trailing zeros such as ``Decimal("1.50000")`` lose nothing and are accepted), and a
  Money-typed database result that is not a whole number of 1/10000 units is refused on read.
- The range is the same on every backend: ``|amount| <= 99_999_999_999_999.9999``
  (NUMERIC(18, 4)); anything larger is refused on write, so data can move between backends.

Storage design:
- PostgreSQL (and any other backend with an exact decimal type): ``NUMERIC(18, 4)``.
- SQLite has no exact decimal type (its NUMERIC affinity converts to 8-byte REAL), so amounts
  are stored as a scaled integer, ``BIGINT`` counting 1/10000 units (``12.34`` is ``123400``).
  This was chosen over a canonical decimal string (TEXT) because with integers the database
  itself stays correct: ``ORDER BY`` and comparisons are numeric (TEXT sorts ``"10" < "9"`` and
  gets negatives wrong), ``SUM``/``MIN``/``MAX`` are exact integer arithmetic (SQLite's ``SUM``
  over TEXT converts to REAL, and over integers raises "integer overflow" rather than going
  inexact), and comparisons against bound `Decimal` values work because binds are scaled the
  same way. The 18-digit cap keeps every value well inside a signed 64-bit integer.
- The price: raw SQL on SQLite sees 1/10000 units, and SQL-side multiplication or division of
  a money column would be silently scaled wrong, so the column's comparator refuses ``*``,
  ``/``, ``//``, ``%`` and ``**`` (do that arithmetic in Python with `lms.core.money`).
  ``+`` and ``-`` between amounts are exact on both backends.
- SQL functions: ``SUM``, ``MIN``, ``MAX`` and ``COALESCE`` keep the `Money` type (SQLAlchemy
  types them from their argument), so their results are converted and checked. Other
  functions (``AVG``, ``ABS``, ``ROUND`` ...) are untyped and would hand back the raw storage
  value (1/10000 units on SQLite); do not use them on amounts. ``type_coerce(expr, Money)``
  makes a result checked: a non-exact one (any ``AVG`` that does not divide evenly) raises.
"""

from __future__ import annotations

import decimal
import operator
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import BigInteger, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.operators import OperatorType
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_PRECISION: Final = 18
MONEY_SCALE: Final = 4
MONEY_QUANTUM: Final = Decimal(1).scaleb(-MONEY_SCALE)
MONEY_MAX: Final = Decimal(10**MONEY_PRECISION - 1).scaleb(-MONEY_SCALE)

# Enough digits for any sum the databases can return; every operation here is checked for
# exactness explicitly, so the rounding mode never decides a stored value.
_CONTEXT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
)

# Operators whose result would be wrong on the scaled-integer (SQLite) representation.
_SCALING_OPERATORS: Final = frozenset(
    {operator.mul, operator.truediv, operator.floordiv, operator.mod, operator.pow}
)


class MoneyColumnError(ValueError):
    """A value that a `Money` column cannot store or return exactly."""


def _to_exact_amount(value: object) -> Decimal:
    """Validate a bind value and return it with exactly `MONEY_SCALE` decimal places."""
    if isinstance(value, float):
        raise MoneyColumnError(
            f"Money columns refuse float {value!r}: binary floats are not exact amounts; "
            "pass decimal.Decimal (e.g. Decimal('0.10'))"
        )
    if not isinstance(value, Decimal):
        raise MoneyColumnError(
            f"Money columns accept decimal.Decimal only, not {type(value).__name__}: {value!r}"
        )
    if not value.is_finite():
        raise MoneyColumnError(f"Money columns refuse non-finite amount {value!r}")
    if abs(value) > MONEY_MAX:
        raise MoneyColumnError(f"amount {value} is outside the Money range ±{MONEY_MAX}")
    quantized = value.quantize(MONEY_QUANTUM, context=_CONTEXT)
    if quantized != value:
        raise MoneyColumnError(
            f"amount {value} has more than {MONEY_SCALE} decimal places; "
            "round it explicitly (lms.core.money.Rounding) before storing"
        )
    return quantized + 0  # "+ 0" turns a negative zero into zero


def _from_database(value: object, *, scaled: bool) -> Decimal:
    """Turn a database value (scaled integer or decimal) into an exact 4-place `Decimal`."""
    if scaled:
        if isinstance(value, bool) or not isinstance(value, int):
            raise MoneyColumnError(
                f"expected an integer count of 1/10000 units from the database, got "
                f"{type(value).__name__} {value!r} (AVG and REAL arithmetic are not supported)"
            )
        amount = Decimal(value).scaleb(-MONEY_SCALE, context=_CONTEXT)
    else:
        if not isinstance(value, Decimal):
            raise MoneyColumnError(
                f"expected a decimal from the database, got {type(value).__name__} {value!r}"
            )
        amount = value
    quantized = amount.quantize(MONEY_QUANTUM, context=_CONTEXT)
    if quantized != amount:
        raise MoneyColumnError(
            f"database returned {value!r}, which is not a whole number of 1/10000 units; "
            "Money never rounds on read"
        )
    return quantized


def _uses_scaled_integer(dialect: Dialect) -> bool:
    """True where the backend has no exact decimal type and amounts are scaled integers."""
    return dialect.name == "sqlite"


class Money(TypeDecorator[Decimal]):
    """Exact amount column: NUMERIC(18, 4), or BIGINT of 1/10000 units on SQLite."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[Decimal]):  # noqa: N801 (SQLAlchemy hook name)
        """Refuses SQL-side scaling (``*``, ``/`` ...) that the SQLite encoding would corrupt."""

        __slots__ = ()

        def operate(self, op: OperatorType, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            _refuse_scaling(op)
            return super().operate(op, *other, **kwargs)

        def reverse_operate(
            self, op: OperatorType, other: Any, **kwargs: Any
        ) -> ColumnElement[Any]:
            _refuse_scaling(op)
            return super().reverse_operate(op, other, **kwargs)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _uses_scaled_integer(dialect):
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        amount = _to_exact_amount(value)
        if _uses_scaled_integer(dialect):
            return int(amount.scaleb(MONEY_SCALE, context=_CONTEXT))
        return amount

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return _from_database(value, scaled=_uses_scaled_integer(dialect))


def _refuse_scaling(op: OperatorType) -> None:
    """Raise if `op` would multiply or divide a money column inside SQL."""
    if op in _SCALING_OPERATORS:
        raise MoneyColumnError(
            f"SQL-side {getattr(op, '__name__', op)} on a Money column is not supported "
            "(it would be wrong on SQLite's scaled integers); do the arithmetic in Python"
        )


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal stored as its canonical text (rates, percentages): exact on every
    backend, compared as text, so never use it for amounts (use `Money`)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise MoneyColumnError(f"DecimalText takes a finite Decimal, not {value!r}")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
