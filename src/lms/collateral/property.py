"""Property mortgaged for a loan: the mortgage recorded with its first valuation (refused when
the loan would be above its loan-to-value ceiling against it, `LMS_PROPERTY_LTV_TIERS`: the
RBI's for housing loans by default), later valuations kept beside it, and the loan's ratio
against the latest; released with the loan's other collateral when it closes
(lms.collateral.watch.release).

Guarantees: works in the caller's unit of work and never commits; bad input raises
`InvalidError` naming each field and writes nothing; a mortgage recorded again with the same
charge reference gives back the first; valuations are never changed, the latest counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from lms.collateral.models import PropertyPledge, PropertyValuation
from lms.collateral.service import owed_on
from lms.core.gold import Tier, ceiling, ltv
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.service import locked_loan


@dataclass(frozen=True)
class Valuation:
    valued_on: date
    value: Decimal
    valuer: str


def mortgage(
    uow: UnitOfWork, loan_id: int, description: str, charge_reference: str, valued: Valuation,
    on: date,
) -> PropertyPledge:  # fmt: skip
    """Record the property mortgaged for the loan on `on`, with its valuation."""
    loan = locked_loan(uow, loan_id)
    problems = _problems(valued, on)
    if not description.strip():
        problems.append(("description", "is required"))
    if not charge_reference.strip():
        problems.append(("charge_reference", "is required (the CERSAI security interest id)"))
    if problems:
        raise InvalidError(problems)
    before = uow.session.scalar(select(PropertyPledge).where(
        PropertyPledge.loan_id == loan_id,
        PropertyPledge.charge_reference == charge_reference.strip()))  # fmt: skip
    if before is not None:
        return before
    if loan.status not in ("approved", "active"):
        raise ConflictError(f"loan {loan_id} is {loan.status}: nothing can be mortgaged for it")
    owed, limit = owed_on(uow, loan, on), ceiling(loan.principal, _tiers())
    ratio = ltv(owed, valued.value)
    if ratio is not None and ratio > limit:
        raise InvalidError([("value", f"{owed} owed is {ratio} % of {valued.value}, above the "
                                      f"ceiling of {limit} %")])  # fmt: skip
    row = PropertyPledge(loan_id=loan_id, description=description.strip()[:200],
                         charge_reference=charge_reference.strip()[:64], status="pledged",
                         pledged_on=on, created_by=uow.actor or "system",
                         created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    revalue(uow, row.id, valued)
    return row


def revalue(uow: UnitOfWork, property_id: int, valued: Valuation) -> PropertyValuation:
    """A new valuation of the mortgaged property."""
    found = uow.session.get(PropertyPledge, property_id)
    if found is None:
        raise NotFoundError("property", property_id)
    problems = _problems(valued, None)
    if problems:
        raise InvalidError(problems)
    row = PropertyValuation(property_id=property_id, valued_on=valued.valued_on,
                            value=valued.value, valuer=valued.valuer.strip()[:120],
                            created_by=uow.actor or "system", created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def _problems(valued: Valuation, on: date | None) -> list[tuple[str, str]]:
    problems = []
    value = valued.value
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        problems.append(("value", "rupees, more than nought, to the paisa"))
    if on is not None and valued.valued_on > on:
        problems.append(("valued_on", f"is after {on}"))
    if not valued.valuer.strip():
        problems.append(("valuer", "is required (the empanelled valuer)"))
    return problems


def _tiers() -> tuple[Tier, ...]:
    return tuple(Tier(up_to, percent) for up_to, percent in get_settings().property_ltv_tiers)


def latest_value(uow: UnitOfWork, property_id: int) -> PropertyValuation | None:
    return uow.session.scalar(
        select(PropertyValuation).where(PropertyValuation.property_id == property_id)
        .order_by(PropertyValuation.valued_on.desc(), PropertyValuation.id.desc()).limit(1)
    )  # fmt: skip
