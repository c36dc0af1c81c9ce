"""Unit of work: the one place where a database transaction begins and is committed.

Guarantees:
- A `UnitOfWork` owns one `Session` for the duration of its ``with`` block; services receive
  the unit of work, use ``uow.session`` and never commit on their own.
- `UnitOfWork.commit` is the only way to make changes durable. Leaving the block (normally or
  by an exception) rolls back whatever was not committed, then closes the session.
- A unit of work is not re-entrant and its session is unavailable outside its block; both
  mistakes raise `RuntimeError` instead of silently opening a second transaction.
- A unit of work carries its origin (api, file, close, migration, demo), which the ledger records
  on every entry it writes, and its actor (who asked for the work), recorded on every journal
  entry and loan event it writes.
- Committing writes the unit of work's audit records first (lms.platform.audit), in the same
  transaction; rolling back discards them with everything else.
- Sessions come from `make_session_factory` with ``expire_on_commit=False``, so objects loaded
  in a unit of work stay readable after it commits and closes (they are not refreshed).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The session factory units of work draw from, bound to `engine`."""
    return sessionmaker(bind=engine, expire_on_commit=False)


class UnitOfWork:
    """Context manager owning one session; commit explicitly, everything else rolls back."""

    def __init__(self, session_factory: sessionmaker[Session], *, origin: str = "api") -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        # where the work comes from (api, file, close, migration, demo): every journal entry
        # written in this unit of work records it
        self.origin = origin
        self._actor: str | None = None

    @property
    def actor(self) -> str | None:
        """Who the work is done for (`user:<name>`, `key:<name>`; None: the system itself):
        recorded on every journal entry and loan event written in this unit of work."""
        return self._actor

    @actor.setter
    def actor(self, actor: str | None) -> None:
        self._actor = actor
        if self._session is not None:
            self._session.info["actor"] = actor

    @property
    def session(self) -> Session:
        """The session of the active block; raises outside ``with``."""
        if self._session is None:
            raise RuntimeError("UnitOfWork.session is only available inside its `with` block")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("UnitOfWork is not re-entrant; create a new one")
        import lms.platform.audit  # noqa: F401  (its flush listener collects the audit trail)

        self._session = self._session_factory()
        self._session.info["actor"] = self._actor
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        self._session = None
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        """Make every change since the last commit durable, with its audit records."""
        from lms.platform.audit import write_pending

        write_pending(self.session)
        self.session.commit()

    def rollback(self) -> None:
        """Discard every change since the last commit (and its audit records)."""
        self.session.rollback()
        self.session.info["audit"] = []

    def audit(self, action: str, entity: str, entity_id: object, **after: object) -> None:
        """Record a change made outside the ORM in the audit trail (lms.platform.audit)."""
        from lms.platform.audit import note

        note(self.session, action, entity, entity_id, **after)

    def requested(self, *, address: str | None, request_id: str | None) -> None:
        """Where the work was asked from: recorded on its audit records."""
        self.session.info["address"], self.session.info["request_id"] = address, request_id

    @property
    def asked(self) -> tuple[str | None, str | None]:
        """Where the work was asked from (`requested`): the address and the request's id."""
        return self.session.info.get("address"), self.session.info.get("request_id")
