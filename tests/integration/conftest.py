"""Fixtures for the integration tests: the test-only probe table on every configured database,
a real SMTP server, and the read-side tests' book.

Guarantees: `probe_engine` is the shared `engine` fixture with the ``money_probe`` table
created (and dropped afterwards); the database itself comes from ``tests/conftest.py``;
`smtp` is a local SMTP server (aiosmtpd) and the messages it received; `nine_loans` is the
database URL of book_setup.nine_loans_closed on the test's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from book_setup import nine_loans_closed
from money_probe import ProbeBase
from served import free_port
from sqlalchemy import Engine


@pytest.fixture
def probe_engine(engine: Engine) -> Iterator[Engine]:
    """`engine` with the probe tables created, dropped after the test."""
    ProbeBase.metadata.create_all(engine)
    yield engine
    ProbeBase.metadata.drop_all(engine)


@pytest.fixture
def smtp() -> Iterator[tuple[list[EmailMessage], int]]:
    """(the messages received, the port) of a mail server on the loopback address."""
    received: list[EmailMessage] = []

    class Keep(Message):
        def handle_message(self, message: EmailMessage) -> None:  # type: ignore[override]
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield received, controller.port
    controller.stop()


@pytest.fixture
def nine_loans(db_url: str, engine: Engine) -> str:
    """The read-side tests' book (book_setup.nine_loans_closed) on the test's database."""
    nine_loans_closed(db_url, engine)
    return db_url
