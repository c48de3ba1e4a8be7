"""Data rights: export and forget a person, purge a workshop, retention, and a backup that restores equal."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import SQLModel, func, select

from bot.data_rights import (
    DataRightsError,
    apply_retention,
    backup_sqlite,
    export_person,
    forget_person,
    purge_workshop,
)
from bot.settings import load_settings
from storage.db import Database
from storage.models import Invitee, Poll, PollOption, Question, Response, ResponseSource, Vote, Workshop
from tests.factories import CHANNEL, add_question, add_workshop

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
    assert forget_person(database, "UALICE") == (2, 1)
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
