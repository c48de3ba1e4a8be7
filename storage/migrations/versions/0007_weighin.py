"""weigh in: anonymous agree / disagree / pass views on answers, and answers excluded from the deck

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weighinvote",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("response_id", "voter_key"),
    )
    with op.batch_alter_table("weighinvote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weighinvote_workshop_id"), ["workshop_id"], unique=False)
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("excluded_from_deck", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("excluded_from_deck")
    with op.batch_alter_table("weighinvote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weighinvote_workshop_id"))
    op.drop_table("weighinvote")
