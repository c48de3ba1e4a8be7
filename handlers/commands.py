"""The `/roundtable` slash command: parse the subcommand, call the service, answer ephemerally."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import commands
from bot.digest import delivery as digest_delivery
from bot.people import data_rights
from bot.polls import blocks as poll_blocks
from bot.polls import rules as polls
from bot.polls import updates as poll_updates
from bot.questions import nudges, status
from bot.runtime.deps import Deps
from bot.text import escape
from bot.weighin import rounds as weighin_rounds
from handlers import blocks, views

logger = logging.getLogger(__name__)

COMMAND = "/roundtable"
Subcommand = Callable[[AsyncAck, "SlashCommand"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """The parts of a slash-command payload subcommands use."""

    user_id: str
    channel_id: str
    channel_name: str | None
    arguments: str
    trigger_id: str | None
    response_url: str | None

    @classmethod
    def from_payload(cls, command: dict[str, Any], arguments: str) -> "SlashCommand":
        return cls(
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            channel_name=command.get("channel_name"),
            arguments=arguments,
            trigger_id=command.get("trigger_id"),
            response_url=command.get("response_url"),
        )


class Commands:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.subcommands: dict[str, Subcommand] = {
            "help": self.help,
            "status": self.status,
            "poll": self.poll,
            "close": self.close,
            "digest": self.digest,
            "nudges": self.nudges,
            "forget-me": self.forget_me,
            "my-data": self.my_data,
            "weigh-in": self.weigh_in,
        }
        self.modal_client = views.modal_client(deps.settings)

    async def roundtable(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        invocation = commands.parse(command.get("text", ""))
        subcommand = self.subcommands.get(invocation.name)
        if subcommand is None:
            await ack(
                text=f"Unknown subcommand `{escape(invocation.name)}`. Try `/roundtable help`.",
                response_type="ephemeral",
            )
            return
        await subcommand(ack, SlashCommand.from_payload(command, invocation.arguments))

    async def help(self, ack: AsyncAck, request: SlashCommand) -> None:  # noqa: ARG002
        await ack(text=commands.HELP_TEXT, response_type="ephemeral")

    async def status(self, ack: AsyncAck, request: SlashCommand) -> None:
        statuses = await asyncio.to_thread(
            status.channel_status,
            self.deps.db,
            request.channel_id,
            request.channel_name,
            request.user_id,
            self.deps.organisers,
        )
        await ack(
            text=blocks.status_text(statuses),
            blocks=blocks.status_blocks(statuses),
            response_type="ephemeral",
        )

    async def poll(self, ack: AsyncAck, request: SlashCommand) -> None:
        place = polls.Place(request.channel_id, request.channel_name)
        if not request.arguments:
            await self._open_poll_form(ack, request, place)
            return
        result = await asyncio.to_thread(
            polls.create_from_command, self.deps, request.user_id, place, request.arguments
        )
        if isinstance(result, polls.Refused):
            await ack(text=f":warning: {result.message}", response_type="ephemeral")
            return
        await ack(
            text=f"Posting poll #{result.poll_id}. Close it with *Close poll* or `/roundtable close {result.poll_id}`.",
            response_type="ephemeral",
        )
        self.deps.later(
            poll_updates.open_new_poll, self.deps, result.poll_id, request.response_url, request.user_id
        )

    async def _open_poll_form(self, ack: AsyncAck, request: SlashCommand, place: polls.Place) -> None:
        workshops, refused = await asyncio.to_thread(polls.modal_workshops, self.deps, request.user_id, place)
        if refused is not None:
            await ack(text=f":warning: {refused.message}", response_type="ephemeral")
            return
        view = poll_blocks.create_modal(request.channel_id, request.channel_name, workshops)
        # views.open is the one Slack call made before the ack: the trigger_id is only valid for 3 s.
        problem = await views.open_modal(self.modal_client, request.trigger_id or "", view)
        if problem is not None:
            await ack(
                text=f":warning: {problem} Use {polls.USAGE.split(' (')[0]} instead.",
                response_type="ephemeral",
            )
            return
        await ack()

    async def close(self, ack: AsyncAck, request: SlashCommand) -> None:
        try:
            poll_id = commands.poll_to_close(request.arguments)
        except commands.ArgumentError as problem:
            await ack(text=f":warning: {problem}", response_type="ephemeral")
            return
        result = await asyncio.to_thread(polls.close, self.deps, poll_id, request.user_id)
        await ack(text=result.message, response_type="ephemeral")

    async def digest(self, ack: AsyncAck, request: SlashCommand) -> None:
        try:
            digest_request = await asyncio.to_thread(
                digest_delivery.request_digest,
                self.deps,
                request.user_id,
                request.arguments,
                request.channel_id,
                request.channel_name,
            )
        except digest_delivery.DigestRefused as refused:
            await ack(text=f":warning: {refused}", response_type="ephemeral")
            return
        where = {
            "dm": "by direct message",
            "channel": "in the workshop channel",
            "thread": "under the first question",
        }
        await ack(
            text=f"Compiling the digest of `{digest_request.slug}`; it will arrive {where[digest_request.destination]}.",
            response_type="ephemeral",
        )
        self.deps.later(digest_delivery.deliver_or_report, self.deps, digest_request)

    async def nudges(self, ack: AsyncAck, request: SlashCommand) -> None:
        choice = request.arguments.strip().lower()
        if choice not in ("on", "off"):
            await ack(text="Usage: `/roundtable nudges off` (or `on`).", response_type="ephemeral")
            return
        await asyncio.to_thread(nudges.set_preference, self.deps, request.user_id, choice == "on")
        text = (
            "Reminders are on: before a question closes, you may get one private message if you have not answered."
            if choice == "on"
            else "Reminders are off: Roundtable will not message you about unanswered questions."
        )
        await ack(text=text, response_type="ephemeral")

    async def forget_me(self, ack: AsyncAck, request: SlashCommand) -> None:
        if request.arguments.strip().lower() != "confirm":
            held = await asyncio.to_thread(data_rights.summary_of, self.deps.db, request.user_id)
            await ack(text=data_rights.forget_preview(held), response_type="ephemeral")
            return
        deleted = await asyncio.to_thread(data_rights.forget_person, self.deps.db, request.user_id)
        await ack(text=data_rights.forgotten(deleted), response_type="ephemeral")

    async def weigh_in(self, ack: AsyncAck, request: SlashCommand) -> None:
        result = await asyncio.to_thread(
            weighin_rounds.start_round,
            self.deps,
            request.user_id,
            request.channel_id,
            request.channel_name,
            request.arguments,
        )
        if isinstance(result, weighin_rounds.Refused):
            await ack(text=f":warning: {result.message}", response_type="ephemeral")
            return
        await ack(
            text=f"Inviting everyone to weigh in on question {result.number}, in its thread.",
            response_type="ephemeral",
        )
        self.deps.later(weighin_rounds.post_invitation, self.deps, result)

    async def my_data(self, ack: AsyncAck, request: SlashCommand) -> None:
        await ack(text="Your data is on its way as a file in a direct message.", response_type="ephemeral")
        self.deps.later(data_rights.send_export, self.deps, request.user_id)


def register(app: AsyncApp, deps: Deps) -> Commands:
    handler = Commands(deps)
    app.command(COMMAND)(handler.roundtable)
    return handler
