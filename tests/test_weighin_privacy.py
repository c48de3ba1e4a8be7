"""Weigh-in views cannot be tied to the people who gave them by anyone holding the database or the logs;
and what my-data / forget-me / purge / retention do with them.

The bot runs in-process at DEBUG; voters who never answered open the deck, give views, skip, retry,
change their minds and review. Afterwards every table and column, the raw SQLite files and every log
record are searched for their ids, and the joins an attacker would try (a view beside the dedupe key
written at the same rank, or by time) must recover nobody.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack import FakeSlack
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.people.data_rights import apply_retention, export_person, forget_person, purge_workshop
from bot.runtime.settings import sqlite_path
from bot.weighin import blocks, keys
from storage.db import Database
from storage.models import ProcessedEvent, Response, WeighinVote
from tests.botserver import VOTER_SECRET, running_bot
from tests.factories import add_answer, add_question, add_workshop
from tests.test_anonymous_votes import SLACK_USER_ID, every_value, keys_in_insertion_order
from tests.weighin_helpers import AGREE, DISAGREE, PASS, OpenDeck

VOTERS = ("U0WEIGHER01", "U0WEIGHER02", "U0WEIGHER03")
AUTHORS = ("U0AUTHOR001", "U0AUTHOR002", "U0AUTHOR003")
QUESTION_TS = "1900000000.000100"


def seed(database: Database) -> tuple[int, int, list[int]]:
    workshop = add_workshop(database)
    question = add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )
    answers = [
        add_answer(database, question, user, f"Answer {n}", ts=f"1900000001.00010{n}")
        for n, user in enumerate(AUTHORS)
    ]
    return workshop, question, answers


def test_views_leave_no_voter_id_in_any_table_or_debug_log_and_resist_the_rank_and_time_joins(
    database: Database, database_url: str, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    workshop, question, answers = seed(database)
    caplog.set_level(logging.DEBUG)
    with running_bot(database_url, fake_slack.api_url, fake_slack.token) as bot, bot.sender() as sender:
        for index, voter in enumerate(VOTERS):
            modal = OpenDeck(sender, fake_slack, voter).open(f"q:{question}")
            first = modal.payload(AGREE)
            modal.deliver(first)
            modal.send(first, retry_num=1)  # Slack's retry: no second row, no second key
            modal.click(blocks.SKIP_ACTION)
            modal.click((DISAGREE, PASS, AGREE)[index])
            modal.click(AGREE)
            modal.click(blocks.REVIEW_ACTION, "0")
            modal.click(PASS, str(answers[0]))  # a change of mind
        bot.deps.background.shutdown(wait=True)  # every views.update after the ack has been made

    with database.reading() as session:
        views = session.exec(select(WeighinVote)).all()
    assert len(views) == 9  # three voters, three answers each: the retries counted nothing
    expected = {keys.voter_key(VOTER_SECRET.encode(), workshop, voter) for voter in VOTERS}
    assert {v.voter_key for v in views} == expected

    # A view is (workshop, answer, keyed hash, choice): no id, no time, no row number to join on.
    columns = {c["name"] for c in inspect(database.engine).get_columns("weighinvote")}
    assert columns == {"workshop_id", "response_id", "voter_key", "choice"}

    # No voter id, or user name (its lower case), anywhere in the database, nor in the SQLite files.
    values = list(every_value(database.engine))
    assert {table for table, _, _ in values} >= {"weighinvote", "processedevent", "response"}
    for table, column, value in values:
        for voter in VOTERS:
            assert voter.lower() not in str(value).lower(), (table, column)
    path = sqlite_path(database_url)
    if path is not None:
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                raw = file.read_bytes().lower()
                assert not [v for v in VOTERS if v.lower().encode() in raw], file

    # The dedupe keys name no one and say only their hour; pairing each view with the key written at its
    # rank, or any key at all, recovers no user id.
    delivery = [
        k for k, _ in keys_in_insertion_order(database.engine) if k.startswith(keys.DELIVERY_KEY_PREFIX)
    ]
    assert len(delivery) == 12  # four clicks each that stored a view; the retries stored none
    assert not [k for k in delivery if SLACK_USER_ID.findall(k)]
    with database.reading() as session:
        times = {k.received_at for k in session.exec(select(ProcessedEvent)).all()}
    assert all(t == t.replace(minute=0, second=0, microsecond=0) for t in times)
    order = "rowid" if database.engine.dialect.name == "sqlite" else "ctid"
    with database.engine.connect() as connection:
        in_order = connection.execute(text(f"SELECT voter_key FROM weighinvote ORDER BY {order}")).all()
    for rank, (voter_key,) in enumerate(in_order):
        assert not SLACK_USER_ID.findall(voter_key + (delivery[rank] if rank < len(delivery) else ""))

    # Nor in any log record of the whole run, at DEBUG.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "views.update" in logged  # DEBUG was on: the Web API calls were logged
    for voter in VOTERS:
        assert voter.lower() not in logged.lower()


# ----- data rights --------------------------------------------------------------------------------
def give_views(database: Database, workshop: int, answers: list[int], voters: tuple[str, ...]) -> None:
    with database.transaction() as session:
        for voter in voters:
            key = keys.voter_key(VOTER_SECRET.encode(), workshop, voter)
            session.add_all(
                WeighinVote(workshop_id=workshop, response_id=a, voter_key=key, choice=1) for a in answers
            )


def test_forget_me_keeps_a_persons_keyed_views_counted_and_deletes_others_views_of_their_answers(
    database: Database,
) -> None:
    workshop, _, answers = seed(database)
    give_views(database, workshop, answers[1:], (AUTHORS[0],))  # the person's own views of others
    give_views(database, workshop, answers, VOTERS)
    forget_person(database, AUTHORS[0])
    with database.reading() as session:
        stored = {(v.response_id, v.voter_key) for v in session.exec(select(WeighinVote)).all()}
    person = keys.voter_key(VOTER_SECRET.encode(), workshop, AUTHORS[0])
    assert {(a, person) for a in answers[1:]} <= stored  # kept, as anonymous poll votes are
    assert not [pair for pair in stored if pair[0] == answers[0]]  # their answer went, and its views
    assert len(stored) == 2 + 2 * len(VOTERS)
    assert "weigh-in views" in export_person(database, AUTHORS[0]).decode()  # said, not listed


def test_purge_and_retention_delete_the_views_with_the_answers(database: Database) -> None:
    workshop, _, answers = seed(database)
    give_views(database, workshop, answers, VOTERS)
    apply_retention(database, 1, datetime(2031, 1, 1, tzinfo=UTC))  # the workshop ended long ago
    with database.reading() as session:
        assert session.exec(select(WeighinVote)).all() == []
        assert session.exec(select(Response)).all() == []
    other = add_workshop(database, slug="other")
    question = add_question(database, other, post_at=datetime.now(UTC), posted_ts="1900000005.000100")
    kept = add_answer(database, question, AUTHORS[0], "kept", ts="1900000006.000100")
    give_views(database, other, [kept], VOTERS)
    purge_workshop(database, "other")
    with database.reading() as session:
        assert session.exec(select(WeighinVote)).all() == []
