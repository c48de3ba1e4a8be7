"""anonymous votes unlinkable: no click times on anonymous votes and reasons, no dedupe keys with user ids

Data only; the schema is unchanged. Votes and reasons in anonymous polls take their poll's opening time
instead of the click's, and the old dedupe keys of poll clicks and reason submissions
(`poll-action:<user id>:<action_ts>`, `poll-reason:<view id>`) are dropped: they named the voter, and the
new code neither reads nor writes them (its keys are keyed hashes, see bot.polls.rules.delivery_key).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

poll = sa.table(
    "poll",
    sa.column("id", sa.Integer),
    sa.column("anonymous", sa.Boolean),
    sa.column("open_at", sa.DateTime),
    sa.column("created_at", sa.DateTime),
)
processed = sa.table("processedevent", sa.column("key", sa.String))


def upgrade() -> None:
    anonymous_polls = sa.select(poll.c.id).where(poll.c.anonymous == sa.true())
    for name in ("vote", "pollreason"):
        rows = sa.table(name, sa.column("poll_id", sa.Integer), sa.column("created_at", sa.DateTime))
        opened = (
            sa.select(sa.func.coalesce(poll.c.open_at, poll.c.created_at))
            .where(poll.c.id == rows.c.poll_id)
            .scalar_subquery()
        )
        op.execute(rows.update().where(rows.c.poll_id.in_(anonymous_polls)).values(created_at=opened))
    op.execute(
        processed.delete().where(
            sa.or_(processed.c.key.like("poll-action:%"), processed.c.key.like("poll-reason:%"))
        )
    )


def downgrade() -> None:
    # Nothing to restore: the click times were never kept, and the old code only needs dedupe keys for
    # deliveries that arrive after the downgrade.
    pass
