"""the report: the workshop file's [report] table (intro, purpose, reported by) and its `redact` list

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_intro", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("report_purpose", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("report_reported_by", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("redact", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("redact")
        batch_op.drop_column("report_reported_by")
        batch_op.drop_column("report_purpose")
        batch_op.drop_column("report_intro")
