"""The deck modal in Slack: the view to open, and `views.update` to what comes next (after the ack).

`views.update` carries the hash of the view the click came from, so a retried or doubled click that
lost the race never overwrites the newer view the winner drew.
"""

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.runtime.deps import Deps
from bot.weighin import blocks, deck

logger = logging.getLogger(__name__)


def first_view(deps: Deps, user_id: str, scope: deck.Scope) -> dict[str, Any] | deck.Refused:
    """The modal a Weigh in button opens: the person's next statement in this deck."""
    loaded = deck.load(deps, user_id, deck.DeckState(scope))
    return loaded if isinstance(loaded, deck.Refused) else blocks.deck_modal(loaded)


def show(
    deps: Deps, user_id: str, view_id: str, view_hash: str | None, state: deck.DeckState, note: str | None
) -> None:
    """Redraw the open modal for `state` (the next statement, the end, or the review page)."""
    loaded = deck.load(deps, user_id, state, note)
    view = (
        {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Weigh in"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": loaded.message}}],
        }
        if isinstance(loaded, deck.Refused)
        else blocks.deck_modal(loaded)
    )
    try:
        deps.slack.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:
        code = error.response.get("error")
        if code == "hash_conflict":  # a newer click already redrew this modal
            logger.info("weigh-in modal already redrawn by a newer click")
            return
        logger.warning("views.update of a weigh-in modal failed: %s", code)
