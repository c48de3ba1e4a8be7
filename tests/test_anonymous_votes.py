"""Anonymous votes cannot be tied to their voters by anyone holding the database, a backup or the logs.

The bot runs as `roundtable run` at LOG_LEVEL=DEBUG; voters click, retry, change their minds and give a
reason through the signed HTTP endpoint. Afterwards every table and column (and, on SQLite, the raw
database files) and the whole log are searched for the voters' ids, and the join an attacker would try —
each vote matched to the dedupe keys written at the same time or at the same place in insertion order —
must recover nobody.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakeslack import FakeSlack
from fakesocket import FakeSocketMode
from slack_requests import SlackSender, block_actions, submit_text_view
from sqlalchemy import Engine, MetaData, inspect, select, text
from sqlmodel import col

from bot.polls import rules as polls
from bot.polls.blocks import ADD_REASON_ACTION, REASON_CALLBACK
from bot.polls.rules import DELIVERY_KEY_PREFIX, voter_key
from bot.runtime.deps import build_deps
from bot.runtime.scheduler import Scheduler
from bot.runtime.settings import load_settings, sqlite_path
from storage.db import Database
from storage.models import Poll, PollOption, PollReason, PollState, ProcessedEvent, Vote
from tests.botserver import (
    SIGNING_SECRET,
    VOTER_SECRET,
    bot_settings,
    bot_subprocess,
    subprocess_env,
)
from tests.factories import CHANNEL, add_workshop, migrated_database
from tests.processes import free_port

pytestmark = pytest.mark.slow
VOTERS = ("U0ANONVOTE1", "U0ANONVOTE2", "U0ANONVOTE3")
REASON = "Patient capital matters more than proximity."
SLACK_USER_ID = re.compile(r"\b[UW][A-Z0-9]{6,}\b")


def every_value(engine: Engine) -> Iterator[tuple[str, str, Any]]:
    """(table, column, value) for every column of every row of every table, alembic's included."""
    metadata = MetaData()
    metadata.reflect(engine)
    assert set(inspect(engine).get_table_names()) == set(metadata.tables)
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    yield name, column, value


def keys_in_insertion_order(engine: Engine) -> list[tuple[str, datetime]]:
    """The dedupe keys as they lie in the table: SQLite's rowid, PostgreSQL's physical tuple order."""
    order = "rowid" if engine.dialect.name == "sqlite" else "ctid"
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT key, received_at FROM processedevent ORDER BY {order}")).all()
    return [(key, _utc(received)) for key, received in rows]


