"""The poll creation modal: opening it (the one Slack call made before an ack) and its submission."""

import asyncio
import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import poll_blocks, poll_updates, polls
from bot.deps import Deps
from bot.settings import Settings

logger = logging.getLogger(__name__)

OPEN_TIMEOUT_SECONDS = 2.0  # trigger_ids expire after 3 s, and the command must be acked within 3 s


def modal_client(settings: Settings) -> AsyncWebClient:
    """A client for views.open only: no retry handlers (a 429 must not sleep past the ack), short timeout."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, timeout=int(OPEN_TIMEOUT_SECONDS), retry_handlers=[]
    )


async def open_modal(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> str | None:
    """Open the modal within the trigger window; the error to show the user, or None when it opened."""
    try:
        await asyncio.wait_for(client.views_open(trigger_id=trigger_id, view=view), OPEN_TIMEOUT_SECONDS)
        return None
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error")
        logger.warning("views.open failed: %s", code)
        return f"The poll form could not be opened (`{code}`)."
    except (TimeoutError, OSError) as error:
        logger.warning("views.open failed: %r", error)
        return "The poll form could not be opened in time."


class PollViews:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def create_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
            place = polls.Place(
                channel_id=str(metadata["channel_id"]),
                channel_name=metadata.get("channel_name"),
                workshop_id=None,
            )
        except (ValueError, KeyError, TypeError):
            await ack(
                response_action="errors", errors={"question": "This form has expired; run the command again."}
            )
            return
        form = poll_blocks.form_values(view.get("state") or {})
        workshop = form.get("workshop")
        if workshop and workshop.isdigit():
            place = polls.Place(place.channel_id, place.channel_name, int(workshop))
        result = await asyncio.to_thread(polls.create_from_form, self.deps, user_id, place, form)
        if isinstance(result, polls.Refused):
            field = result.field if result.field in form else "question"
            await ack(response_action="errors", errors={field: result.message[:2000]})
            return
        await ack()
        self.deps.later(poll_updates.open_new_poll, self.deps, result.poll_id, None, user_id)


def register(app: AsyncApp, deps: Deps) -> None:
    views = PollViews(deps)
    app.view(poll_blocks.CREATE_CALLBACK)(views.create_submitted)
