"""Schedule revisions and product rules: prepayment and rate-change events, floating rates
(benchmarks and spreads), loans paid out in tranches, foreclosure and penal charge rules, co-borrowers and guarantors,
consents, customer kind and addresses, the loan's disbursement account and documents, and each loan's oldest unpaid due date (for DPD).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 11:55:00+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import DecimalText, Money

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "customers": [
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("addresses", sa.JSON(), nullable=True),
    ],
    "products": [
        sa.Column("fee_collection", sa.String(length=8), nullable=True),
        sa.Column("rate_type", sa.String(length=8), nullable=True),
        sa.Column("benchmark", sa.String(length=32), nullable=True),
        sa.Column("reschedule", sa.String(length=16), nullable=True),
        sa.Column("foreclosure_charge", DecimalText(), nullable=True),
        sa.Column("foreclosure_charge_tax", DecimalText(), nullable=True),
        sa.Column("penal_rate", DecimalText(), nullable=True),
        sa.Column("penal_tax", DecimalText(), nullable=True),
    ],
    "loans": [
        sa.Column("first_tranche", Money(), nullable=True),
        sa.Column("disbursement_account", sa.JSON(), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=True),
        sa.Column("spread", DecimalText(), nullable=True),
        sa.Column("oldest_unpaid_due", sa.Date(), nullable=True),
    ],
    "loan_events": [
        sa.Column("rate", DecimalText(), nullable=True),
        sa.Column("reschedule", sa.String(length=16), nullable=True),
    ],
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.add_column(column)
    with op.batch_alter_table("loans") as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_oldest_unpaid_due"), ["oldest_unpaid_due"])
    with op.batch_alter_table("loan_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_events_reference"), ["reference"])
    _create_tables()


def _create_tables() -> None:
    op.create_table(
        "loan_parties",
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), primary_key=True),
        sa.Column("role", sa.String(length=16), nullable=False),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("text_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_consents_customer_id"), "consents", ["customer_id"])
    op.create_table(
        "benchmark_rates",
        sa.Column("benchmark", sa.String(length=32), primary_key=True),
        sa.Column("effective_from", sa.Date(), primary_key=True),
        sa.Column("rate", DecimalText(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("benchmark_rates")
    op.drop_index(op.f("ix_consents_customer_id"), table_name="consents")
    op.drop_table("consents")
    op.drop_table("loan_parties")
    with op.batch_alter_table("loan_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_events_reference"))
    with op.batch_alter_table("loans") as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_oldest_unpaid_due"))
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column.name)
