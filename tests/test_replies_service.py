"""Reply collection rules, applied straight to the store on both databases."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.questions.replies import (
    Delivery,
    MessageKind,
    Outcome,
    ThreadMessage,
    apply_deliveries,
    attach_early,
    record_message,
)
from storage.db import Database
from storage.models import PostState, Question, Response
from tests.factories import CHANNEL, add_question, add_workshop

NOW = datetime(2030, 5, 15, 12, 0, tzinfo=UTC)
QUESTION_TS = "1900000000.000100"


@pytest.fixture
def question_id(database: Database) -> int:
    workshop = add_workshop(database)
    return add_question(database, workshop, post_at=NOW, posted_ts=QUESTION_TS)


def reply(
    kind: MessageKind = MessageKind.POSTED,
    *,
    ts: str = "1900000001.000200",
    text: str = "Talent.",
    event_id: str | None = "Ev1",
    edit_ts: str | None = None,
    thread_ts: str = QUESTION_TS,
    user: str | None = "UALICE",
    from_bot: bool = False,
) -> ThreadMessage:
    return ThreadMessage(
        kind=kind,
        event_id=event_id,
        channel_id=CHANNEL,
        ts=ts,
        thread_ts=thread_ts,
        user_id=user,
        text=text,
        edit_ts=edit_ts,
        from_bot=from_bot,
    )


def stored(database: Database) -> list[Response]:
    with database.reading() as session:
        return list(session.exec(select(Response).order_by(Response.id)).all())


def test_thread_reply_to_posted_question_is_recorded(database: Database, question_id: int) -> None:
    assert record_message(database, reply(), now=NOW) is Outcome.STORED
    [response] = stored(database)
    assert (response.question_id, response.user_id, response.text) == (question_id, "UALICE", "Talent.")
    assert response.created_at == datetime.fromtimestamp(1900000001.0002, UTC)


def test_retried_event_is_recorded_once(database: Database, question_id: int) -> None:
    assert record_message(database, reply(), now=NOW) is Outcome.STORED
    assert record_message(database, reply(), now=NOW) is Outcome.DUPLICATE
    assert record_message(database, reply(event_id="Ev-other-delivery"), now=NOW) is Outcome.DUPLICATE
    assert len(stored(database)) == 1


def test_bot_messages_top_level_chatter_and_other_threads_are_ignored(
    database: Database, question_id: int
) -> None:
    assert record_message(database, reply(from_bot=True), now=NOW) is Outcome.IGNORED
    top_level = ThreadMessage(MessageKind.POSTED, "Ev2", CHANNEL, "1900000002.0", None, "UBOB", "hi")
    assert record_message(database, top_level, now=NOW) is Outcome.IGNORED
    assert (
        record_message(database, reply(thread_ts="1800000000.000001", event_id="Ev3"), now=NOW)
        is Outcome.IGNORED
    )
    assert stored(database) == []


def test_edit_updates_text_and_keeps_edit_time(database: Database, question_id: int) -> None:
    record_message(database, reply(), now=NOW)
    edit = reply(MessageKind.CHANGED, text="Talent and capital.", event_id="Ev4", edit_ts="1900000050.000000")
    assert record_message(database, edit, now=NOW) is Outcome.UPDATED
    [response] = stored(database)
    assert response.text == "Talent and capital."
    assert response.edited_at == datetime.fromtimestamp(1900000050, UTC)


def test_older_edit_never_overwrites_a_newer_one(database: Database, question_id: int) -> None:
    record_message(database, reply(), now=NOW)
    record_message(
        database, reply(MessageKind.CHANGED, text="newest", event_id="Ev5", edit_ts="1900000090.0"), now=NOW
    )
    late = reply(MessageKind.CHANGED, text="older", event_id="Ev6", edit_ts="1900000060.0")
    assert record_message(database, late, now=NOW) is Outcome.STALE
    assert stored(database)[0].text == "newest"


def test_edit_arriving_before_the_original_wins(database: Database, question_id: int) -> None:
    record_message(
        database, reply(MessageKind.CHANGED, text="edited", event_id="Ev7", edit_ts="1900000090.0"), now=NOW
    )
    assert record_message(database, reply(event_id="Ev8"), now=NOW) is Outcome.DUPLICATE
    [response] = stored(database)
    assert response.text == "edited"


def test_delete_removes_the_words_and_is_final(database: Database, question_id: int) -> None:
    record_message(database, reply(), now=NOW)
    assert (
        record_message(database, reply(MessageKind.DELETED, text="", event_id="Ev9"), now=NOW)
        is Outcome.DELETED
    )
    late_edit = reply(MessageKind.CHANGED, text="resurrected", event_id="Ev10", edit_ts="1900000099.0")
    assert record_message(database, late_edit, now=NOW) is Outcome.STALE
    [response] = stored(database)
    assert response.deleted_at is not None
    assert response.text == ""


def test_delete_arriving_before_the_original_leaves_it_deleted(database: Database, question_id: int) -> None:
    record_message(database, reply(MessageKind.DELETED, text="", event_id="Ev11"), now=NOW)
    record_message(database, reply(event_id="Ev12"), now=NOW)
    [response] = stored(database)
    assert response.deleted_at is not None
    assert response.text == ""


def test_a_batch_of_deliveries_applies_each_once_whatever_it_mixes(
    database: Database, question_id: int
) -> None:
    batch = [
        reply(ts="1900000001.000001", text="first", event_id="EvA"),
        reply(ts="1900000001.000001", text="first", event_id="EvA"),  # a retry in the same batch
        reply(ts="1900000001.000002", text="second", event_id="EvB"),
        reply(
            MessageKind.CHANGED,
            ts="1900000001.000002",
            text="second, edited",
            event_id="EvC",
            edit_ts="1900000050.0",
        ),
        reply(ts="1900000001.000003", text="other thread", event_id="EvD", thread_ts="1800000000.000001"),
        reply(ts="1900000001.000004", text="gone", event_id="EvE"),
        reply(MessageKind.DELETED, ts="1900000001.000004", text="", event_id="EvF"),
    ]
    with database.transaction() as session:
        outcomes = apply_deliveries(session, [Delivery(message, NOW) for message in batch])
    assert outcomes == [
        Outcome.STORED,
        Outcome.DUPLICATE,
        Outcome.STORED,
        Outcome.UPDATED,
        Outcome.IGNORED,
        Outcome.STORED,
        Outcome.DELETED,
    ]
    assert [r.text for r in stored(database) if r.deleted_at is None] == ["first", "second, edited"]
    with database.transaction() as session:
        again = apply_deliveries(session, [Delivery(batch[0], NOW), Delivery(batch[2], NOW)])
    assert again == [Outcome.DUPLICATE, Outcome.DUPLICATE]


def _kept_then_attached(database: Database, question_id: int, messages: list[ThreadMessage]) -> None:
    """Deliver while the question is being posted (kept early), then record its ts as the poster does."""
    with database.transaction() as session:
        question = session.get(Question, question_id)
        assert question is not None
        question.state, question.channel_id, question.message_ts = PostState.CLAIMED, None, None
    for message in messages:
        assert record_message(database, message, now=NOW) in (
            Outcome.KEPT,
            Outcome.DUPLICATE,
            Outcome.IGNORED,
        )
    with database.transaction() as session:
        question = session.get(Question, question_id)
        assert question is not None
        question.state, question.channel_id, question.message_ts = PostState.POSTED, CHANNEL, QUESTION_TS
        session.add(question)
        session.flush()
        attach_early(session, CHANNEL, QUESTION_TS, now=NOW)


def _in_one_batch(database: Database, _question_id: int, messages: list[ThreadMessage]) -> None:
    with database.transaction() as session:
        apply_deliveries(session, [Delivery(message, NOW) for message in messages])


def _one_by_one(database: Database, _question_id: int, messages: list[ThreadMessage]) -> None:
    for message in messages:
        record_message(database, message, now=NOW)


@pytest.mark.parametrize("deliver", [_in_one_batch, _one_by_one, _kept_then_attached])
def test_live_batches_single_deliveries_and_early_replies_obey_the_same_rules(
    database: Database, question_id: int, deliver: Callable[[Database, int, list[ThreadMessage]], None]
) -> None:
    with database.transaction() as session:
        question = session.get(Question, question_id)
        assert question is not None
        question.close_at = datetime.fromtimestamp(1900000100, UTC)
    messages = [
        reply(ts="1900000001.000001", text="Talent.", event_id="EvA"),
        reply(ts="1900000002.000001", text="", event_id="EvB"),  # a file shared without a comment
        reply(ts="1900000003.000001", text=" ", event_id="EvC"),  # neither text nor files
        reply(ts="1900000200.000001", text="Too late.", event_id="EvD"),  # after close_at
        reply(
            MessageKind.CHANGED,
            ts="1900000001.000001",
            text="Talent, capital.",
            event_id="EvE",
            edit_ts="1900000050.0",
        ),
        reply(
            MessageKind.CHANGED, ts="1900000001.000001", text="older", event_id="EvF", edit_ts="1900000040.0"
        ),
        reply(MessageKind.DELETED, ts="1900000004.000001", text="", event_id="EvG"),  # before its original
        reply(ts="1900000004.000001", text="Withdrawn.", event_id="EvH"),
        reply(ts="1900000001.000001", text="Talent.", event_id="EvA"),  # a retry
    ]
    messages[1] = replace(messages[1], files=("plan.pdf",))
    messages = [replace(message, parent_is_bot=True) for message in messages]
    deliver(database, question_id, messages)
    assert [(r.message_ts, r.text, r.deleted_at is not None) for r in stored(database)] == [
        ("1900000001.000001", "Talent, capital.", False),
        ("1900000002.000001", "[shared a file: plan.pdf]", False),
        ("1900000004.000001", "", True),
    ]
