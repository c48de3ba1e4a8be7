"""Clicks on poll messages (block_actions): vote, change, toggle, remove, close. Store, ack, then reply.

The vote is stored (deduplicated on user + action_ts) before the ack; the voter's ephemeral
confirmation goes through the response_url afterwards, and the message itself is re-rendered by the
scheduler's coalescing updater, never here.
"""

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import poll_blocks, poll_updates, polls
from bot.deps import Deps

logger = logging.getLogger(__name__)

REFUSALS = {
    "closed": "Poll #{poll_id} is closed; it no longer takes votes. The message shows the final results.",
    "not-open": "Poll #{poll_id} is not open for voting.",
    "unknown": "That poll or option no longer exists.",
}


class PollActions:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def vote(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await self._vote(ack, body, poll_blocks.parse_vote_value(str(action.get("value") or "")))

    async def choose(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        selected = (action.get("selected_option") or {}).get("value") or ""
        await self._vote(ack, body, poll_blocks.parse_vote_value(str(selected)))

    async def unvote(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        poll_id = poll_blocks.parse_poll_value(str(action.get("value") or ""))
        await self._vote(ack, body, (poll_id, None) if poll_id is not None else None)

    async def close(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        poll_id = poll_blocks.parse_poll_value(str(action.get("value") or ""))
        user_id = (body.get("user") or {}).get("id", "")
        if poll_id is None:
            text = REFUSALS["unknown"]
        else:
            text = (await asyncio.to_thread(polls.close, self.deps, poll_id, user_id)).message
        await ack()
        self._reply(body, text)

    async def _vote(self, ack: AsyncAck, body: dict[str, Any], target: tuple[int, int | None] | None) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        action = (body.get("actions") or [{}])[0]
        if target is None or not user_id:
            await ack()
            self._reply(body, REFUSALS["unknown"])
            return
        poll_id, position = target
        dedupe = f"poll-action:{user_id}:{action.get('action_ts') or body.get('trigger_id')}"
        result = await asyncio.to_thread(polls.vote, self.deps, poll_id, position, user_id, dedupe)
        await ack()
        if result.outcome == "duplicate":
            return
        if result.outcome in REFUSALS:
            text = REFUSALS[result.outcome].format(poll_id=poll_id)
        elif position is None:
            text = poll_blocks.removal_confirmation(poll_id, result.outcome == "removed")
        else:
            text = poll_blocks.vote_confirmation(
                poll_id, result.question, result.kind, result.chosen, result.toggled_off
            )
        self._reply(body, text)

    def _reply(self, body: dict[str, Any], text: str) -> None:
        response_url = body.get("response_url")
        if response_url:
            self.deps.later(poll_updates.respond, self.deps, response_url, text)
        else:
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
            user_id = (body.get("user") or {}).get("id")
            if channel and user_id:
                self.deps.later(poll_updates.tell, self.deps, channel, user_id, text)


def register(app: AsyncApp, deps: Deps) -> None:
    actions = PollActions(deps)
    app.action(poll_blocks.VOTE_ACTION)(actions.vote)
    app.action(poll_blocks.CHOOSE_ACTION)(actions.choose)
    app.action(poll_blocks.UNVOTE_ACTION)(actions.unvote)
    app.action(poll_blocks.CLOSE_ACTION)(actions.close)
