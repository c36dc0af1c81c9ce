"""Group commit of the repayments taken over HTTP: the requests that arrive while a group is
being written wait and go together in the next one, one transaction through the bulk path
(lms.servicing.bulk_payments, proven equal to taking them one by one), so a rush of
payments costs a few statements and one commit per group instead of per payment. A loan's
several payments in one group go in successive rounds, in the order they came.

Guarantees, each request's own as on the single path: its answer is sent only after the
transaction holding its payment committed; a payment the group refused, a retry of an earlier
one, and every payment of a group that failed as a whole (a broken loan history, a database
error: the group then writes nothing) are taken again by the caller one by one through
`record_payment`, so its answer (the error, the earlier payment) is exactly the single
path's. The group's loans are locked in id order before anything is read, so two groups (in
two processes) never wait for each other in a circle.

One writer thread per process takes the groups; nothing waits on purpose: a group is what
queued while the previous one was written, at most `$LMS_PAYMENT_GROUP_SIZE` payments.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.audit import pending
from lms.platform.business_date import business_date as stored_business_date
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among
from lms.servicing.bulk_payments import Outcome, post_payments
from lms.servicing.models import Loan
from lms.servicing.payment_rules import PaymentRequest

_log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    loan_id: int
    request: PaymentRequest
    actor: str | None
    asked: tuple[str | None, str | None] = (None, None)  # its request's address and id
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None  # None: the group failed; take it one by one


class PaymentGroups:
    """The writer of one process's payment groups (started on first use)."""

    def __init__(
        self, sessions: sessionmaker[Session], *, size: int, calendar_day: Callable[[], date]
    ) -> None:
        self._sessions = sessions
        self._size = size
        self._calendar_day = calendar_day  # the posting date when the book keeps none
        self._queue: list[_Waiting] = []
        self._ready = threading.Condition()
        self._writer: threading.Thread | None = None

    def take(
        self, loan_id: int, request: PaymentRequest, actor: str | None,
        asked: tuple[str | None, str | None] = (None, None),
    ) -> Outcome | None:  # fmt: skip
        """Post the payment in the next group, recorded as `actor`'s, asked from `asked` (the
        request's address and id, on its audit records); its outcome once committed, or None
        if the group failed (nothing of it was written)."""
        waiting = _Waiting(loan_id, request, actor, asked)
        with self._ready:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._run, daemon=True, name="payments")
                self._writer.start()
            self._queue.append(waiting)
            self._ready.notify()
        waiting.done.wait()
        return waiting.outcome

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                group, self._queue = self._queue[: self._size], self._queue[self._size :]
            outcomes = self._write(group)
            for waiting, outcome in zip(group, outcomes, strict=True):
                waiting.outcome = outcome
                waiting.done.set()

    def _write(self, group: list[_Waiting]) -> list[Outcome | None]:
        try:
            with UnitOfWork(self._sessions) as uow:
                loans = sorted({w.loan_id for w in group})
                uow.session.execute(  # in id order, before anything is read
                    select(Loan.id)
                    .where(among(uow, Loan.id, loans))
                    .order_by(Loan.id)
                    .with_for_update()
                ).all()
                day = stored_business_date(uow) or self._calendar_day()
                outcomes: dict[int, Outcome] = {}
                for round_ in _rounds(group):  # a loan's payments in the order they came
                    uow.actor = group[round_[0]].actor
                    payments = [(group[k].loan_id, group[k].request) for k in round_]
                    before = len(pending(uow.session))
                    done = post_payments(uow, payments, posting_date=day)
                    uow.session.flush()  # the round's audit records collected
                    _asked_from(pending(uow.session)[before:], [group[k] for k in round_], done)
                    outcomes.update(zip(round_, done, strict=True))
                uow.commit()
        except Exception:  # the group wrote nothing: each is taken again on its own
            _log.exception("a payment group of %d failed; taken one by one", len(group))
            return [None] * len(group)
        return [outcomes[k] for k in range(len(group))]


def _asked_from(records: list[dict[str, Any]], round_: list[_Waiting], done: list[Outcome]) -> None:
    """Each of a round's audit records carries the round's actor (the unit of work's is the
    last round's when it commits) and the address and id of the request whose payment wrote
    it (its event, or its loan: a round holds a loan once), not the group's (none)."""
    by_event = {str(o.event_id): w.asked for w, o in zip(round_, done, strict=True) if o.new}
    by_loan = {str(w.loan_id): w.asked for w in round_}
    for record in records:
        record["actor"] = round_[0].actor
        chosen = by_event if record["entity"] == "loan_events" else by_loan
        asked = chosen.get(record["entity_id"]) if record["entity"] in _BY else None
        if asked is not None:
            record["address"], record["request_id"] = asked


_BY = ("loan_events", "loans")  # the audited tables a payment writes


def _rounds(group: list[_Waiting]) -> list[list[int]]:
    """The group's positions in rounds, each holding a loan at most once and one actor's
    payments only: a loan's payments in later and later rounds in the order they came, so
    that the bulk path takes a loan's later payments on the state its earlier ones left (in
    one round they would all go one by one), each round written as its actor's."""
    rounds: list[list[int]] = []
    actors: list[str | None] = []
    after: dict[int, int] = {}  # the first round a loan's next payment may go in
    for k, waiting in enumerate(group):
        n = after.get(waiting.loan_id, 0)
        while n < len(rounds) and actors[n] != waiting.actor:
            n += 1
        if n == len(rounds):
            rounds.append([])
            actors.append(waiting.actor)
        rounds[n].append(k)
        after[waiting.loan_id] = n + 1
    return rounds
