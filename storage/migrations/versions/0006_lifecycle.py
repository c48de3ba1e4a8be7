"""why a workshop is inactive; when a closed question's message was updated to say so

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inactive_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_shown_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    # Before this revision only an uninstall or a revocation deactivated a workshop: say so, so that the
    # next successful auth.test brings those workshops back.
    op.execute(
        sa.text(
            "UPDATE workshop SET inactive_reason = 'app_uninstalled' WHERE active = :inactive"
        ).bindparams(inactive=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_column("closed_shown_at")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("inactive_reason")
