"""The notices' indexes by what reads them: a borrower's notices of a day (the cap), the
notices waiting to be sent (a partial index), a provider's reference once a notice is sent
(a partial index); the whole-table indexes on status and on the borrower alone go, and so
does the foreign key to the loan (loans are never deleted, every notice is queued for a loan
read from the loans table, and its row-by-row check cost a tenth of the close's reminders).

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-05 03:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0056"
down_revision: str | Sequence[str] | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUED = sa.text("status = 'queued'")
_SENT = sa.text("provider_ref IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint("fk_notices_loan_id_loans", type_="foreignkey")
    op.create_index("ix_notices_customer_id_day", "notices", ["customer_id", "day"])
    op.drop_index("ix_notices_customer_id", table_name="notices")
    op.create_index("ix_notices_queued", "notices", ["id"], postgresql_where=_QUEUED,
                    sqlite_where=_QUEUED)  # fmt: skip
    op.drop_index("ix_notices_status", table_name="notices")
    op.drop_index("ix_notices_provider_ref", table_name="notices")
    op.create_index("ix_notices_provider_ref", "notices", ["provider_ref"],
                    postgresql_where=_SENT, sqlite_where=_SENT)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_notices_provider_ref", table_name="notices")
    op.create_index("ix_notices_provider_ref", "notices", ["provider_ref"])
    op.create_index("ix_notices_status", "notices", ["status"])
    op.drop_index("ix_notices_queued", table_name="notices")
    op.create_index("ix_notices_customer_id", "notices", ["customer_id"])
    op.drop_index("ix_notices_customer_id_day", table_name="notices")
    with op.batch_alter_table("notices") as batch:
        batch.create_foreign_key("fk_notices_loan_id_loans", "loans", ["loan_id"], ["id"])
