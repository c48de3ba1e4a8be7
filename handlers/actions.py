"""Clicks (block_actions) on poll and question messages. Store or check, ack, then reply.

Polls: vote, change, toggle, remove, close, add a reason. The vote is stored (deduplicated on the click's
action_ts, by bot.polls.rules) before the ack; the voter's ephemeral confirmation goes through the response_url
afterwards, and the message itself is re-rendered by the scheduler's coalescing updater, never here.

Questions: "Answer privately" and the overflow's "Close with a conclusion" open their modal, after a
read-only check, with views.open: the one Slack call made before the ack (the trigger_id lasts 3 s).
"""

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.polls import blocks as poll_blocks
from bot.polls import rules as polls
from bot.polls import updates as poll_updates
from bot.questions import blocks as question_blocks
from bot.questions import controls as question_controls
from bot.runtime.deps import Deps
from handlers import views

logger = logging.getLogger(__name__)

REFUSALS = {
    "closed": "Poll #{poll_id} is closed; it no longer takes votes. The message shows the final results.",
    "not-open": "Poll #{poll_id} is not open for voting.",
    "unknown": "That poll or option no longer exists.",
}
UNKNOWN_QUESTION = "That question no longer exists."


class PollActions:
    def __init__(self, deps: Deps, modal_client: AsyncWebClient) -> None:
        self.deps = deps
        self.modal_client = modal_client

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
        reply(self.deps, body, text)

    async def add_reason(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        poll_id = poll_blocks.parse_poll_value(str(action.get("value") or ""))
        user_id = (body.get("user") or {}).get("id", "")
        if poll_id is None or not user_id:
            await ack()
            reply(self.deps, body, REFUSALS["unknown"])
            return
        prompt = await asyncio.to_thread(polls.reason_prompt, self.deps, poll_id, user_id)
        if isinstance(prompt, polls.Refused):
            await ack()
            reply(self.deps, body, prompt.message)
            return
        view = poll_blocks.reason_modal(prompt)
        problem = await views.open_modal(
            self.modal_client, str(body.get("trigger_id") or ""), view, "reason form"
        )
        await ack()
        if problem is not None:
            reply(self.deps, body, problem)

    async def _vote(self, ack: AsyncAck, body: dict[str, Any], target: tuple[int, int | None] | None) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        action = (body.get("actions") or [{}])[0]
        if target is None or not user_id:
            await ack()
            reply(self.deps, body, REFUSALS["unknown"])
            return
        poll_id, position = target
        # Group commit: the ack below waits for a commit that includes this click.
        click = polls.click(
            self.deps, poll_id, position, user_id, action.get("action_ts"), body.get("trigger_id")
        )
        result = await self.deps.writes.write(polls.apply_clicks, click)
        await ack()
        if result.outcome == "duplicate":
            self.deps.metrics.duplicate("click")
        if result.outcome == "duplicate" or not body.get("response_url"):
            # Voters are answered only through the response_url (Slack sends one with every click on a
            # message): chat.postEphemeral would log the voter's id beside their choice at DEBUG.
            return
        if result.outcome in REFUSALS:
            reply(self.deps, body, REFUSALS[result.outcome].format(poll_id=poll_id))
        elif position is None:
            reply(self.deps, body, poll_blocks.removal_confirmation(poll_id, result.outcome == "removed"))
        else:
            text = poll_blocks.vote_confirmation(
                poll_id, result.question, result.kind, result.chosen, result.toggled_off
            )
            reply(self.deps, body, **poll_blocks.vote_reply(text, poll_id, offer_reason=result.offers_reason))


class QuestionActions:
    def __init__(self, deps: Deps, modal_client: AsyncWebClient) -> None:
        self.deps = deps
        self.modal_client = modal_client

    async def answer_privately(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        question_id = question_blocks.parse_question_value(str(action.get("value") or ""))
        if question_id is None:
            await ack()
            reply(self.deps, body, UNKNOWN_QUESTION)
            return
        prompt = await asyncio.to_thread(question_controls.private_answer_prompt, self.deps, question_id)
        if isinstance(prompt, question_controls.Refusal):
            await ack()
            reply(self.deps, body, prompt.message)
            return
        view = question_blocks.private_answer_modal(question_id, prompt.text)
        await self._open(ack, body, view, "answer form")

    async def menu(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        selected = str((action.get("selected_option") or {}).get("value") or "")
        question_id = question_blocks.parse_conclude_value(selected)
        user_id = (body.get("user") or {}).get("id", "")
        if question_id is None or not user_id:
            await ack()
            reply(self.deps, body, UNKNOWN_QUESTION)
            return
        prompt = await asyncio.to_thread(question_controls.conclusion_prompt, self.deps, question_id, user_id)
        if isinstance(prompt, question_controls.Refusal):  # checked before any form opens
            await ack()
            reply(self.deps, body, prompt.message)
            return
        view = question_blocks.conclusion_modal(question_id, prompt.text)
        await self._open(ack, body, view, "conclusion form")

    async def _open(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], form: str) -> None:
        problem = await views.open_modal(self.modal_client, str(body.get("trigger_id") or ""), view, form)
        await ack()
        if problem is not None:
            reply(self.deps, body, problem)


def reply(deps: Deps, body: dict[str, Any], text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """An ephemeral reply to the person who clicked, after the ack."""
    response_url = body.get("response_url")
    if response_url:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called from a thread: the synchronous client, in the background pool
            deps.later(poll_updates.respond, deps, response_url, text, blocks)
        else:  # a handler on the event loop: a task on it, no thread hand-off (the hot path of a click)
            deps.followups.send_soon(loop, response_url, text, blocks)
        return
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    user_id = (body.get("user") or {}).get("id")
    if channel and user_id:
        deps.later(poll_updates.tell, deps, channel, user_id, text, blocks)


def register(app: AsyncApp, deps: Deps) -> None:
    modal_client = views.modal_client(deps.settings)
    actions = PollActions(deps, modal_client)
    app.action(poll_blocks.VOTE_ACTION)(actions.vote)
    app.action(poll_blocks.CHOOSE_ACTION)(actions.choose)
    app.action(poll_blocks.UNVOTE_ACTION)(actions.unvote)
    app.action(poll_blocks.CLOSE_ACTION)(actions.close)
    app.action(poll_blocks.ADD_REASON_ACTION)(actions.add_reason)
    question_actions = QuestionActions(deps, modal_client)
    app.action(question_blocks.ANSWER_PRIVATELY_ACTION)(question_actions.answer_privately)
    app.action(question_blocks.QUESTION_MENU_ACTION)(question_actions.menu)