def _utc(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def people_linked_to_votes(engine: Engine, poll_id: int) -> dict[int, set[str]]:
    """The attack: pair each vote with the keys written at its time (within 150 ms) or at its rank in
    insertion order, and read Slack user ids out of those keys. {vote id: user ids found}."""
    keys = keys_in_insertion_order(engine)
    with engine.connect() as connection:
        votes = connection.execute(
            select(col(Vote.id), col(Vote.created_at))
            .where(col(Vote.poll_id) == poll_id)
            .order_by(col(Vote.id))
        ).all()
    linked: dict[int, set[str]] = {}
    for rank, (vote_id, created) in enumerate(votes):
        near = [key for key, received in keys if abs(received - _utc(created)) < timedelta(milliseconds=150)]
        near += [keys[rank][0]] if rank < len(keys) else []
        found = {user for key in near for user in SLACK_USER_ID.findall(key)}
        if found:
            linked[vote_id] = found
    return linked


def click(sender: SlackSender, fake: FakeSlack, poll_id: int, position: int, user: str) -> dict[str, Any]:
    payload = block_actions(
        f"poll.vote.{position}",
        value=f"{poll_id}:{position}",
        user_id=user,
        channel_id=CHANNEL,
        response_url=fake.response_url(),
    )
    assert sender.send_interaction(payload).status_code == 200
    return payload


def test_anonymous_votes_leave_no_voter_id_in_any_table_or_debug_log_and_resist_the_time_and_order_join(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = migrated_database(database_url)
    workshop = add_workshop(db)
    with db.transaction() as session:
        poll = Poll(
            workshop_id=workshop,
            question="Can the cluster be replicated?",
            invite_reason=True,
            state=PollState.SCHEDULED,
            open_at=datetime.now(UTC),
        )
        session.add(poll)
        session.flush()
        session.add_all(
            PollOption(poll_id=poll.id or 0, position=p, label=x) for p, x in enumerate(("Yes", "No"))
        )
        poll_id = poll.id or 0
    port = free_port()
    env = subprocess_env(database_url, fake_slack.api_url, fake_slack.token, port, LOG_LEVEL="DEBUG")
    log = tmp_path / "bot.log"
    with bot_subprocess(env, log), SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET) as sender:
        fake_slack.wait_for("chat.postMessage", timeout=10)  # the scheduler opened the poll
        first = click(sender, fake_slack, poll_id, 0, VOTERS[0])
        for index, voter in enumerate(VOTERS[1:], start=1):
            time.sleep(0.3)  # clicks apart in time, so that a time join would have something to go on
            click(sender, fake_slack, poll_id, index % 2, voter)
        assert sender.send_interaction(first).status_code == 200  # Slack's retry of the same delivery
        click(sender, fake_slack, poll_id, 1, VOTERS[0])  # a change of mind
        opened = block_actions(ADD_REASON_ACTION, value=str(poll_id), user_id=VOTERS[1])
        assert sender.send_interaction(opened).status_code == 200
        assert (
            submit_text_view(sender, REASON_CALLBACK, str(poll_id), "reason", REASON, user_id=VOTERS[1]) == {}
        )
        fake_slack.wait_for("response_url", count=4, timeout=10)
        time.sleep(1)  # the poll message's coalesced update, logged at DEBUG too

    # Exactly once, and changeable: three voters, the retry ignored, the first voter now on "No".
    secret = VOTER_SECRET.encode()
    with db.reading() as session:
        stored = session.get(Poll, poll_id)
        assert stored is not None
        options = {
            o.id: o.label
            for o in session.execute(select(PollOption).where(PollOption.poll_id == poll_id)).scalars()
        }
        votes = list(session.execute(select(Vote).where(Vote.poll_id == poll_id)).scalars())
        [reason] = session.execute(select(PollReason).where(PollReason.poll_id == poll_id)).scalars()
        keys = list(session.execute(select(ProcessedEvent)).scalars())
    by_voter = {v.voter_key: options[v.option_id] for v in votes}
    expected = zip(VOTERS, ("No", "No", "Yes"), strict=True)
    assert by_voter == {voter_key(secret, stored, user): label for user, label in expected}
    assert (reason.text, reason.user_id) == (REASON, None)

    # No voter id, or user name (its lower case), anywhere in the database: every table, every column.
    values = list(every_value(db.engine))
    assert {table for table, _, _ in values} >= {"vote", "pollreason", "processedevent", "poll"}
    for table, column, value in values:
        for voter in VOTERS:
            assert voter.lower() not in str(value).lower(), (table, column)
    path = sqlite_path(database_url)
    if path is not None:  # and not in the files themselves, free pages and the write-ahead log included
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                raw = file.read_bytes().lower()
                assert not [v for v in VOTERS if v.lower().encode() in raw], file

    # No time or order lines a click up with a vote: the join recovers nobody, and there is no click time
    # left to join on — votes and reasons carry the poll's opening, the keys only their hour.
    assert people_linked_to_votes(db.engine, poll_id) == {}
    assert {v.created_at for v in votes} == {reason.created_at} == {stored.open_at}
    poll_keys = [k for k in keys if k.key.startswith(DELIVERY_KEY_PREFIX)]
    assert len(poll_keys) == 5  # four clicks (the retry stored nothing) and one reason
    assert all(k.received_at == k.received_at.replace(minute=0, second=0, microsecond=0) for k in poll_keys)
    db.dispose()

    # Nor in the DEBUG log of the whole run.
    logged = log.read_text()
    assert "Running listener: vote" in logged
    assert "Running listener: reason_submitted" in logged
    for voter in VOTERS:
        assert voter.lower() not in logged.lower()


def test_a_vote_key_on_the_hour_still_stops_retries_for_an_hour_and_is_pruned_after_two(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    deps = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    clicked = datetime(2030, 5, 15, 10, 59, 59, tzinfo=UTC)
    try:
        workshop = add_workshop(database)
        with database.transaction() as session:
            poll = Poll(workshop_id=workshop, question="Retried?", open_at=clicked - timedelta(hours=1))
            session.add(poll)
            session.flush()
            session.add(PollOption(poll_id=poll.id or 0, position=0, label="Yes"))
            poll_id = poll.id or 0
        deps.clock = lambda: clicked
        assert polls.vote(deps, poll_id, 0, VOTERS[0], "1905000000.000100").outcome == "recorded"
        for late in (timedelta(minutes=5), timedelta(minutes=59)):  # Slack retries within minutes
            deps.clock = lambda late=late: clicked + late
            Scheduler(deps).housekeeping()
            assert polls.vote(deps, poll_id, 0, VOTERS[0], "1905000000.000100").outcome == "duplicate"
        deps.clock = lambda: clicked + timedelta(hours=2, seconds=1)
        Scheduler(deps).housekeeping()
        with database.reading() as session:
            assert session.execute(select(ProcessedEvent)).all() == []
            assert len(session.execute(select(Vote)).all()) == 1
    finally:
        deps.close()


def test_in_socket_mode_an_anonymous_click_at_debug_logs_neither_the_voter_nor_the_payload(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = migrated_database(database_url)
    workshop = add_workshop(db)
    with db.transaction() as session:
        poll = Poll(workshop_id=workshop, question="Over the socket?", channel_id=CHANNEL)
        session.add(poll)
        session.flush()
        session.add(PollOption(poll_id=poll.id or 0, position=0, label="Yes"))
        poll_id = poll.id or 0
    socket_mode = FakeSocketMode().start()
    fake_slack.socket_mode_url = socket_mode.url
    env = subprocess_env(
        database_url,
        fake_slack.api_url,
        fake_slack.token,
        free_port(),
        SLACK_APP_TOKEN=fake_slack.app_token,
        LOG_LEVEL="DEBUG",
    )
    env.pop("SLACK_SIGNING_SECRET")
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        socket_mode.wait_connected()
        payload = block_actions(
            "poll.vote.0", value=f"{poll_id}:0", user_id=VOTERS[0], response_url=fake_slack.response_url()
        )
        socket_mode.send("interactive", payload)
        fake_slack.wait_for("response_url", timeout=10)
    finally:
        os.killpg(bot.pid, signal.SIGTERM)
        bot.wait(timeout=15)
        socket_mode.stop()
    with db.reading() as session:
        assert len(session.execute(select(Vote).where(Vote.poll_id == poll_id)).all()) == 1
    db.dispose()
    logged = log.read_text()
    assert "Running listener: vote" in logged
    assert VOTERS[0].lower() not in logged.lower()
