"""Data rights: export and forget a person, purge a workshop, retention, and a backup that restores equal."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakeslack import FakeSlack
from slack_requests import slash_command
from sqlmodel import SQLModel, func, select

from bot.people.data_rights import (
    DataRightsError,
    Held,
    apply_retention,
    backup_sqlite,
    export_person,
    forget_person,
    purge_workshop,
)
from bot.polls.rules import delivery_key, voter_key
from bot.runtime.settings import load_settings, sqlite_path
from storage.db import Database
from storage.models import (
    EarlyReply,
    Invitee,
    Nudge,
    Poll,
    PollOption,
    PollReason,
    ProcessedEvent,
    Question,
    Response,
    ResponseSource,
    UserPreference,
    Vote,
    Workshop,
)
from tests.botserver import VOTER_SECRET, running_bot
from tests.factories import CHANNEL, add_question, add_workshop
from tests.test_anonymous_votes import every_value

NOW = datetime(2030, 6, 1, tzinfo=UTC)


def seed(database: Database, slug: str, starts: datetime) -> tuple[int, int]:
    workshop = add_workshop(database, slug=slug, starts=starts)
    question = add_question(database, workshop, post_at=starts, posted_ts=f"{starts.timestamp():.0f}.000100")
    with database.transaction() as session:
        for n, user in enumerate(["UALICE", "UBOB", "UALICE"]):
            session.add(
                Response(
                    question_id=question,
                    user_id=user,
                    text=f"{slug} answer {n} by {user}",
                    channel_id=CHANNEL,
                    message_ts=f"{starts.timestamp():.0f}.{n + 200:06d}",
                    source=ResponseSource.THREAD,
                    created_at=starts,
                )
            )
        attributed = Poll(workshop_id=workshop, question=f"{slug} attributed?", anonymous=False)
        anonymous = Poll(workshop_id=workshop, question=f"{slug} anonymous?", anonymous=True)
        session.add_all([attributed, anonymous])
        session.flush()
        for poll in (attributed, anonymous):
            option = PollOption(poll_id=poll.id or 0, position=0, label="Yes")
            session.add(option)
            session.flush()
            for user in ("UALICE", "UBOB"):
                key = user if not poll.anonymous else f"hmac-of-{slug}-{user}"
                session.add(
                    Vote(
                        poll_id=poll.id or 0,
                        option_id=option.id or 0,
                        voter_key=key,
                        user_id=None if poll.anonymous else user,
                    )
                )
        session.add(Invitee(workshop_id=workshop, user_id="UALICE", sector="academia"))
    return workshop, question


def count(database: Database, table: type[SQLModel]) -> int:
    with database.reading() as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_my_data_export_lists_responses_attributed_votes_and_roles_but_no_anonymous_vote(
    database: Database,
) -> None:
    seed(database, "first", NOW)
    exported = json.loads(export_person(database, "UALICE"))
    assert [r["text"] for r in exported["responses"]] == [
        "first answer 0 by UALICE",
        "first answer 2 by UALICE",
    ]
    assert exported["attributed_votes"] == [
        {
            "poll": "first attributed?",
            "option": "Yes",
            "created_at": exported["attributed_votes"][0]["created_at"],
        }
    ]
    assert "anonymous?" not in json.dumps(exported)
    assert exported["roles"] == []


def test_forget_me_deletes_only_the_callers_responses_and_attributed_votes(database: Database) -> None:
    seed(database, "first", NOW)
    assert forget_person(database, "UALICE") == Held(responses=2, votes=1, invitations=1)
    with database.reading() as session:
        assert session.exec(select(Response.user_id)).all() == ["UBOB"]
        assert sorted(session.exec(select(Vote.voter_key)).all()) == [
            "UBOB",
            "hmac-of-first-UALICE",
            "hmac-of-first-UBOB",
        ]
        attributed = session.exec(select(Poll).where(Poll.anonymous == False)).one()  # noqa: E712
    assert attributed.vote_version == 1  # its message is re-rendered without Alice's vote
    assert json.loads(export_person(database, "UALICE"))["responses"] == []


def test_purge_deletes_a_workshop_and_everything_in_it_and_nothing_else(database: Database) -> None:
    seed(database, "doomed", NOW)
    seed(database, "kept", NOW + timedelta(days=1))
    purge_workshop(database, "doomed")
    with database.reading() as session:
        assert session.exec(select(Workshop.slug)).all() == ["kept"]
        assert all(text.startswith("kept") for text in session.exec(select(Response.text)).all())
        assert all(q.startswith("kept") for q in session.exec(select(Poll.question)).all())
    assert (count(database, Question), count(database, Response), count(database, Vote)) == (1, 3, 4)
    assert (count(database, PollOption), count(database, Invitee)) == (2, 1)
    with pytest.raises(DataRightsError, match='no workshop with slug "doomed"'):
        purge_workshop(database, "doomed")


def test_retention_deletes_raw_responses_only_of_workshops_ended_long_enough_ago(database: Database) -> None:
    seed(database, "old", NOW - timedelta(days=100))
    seed(database, "recent", NOW - timedelta(days=10))
    assert apply_retention(database, 90, NOW) == 3
    with database.reading() as session:
        assert all(text.startswith("recent") for text in session.exec(select(Response.text)).all())
    assert count(database, Vote) == 8  # poll results are aggregates, kept


def test_sqlite_backup_restores_to_an_equal_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "live.db"
    database = Database.from_url(f"sqlite:///{source}")
    SQLModel.metadata.create_all(database.engine)
    seed(database, "backed-up", NOW)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{source}")
    target = tmp_path / "copy.db"
    assert backup_sqlite(load_settings(), target) > 0
    database.dispose()

    def dump(path: Path) -> list[str]:
        with sqlite3.connect(path) as connection:
            return list(connection.iterdump())

    assert dump(target) == dump(source)
    with pytest.raises(DataRightsError, match="already exists"):
        backup_sqlite(load_settings(), target)


def test_backup_of_postgres_points_to_pg_dump(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/x")
    with pytest.raises(DataRightsError, match="pg_dump"):
        backup_sqlite(load_settings(), tmp_path / "x.db")


PERSON = "U0FORGETME1"
STAYING = "U0STAYING01"
PERSON_COLUMNS = {"user_id", "created_by", "voter_key"}  # the columns that can hold a Slack user id


def seed_person_everywhere(database: Database) -> tuple[int, int]:
    """PERSON in every table that can hold a person's id, STAYING beside them; (attributed, anonymous) polls."""
    workshop = add_workshop(database, organisers=(PERSON, STAYING), chairs=(PERSON,))
    question = add_question(database, workshop, post_at=NOW, posted_ts="1900000000.000100")
    secret = VOTER_SECRET.encode()
    with database.transaction() as session:
        for n, (user, deleted) in enumerate([(PERSON, None), (PERSON, NOW), (STAYING, None)]):
            session.add(
                Response(
                    question_id=question,
                    user_id=user,
                    text=f"answer {n}",
                    channel_id=CHANNEL,
                    message_ts=f"1900000001.{n:06d}",
                    created_at=NOW,
                    deleted_at=deleted,
                )
            )
        session.add_all(
            [
                Invitee(workshop_id=workshop, user_id=PERSON, sector="academia"),
                Invitee(workshop_id=workshop, user_id=STAYING, sector="industry"),
                Nudge(question_id=question, user_id=PERSON, sent_at=NOW),
                UserPreference(user_id=PERSON, nudges_enabled=False),
                # Kept until its question's ts is recorded; fresh, so housekeeping does not prune it first.
                EarlyReply(
                    channel_id=CHANNEL,
                    thread_ts="1900000009.000100",
                    kind="posted",
                    message_ts="1900000009.000200",
                    user_id=PERSON,
                    text="an early answer",
                    received_at=datetime.now(UTC),
                ),
            ]
        )
        named = Poll(
            workshop_id=workshop, question="Named?", anonymous=False, invite_reason=True, created_by=PERSON
        )
        secret_poll = Poll(workshop_id=workshop, question="Secret?", invite_reason=True, created_by=STAYING)
        session.add_all([named, secret_poll])
        session.flush()
        for poll in (named, secret_poll):
            option = PollOption(poll_id=poll.id or 0, position=0, label="Yes")
            session.add(option)
            session.flush()
            for user in (PERSON, STAYING):
                key = voter_key(secret, poll, user)
                attributed = None if poll.anonymous else user
                session.add(
                    Vote(poll_id=poll.id or 0, option_id=option.id or 0, voter_key=key, user_id=attributed)
                )
                session.add(
                    PollReason(
                        poll_id=poll.id or 0,
                        voter_key=key,
                        user_id=attributed,
                        text=f"why, {'said the one leaving' if user == PERSON else 'said the one staying'}",
                    )
                )
            key = delivery_key(secret, poll, PERSON, "click", "1900000002.000100")
            session.add(ProcessedEvent(key=key, received_at=NOW))
        return named.id or 0, secret_poll.id or 0


