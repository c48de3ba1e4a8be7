"""Replies through a response_url sent from the event loop (bot/runtime/followups.py)."""

import asyncio
import logging
import socket

import pytest
from fakeslack import FakeSlack

from bot.runtime.followups import ResponseUrlSender


def test_a_reply_scheduled_on_the_loop_reaches_the_response_url_before_the_sender_closes(
    fake_slack: FakeSlack,
) -> None:
    url = fake_slack.response_url("R0CLOSING")

    async def serve_then_shut_down() -> None:
        sender = ResponseUrlSender()
        sender.send_soon(asyncio.get_running_loop(), url, "You voted *Yes*", [{"type": "divider"}])
        await sender.aclose()  # shutdown straight after the ack: the reply in flight still goes out

    asyncio.run(serve_then_shut_down())
    [call] = fake_slack.responses("R0CLOSING")
    assert call.params == {
        "response_id": "R0CLOSING",  # the fake's record of which response_url was used
        "response_type": "ephemeral",
        "replace_original": False,
        "text": "You voted *Yes*",
        "blocks": [{"type": "divider"}],
    }


def test_a_response_url_that_cannot_be_reached_is_logged_and_never_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed once the block ends: nothing listens there

    async def reply_to_nobody() -> None:
        sender = ResponseUrlSender()
        sender.send_soon(asyncio.get_running_loop(), f"http://127.0.0.1:{port}/respond/R0", "hi")
        await sender.aclose()

    with caplog.at_level(logging.ERROR, logger="bot.runtime.followups"):
        asyncio.run(reply_to_nobody())
    assert [r.getMessage() for r in caplog.records] == ["could not answer through response_url"]
