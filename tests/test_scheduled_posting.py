"""Questions are posted at their time, exactly once, whatever restarts, races and Slack faults happen."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack

from bot.questions.posting import post_question
from bot.runtime.deps import Deps, build_deps
from bot.runtime.scheduler import Scheduler
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.models import PostState, Question
from tests.botserver import bot_settings, wait_for_sweeps
from tests.factories import CHANNEL, ORGANISER, add_question, add_workshop

OTHER = "C0TEST0002"


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def scheduler(database_url: str, fake: FakeSlack, **overrides: Any) -> Iterator[Scheduler]:
    settings = load_settings(**bot_settings(database_url, fake.api_url, fake.token, **overrides))
    running = Scheduler(build_deps(settings))
    running.start()
    try:
        yield running
    finally:
        running.shutdown()
        running.deps.close()


def make_deps(database_url: str, fake: FakeSlack, **overrides: Any) -> Deps:
    return build_deps(load_settings(**bot_settings(database_url, fake.api_url, fake.token, **overrides)))


def question(database: Database, question_id: int) -> Question:
    with database.reading() as session:
        found = session.get(Question, question_id)
        assert found is not None
        return found


def channel_posts(fake: FakeSlack, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel) if m.get("thread_ts") in (None, m["ts"])]


def test_question_is_posted_at_its_time_with_its_blocks_and_ts_stored(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    due = now() + timedelta(seconds=1.5)
    question_id = add_question(database, workshop, text="Can <!channel> success be replicated?", post_at=due)
    with scheduler(database_url, fake_slack):
        [call] = fake_slack.wait_for("chat.postMessage", timeout=6)
    assert call.time >= due.timestamp() - 0.05
    stored = question(database, question_id)
    assert stored.state == PostState.POSTED
    [message] = channel_posts(fake_slack)
    assert (stored.channel_id, stored.message_ts) == (CHANNEL, message["ts"])
    blocks = str(call.params["blocks"])
    assert "Can &lt;!channel&gt; success be replicated?" in blocks
    assert "Reply in this thread" in blocks
    assert "Workshop test-workshop" in blocks


def test_two_schedulers_sharing_the_database_post_once(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    for position in range(1, 4):
        add_question(database, workshop, text=f"Question {position}", post_at=now() + timedelta(seconds=1))
    with scheduler(database_url, fake_slack) as first, scheduler(database_url, fake_slack) as second:
        fake_slack.wait_for("chat.postMessage", count=3, timeout=8)
        for running in (first, second):  # each had a whole sweep since, to post a duplicate
            wait_for_sweeps(running, "watch")
    assert sorted(m["text"].split(": ", 1)[1] for m in channel_posts(fake_slack)) == [
        "Question 1",
        "Question 2",
        "Question 3",
    ]


def test_restart_does_not_post_again(database: Database, database_url: str, fake_slack: FakeSlack) -> None:
    workshop = add_workshop(database)
    add_question(database, workshop, post_at=now() + timedelta(seconds=0.5))
    with scheduler(database_url, fake_slack):
        fake_slack.wait_for("chat.postMessage", timeout=6)
    with scheduler(database_url, fake_slack) as restarted:
        wait_for_sweeps(restarted, "watch")
    assert len(channel_posts(fake_slack)) == 1


def test_stale_claim_of_a_crashed_poster_is_recovered(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now() - timedelta(minutes=3))
    with database.transaction() as session:
        crashed = session.get(Question, question_id)
        assert crashed is not None
        crashed.state, crashed.claim_token, crashed.attempts = PostState.CLAIMED, "dead-process", 1
        crashed.claimed_at = now() - timedelta(minutes=5)
        session.add(crashed)
    with scheduler(database_url, fake_slack):
        fake_slack.wait_for("chat.postMessage", timeout=6)
    assert question(database, question_id).state == PostState.POSTED
    assert len(channel_posts(fake_slack)) == 1


def test_fresh_claim_held_by_another_process_is_left_alone(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now() - timedelta(seconds=5))
    with database.transaction() as session:
        busy = session.get(Question, question_id)
        assert busy is not None
        busy.state, busy.claim_token, busy.claimed_at = PostState.CLAIMED, "other-process", now()
        session.add(busy)
    deps = make_deps(database_url, fake_slack)
    try:
        assert post_question(deps, question_id) == "taken"
    finally:
        deps.close()
    assert fake_slack.calls("chat.postMessage") == []


def test_late_question_within_grace_is_posted(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now() - timedelta(minutes=20))
    deps = make_deps(database_url, fake_slack, post_grace_minutes=60)
    try:
        assert post_question(deps, question_id) == "posted"
    finally:
        deps.close()
    assert len(channel_posts(fake_slack)) == 1


def test_question_missed_beyond_grace_is_marked_and_organisers_get_a_dm(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now() - timedelta(hours=3))
    deps = make_deps(database_url, fake_slack, post_grace_minutes=60, organisers=["UGLOBALORG"])
    try:
        assert post_question(deps, question_id) == "missed"
    finally:
        deps.close()
    assert question(database, question_id).state == PostState.MISSED
    assert channel_posts(fake_slack) == []
    dms = {c.params["channel"]: c.params["text"] for c in fake_slack.calls("chat.postMessage")}
    assert set(dms) == {ORGANISER, "UGLOBALORG"}
    assert "was not posted" in dms[ORGANISER]


def test_rate_limited_post_is_retried_after_retry_after_and_succeeds(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now())
    fake_slack.fail_next("chat.postMessage", retry_after=1)
    deps = make_deps(database_url, fake_slack)
    started = time.monotonic()
    try:
        assert post_question(deps, question_id) == "posted"
    finally:
        deps.close()
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 200]
    assert len(channel_posts(fake_slack)) == 1


def test_not_in_channel_joins_then_posts(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.set_channel(CHANNEL, name="industrial-strategy", bot_member=False)
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now())
    deps = make_deps(database_url, fake_slack)
    try:
        assert post_question(deps, question_id) == "posted"
    finally:
        deps.close()
    assert [c.method for c in fake_slack.calls() if c.method != "auth.test"] == [
        "chat.postMessage",
        "conversations.join",
        "chat.postMessage",
    ]
    assert len(channel_posts(fake_slack)) == 1


def test_permanent_slack_error_is_recorded_reported_once_and_not_retried(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.set_channel(CHANNEL, is_archived=True)
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now() - timedelta(seconds=1))
    with scheduler(database_url, fake_slack) as running:
        fake_slack.wait_for("chat.postMessage", count=2, timeout=6)  # the attempt, then the organiser's DM
        wait_for_sweeps(running, "watch", count=4)  # several watch cycles: no crash loop, no second attempt
    stored = question(database, question_id)
    assert (stored.state, stored.error) == (PostState.FAILED, "is_archived")
    targets = [c.params["channel"] for c in fake_slack.calls("chat.postMessage")]
    assert targets == [CHANNEL, ORGANISER]


def test_connection_dropped_after_posting_does_not_post_twice(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop = add_workshop(database)
    question_id = add_question(database, workshop, post_at=now() - timedelta(seconds=1))
    fake_slack.drop_next("chat.postMessage", perform=True)
    deps = make_deps(database_url, fake_slack)
    try:
        assert post_question(deps, question_id) == "retry"
        assert post_question(deps, question_id) == "posted"
    finally:
        deps.close()
    [message] = channel_posts(fake_slack)
    assert question(database, question_id).message_ts == message["ts"]
    assert len(fake_slack.calls("chat.postMessage")) == 1


@pytest.mark.parametrize("hash_channel", ["#industrial-strategy"])
def test_channel_named_in_the_workshop_file_is_resolved_to_its_id(
    database: Database, database_url: str, fake_slack: FakeSlack, hash_channel: str
) -> None:
    fake_slack.set_channel("C0RESOLVED1", name="industrial-strategy")
    workshop = add_workshop(database, channel=hash_channel)
    question_id = add_question(database, workshop, post_at=now())
    deps = make_deps(database_url, fake_slack)
    try:
        assert post_question(deps, question_id) == "posted"
    finally:
        deps.close()
    assert question(database, question_id).channel_id == "C0RESOLVED1"
    assert len(channel_posts(fake_slack, "C0RESOLVED1")) == 1


def test_questions_due_within_the_same_second_each_get_a_job_and_are_posted_on_time(
    database: Database, database_url: str, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # Two channels, so the one-post-per-second pacing of a channel does not decide when the second goes out.
    first, second = add_workshop(database, slug="first"), add_workshop(database, slug="second", channel=OTHER)
    second_start = now().replace(microsecond=0) + timedelta(seconds=3)
    dues = [
        (first, second_start + timedelta(milliseconds=50)),
        (second, second_start + timedelta(milliseconds=450)),  # the same whole second as the first
        (first, second_start + timedelta(seconds=2, milliseconds=300)),  # a later time, after the clash
    ]
    for number, (workshop, due) in enumerate(dues):
        add_question(database, workshop, text=f"Question {number}", post_at=due)
    # The sweep that would eventually catch a missing job is made rare, so only the date jobs can be on time.
    with (
        caplog.at_level(logging.ERROR),
        scheduler(database_url, fake_slack, schedule_poll_seconds=30) as running,
    ):
        jobs = wait_for_jobs(running, 3)
        calls = fake_slack.wait_for("chat.postMessage", count=3, timeout=10)
    assert sorted(job.next_run_time for job in jobs) == [due for _, due in dues]
    posted = {call.params["text"].split(": ", 1)[1]: call.time for call in calls}
    # Each post came from its own date job: never early, and far sooner than the 30 s sweep could have
    # posted it (a missing job would not be posted within the 10 s wait above). The 1.5 s allowance is
    # for a loaded CI machine, where the job thread itself can start a second late.
    for number, (_, due) in enumerate(dues):
        assert due.timestamp() - 0.05 <= posted[f"Question {number}"] <= due.timestamp() + 1.5
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


def wait_for_jobs(running: Scheduler, count: int, timeout: float = 5.0) -> list[Any]:
    """The scheduler's date jobs for post times, once `count` of them exist."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = [job for job in running._scheduler.get_jobs() if job.id.startswith("due-")]
        if len(jobs) >= count or time.monotonic() > deadline:
            return jobs
        time.sleep(0.02)
