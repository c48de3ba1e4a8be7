"""The HTTP front door: no request reaches Bolt unsigned, and no signed body Slack would never send ends in a 500."""

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fakeslack import FakeSlack
from slack_bolt.async_app import AsyncApp
from slack_requests import (
    SlackRequest,
    SlackSender,
    block_actions,
    event_callback,
    message_action,
    message_changed_event,
    message_event,
    prepare,
    slash_command,
    thread_reply_event,
    view_block_actions,
    view_submission,
)
from sqlmodel import select

from bot.home import blocks as home_blocks
from bot.runtime.front_door import MAX_BODY_BYTES
from storage.db import Database
from storage.models import Response
from tests.botserver import SIGNING_SECRET, RunningBot, running_bot
from tests.factories import CHANNEL, add_question, add_workshop

QUESTION_TS = "1900000000.000100"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every request Bolt is asked to dispatch (the server runs in this process)."""
    calls: list[Any] = []
    original = AsyncApp.async_dispatch

    async def spy(self: AsyncApp, request: Any) -> Any:
        calls.append(request)
        return await original(self, request)

    monkeypatch.setattr(AsyncApp, "async_dispatch", spy)
    return calls


@pytest.fixture
def answered(database: Database, sender: SlackSender) -> None:
    """A posted question with one stored reply by the default user."""
    add_question(
        database,
        add_workshop(database),
        post_at=datetime.now(UTC) - timedelta(hours=1),
        posted_ts=QUESTION_TS,
    )
    reply = thread_reply_event("A candid answer.", thread_ts=QUESTION_TS, channel=CHANNEL)
    assert sender.send_event(reply).status_code == 200


def stored_texts(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.exec(select(Response.text)).all())


def post_raw(bot: RunningBot, body: bytes, headers: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{bot.url}/slack/events", content=body, headers=headers, timeout=10)


FORGET_ME = SlackRequest.form(slash_command(text="forget-me confirm", channel_id=CHANNEL))
UNSIGNED_BODIES = {
    "forget-me-confirm": FORGET_ME,
    "invalid-json": SlackRequest(b'{"type": "event_callback", "event": ', "application/json"),
    "json-array": SlackRequest(b'[{"type": "event_callback"}]', "application/json"),
    "binary": SlackRequest(bytes(range(256)) * 4, "application/octet-stream"),
}
FORGERIES: dict[str, dict[str, Any]] = {
    "unsigned": {"omit_headers": ["X-Slack-Signature", "X-Slack-Request-Timestamp"]},
    "wrong-secret": {"secret": "not-the-signing-secret"},
    "timestamp-not-a-number": {"headers": {"X-Slack-Request-Timestamp": "soon"}},
    "timestamp-unicode-digits": {"headers": {"X-Slack-Request-Timestamp": "¹⁷⁰⁰⁰⁰⁰⁰⁰⁰"}},
    "signature-not-ascii": {"signature": "v0=\u00e9t\u00e9"},
}


@pytest.mark.parametrize("body", UNSIGNED_BODIES.values(), ids=UNSIGNED_BODIES.keys())
@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_unsigned_or_forged_request_gets_401_before_anything_parses_it(
    bot: RunningBot,
    database: Database,
    answered: None,
    dispatched: list[Any],
    body: SlackRequest,
    forgery: dict[str, Any],
) -> None:
    dispatched.clear()
    raw, headers = prepare(body, SIGNING_SECRET, **forgery)
    headers = {name: value.encode("utf-8") for name, value in headers.items()}  # httpx sends bytes as-is
    response = post_raw(bot, raw, headers)
    assert (response.status_code, response.json()) == (401, {"error": "invalid request"})
    assert dispatched == []  # Bolt never saw it
    assert stored_texts(database) == ["A candid answer."]


def test_http_mode_verifies_signatures_even_when_an_app_token_is_set(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    with (
        running_bot(
            database_url, fake_slack.api_url, fake_slack.token, slack_app_token=fake_slack.app_token
        ) as bot,
        bot.sender() as sender,
    ):
        add_question(
            database,
            add_workshop(database),
            post_at=datetime.now(UTC) - timedelta(hours=1),
            posted_ts=QUESTION_TS,
        )
        assert (
            sender.send_event(thread_reply_event("Mine.", thread_ts=QUESTION_TS, channel=CHANNEL)).status_code
            == 200
        )
        unsigned = sender.send(FORGET_ME, omit_headers=["X-Slack-Signature", "X-Slack-Request-Timestamp"])
        assert unsigned.status_code == 401
        assert stored_texts(database) == ["Mine."]
        assert sender.send(FORGET_ME, secret="guessed").status_code == 401
        assert stored_texts(database) == ["Mine."]


def _json(payload: object) -> SlackRequest:
    return SlackRequest(json.dumps(payload).encode(), "application/json")


def _interactive(payload: object) -> SlackRequest:
    return SlackRequest.form({"payload": json.dumps(payload)})


def _with(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**payload, **changes}


CLICK = block_actions("poll.vote.1", value="1:1")
SUBMIT = view_submission("poll.reason", private_metadata="1")
VIEW_CLICK = view_block_actions(
    "weighin.agree", {"id": "V1", "hash": "1.a", "private_metadata": "{}"}, value="1"
)
SHORTCUT = message_action("weighin.exclude", {"ts": "1900000001.000100", "user": "U1", "text": "hi"})
MALFORMED = {
    "invalid-json": SlackRequest(b'{"type": "event_callback", "event": ', "application/json"),
    "json-null": SlackRequest(b"null", "application/json"),
    "json-string": SlackRequest(b'"event_callback"', "application/json"),
    "json-array": SlackRequest(b'[{"type": "event_callback"}]', "application/json"),
    "json-too-deep": SlackRequest(b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "json-huge-number": SlackRequest(
        b'{"type": "event_callback", "n": ' + b"9" * 5000 + b"}", "application/json"
    ),
    "payload-not-json": SlackRequest.form({"payload": "{not json"}),
    "payload-json-array": SlackRequest.form({"payload": "[]"}),
    "form-not-utf8": SlackRequest(b"command=%2Froundtable&text=caf\xe9", FORM),
    "form-escape-not-utf8": SlackRequest(b"command=%2Froundtable&text=caf%E9", FORM),
    "missing-type": _json({"token": "x", "team_id": "T1"}),
    "event-null": _json(event_callback({"type": "message"}) | {"event": None}),
    "event-a-string": _json(event_callback({"type": "message"}) | {"event": "message"}),
    "event-without-type": _json(event_callback({"channel": CHANNEL})),
    "event-ts-a-number": _json(event_callback(message_event("hi", channel=CHANNEL) | {"ts": 1.5})),
    "edit-message-a-string": _json(
        event_callback(message_changed_event(ts="1.2", text="a", previous_text="b") | {"message": "a"})
    ),
    "authorizations-an-object": _json(event_callback(message_event("hi")) | {"authorizations": {"0": {}}}),
    "actions-empty": _interactive(_with(CLICK, actions=[])),
    "actions-not-objects": _interactive(_with(CLICK, actions=[5])),
    "action-without-id": _interactive(_with(CLICK, actions=[{"value": "1:1"}])),
    "user-a-number": _interactive(_with(CLICK, user=5)),
    "channel-a-string": _interactive(_with(CLICK, channel="C1")),
    "view-null": _interactive(_with(SUBMIT, view=None)),
    "view-state-values-a-list": _interactive(_with(SUBMIT, view=SUBMIT["view"] | {"state": {"values": [1]}})),
    "shortcut-without-channel": _interactive(_with(SHORTCUT, channel=None)),
    "command-text-a-number": _json(slash_command(text="help") | {"text": 5}),
    "view-click-hash-a-number": _interactive(_with(VIEW_CLICK, view=VIEW_CLICK["view"] | {"hash": 5})),
    "view-click-metadata-an-object": _interactive(
        _with(VIEW_CLICK, view=VIEW_CLICK["view"] | {"private_metadata": {"s": "q:1"}})
    ),
    "shortcut-message-a-string": _interactive(_with(SHORTCUT, message="hi")),
    "shortcut-message-ts-a-number": _interactive(_with(SHORTCUT, message=SHORTCUT["message"] | {"ts": 1.5})),
    "shortcut-channel-id-a-number": _interactive(_with(SHORTCUT, channel={"id": 5})),
    "shortcut-without-callback-id": _interactive(_with(SHORTCUT, callback_id=None)),
}


@pytest.mark.parametrize("request_", MALFORMED.values(), ids=MALFORMED.keys())
def test_signed_body_slack_would_never_send_gets_a_quick_400_with_one_log_line(
    bot: RunningBot,
    sender: SlackSender,
    database: Database,
    dispatched: list[Any],
    caplog: pytest.LogCaptureFixture,
    request_: SlackRequest,
) -> None:
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    response = sender.send(request_)
    assert response.status_code == 400, response.text
    assert response.headers["X-Slack-No-Retry"] == "1"
    assert time.monotonic() - started < 2
    assert dispatched == []
    refusals = [r for r in caplog.records if r.name == "bot.runtime.front_door"]
    assert [(r.levelno, "(400)" in r.getMessage()) for r in refusals] == [(logging.WARNING, True)]
    assert [r for r in caplog.records if r.exc_info] == []
    assert stored_texts(database) == []


def test_a_command_whose_text_contains_the_word_payload_is_answered(sender: SlackSender) -> None:
    body = sender.send_command(slash_command(text="frobnicate payload", channel_id=CHANNEL)).json()
    assert body["text"] == "Unknown subcommand `frobnicate`. Try `/roundtable help`."


@pytest.mark.parametrize("argument", ["²", "١٢", "99999999999", "2147483648", "0", "-1"])
def test_close_with_anything_but_a_possible_poll_number_gets_an_ephemeral_hint(
    sender: SlackSender, argument: str
) -> None:
    response = sender.send_command(slash_command(text=f"close {argument}", channel_id=CHANNEL))
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith(":warning: `/roundtable close POLL` needs a poll id")


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("poll.vote.1", "²:1"),
        ("poll.vote.1", "1:²"),
        ("poll.unvote", "²"),
        (home_blocks.POST_NEXT_ACTION, "²"),
        ("weighin.open", "q:²"),
        ("weighin.open", "w:99999999999"),
        ("weighin.agree", "²"),
        ("weighin.page", "²"),
    ],
)
def test_a_button_value_with_unicode_digits_is_acked_not_a_500(
    sender: SlackSender, database: Database, action_id: str, value: str
) -> None:
    assert (
        sender.send_interaction(block_actions(action_id, value=value, channel_id=CHANNEL)).status_code == 200
    )


def test_a_body_too_large_for_any_slack_delivery_gets_413_before_it_is_read_or_dispatched(
    bot: RunningBot, database: Database, answered: None, dispatched: list[Any]
) -> None:
    dispatched.clear()
    huge = thread_reply_event("x" * (MAX_BODY_BYTES + 1), thread_ts=QUESTION_TS, channel=CHANNEL)
    raw, headers = prepare(_json(event_callback(huge)), SIGNING_SECRET)  # correctly signed, all the same
    declared = post_raw(bot, raw, headers)
    assert (declared.status_code, declared.json()) == (413, {"error": "request too large"})
    assert declared.headers["x-slack-no-retry"] == "1"

    def chunked() -> Any:  # no Content-Length: the size is found while reading
        for start in range(0, len(raw), 65536):
            yield raw[start : start + 65536]

    streamed = httpx.post(f"{bot.url}/slack/events", content=chunked(), headers=headers, timeout=10)
    assert streamed.status_code == 413
    assert dispatched == []
    assert stored_texts(database) == ["A candid answer."]


def test_a_large_but_plausible_delivery_is_still_accepted(
    bot: RunningBot, database: Database, answered: None, sender: SlackSender
) -> None:
    text = "A long, considered answer. " * 1500  # ~40,000 characters, Slack's message limit
    reply = thread_reply_event(text, thread_ts=QUESTION_TS, channel=CHANNEL, ts="1900000001.000900")
    assert sender.send_event(reply).status_code == 200
    assert text in stored_texts(database)
