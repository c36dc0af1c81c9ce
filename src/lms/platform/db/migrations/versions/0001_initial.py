"""Initial revision: the empty lms schema every later migration builds on.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: nothing yet."""


def downgrade() -> None:
    """Downgrade schema: nothing yet."""
