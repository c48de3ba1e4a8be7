"""Workspace lifecycle: uninstalling the app or revoking its bot token stops schedules; data stays.

Only the bot's own token matters: `tokens_revoked` also reports revoked *user* tokens (`tokens.oauth`),
which Roundtable never uses, so those change nothing. Each workshop stopped this way records why, and the
next successful `auth.test` (at start and every few minutes, see bot.runtime.scheduler) brings back exactly those
workshops: a reinstall, or a new token in `SLACK_BOT_TOKEN`, resumes the schedules without a reload.
"""

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlmodel import col

from bot.runtime.deps import Deps
from storage.models import Workshop

logger = logging.getLogger(__name__)

# The reasons an uninstall or revocation records; a workshop inactive for any other reason stays so.
UNINSTALL_REASONS = ("app_uninstalled", "tokens_revoked")


def stops_the_bot(event: dict[str, Any]) -> bool:
    """Whether a lifecycle event takes away the bot's own token (not just some user tokens)."""
    if event.get("type") == "app_uninstalled":
        return True
    tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
    return bool((tokens or {}).get("bot"))


def deactivate(deps: Deps, *, reason: str) -> int:
    """Stop every active workshop's schedule, recording why. Replies and votes are kept until purged."""
    with deps.db.transaction() as session:
        result = session.exec(
            update(Workshop)
            .where(col(Workshop.active))
            .values(active=False, inactive_reason=reason, revision=col(Workshop.revision) + 1)
        )
        count = result.rowcount
    logger.warning("%s: schedules stopped for %d workshops; data kept", reason, count)
    return count


def reactivate(deps: Deps) -> int:
    """Resume the workshops an uninstall or revocation stopped (and only those)."""
    with deps.db.transaction() as session:
        result = session.exec(
            update(Workshop)
            .where(~col(Workshop.active), col(Workshop.inactive_reason).in_(UNINSTALL_REASONS))
            .values(active=True, inactive_reason=None, revision=col(Workshop.revision) + 1)
        )
        count = result.rowcount
    if count:
        logger.warning("the bot token works again: schedules resumed for %d workshops", count)
    return count


def check_token(deps: Deps) -> bool:
    """auth.test; on success, resume what an uninstall stopped. False while the token does not work."""
    try:
        deps.slack.auth_test()
    except SlackApiError as error:
        logger.info("auth.test failed (%s); schedules stay as they are", error.response.get("error"))
        return False
    except OSError as error:  # Slack unreachable: try again at the next check
        logger.info("auth.test failed (%r); schedules stay as they are", error)
        return False
    reactivate(deps)
    return True
