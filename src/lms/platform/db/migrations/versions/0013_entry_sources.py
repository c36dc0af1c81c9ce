"""Every journal entry names where it comes from: its source key within the loan (the payment,
the due date, the charge it posts), the loan event it comes from, the event that made it
(a backdated payment or a reversal restating it), and its origin (api, file, close,
migration). Loan events carry a reversal's reason. Ledger alarms: a loan whose ledger differs
from its replayed state after an operation is recorded here (it never silently adjusts).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 19:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    loans_posted = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM journal_entries WHERE loan_id IS NOT NULL"))
        .scalar_one()
    )
    if loans_posted:  # entries without sources would be posted again by the next operation
        raise RuntimeError(
            "this book's loan ledger was written before journal entries named their source;"
            " it cannot be upgraded in place: rebuild it (lms demo --fresh) or book the loans"
            " again by bulk onboarding"
        )
    # plain ADD COLUMN (no table rebuild): the ledger's append-only triggers stay in place
    op.add_column("journal_entries", sa.Column("source", sa.String(96), nullable=True))
    op.add_column("journal_entries", sa.Column("event_id", sa.Integer(), nullable=True))
    op.add_column("journal_entries", sa.Column("cause_event_id", sa.Integer(), nullable=True))
    op.add_column("journal_entries", sa.Column("origin", sa.String(16), nullable=True))
    op.create_index("ix_journal_entries_event_id", "journal_entries", ["event_id"])
    op.add_column("loan_events", sa.Column("reason", sa.String(32), nullable=True))
    op.create_table(
        "ledger_alarms",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("cause_event_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_alarms")
    with op.batch_alter_table("loan_events") as batch_op:
        batch_op.drop_column("reason")
    op.drop_index("ix_journal_entries_event_id", "journal_entries")
    for column in ("origin", "cause_event_id", "event_id", "source"):
        op.drop_column("journal_entries", column)
