"""Gold pledged on loans: the price series, pledging items at sanction (refused when the loan
would exceed its loan-to-value ceiling or the borrower the weight limits), each gold loan's
ratio at a day-end, margin calls, and the release of the pledge when the loan closes.

What the ratio is of (`owed_of`): for a bullet loan (one installment) the whole amount
repayable at maturity, as the RBI's directions ask; for any other loan the principal
outstanding, the interest fallen due and unpaid, and the interest accrued to the day and not
yet due (the running installment's, pro rata of its days); less the borrower's money the loan holds unapplied (a payment made to meet a margin call
before anything falls due waits as excess, and counts).

Guarantees: works in the caller's unit of work and never commits; bad input raises
`InvalidError` naming each field and writes nothing; a price is kept once a day (the same
price again does nothing, another is a conflict); a loan has at most one open margin call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from lms.collateral.models import KINDS, CollateralItem, GoldPrice, PledgedSecurity
from lms.core.accrual import accrued_for
from lms.core.gold import GoldPriceError, Tier, ceiling, gold_value, ltv, reference_price
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among
from lms.platform.errors import ConflictError, InvalidError
from lms.platform.settings import get_settings
from lms.servicing.models import Customer, Loan, LoanInstallment
from lms.servicing.service import locked_loan

ZERO = Decimal(0)
PAISA = Decimal("0.01")
MAX_PRICE = Decimal(1_000_000)  # rupees a gram: a figure above it is a typing mistake


def tiers() -> tuple[Tier, ...]:
    """The loan-to-value ceilings of the settings (`LMS_GOLD_LTV_TIERS`)."""
    return tuple(Tier(up_to, percent) for up_to, percent in get_settings().gold_ltv_tiers)


def record_price(uow: UnitOfWork, day: date, price: Decimal, source: str) -> GoldPrice:
    """Keep the closing price of a gram of 22-carat gold on `day`."""
    if not price.is_finite() or not 0 < price <= MAX_PRICE or price != price.quantize(PAISA):
        raise InvalidError([("price", "rupees a gram: more than nought, at most 10,00,000, "
                                      "to the paisa")])  # fmt: skip
    if not source.strip():
        raise InvalidError([("source", "is required (who published the price)")])
    kept = uow.session.get(GoldPrice, day)
    if kept is not None:
        if kept.price != price:
            raise ConflictError(f"the gold price of {day} is kept already: {kept.price}")
        return kept
    row = GoldPrice(day=day, price=price, source=source.strip()[:40],
                    recorded_by=uow.actor or "system")  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def price_on(uow: UnitOfWork, day: date) -> Decimal:
    """The reference price of a gram of 22-carat gold for valuing on `day` (lms.core.gold)."""
    days = get_settings().gold_price_days
    closing = dict(uow.session.execute(
        select(GoldPrice.day, GoldPrice.price)
        .where(GoldPrice.day < day, GoldPrice.day >= day - timedelta(days=days))
    ).all())  # fmt: skip
    try:
        return reference_price(closing, day, days)
    except GoldPriceError as exc:
        raise InvalidError(
            [("gold_price", f"{exc}: keep the prices first (lms gold prices)")]
        ) from exc


def price_or_none(uow: UnitOfWork, day: date) -> Decimal | None:
    """`price_on`, or None when there is no recent price to value gold at."""
    try:
        return price_on(uow, day)
    except InvalidError:
        return None


@dataclass(frozen=True)
class Item:
    """An item as the appraiser records it."""

    kind: str
    description: str
    pieces: int
    gross_grams: str
    net_grams: str
    carats: str
    assay_certificate: str


def pledge(uow: UnitOfWork, loan_id: int, items: Sequence[Item], on: date) -> list[CollateralItem]:
    """Pledge `items` on the loan on `on`; refused if a figure is wrong, the borrower would hold
    more than the weight limits, or the loan would exceed its ceiling at `on`'s price."""
    loan = locked_loan(uow, loan_id)  # one pledge at a time on a loan
    if loan.status not in ("approved", "active"):
        raise ConflictError(f"loan {loan_id} is {loan.status}: nothing can be pledged on it")
    if not items:
        raise InvalidError([("items", "at least one item is pledged")])
    if uow.session.scalar(select(PledgedSecurity.id).where(PledgedSecurity.loan_id == loan_id)):
        raise ConflictError(f"loan {loan_id} is lent against securities")
    parsed = [_parsed(n, item) for n, item in enumerate(items)]
    certificates = [_certificate(item) for item in items]
    if len(set(certificates)) < len(certificates):
        raise InvalidError([("items", "an assay certificate is given twice")])
    again = _pledged_before(uow, loan_id, items, parsed)
    if again is not None:
        return again
    _within_limits(uow, loan, items, parsed)
    price = price_on(uow, on)
    held = value_of(uow, loan_id, price)
    value = held + sum((gold_value(net, carats, price) for _, net, carats in parsed), ZERO)
    owed, limit = owed_on(uow, loan, on), ceiling(loan.principal, tiers())
    ratio, before = ltv(owed, value), ltv(owed, held)
    topping_up = before is not None and ratio is not None and ratio < before  # to meet a call
    if ratio is None or (ratio > limit and not topping_up):
        raise InvalidError([("items", f"worth {value:.2f} at {price:.2f} a gram: {owed:.2f} "
                                      f"owed is {ratio} % of it, above the ceiling of {limit} %")])  # fmt: skip
    now, made = datetime.now(UTC), []
    for item, (gross, net, carats) in zip(items, parsed, strict=True):
        row = CollateralItem(
            loan_id=loan_id, kind=item.kind, description=item.description.strip()[:120],
            pieces=item.pieces, gross_grams=gross, net_grams=net, carats=carats,
            assay_certificate=_certificate(item), status="pledged",
            pledged_on=on, created_by=uow.actor or "system", created_at=now,
        )  # fmt: skip
        uow.session.add(row)
        made.append(row)
    uow.session.flush()
    return made


