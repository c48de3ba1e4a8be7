"""Private answers and conclusions: stored, shown in the digest, never posted in the channel."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack import FakeSlack
from sqlmodel import select

from bot.digest import Audience, compile_digest, render
from bot.questions import answers
from bot.runtime.deps import Deps, build_deps
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.models import Question, Response
from tests.botserver import bot_settings
from tests.factories import CHAIR, CHANNEL, add_question, add_workshop

QUESTION_TS = "1900000000.000100"


@pytest.fixture
def deps(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[Deps]:
    built = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    yield built
    built.close()


@pytest.fixture
def question_id(database: Database) -> int:
    workshop = add_workshop(database)
    return add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )


def test_private_answer_is_stored_once_in_the_digest_and_never_posted(
    database: Database, deps: Deps, question_id: int, fake_slack: FakeSlack
) -> None:
    assert answers.record_private_answer(deps, question_id, "U0SHY00001", "Off the record: grants.", "V123")
    assert not answers.record_private_answer(
        deps, question_id, "U0SHY00001", "Off the record: grants.", "V123"
    )
    with database.reading() as session:
        [stored] = session.exec(select(Response)).all()
    assert (stored.source, stored.channel_id, stored.message_ts) == ("private", None, None)
    assert fake_slack.calls("chat.postMessage") == []
    assert b"Off the record: grants." in render(
        compile_digest(database, "test-workshop", audience=Audience.ORGANISERS),
        "md",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write an answer before sending it."), ("x" * 3001, "Answers are limited to 3,000 characters.")],
)
def test_bad_private_answers_are_refused(deps: Deps, question_id: int, text: str, message: str) -> None:
    with pytest.raises(answers.AnswerRefused, match=message):
        answers.record_private_answer(deps, question_id, "U0SHY00001", text, "V1")


def test_closed_question_takes_no_private_answer(database: Database, deps: Deps, question_id: int) -> None:
    answers.conclude(deps, question_id, CHAIR, "Done.")
    with pytest.raises(answers.AnswerRefused, match="has closed"):
        answers.record_private_answer(deps, question_id, "U0LATE0001", "Too late?", "V2")


def test_chair_closes_a_question_with_a_conclusion_noted_in_the_thread_and_the_digest(
    database: Database, deps: Deps, question_id: int, fake_slack: FakeSlack
) -> None:
    conclusion = answers.conclude(deps, question_id, CHAIR, "Replication needs <!here> patient capital.")
    answers.post_closing_note(deps, conclusion)
    [note] = fake_slack.calls("chat.postMessage")
    assert (note.params["channel"], note.params["thread_ts"]) == (CHANNEL, QUESTION_TS)
    assert "&lt;!here&gt;" in note.params["text"]
    with database.reading() as session:
        question = session.get(Question, question_id)
        assert question is not None
    assert question.closed_at is not None
    assert b"Replication needs" in render(
        compile_digest(database, "test-workshop", audience=Audience.ORGANISERS),
        "md",
    )


def test_a_participant_cannot_close_a_question(deps: Deps, question_id: int) -> None:
    with pytest.raises(answers.AnswerRefused, match="Only the workshop's chairs and organisers"):
        answers.conclude(deps, question_id, "U0PART0001", "Mine now.")
