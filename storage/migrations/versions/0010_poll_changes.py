"""poll changes: votes mark the polls they changed instead of bumping poll.vote_version

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pollchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pollchange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pollchange_poll_id"), ["poll_id"], unique=False)


def downgrade() -> None:
    # Pending markers become version bumps, so no message is left showing counts older than its votes.
    op.execute(
        "UPDATE poll SET vote_version = vote_version + 1"
        " WHERE id IN (SELECT DISTINCT poll_id FROM pollchange)"
    )
    with op.batch_alter_table("pollchange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pollchange_poll_id"))
    op.drop_table("pollchange")
