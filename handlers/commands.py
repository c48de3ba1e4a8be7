"""The `/roundtable` slash command: parse the subcommand, call the service, answer ephemerally."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import commands, status
from bot.deps import Deps
from bot.mrkdwn import escape
from handlers import blocks

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
        self.subcommands: dict[str, Subcommand] = {"help": self.help, "status": self.status}

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
            status.channel_status, self.deps.db, request.channel_id, request.channel_name, self.deps.clock()
        )
        await ack(
            text=blocks.status_text(statuses),
            blocks=blocks.status_blocks(statuses),
            response_type="ephemeral",
        )


def register(app: AsyncApp, deps: Deps) -> Commands:
    handler = Commands(deps)
    app.command(COMMAND)(handler.roundtable)
    return handler
