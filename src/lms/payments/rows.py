"""One way to take a row of the payments tables for a change: by id, locked until the unit of
work ends (two people deciding the same thing at once are served one after the other), or a
NotFoundError naming what was asked for."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from lms.platform.db import UnitOfWork
from lms.platform.errors import NotFoundError

Row = TypeVar("Row")


def locked(uow: UnitOfWork, model: type[Row], row_id: int, what: str) -> Row:
    table: Any = model
    row = uow.session.scalar(select(model).where(table.id == row_id).with_for_update())
    if row is None:
        raise NotFoundError(what, row_id)
    return row