def holding(database: Database, user_id: str) -> set[tuple[str, str]]:
    """(table, column) of every value in the database that contains `user_id`, in any letter case."""
    return {
        (table, column)
        for table, column, value in every_value(database.engine)
        if user_id.lower() in str(value).lower()
    }


def test_forget_me_through_the_endpoint_leaves_the_persons_id_in_no_table_and_my_data_exported_each_kind(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    named, anonymous = seed_person_everywhere(database)
    # The seed covers every column that can hold a person's id, so a new such table fails here first.
    can_hold = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if column.name in PERSON_COLUMNS
    }
    # A weigh-in view's voter_key is a keyed hash in every workshop, never a raw id (unlike the voter_key
    # of a named poll's vote); tests/test_weighin_privacy.py holds it to that.
    can_hold.discard(("weighinvote", "voter_key"))
    assert can_hold <= holding(database, PERSON)
    with (
        running_bot(database_url, fake_slack.api_url, fake_slack.token) as bot,
        bot.sender() as sender,
    ):

        def command(text: str) -> str:
            body = sender.send_command(slash_command(text=text, user_id=PERSON, channel_id=CHANNEL)).json()
            assert body["response_type"] == "ephemeral"
            return str(body["text"])

        assert command("my-data") == "Your data is on its way as a file in a direct message."
        fake_slack.wait_for("files.completeUploadExternal", timeout=10)
        [file_id] = [f for f, r in fake_slack.files.items() if r["name"] == "roundtable-my-data.json"]
        exported = json.loads(fake_slack.uploads[file_id])
        preview = command("forget-me")
        forgotten = command("forget-me confirm")
    assert [r["text"] for r in exported["responses"]] == ["answer 0", "answer 1"]
    assert exported["responses"][1]["deleted_at"] is not None
    assert [(v["poll"], v["option"]) for v in exported["attributed_votes"]] == [("Named?", "Yes")]
    assert [(r["poll"], r["reason"]) for r in exported["attributed_reasons"]] == [
        ("Named?", "why, said the one leaving")
    ]
    assert exported["roles"] == [
        {"workshop": "test-workshop", "role": "chair"},
        {"workshop": "test-workshop", "role": "organiser"},
    ]
    assert exported["invitations"] == [{"workshop": "test-workshop", "sector": "academia"}]
    assert [n["question"] for n in exported["nudges"]] == [
        "What characterises the success of the Cambridge Cluster?"
    ]
    assert exported["preferences"]["nudges_enabled"] is False
    assert [p["poll"] for p in exported["polls_created"]] == ["Named?"]
    assert [r["text"] for r in exported["early_replies"]] == ["an early answer"]
    assert "Secret?" not in json.dumps(exported)
    summary = (
        "2 answers, 1 vote and 1 reason in named polls, 2 roles, 1 workshop invitation, 1 reminder, "
        "your reminder setting, your name on 1 poll you created and 1 reply waiting for its question"
    )
    assert preview.startswith(f"Roundtable holds, under your Slack id, {summary}. To delete them")
    assert forgotten.startswith(
        f"Deleted {summary}. Nothing left in Roundtable's database holds your Slack id."
    )

    assert holding(database, PERSON) == set()  # every table, every column
    path = sqlite_path(database_url)
    if path is not None:  # nor in the file's free space once the write-ahead log is checkpointed
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
        assert PERSON.lower().encode() not in path.read_bytes().lower()
    assert holding(database, STAYING) >= {
        ("response", "user_id"),
        ("invitee", "user_id"),
        ("role", "user_id"),
    }
    with database.reading() as session:
        kept = session.exec(select(Vote).where(Vote.poll_id == anonymous)).all()
        assert len(kept) == 2  # anonymous votes stay counted, under their keyed hash
        assert session.get(Poll, named).vote_version == 1  # type: ignore[union-attr]  # re-rendered
