"""A question message's controls end to end: answering privately, and chairs closing with a conclusion."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import (
    SlackSender,
    block_actions,
    new_ts,
    submit_text_view,
)
from sqlmodel import select

from bot.questions.blocks import (
    ANSWER_PRIVATELY_ACTION,
    CONCLUSION_CALLBACK,
    PRIVATE_ANSWER_CALLBACK,
    QUESTION_MENU_ACTION,
)
from storage.db import Database
from storage.models import Question, Response
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_question, add_workshop
from tests.test_polls_http import reply_to

QUESTION_TS = "1900000000.000100"
PARTICIPANT = "U0PARTIC001"
GLOBAL_ORGANISER = "U0GLOBALORG"


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"organisers": [GLOBAL_ORGANISER]}


@pytest.fixture
def question_id(database: Database) -> int:
    workshop = add_workshop(database)
    return add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )


# ----- helpers ------------------------------------------------------------------------------------
def answer_privately(sender: SlackSender, fake: FakeSlack, question_id: int, user: str = PARTICIPANT) -> str:
    """Click "Answer privately"; the response_url id any ephemeral note goes to."""
    url = fake.response_url()
    payload = block_actions(
        ANSWER_PRIVATELY_ACTION,
        value=str(question_id),
        block_id=f"question.{question_id}",
        user_id=user,
        message_ts=QUESTION_TS,
        response_url=url,
    )
    assert sender.send_interaction(payload).status_code == 200
    return url.rsplit("/", 1)[1]


def choose_conclude(sender: SlackSender, fake: FakeSlack, question_id: int, user: str) -> str:
    """Choose "Close with a conclusion" in the question's overflow menu; the response_url id."""
    url = fake.response_url()
    value = f"conclude:{question_id}"
    action = {
        "type": "overflow",
        "action_id": QUESTION_MENU_ACTION,
        "block_id": f"question.{question_id}",
        "selected_option": {
            "text": {"type": "plain_text", "text": "Close with a conclusion"},
            "value": value,
        },
        "action_ts": new_ts(),
    }
    payload = block_actions(
        QUESTION_MENU_ACTION, user_id=user, message_ts=QUESTION_TS, response_url=url, action=action
    )
    assert sender.send_interaction(payload).status_code == 200
    return url.rsplit("/", 1)[1]


def submit(
    sender: SlackSender,
    callback_id: str,
    question_id: int,
    text: str,
    *,
    user: str,
    view_id: str | None = None,
) -> dict[str, Any]:
    """Submit a question modal; Slack's answer ({} when the modal closes, else the errors)."""
    return submit_text_view(
        sender, callback_id, str(question_id), "text", text, user_id=user, view_id=view_id
    )


def question(database: Database, question_id: int) -> Question:
    with database.reading() as session:
        row = session.get(Question, question_id)
        assert row is not None
        return row


def responses(database: Database) -> list[Response]:
    with database.reading() as session:
        return list(session.exec(select(Response)).all())


def in_any_message(fake: FakeSlack, text: str) -> bool:
    calls = [*fake.calls("chat.postMessage"), *fake.calls("chat.update"), *fake.calls("chat.postEphemeral")]
    return any(text in json.dumps(call.params) for call in calls)


# ----- answering privately ------------------------------------------------------------------------
def test_answer_privately_opens_the_form_and_stores_an_answer_never_posted(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, question_id: int
) -> None:
    answer_privately(sender, fake_slack, question_id)
    [opened] = fake_slack.calls("views.open")
    view = opened.params["view"]
    assert (view["callback_id"], view["private_metadata"]) == (PRIVATE_ANSWER_CALLBACK, str(question_id))
    assert "Cambridge Cluster" in json.dumps(view["blocks"])
    view_id = opened.response["view"]["id"]  # type: ignore[index]

    text = "Off the record: the grants mattered more than the science park."
    assert submit(sender, PRIVATE_ANSWER_CALLBACK, question_id, text, user=PARTICIPANT, view_id=view_id) == {}
    assert submit(sender, PRIVATE_ANSWER_CALLBACK, question_id, text, user=PARTICIPANT, view_id=view_id) == {}
    [stored] = responses(database)
    assert (stored.question_id, stored.user_id, stored.text) == (question_id, PARTICIPANT, text)
    assert (stored.source, stored.channel_id, stored.message_ts) == ("private", None, None)
    assert not in_any_message(fake_slack, "grants mattered")
    assert fake_slack.calls("chat.postMessage") == []
    assert fake_slack.responses() == []


