"""Every delivery acked, every event safe to repeat, whatever the order or concurrency of deliveries."""

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_requests import (
    SlackSender,
    event_callback,
    file_share_event,
    message_changed_event,
    message_deleted_event,
    message_event,
    thread_reply_event,
)
from sqlmodel import select

from storage.db import Database
from storage.models import Response, Workshop
from tests.factories import CHANNEL, add_question, add_workshop

QUESTION_TS = "1900000000.000100"
MANIFEST = Path(__file__).parent.parent / "manifest.yml"


@pytest.fixture
def seeded(database: Database) -> int:
    """A posted question (its id): a thread to reply in."""
    workshop = add_workshop(database)
    return add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )


def responses(database: Database) -> list[Response]:
    with database.reading() as session:
        return list(session.exec(select(Response).order_by(Response.id)).all())


def texts(database: Database) -> list[str]:
    with database.reading() as session:
        return [
            r.text for r in session.exec(select(Response).order_by(Response.id)).all() if r.deleted_at is None
        ]


SUBTYPES = [
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "pinned_item",
    "bot_message",
    "me_message",
    "ekm_access_denied",
    "reminder_add",
    "huddle_thread",
    "some_future_subtype",
]


@pytest.mark.parametrize("subtype", SUBTYPES)
def test_every_message_subtype_is_acked_with_2xx(sender: SlackSender, subtype: str) -> None:
    assert sender.send_event(message_event("x", channel=CHANNEL, subtype=subtype)).status_code == 200


# What Slack sends for the events the bot subscribes to beyond messages (a bare body for any other).
EXAMPLES: dict[str, dict[str, object]] = {
    "member_joined_channel": {
        "type": "member_joined_channel",
        "user": "U0NEW000001",
        "channel": CHANNEL,
        "channel_type": "C",
    },
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    "app_uninstalled": {"type": "app_uninstalled"},
}


def test_every_event_the_manifest_subscribes_to_is_acked_with_2xx(sender: SlackSender) -> None:
    manifest = MANIFEST.read_text()
    subscribed = re.findall(
        r"^\s+- ([a-z_.]+)\s*$", manifest.split("bot_events:")[1].split("interactivity:")[0], re.M
    )
    assert "app_home_opened" in subscribed
    for name in [*subscribed, *(name for name in EXAMPLES if name not in subscribed)]:
        event = (
            message_event("x", channel=CHANNEL)
            if name.startswith("message.")
            else EXAMPLES.get(name, {"type": name, "user": "U0PART0001"})
        )
        assert sender.send_event(event).status_code == 200, name


def test_file_share_reply_counts_as_an_answer(sender: SlackSender, database: Database) -> None:
    sender.send_event(file_share_event("see attached", thread_ts=QUESTION_TS, channel=CHANNEL))
    assert texts(database) == ["see attached"]


def test_concurrent_duplicate_deliveries_and_retries_of_one_reply_store_it_once(
    sender: SlackSender, database: Database, seeded: int
) -> None:
    reply = thread_reply_event(
        "Talent, capital and the university.", thread_ts=QUESTION_TS, channel=CHANNEL, user="U0ALICE0001"
    )
    envelope = event_callback(reply)
    start = threading.Barrier(8)
    statuses: list[int] = []

    def deliver(attempt: int) -> None:
        start.wait()
        statuses.append(
            sender.send_event(envelope, retry_num=attempt or None, retry_reason="http_timeout").status_code
        )

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    [stored] = responses(database)
    assert (stored.question_id, stored.user_id, stored.text) == (
        seeded,
        "U0ALICE0001",
        "Talent, capital and the university.",
    )


def test_edit_updates_and_delete_removes_a_reply(sender: SlackSender, database: Database) -> None:
    reply = thread_reply_event("first thought", thread_ts=QUESTION_TS, channel=CHANNEL)
    sender.send_event(reply)
    ts = reply["ts"]
    edit = message_changed_event(
        ts=ts, text="second thought", previous_text="first thought", channel=CHANNEL, thread_ts=QUESTION_TS
    )
    sender.send_event(edit)
    assert [r.text for r in responses(database)] == ["second thought"]
    assert responses(database)[0].edited_at is not None
    sender.send_event(
        message_deleted_event(
            deleted_ts=ts, previous_text="second thought", channel=CHANNEL, thread_ts=QUESTION_TS
        )
    )
    [deleted] = responses(database)
    assert deleted.deleted_at is not None
    assert deleted.text == ""


def test_out_of_order_edit_delete_and_original_end_deleted(sender: SlackSender, database: Database) -> None:
    original = thread_reply_event("original", thread_ts=QUESTION_TS, channel=CHANNEL)
    ts = original["ts"]
    delete = message_deleted_event(
        deleted_ts=ts, previous_text="edited", channel=CHANNEL, thread_ts=QUESTION_TS
    )
    edit = message_changed_event(
        ts=ts, text="edited", previous_text="original", channel=CHANNEL, thread_ts=QUESTION_TS
    )
    for event in (delete, edit, original):  # the reverse of the order they happened in
        assert sender.send_event(event).status_code == 200
    assert texts(database) == []


def test_older_edit_delivered_last_does_not_overwrite_the_newer(
    sender: SlackSender, database: Database
) -> None:
    original = thread_reply_event("v1", thread_ts=QUESTION_TS, channel=CHANNEL)
    ts = original["ts"]
    newer = message_changed_event(
        ts=ts,
        text="v3",
        previous_text="v2",
        channel=CHANNEL,
        thread_ts=QUESTION_TS,
        edited_ts="1900000300.000000",
    )
    older = message_changed_event(
        ts=ts,
        text="v2",
        previous_text="v1",
        channel=CHANNEL,
        thread_ts=QUESTION_TS,
        edited_ts="1900000200.000000",
    )
    for event in (original, newer, older):
        sender.send_event(event)
    assert texts(database) == ["v3"]


def test_app_uninstalled_stops_schedules_and_keeps_data(sender: SlackSender, database: Database) -> None:
    sender.send_event(thread_reply_event("kept", thread_ts=QUESTION_TS, channel=CHANNEL))
    assert sender.send_event({"type": "app_uninstalled"}).status_code == 200
    with database.reading() as session:
        assert [w.active for w in session.exec(select(Workshop)).all()] == [False]
    assert texts(database) == ["kept"]
