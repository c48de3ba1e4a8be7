"""Weigh in: the Weigh in button, the deck modal's buttons, and the exclude / include message shortcuts.

Agree / Disagree / Pass are stored through the group-commit writer before the ack (bot.weighin.deck,
deduplicated on the click's action_ts under a keyed hash); the modal is redrawn with views.update after
the ack. Skip, review and paging write nothing: they only redraw the modal. Nothing here logs who clicked.
"""

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.deps import Deps
from bot.weighin import blocks, deck, modal, rounds
from handlers import views
from handlers.actions import reply

logger = logging.getLogger(__name__)


class Weighin:
    def __init__(self, deps: Deps, modal_client: AsyncWebClient) -> None:
        self.deps = deps
        self.modal_client = modal_client

    async def open(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id") or "")
        scope = blocks.parse_scope(str(action.get("value") or ""))
        if scope is None or not user_id:
            await ack()
            reply(self.deps, body, deck.UNKNOWN)
            return
        view = await asyncio.to_thread(modal.first_view, self.deps, user_id, scope)
        if isinstance(view, deck.Refused):
            await ack()
            reply(self.deps, body, view.message)
            return
        problem = await views.open_modal(
            self.modal_client, str(body.get("trigger_id") or ""), view, "weigh-in"
        )
        await ack()
        if problem is not None:
            reply(self.deps, body, problem)

    async def choose(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        opened = _opened(body)
        response_id = blocks.parse_statement(str(action.get("value") or ""))
        choice = blocks.CHOICE_ACTIONS.get(str(action.get("action_id")))
        if opened is None or response_id is None or choice is None:
            await ack()
            return
        user_id, view_id, view_hash, state = opened
        delivery = str(action.get("action_ts") or body.get("trigger_id") or "")  # Slack's id of this click
        click = deck.click(self.deps, response_id, choice, user_id, delivery)
        # Group commit: the ack below waits for a commit that includes this view.
        result = await self.deps.writes.write(deck.apply_clicks, click)
        await ack()
        if result.outcome == "duplicate":
            return  # a retry: the first delivery redraws the modal
        self.deps.later(modal.show, self.deps, user_id, view_id, view_hash, state, deck.note_for(result))

    async def skip(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        opened = _opened(body)
        response_id = blocks.parse_statement(str(action.get("value") or ""))
        await ack()
        if opened is not None and response_id is not None:
            user_id, view_id, view_hash, state = opened
            self.deps.later(modal.show, self.deps, user_id, view_id, view_hash, state.skip(response_id), None)

    async def review(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await self._redraw(ack, body, "review", str(action.get("value") or "0"))

    async def back(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:  # noqa: ARG002
        await self._redraw(ack, body, "deck", "0")

    async def page(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await self._redraw(ack, body, "review", str(action.get("value") or "0"))

    async def _redraw(self, ack: AsyncAck, body: dict[str, Any], mode: str, page: str) -> None:
        opened = _opened(body)
        await ack()
        if opened is not None:
            user_id, view_id, view_hash, state = opened
            number = blocks.parse_page(page)
            self.deps.later(
                modal.show, self.deps, user_id, view_id, view_hash, state.with_mode(mode, number), None
            )

    async def exclude(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await self._set_exclusion(ack, body, excluded=True)

    async def include(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await self._set_exclusion(ack, body, excluded=False)

    async def _set_exclusion(self, ack: AsyncAck, body: dict[str, Any], *, excluded: bool) -> None:
        user_id = str((body.get("user") or {}).get("id") or "")
        channel_id = str((body.get("channel") or {}).get("id") or "")
        message_ts = str((body.get("message") or {}).get("ts") or body.get("message_ts") or "")
        if not (user_id and channel_id and message_ts):
            await ack()
            reply(self.deps, body, rounds.NOT_AN_ANSWER)
            return
        text = await asyncio.to_thread(
            rounds.set_exclusion, self.deps, user_id, channel_id, message_ts, excluded
        )
        await ack()
        reply(self.deps, body, text)


def _opened(body: dict[str, Any]) -> tuple[str, str, str | None, deck.DeckState] | None:
    """(user, view id, view hash, deck state) of a click inside the deck modal, or None."""
    user_id = str((body.get("user") or {}).get("id") or "")
    view = body.get("view") or {}
    state = blocks.decode_state(str(view.get("private_metadata") or ""))
    view_id = str(view.get("id") or "")
    if not user_id or not view_id or state is None:
        return None
    return user_id, view_id, (str(view["hash"]) if view.get("hash") else None), state


def register(app: AsyncApp, deps: Deps) -> None:
    handler = Weighin(deps, views.modal_client(deps.settings))
    # Agree / Disagree / Pass first and as one listener: a deck click is matched on the first try here.
    choices = re.compile("^(" + "|".join(re.escape(action) for action in blocks.CHOICE_ACTIONS) + ")$")
    app.action(choices)(handler.choose)
    app.action(blocks.OPEN_ACTION)(handler.open)
    app.action(blocks.SKIP_ACTION)(handler.skip)
    app.action(blocks.REVIEW_ACTION)(handler.review)
    app.action(blocks.BACK_ACTION)(handler.back)
    app.action(blocks.PAGE_ACTION)(handler.page)
    app.shortcut(blocks.EXCLUDE_SHORTCUT)(handler.exclude)
    app.shortcut(blocks.INCLUDE_SHORTCUT)(handler.include)
