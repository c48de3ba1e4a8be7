"""early replies: thread messages that arrive before their question's ts is recorded

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "earlyreply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edit_ts", sa.String(length=32), nullable=True),
        sa.Column("broadcast", sa.Boolean(), nullable=False),
        sa.Column("received_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("earlyreply", schema=None) as batch_op:
        batch_op.create_index("ix_earlyreply_thread", ["channel_id", "thread_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_earlyreply_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("earlyreply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_earlyreply_received_at"))
        batch_op.drop_index("ix_earlyreply_thread")
    op.drop_table("earlyreply")
