"""Loan servicing tables: branches, customers, versioned products, loans, events, installments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:52:33.191465+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import DecimalText, Money

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "branches",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_branches")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("min_amount", Money(), nullable=False),
        sa.Column("max_amount", Money(), nullable=False),
        sa.Column("min_rate", DecimalText(), nullable=False),
        sa.Column("max_rate", DecimalText(), nullable=False),
        sa.Column("min_tenure", sa.Integer(), nullable=False),
        sa.Column("max_tenure", sa.Integer(), nullable=False),
        sa.Column("waterfall", sa.JSON(), nullable=True),
        sa.Column("future_rule", sa.String(length=8), nullable=True),
        sa.Column("bounce_charge", Money(), nullable=True),
        sa.Column("bounce_charge_tax", DecimalText(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_products_code_version")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("pan_masked", sa.String(length=10), nullable=True),
        sa.Column("aadhaar_last4", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_code"], ["branches.code"], name=op.f("fk_customers_branch_code_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_branch_code"), ["branch_code"], unique=False)

    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("principal", Money(), nullable=False),
        sa.Column("annual_rate", DecimalText(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("emi", Money(), nullable=False),
        sa.Column("apr", DecimalText(), nullable=True),
        sa.Column("net_disbursed", Money(), nullable=False),
        sa.Column("excess", Money(), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("interest_posted_through", sa.Date(), nullable=True),
        sa.Column("last_event_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_code"], ["branches.code"], name=op.f("fk_loans_branch_code_branches")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_loans_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_loans_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
        sa.UniqueConstraint("external_id", name=op.f("uq_loans_external_id")),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_branch_code"), ["branch_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_loans_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loans_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loans_status"), ["status"], unique=False)

    op.create_table(
        "loan_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=True),
        sa.Column("tax", Money(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_events_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_events")),
        sa.UniqueConstraint(
            "loan_id", "idempotency_key", name=op.f("uq_loan_events_loan_id_idempotency_key")
        ),
        sa.UniqueConstraint(
            "loan_id", "kind", "reference", name=op.f("uq_loan_events_loan_id_kind_reference")
        ),
    )
    with op.batch_alter_table("loan_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_events_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "loan_installments",
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal", Money(), nullable=False),
        sa.Column("interest", Money(), nullable=False),
        sa.Column("principal_paid", Money(), nullable=False),
        sa.Column("interest_paid", Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_installments_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("loan_id", "number", name=op.f("pk_loan_installments")),
    )


def downgrade() -> None:
    """Downgrade schema."""

    op.drop_table("loan_installments")
    with op.batch_alter_table("loan_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_events_loan_id"))

    op.drop_table("loan_events")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_status"))
        batch_op.drop_index(batch_op.f("ix_loans_product_id"))
        batch_op.drop_index(batch_op.f("ix_loans_customer_id"))
        batch_op.drop_index(batch_op.f("ix_loans_branch_code"))

    op.drop_table("loans")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_branch_code"))

    op.drop_table("customers")
    op.drop_table("products")
    op.drop_table("branches")