def _pledged_before(
    uow: UnitOfWork, loan_id: int, items: Sequence[Item], parsed: Sequence[tuple[Decimal, ...]]
) -> list[CollateralItem] | None:
    """The items, if this very pledge was made before (a retry: the same assay certificates
    with the same figures); None if none of them was; a conflict if only some, or otherwise."""
    kept = {i.assay_certificate: i for i in uow.session.scalars(select(CollateralItem).where(
        CollateralItem.loan_id == loan_id,
        CollateralItem.assay_certificate.in_([_certificate(i) for i in items])))}  # fmt: skip
    if not kept:
        return None
    same = [kept.get(_certificate(item)) for item in items]
    if all(k is not None and (k.kind, k.pieces, k.gross_grams, k.net_grams, k.carats)
           == (item.kind, item.pieces, *figures)
           for k, item, figures in zip(same, items, parsed, strict=True)):  # fmt: skip
        return [k for k in same if k is not None]
    raise ConflictError(f"loan {loan_id}: assay certificates {', '.join(sorted(kept))} are "
                        "pledged already with other figures")  # fmt: skip


def _certificate(item: Item) -> str:
    return item.assay_certificate.strip()[:64]


def _parsed(n: int, item: Item) -> tuple[Decimal, Decimal, Decimal]:
    field, problems = f"items[{n}]", []
    if item.kind not in KINDS:
        problems.append((f"{field}.kind", f"must be one of {', '.join(KINDS)} (no bullion)"))
    if item.pieces < 1:
        problems.append((f"{field}.pieces", "at least one"))
    if not item.description.strip():
        problems.append((f"{field}.description", "is required"))
    if not item.assay_certificate.strip():
        problems.append((f"{field}.assay_certificate", "is required (assayed before pledge)"))
    figures = []
    for name in ("gross_grams", "net_grams", "carats"):
        try:
            figure = Decimal(getattr(item, name))
            if not figure.is_finite() or abs(figure) > 10**6:
                raise InvalidOperation
            figures.append(figure)
        except InvalidOperation:
            problems.append((f"{field}.{name}", "is not a number of grams or carats"))
    if len(figures) == 3:
        gross, net, carats = figures
        if not 0 < net <= gross:
            problems.append((f"{field}.net_grams", "must be more than nought, at most the gross"))
        if not 0 < carats <= 24:
            problems.append((f"{field}.carats", "from above 0 to 24"))
    if problems:
        raise InvalidError(problems)
    return figures[0], figures[1], figures[2]


