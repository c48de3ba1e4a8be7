"""Events API listeners. Every subscribed event type gets a 2xx, never Bolt's 404."""

import asyncio
import logging
import re
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.people import workspace
from bot.questions import answers, replies
from bot.runtime.deps import Deps
from handlers import payloads

logger = logging.getLogger(__name__)


class Events:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def message(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        started = time.perf_counter()
        message = payloads.thread_message(body)
        outcome = replies.Outcome.IGNORED
        if message is not None and replies.is_candidate(message):
            # Group commit: the ack below waits for a commit that includes this delivery.
            delivery = replies.Delivery(message, self.deps.clock())
            outcome = await self.deps.writes.write(replies.apply_deliveries, delivery)
        await ack()
        if outcome is replies.Outcome.DUPLICATE:
            self.deps.metrics.duplicate("event")
        note = answers.closed_note(message, outcome)
        if note is not None:
            self.deps.later(answers.tell_question_closed, self.deps, note)
        logger.info(
            "event type=message subtype=%s outcome=%s ms=%.1f",
            (body.get("event") or {}).get("subtype") or "-",
            outcome,
            (time.perf_counter() - started) * 1000,
        )

    async def uninstalled(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        event = body.get("event")
        if not isinstance(event, dict):
            event = {}
        if workspace.stops_the_bot(event):
            reason = "tokens_revoked" if event.get("type") == "tokens_revoked" else "app_uninstalled"
            await asyncio.to_thread(workspace.deactivate, self.deps, reason=reason)
        await ack()


async def _ack_only(ack: AsyncAck) -> None:
    await ack()


def register(app: AsyncApp, deps: Deps) -> None:
    events = Events(deps)
    # `event("message")` matches every subtype (edits, deletions, joins...), so none goes unacked.
    app.event("message")(events.message)
    app.event(re.compile(r"^(app_uninstalled|tokens_revoked)$"))(events.uninstalled)  # one listener tried
    app.event("member_joined_channel")(_ack_only)