def test_closed_question_refuses_the_private_answer_form(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, question_id: int
) -> None:
    with database.transaction() as session:
        row = session.get(Question, question_id)
        assert row is not None
        row.closed_at = datetime.now(UTC)
        session.add(row)
    note = answer_privately(sender, fake_slack, question_id)
    assert reply_to(fake_slack, note) == "That question has closed; answers are no longer collected."
    assert fake_slack.calls("views.open") == []
    late = submit(sender, PRIVATE_ANSWER_CALLBACK, question_id, "Too late?", user=PARTICIPANT)
    assert late == {
        "response_action": "errors",
        "errors": {"text": "That question has closed; answers are no longer collected."},
    }
    assert responses(database) == []


def test_empty_private_answer_is_a_field_error(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, question_id: int
) -> None:
    answer = submit(sender, PRIVATE_ANSWER_CALLBACK, question_id, "  ", user=PARTICIPANT)
    assert answer["errors"] == {"text": "Write an answer before sending it."}
    assert responses(database) == []


# ----- closing with a conclusion ------------------------------------------------------------------
def test_conclusion_form_opens_for_a_chair_and_a_global_organiser(
    sender: SlackSender, fake_slack: FakeSlack, question_id: int
) -> None:
    for user in (CHAIR, GLOBAL_ORGANISER):
        choose_conclude(sender, fake_slack, question_id, user)
    opened = fake_slack.calls("views.open")
    assert [call.params["view"]["callback_id"] for call in opened] == [CONCLUSION_CALLBACK] * 2
    assert {call.params["view"]["private_metadata"] for call in opened} == {str(question_id)}
    assert fake_slack.responses() == []


def test_participant_is_told_who_can_conclude_and_no_form_opens(
    sender: SlackSender, fake_slack: FakeSlack, question_id: int
) -> None:
    note = reply_to(fake_slack, choose_conclude(sender, fake_slack, question_id, PARTICIPANT))
    assert note.startswith(
        "Only the chairs and organisers of *Workshop test-workshop* can close a question with a conclusion:"
    )
    for who in (CHAIR, ORGANISER, GLOBAL_ORGANISER):
        assert f"<@{who}>" in note
    assert fake_slack.calls("views.open") == []


def test_crafted_conclusion_from_a_participant_is_refused_and_stores_nothing(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, question_id: int
) -> None:
    answer = submit(sender, CONCLUSION_CALLBACK, question_id, "Mine now.", user=PARTICIPANT)
    assert answer == {
        "response_action": "errors",
        "errors": {
            "text": "Only the workshop's chairs and organisers can close a question with a conclusion."
        },
    }
    row = question(database, question_id)
    assert (row.conclusion, row.closed_at) == (None, None)
    assert fake_slack.calls("chat.postMessage") == []


def test_chairs_conclusion_is_stored_and_noted_once_in_the_questions_thread(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, question_id: int
) -> None:
    choose_conclude(sender, fake_slack, question_id, CHAIR)
    [opened] = fake_slack.calls("views.open")
    view_id = opened.response["view"]["id"]  # type: ignore[index]
    text = "Replication needs <!here> patient capital & planning."
    assert submit(sender, CONCLUSION_CALLBACK, question_id, text, user=CHAIR, view_id=view_id) == {}
    assert submit(sender, CONCLUSION_CALLBACK, question_id, text, user=CHAIR, view_id=view_id) == {}
    row = question(database, question_id)
    assert row.conclusion == text
    assert row.closed_at is not None
    [note] = fake_slack.wait_for("chat.postMessage")
    assert (note.params["channel"], note.params["thread_ts"]) == (CHANNEL, QUESTION_TS)
    assert "Replication needs &lt;!here&gt; patient capital &amp; planning." in note.params["text"]
    assert [m["text"] for m in fake_slack.thread(CHANNEL, QUESTION_TS)] == [note.params["text"]]

    late = submit(sender, PRIVATE_ANSWER_CALLBACK, question_id, "After the close?", user=PARTICIPANT)
    assert late["errors"] == {"text": "That question has closed; answers are no longer collected."}
    # Another question's conclusion, submitted after the repeat: once its note is out, so is any the repeat sent.
    later_ts = "1900000000.000200"
    later = add_question(database, row.workshop_id, text="And next?", post_at=row.post_at, posted_ts=later_ts)
    assert submit(sender, CONCLUSION_CALLBACK, later, "Later.", user=CHAIR, view_id="V0LATER") == {}
    fake_slack.wait_for("chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == later_ts)
    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert [m["text"] for m in fake_slack.thread(CHANNEL, QUESTION_TS)] == [note.params["text"]]