def _within_limits(
    uow: UnitOfWork, loan: Loan, items: Sequence[Item], parsed: Sequence[tuple[Decimal, ...]]
) -> None:
    """The borrower's gold pledged on all their loans, with `items`, within the weight limits
    (`LMS_GOLD_ORNAMENT_GRAMS`, `LMS_GOLD_COIN_GRAMS`, gross); the borrower is locked first,
    so two pledges on two of their loans at once are weighed one after the other."""
    uow.session.execute(
        select(Customer.id).where(Customer.id == loan.customer_id).with_for_update()
    )
    settings = get_settings()
    limits = {"gold_ornament": settings.gold_ornament_grams, "gold_coin": settings.gold_coin_grams}
    held = uow.session.execute(
        select(CollateralItem.kind, CollateralItem.gross_grams)
        .join(Loan, Loan.id == CollateralItem.loan_id)
        .where(Loan.customer_id == loan.customer_id, CollateralItem.status == "pledged")
    ).all()
    weights = [(kind, grams) for kind, grams in held]
    weights += [(item.kind, figures[0]) for item, figures in zip(items, parsed, strict=True)]
    problems = []
    for kind, limit in limits.items():
        total = sum((grams for k, grams in weights if k == kind), ZERO)
        if total > limit:
            problems.append(("items", f"{kind.replace('_', ' ')}s would weigh {total} g in all "
                                      f"for this borrower, above the limit of {limit} g"))  # fmt: skip
    if problems:
        raise InvalidError(problems)


def owed_on(uow: UnitOfWork, loan: Loan, day: date) -> Decimal:
    """What a gold loan's ratio is of at `day` (see the module's note); for a loan not paid out
    yet, what it will owe the day it is."""
    if loan.status == "approved":
        terms = loan.terms or {}
        bullet = terms.get("method") == "bullet" and terms.get("bullet_interest") == "end"
        return loan.emi if bullet else loan.principal  # a bullet's one installment: it all
    return owed_of(unpaid(uow, [loan.id])[loan.id], interest_start(loan), loan.excess, day)


def interest_start(loan: Loan) -> date | None:
    """The day the loan's first installment's interest runs from."""
    return loan.interest_from or loan.disbursed_on


def unpaid(
    uow: UnitOfWork, loan_ids: Sequence[int]
) -> dict[int, list[tuple[date, Decimal, Decimal]]]:
    """Per loan, its installments: due date, principal and interest unpaid."""
    i = LoanInstallment
    found: dict[int, list[tuple[date, Decimal, Decimal]]] = {k: [] for k in loan_ids}
    for loan_id, due, p, p_paid, n, n_paid in uow.session.execute(
        select(i.loan_id, i.due_date, i.principal, i.principal_paid, i.interest, i.interest_paid)
        .where(among(uow, i.loan_id, loan_ids)).order_by(i.loan_id, i.number)
    ):  # fmt: skip
        found[loan_id].append((due, p - p_paid, n - n_paid))
    return found


def owed_of(
    rows: Sequence[tuple[date, Decimal, Decimal]], start: date | None, excess: Decimal, day: date
) -> Decimal:
    """From a loan's installments (due date, principal and interest unpaid), the day its first
    period starts and the borrower's money it holds unapplied (`excess`): what its ratio is of
    at `day`, never below nought. The interest accrued is the running installment's, pro rata
    of its period's days passed at `day`'s end (lms.core.accrual)."""
    if len(rows) == 1:  # a bullet loan: everything repayable at maturity
        total = rows[0][1] + rows[0][2]
    else:
        due_interest = sum((n for due, _, n in rows if due <= day), ZERO)
        total = sum((p for _, p, _ in rows), ZERO) + due_interest + _accrued(rows, start, day)
    return max(total - excess, ZERO).quantize(PAISA)


def _accrued(
    rows: Sequence[tuple[date, Decimal, Decimal]], start: date | None, day: date
) -> Decimal:
    """The running installment's interest accrued by `day`'s end."""
    begins = start
    for due, _, interest in rows:
        if due > day:
            return accrued_for(interest, begins, due, day) if begins is not None else ZERO
        begins = due
    return ZERO


def value_of(uow: UnitOfWork, loan_id: int, price: Decimal) -> Decimal:
    """The gold pledged on a loan, valued at `price` a gram of 22 carats."""
    items = uow.session.execute(
        select(CollateralItem.net_grams, CollateralItem.carats)
        .where(CollateralItem.loan_id == loan_id, CollateralItem.status == "pledged")
    ).all()  # fmt: skip
    return sum((gold_value(net, carats, price) for net, carats in items), ZERO)
