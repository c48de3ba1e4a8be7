"""Replies that arrive before their question's ts is recorded, or while the database is down, are kept.

Slack can deliver a reply to a new question before `chat.postMessage` has answered the poster (a slow
answer, a dropped connection); a database outage longer than Slack's retries makes it give up on the
deliveries refused meanwhile. Both end with every reply stored exactly once.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack import FakeSlack
from slack_requests import thread_reply_event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select
from test_backfill import posted_question
from test_http_runtime import responses

from bot.questions import replies
from bot.questions.posting import post_question
from bot.runtime.scheduler import Scheduler
from storage.db import Database
from storage.models import EarlyReply, ResponseSource
from tests.botserver import running_bot, wait_for_sweeps
from tests.factories import CHANNEL, add_question, add_workshop


def early_replies(database: Database) -> int:
    with database.reading() as session:
        return int(session.exec(select(func.count()).select_from(EarlyReply)).one())


def test_a_reply_delivered_before_its_question_is_recorded_is_stored_once(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    question_id = add_question(
        database, add_workshop(database), post_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    chatter_parent = fake_slack.add_message(CHANNEL, "Anyone for lunch?", user="U0BOB00001")
    hold = fake_slack.hold_next("chat.postMessage")
    with (
        running_bot(database_url, fake_slack.api_url, fake_slack.token) as bot,
        bot.sender() as sender,
    ):
        poster = threading.Thread(target=post_question, args=(bot.deps, question_id))
        poster.start()
        posted = hold.wait_reached().response
        assert posted is not None
        early = thread_reply_event("Talent and capital.", thread_ts=posted["ts"], channel=CHANNEL)
        chatter = thread_reply_event(
            "Yes!", thread_ts=chatter_parent["ts"], channel=CHANNEL, parent_user_id="U0BOB00001"
        )
        assert sender.send_event(early).status_code == 200
        assert sender.send_event(chatter).status_code == 200
        assert early_replies(database) == 1  # the chatter thread was not started by the bot: not kept
        hold.release()
        poster.join(timeout=10)
        retry = sender.send_event(early, retry_num=1, retry_reason="http_timeout")
        assert retry.status_code == 200
    [stored] = responses(database)
    assert (stored.question_id, stored.text, stored.message_ts) == (
        question_id,
        "Talent and capital.",
        early["ts"],
    )
    assert early_replies(database) == 0


def test_a_reply_arriving_while_the_post_is_being_recorded_waits_for_it_and_is_stored_once(
    database: Database, database_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_id = add_question(
        database, add_workshop(database), post_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    recording, proceed = threading.Event(), threading.Event()
    attach = replies.attach_early

    def slow_attach(session: Session, channel_id: str, thread_ts: str, *, now: datetime) -> int:
        recording.set()  # inside the transaction that records the ts, not yet committed
        proceed.wait(10)
        return attach(session, channel_id, thread_ts, now=now)

    monkeypatch.setattr(replies, "attach_early", slow_attach)
    statuses: list[int] = []
    with (
        running_bot(database_url, fake_slack.api_url, fake_slack.token) as bot,
        bot.sender() as sender,
    ):
        poster = threading.Thread(target=post_question, args=(bot.deps, question_id))
        poster.start()
        assert recording.wait(10)
        [message] = fake_slack.messages(CHANNEL)
        reply = thread_reply_event("Just in time.", thread_ts=message["ts"], channel=CHANNEL)
        delivery = threading.Thread(target=lambda: statuses.append(sender.send_event(reply).status_code))
        delivery.start()
        time.sleep(0.5)  # the delivery's transaction now waits for the recording one
        proceed.set()
        poster.join(timeout=10)
        delivery.join(timeout=10)
    assert statuses == [200]
    [stored] = responses(database)
    assert (stored.question_id, stored.text) == (question_id, "Just in time.")
    assert early_replies(database) == 0


def test_a_reply_to_a_post_whose_answer_was_lost_is_attached_when_the_retry_finds_the_post(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    question_id = add_question(
        database, add_workshop(database), post_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    fake_slack.drop_next("chat.postMessage", perform=True)
    with (
        running_bot(database_url, fake_slack.api_url, fake_slack.token) as bot,
        bot.sender() as sender,
    ):
        assert post_question(bot.deps, question_id) == "retry"
        [message] = fake_slack.messages(CHANNEL)
        reply = thread_reply_event("Said in the gap.", thread_ts=message["ts"], channel=CHANNEL)
        assert sender.send_event(reply).status_code == 200
        assert post_question(bot.deps, question_id) == "posted"
    [stored] = responses(database)
    assert (stored.question_id, stored.text) == (question_id, "Said in the gap.")
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_an_early_reply_whose_thread_never_becomes_a_question_is_deleted_after_an_hour(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    question_id = add_question(
        database, add_workshop(database), post_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    poll_thread = fake_slack.add_message(CHANNEL, "A poll", user="UBOT", bot_id="BBOT")
    hold = fake_slack.hold_next("chat.postMessage")
    with (
        running_bot(database_url, fake_slack.api_url, fake_slack.token) as bot,
        bot.sender() as sender,
    ):
        poster = threading.Thread(target=post_question, args=(bot.deps, question_id))
        poster.start()
        hold.wait_reached()
        reply = thread_reply_event("About the poll", thread_ts=poll_thread["ts"], channel=CHANNEL)
        assert sender.send_event(reply).status_code == 200
        hold.release()
        poster.join(timeout=10)
        assert early_replies(database) == 1  # the bot started that thread while posting: kept, for now
        housekeeper = Scheduler(bot.deps)
        started = datetime.now(UTC)
        housekeeper.deps.clock = lambda: started + timedelta(minutes=59)
        housekeeper.housekeeping()
        assert early_replies(database) == 1
        housekeeper.deps.clock = lambda: started + timedelta(minutes=61)
        housekeeper.housekeeping()
    assert early_replies(database) == 0
    assert responses(database) == []


def test_replies_refused_during_a_database_outage_longer_than_slacks_retries_are_backfilled_without_a_restart(
    database: Database, database_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_id, thread_ts = posted_question(
        database, fake_slack, "Q?", datetime.now(UTC) - timedelta(hours=1)
    )
    written = fake_slack.add_message(CHANNEL, "Said while the database was down", thread_ts=thread_ts)
    event = thread_reply_event(written["text"], thread_ts=thread_ts, channel=CHANNEL, ts=written["ts"])
    settings = {"backfill_calls_per_minute": 6000}
    with (
        running_bot(
            database_url, fake_slack.api_url, fake_slack.token, with_scheduler=True, **settings
        ) as bot,
        bot.sender() as sender,
    ):
        assert bot.scheduler is not None
        bot.scheduler.outage_gap = timedelta(seconds=1)
        wait_for_sweeps(bot.scheduler, "watch", count=1)  # a good heartbeat before the outage
        working = Database.transaction

        def unreachable(self: Database) -> None:
            raise OperationalError("BEGIN", {}, ConnectionRefusedError("database unreachable"))

        monkeypatch.setattr(Database, "transaction", unreachable)
        statuses = [sender.send_event(event, retry_num=n).status_code for n in range(4)]
        time.sleep(1.5)  # Slack has given up on the delivery; the scheduler misses its heartbeats
        monkeypatch.setattr(Database, "transaction", working)
        deadline = time.monotonic() + 10
        while not responses(database) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert statuses == [500, 500, 500, 500]
    [stored] = responses(database)
    assert (stored.question_id, stored.text, stored.source) == (
        question_id,
        "Said while the database was down",
        ResponseSource.BACKFILL,
    )
