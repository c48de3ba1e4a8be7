"""The bot as Slack sees it: signed requests in over HTTP, Web API calls out to the fake Slack."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fakeslack import FakeSlack
from slack_requests import (
    SlackSender,
    bot_message_event,
    message_event,
    slash_command,
    thread_broadcast_event,
    thread_reply_event,
)
from sqlmodel import select

from storage.db import Database
from storage.models import Response
from tests.botserver import RunningBot, running_bot
from tests.factories import CHANNEL, add_question, add_workshop

QUESTION_TS = "1900000000.000100"


@pytest.fixture
def question_id(database: Database) -> int:
    workshop = add_workshop(database)
    return add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )


def responses(database: Database) -> list[Response]:
    with database.reading() as session:
        return list(session.exec(select(Response).order_by(Response.id)).all())


def test_thread_broadcast_reply_counts_once(
    sender: SlackSender, database: Database, question_id: int
) -> None:
    event = thread_broadcast_event("Also to the channel.", thread_ts=QUESTION_TS, channel=CHANNEL)
    assert sender.send_event(event).status_code == 200
    assert [r.source for r in responses(database)] == ["broadcast"]


def test_bot_and_top_level_messages_are_acked_and_ignored(
    sender: SlackSender, database: Database, question_id: int
) -> None:
    assert sender.send_event(message_event("chatter", channel=CHANNEL)).status_code == 200
    assert (
        sender.send_event(bot_message_event("beep", channel=CHANNEL, thread_ts=QUESTION_TS)).status_code
        == 200
    )
    other_thread = thread_reply_event("elsewhere", thread_ts="1800000000.000001", channel=CHANNEL)
    assert sender.send_event(other_thread).status_code == 200
    assert responses(database) == []


@pytest.mark.parametrize(
    "forgery",
    [
        {"secret": "not-the-signing-secret"},
        {"tamper_body": True},
        {"timestamp_offset": -400},
        {"timestamp_offset": +400},
        {"omit_headers": ["X-Slack-Signature"]},
        {"omit_headers": ["X-Slack-Request-Timestamp"]},
    ],
    ids=["wrong-secret", "changed-byte", "stale", "future", "no-signature", "no-timestamp"],
)
def test_forged_or_stale_request_gets_401_and_stores_nothing(
    sender: SlackSender, database: Database, question_id: int, forgery: dict[str, object]
) -> None:
    event = thread_reply_event("forged", thread_ts=QUESTION_TS, channel=CHANNEL)
    if "timestamp_offset" in forgery:  # relative to the moment of sending, not of collection
        forgery = {"timestamp": int(time.time()) + int(forgery["timestamp_offset"])}  # type: ignore[call-overload]
    assert sender.send_event(event, **forgery).status_code == 401
    assert responses(database) == []


def test_help_answers_ephemerally(sender: SlackSender) -> None:
    response = sender.send_command(slash_command(text="help", channel_id=CHANNEL))
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/roundtable status" in body["text"]


def test_unknown_subcommand_gets_an_ephemeral_hint(sender: SlackSender) -> None:
    body = sender.send_command(slash_command(text="frobnicate <!channel>", channel_id=CHANNEL)).json()
    assert body["response_type"] == "ephemeral"
    assert body["text"] == "Unknown subcommand `frobnicate`. Try `/roundtable help`."


def test_status_lists_this_channels_questions_with_reply_counts(
    sender: SlackSender, database: Database, question_id: int
) -> None:
    sender.send_event(thread_reply_event("one", thread_ts=QUESTION_TS, channel=CHANNEL, user="U0ALICE0001"))
    sender.send_event(thread_reply_event("two", thread_ts=QUESTION_TS, channel=CHANNEL, user="U0ALICE0001"))
    body = sender.send_command(slash_command(text="status", channel_id=CHANNEL)).json()
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "Workshop test-workshop" in text
    assert "2 replies from 1 people" in text


def test_healthz_is_200_when_the_database_answers(bot: RunningBot) -> None:
    response = httpx.get(f"{bot.url}/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(fake_slack: FakeSlack) -> None:
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"
    with running_bot(unreachable, fake_slack.api_url, fake_slack.token) as running:
        started = time.monotonic()
        response = httpx.get(f"{running.url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert time.monotonic() - started < 5
