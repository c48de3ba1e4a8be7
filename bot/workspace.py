"""Workspace lifecycle: when the app is uninstalled or its tokens revoked, schedules stop; data stays."""

import logging

from sqlalchemy import update
from sqlmodel import col

from bot.deps import Deps
from storage.models import Workshop

logger = logging.getLogger(__name__)


def deactivate(deps: Deps, *, reason: str) -> int:
    """Stop every workshop's schedule. Stored replies and votes are kept until an organiser purges them."""
    with deps.db.transaction() as session:
        result = session.execute(
            update(Workshop)
            .where(col(Workshop.active))
            .values(active=False, revision=col(Workshop.revision) + 1)
        )
        count: int = result.rowcount  # type: ignore[attr-defined]
    logger.warning("%s: schedules stopped for %d workshops; data kept", reason, count)
    return count
