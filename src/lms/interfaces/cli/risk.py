"""`lms risk`: the loans' months of behaviour backfilled from their replays, the delinquency
models trained and their cards, the book scored at a month end, and the portfolio forecast
with its back-test.

Guarantees: a bad date, an unknown target, branch or product is a message naming it and exit
status 2, as is a history too short to train on; nothing is written then. Only month ends
already closed (before the business date) are backfilled or scored.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import typer

from lms.interfaces.cli.close import DatabaseOption, _day, _sessions, shell_actor
from lms.interfaces.cli.payments import refusals
from lms.platform.db import UnitOfWork

risk_app = typer.Typer(help="Delinquency models, scores and the portfolio forecast.",
                       no_args_is_help=True)  # fmt: skip
Month = Annotated[
    str | None, typer.Option("--month", help="A month end (default: the last closed).")
]
Target = Annotated[str, typer.Option("--target", help="dpd30, dpd90 or both.")]


def _last_month_end(uow: UnitOfWork, text: str | None) -> date:
    """The month end given (closed already), or the last month end closed."""
    from lms.interfaces.cli.payments import _business_date
    from lms.risk.months import month_end

    today = _business_date(uow)
    day = _day(text, "--month") or today.replace(day=1) - timedelta(days=1)
    if month_end(day) != day:
        typer.echo(f"error: --month: {day} is not a month end", err=True)
        raise typer.Exit(2)
    if day >= today:
        typer.echo(f"error: --month: {day} is not closed yet (the business date is {today})",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    return day


@risk_app.command("backfill")
def backfill(
    database_url: DatabaseOption = None, month: Month = None,
    months: Annotated[int, typer.Option(min=1, max=120, help="Month ends back.")] = 24,
) -> None:  # fmt: skip
    """Write each loan's months of behaviour the close did not, from the loan's replay."""
    from lms.risk.months import backfill as fill

    with UnitOfWork(_sessions(database_url)) as uow:
        through = _last_month_end(uow, month)
        written = fill(uow, through=through, months=months)
        uow.commit()
    typer.echo(f"{written} loan-months written through {through}")


def _targets(target: str) -> tuple[str, ...]:
    from lms.risk.features import TARGETS

    if target == "both":
        return tuple(TARGETS)
    if target not in TARGETS:
        typer.echo(f"error: --target: {target!r} is not one of dpd30, dpd90, both", err=True)
        raise typer.Exit(2)
    return (target,)


@risk_app.command("train")
def train(
    database_url: DatabaseOption = None, target: Target = "both",
    seed: Annotated[int, typer.Option(help="The random seed (the same gives the same model).")] = 7,
) -> None:  # fmt: skip
    """Train a new version of each model on the months of behaviour, measure it on the months
    it never saw, and make it the one that scores."""
    from lms.risk.training import train as fit

    for name in _targets(target):
        with UnitOfWork(_sessions(database_url)) as uow:
            with refusals():
                model = fit(uow, target=name, actor=shell_actor(), seed=seed)
            uow.commit()
            typer.echo(card_text(model.card))


def card_text(card: dict[str, Any]) -> str:
    """The model card as text."""
    held, months = card["held_out"], card["months"]
    lines = [
        f"# {card['target']} model, version {card['version']}: {card['predicts']}",
        f"trained {card['trained_at'][:16].replace('T', ' ')} UTC by {card['trained_by']}",
        f"learnt from {len(months['learnt_from'])} month ends "
        f"({months['learnt_from'][0]} to {months['learnt_from'][-1]}), "
        f"{card['loans']['learnt_from']} loans, bad rate {card['bad_rate']['learnt_from']:.2%}",
        f"held out {', '.join(months['held_out'])}: {card['loans']['held_out']} loans, "
        f"bad rate {card['bad_rate']['held_out']:.2%}",
        "", f"{'measure':<22}{'model':>8}{'DPD rule':>10}",
    ]  # fmt: skip
    for key in ("auc", "gini", "ks", "caught_in_top_decile"):
        lines.append(f"{key:<22}{held['model'][key]:>8.4f}{held['dpd_rule'][key]:>10.4f}")
    lines += ["", f"{'decile':<8}{'loans':>7}{'predicted':>11}{'realised':>10}"]
    for d in held["calibration"]:
        lines.append(
            f"{d['decile']:<8}{d['loans']:>7}{d['predicted']:>11.2%}{d['realised']:>10.2%}"
        )
    top = sorted(card["importance"].items(), key=lambda kv: -kv[1])[:8]
    lines += ["", "features by gain: " + ", ".join(name for name, _ in top)]
    lines.append(f"made with {card['method']['library']}, {card['method']['rounds']} trees, "
                 f"seed {card['method']['seed']}")  # fmt: skip
    return "\n".join(lines)


@risk_app.command("card")
def card(database_url: DatabaseOption = None, target: Target = "dpd30") -> None:
    """The model card of the model that scores."""
    from lms.risk.training import active

    with UnitOfWork(_sessions(database_url)) as uow:
        model = active(uow, _targets(target)[0])
        if model is None:
            typer.echo(f"error: --target: no {target} model is trained yet", err=True)
            raise typer.Exit(2)
        typer.echo(card_text(model.card))


@risk_app.command("score")
def score(database_url: DatabaseOption = None, month: Month = None) -> None:
    """Score the loans active at a month end with the models that score (once per loan)."""
    from lms.risk.scoring import score as rate

    with UnitOfWork(_sessions(database_url)) as uow:
        day = _last_month_end(uow, month)
        written = rate(uow, day)
        uow.commit()
    typer.echo(f"{written} scores written for {day}")


Branch = Annotated[str | None, typer.Option(help="One branch's loans (its code).")]
Product = Annotated[str | None, typer.Option(help="One product's loans (its code).")]
Ahead = Annotated[int, typer.Option("--months", min=1, max=24, help="Months projected.")]


def _scope(uow: UnitOfWork, branch: str | None, product: str | None) -> Any:
    from sqlalchemy import func, select

    from lms.risk.forecast import Scope
    from lms.servicing.models import Branch as BranchRow
    from lms.servicing.models import Product as ProductRow

    if branch is not None and uow.session.get(BranchRow, branch) is None:
        typer.echo(f"error: --branch: no branch {branch!r}", err=True)
        raise typer.Exit(2)
    product_id = None
    if product is not None:
        product_id = uow.session.scalar(
            select(func.max(ProductRow.id)).where(ProductRow.code == product)
        )
        if product_id is None:
            typer.echo(f"error: --product: no product {product!r}", err=True)
            raise typer.Exit(2)
    return Scope(branch, product_id)


@risk_app.command("forecast")
def forecast(
    database_url: DatabaseOption = None, month: Month = None, months: Ahead = 6,
    branch: Branch = None, product: Product = None,
) -> None:  # fmt: skip
    """The book of a month end projected by the roll rates of the six months before it:
    balances by days past due, 30+, 90+ (NPA) and provisions, month by month."""
    from lms.risk.forecast import STATES
    from lms.risk.forecast import forecast as project

    with UnitOfWork(_sessions(database_url)) as uow:
        base = _last_month_end(uow, month)
        made = project(uow, base=base, months=months, scope=_scope(uow, branch, product))
    header = f"{'month end':<12}" + "".join(f"{s:>14}" for s in STATES)
    typer.echo(header + f"{'30+':>14}{'90+ (NPA)':>14}{'provision':>14}")
    for row in [made.base, *made.months]:
        cells = "".join(f"{_money(row.balances[s]):>14}" for s in STATES)
        typer.echo(f"{row.month.isoformat():<12}{cells}{_money(row.past_30):>14}"
                   f"{_money(row.past_90):>14}{_money(row.provision):>14}")  # fmt: skip


@risk_app.command("backtest")
def backtest(
    database_url: DatabaseOption = None, month: Month = None, months: Ahead = 6,
    branch: Branch = None, product: Product = None,
) -> None:  # fmt: skip
    """The forecast a month end a year before the last closed one made (or `--month`'s),
    beside what became of those loans: 30+ and 90+ month by month, with the errors."""
    from lms.risk.forecast import PAST_30, PAST_90, actual
    from lms.risk.forecast import forecast as project
    from lms.risk.months import shift

    with UnitOfWork(_sessions(database_url)) as uow:
        base = _day(month, "--month") or shift(_last_month_end(uow, None), -12)
        scope = _scope(uow, branch, product)
        made = project(uow, base=base, months=months, scope=scope)
        seen = actual(uow, base, months, scope)
    typer.echo(f"forecast made at {base}, rates of {made.window[0]} to {made.window[-1]}")
    typer.echo(f"{'month end':<12}{'30+ forecast':>16}{'30+ actual':>16}{'error':>8}"
               f"{'90+ forecast':>16}{'90+ actual':>16}{'error':>8}")  # fmt: skip
    for row, real in zip(made.months, seen, strict=True):
        a30 = sum((real[s] for s in PAST_30), Decimal(0))
        a90 = sum((real[s] for s in PAST_90), Decimal(0))
        typer.echo(f"{row.month.isoformat():<12}{_money(row.past_30):>16}{_money(a30):>16}"
                   f"{_error(row.past_30, a30):>8}{_money(row.past_90):>16}{_money(a90):>16}"
                   f"{_error(row.past_90, a90):>8}")  # fmt: skip


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _error(forecast: Decimal, actual: Decimal) -> str:
    return "-" if not actual else f"{(forecast - actual) / actual:+.1%}"
