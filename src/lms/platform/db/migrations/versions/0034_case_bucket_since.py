"""The day each collection case entered its bucket, kept on the case (the strategies count
their days from it), filled in from each case's history.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03 18:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | Sequence[str] | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection_cases") as batch:
        batch.add_column(sa.Column("bucket_since", sa.Date(), nullable=True))
    # a move between buckets names the bucket in its detail (a broken promise's escalation
    # does not: the case stayed where it was)
    named = (
        "e.detail ->> 'bucket' IS NOT NULL"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(e.detail, '$.bucket') IS NOT NULL"
    )
    op.execute(
        "UPDATE collection_cases SET bucket_since = (SELECT max(e.day) FROM case_events e"
        " WHERE e.case_id = collection_cases.id"
        f" AND e.kind IN ('opened', 'escalated', 'eased') AND {named})"
    )
    op.execute("UPDATE collection_cases SET bucket_since = opened_on WHERE bucket_since IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("collection_cases") as batch:
        batch.drop_column("bucket_since")
