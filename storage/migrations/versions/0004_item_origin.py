"""poll origin (workshop file or ad hoc) and the optional file ids of questions and polls

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Existing polls are classified by what only the workshop file's reconciler ever wrote: a poll of a workshop with a
position and no creator came from the file; every other poll (no position, a creator, or no workshop) was made
in Slack. Ad-hoc polls that an earlier reconciler had given a position lose it again, so `workshop show` and
the next reload see them as what they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=8), nullable=False, server_default="adhoc"))
        batch_op.add_column(sa.Column("file_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_poll_file_key", ["workshop_id", "file_key"])
    op.execute(
        "UPDATE poll SET origin = 'file'"
        " WHERE workshop_id IS NOT NULL AND position IS NOT NULL AND created_by IS NULL"
    )
    op.execute("UPDATE poll SET position = NULL WHERE origin = 'adhoc'")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_question_file_key", ["workshop_id", "file_key"])


def downgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_constraint("uq_question_file_key", type_="unique")
        batch_op.drop_column("file_key")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_constraint("uq_poll_file_key", type_="unique")
        batch_op.drop_column("file_key")
        batch_op.drop_column("origin")
