"""Backfill after downtime: replies written while the bot was down are stored once, within budget."""

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import thread_reply_event
from sqlmodel import select

from bot.questions.backfill import Budget, run_backfill
from bot.questions.replies import MessageKind, ThreadMessage, record_message
from bot.runtime.deps import Deps, build_deps
from bot.runtime.scheduler import HEARTBEAT
from bot.runtime.settings import load_settings
from storage import heartbeats
from storage.db import Database
from storage.models import Response
from tests.botserver import bot_settings, running_bot
from tests.factories import CHANNEL, add_question, add_workshop


@pytest.fixture
def deps(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[Deps]:
    settings = load_settings(
        **bot_settings(database_url, fake_slack.api_url, fake_slack.token, backfill_calls_per_minute=6000)
    )
    built = build_deps(settings)
    yield built
    built.close()


def posted_question(database: Database, fake: FakeSlack, text: str, posted_at: datetime) -> tuple[int, str]:
    parent = fake.add_message(CHANNEL, text, user="UBOT", bot_id="BBOT")
    workshop = add_workshop(database, slug=f"w{parent['ts'].replace('.', '')}")
    question_id = add_question(database, workshop, text=text, post_at=posted_at, posted_ts=parent["ts"])
    return question_id, parent["ts"]


def stored_texts(database: Database) -> list[str]:
    with database.reading() as session:
        rows = session.exec(select(Response).order_by(Response.message_ts)).all()
        return [r.text for r in rows if r.deleted_at is None]


def test_replies_written_while_down_are_recovered_page_by_page_and_stored_once(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.replies_limit_cap = 15
    _, thread_ts = posted_question(database, fake_slack, "Q?", datetime.now(UTC) - timedelta(hours=1))
    written = [fake_slack.add_message(CHANNEL, f"reply {n:02d}", thread_ts=thread_ts) for n in range(40)]
    for message in written[:5]:  # these arrived live before the outage: overlap must not duplicate
        live = ThreadMessage(
            MessageKind.POSTED,
            f"Ev{message['ts']}",
            CHANNEL,
            message["ts"],
            thread_ts,
            "U0ALICE0001",
            message["text"],
        )
        record_message(database, live, now=datetime.now(UTC))
    report = run_backfill(deps)
    assert stored_texts(database) == [f"reply {n:02d}" for n in range(40)]
    assert report.stored == 35
    assert report.calls == 3  # 41 messages (parent + 40) in pages of 15
    assert [c.params["limit"] for c in fake_slack.calls("conversations.replies")] == ["15", "15", "15"]


def test_backfill_sleeps_out_a_429_and_resumes_at_the_same_cursor(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.replies_limit_cap = 15
    _, thread_ts = posted_question(database, fake_slack, "Q?", datetime.now(UTC) - timedelta(hours=1))
    for n in range(20):
        fake_slack.add_message(CHANNEL, f"reply {n:02d}", thread_ts=thread_ts)
    fake_slack.fail_next(
        "conversations.replies", retry_after=1, when=lambda params: bool(params.get("cursor"))
    )
    started = time.monotonic()
    report = run_backfill(deps)
    assert time.monotonic() - started >= 1.0
    assert report.rate_limited == 1
    cursors = [c.params.get("cursor") for c in fake_slack.calls("conversations.replies")]
    assert cursors[1] == cursors[2]  # the refused page was asked for again
    assert len(stored_texts(database)) == 20


def test_newest_open_questions_are_backfilled_first(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    _, older = posted_question(database, fake_slack, "older", now - timedelta(days=2))
    _, newer = posted_question(database, fake_slack, "newer", now - timedelta(hours=2))
    _, ancient = posted_question(database, fake_slack, "ancient", now - timedelta(days=60))
    run_backfill(deps)
    assert [c.params["ts"] for c in fake_slack.calls("conversations.replies")] == [newer, older]
    assert ancient not in [c.params["ts"] for c in fake_slack.calls("conversations.replies")]


def test_only_replies_since_the_last_heartbeat_are_asked_for(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    posted_question(database, fake_slack, "Q?", datetime.now(UTC) - timedelta(days=1))
    went_down = datetime.now(UTC) - timedelta(hours=3)
    with database.transaction() as session:
        heartbeats.beat(session, HEARTBEAT, now=went_down)
    run_backfill(deps)
    [call] = fake_slack.calls("conversations.replies")
    assert float(call.params["oldest"]) == pytest.approx(
        (went_down - timedelta(minutes=5)).timestamp(), abs=1e-3
    )


def test_budget_spaces_calls_to_the_configured_rate() -> None:
    slept: list[float] = []
    budget = Budget(per_minute=1, sleep=slept.append)
    budget.wait()
    budget.wait()
    assert slept == [pytest.approx(60.0, abs=0.5)]


def test_slow_backfill_never_delays_live_replies(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    _, thread_ts = posted_question(database, fake_slack, "Q?", datetime.now(UTC) - timedelta(hours=1))
    for n in range(3):
        fake_slack.add_message(CHANNEL, f"old {n}", thread_ts=thread_ts)
    fake_slack.set_latency("conversations.replies", 1.0)
    settings: dict[str, Any] = {"backfill_calls_per_minute": 6000, "backfill_page_size": 1}
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, **settings) as bot:
        backfill = threading.Thread(target=run_backfill, args=(bot.deps,))
        backfill.start()
        with bot.sender() as sender:
            latencies = []
            for n in range(5):
                started = time.monotonic()
                response = sender.send_event(
                    thread_reply_event(f"live {n}", thread_ts=thread_ts, channel=CHANNEL)
                )
                latencies.append(time.monotonic() - started)
                assert response.status_code == 200
        backfill.join(timeout=30)
    assert max(latencies) < 0.5
    assert sorted(stored_texts(database)) == sorted(
        [f"old {n}" for n in range(3)] + [f"live {n}" for n in range(5)]
    )
