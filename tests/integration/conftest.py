"""Fixtures for the integration tests: the test-only probe table on every configured database.

Guarantees: `probe_engine` is the shared `engine` fixture with the ``money_probe`` table
created (and dropped afterwards); the database itself comes from ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from money_probe import ProbeBase
from sqlalchemy import Engine


@pytest.fixture
def probe_engine(engine: Engine) -> Iterator[Engine]:
    """`engine` with the probe tables created, dropped after the test."""
    ProbeBase.metadata.create_all(engine)
    yield engine
    ProbeBase.metadata.drop_all(engine)
