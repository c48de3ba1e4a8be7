"""Chairs and organisers run the weigh-in: `/roundtable weigh-in [N]` posts an invitation in the question's
thread, and the "Exclude from weigh-in" / "Include in weigh-in" message shortcuts take an off-topic answer
out of the deck and put it back. Participants are refused both, on the server."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, message_action, slash_command
from sqlmodel import select

from bot.questions import blocks as question_blocks
from bot.weighin import blocks, rounds
from storage.db import Database
from storage.models import Response
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_answer, add_question, add_workshop

PARTICIPANT = "U0PARTIC001"
FIRST_TS, SECOND_TS = "1900000000.000100", "1900000500.000100"
ANSWER_TS = "1900000501.000100"


@pytest.fixture
def seeded(database: Database) -> dict[str, int]:
    workshop = add_workshop(database)
    posted = datetime.now(UTC) - timedelta(hours=2)
    first = add_question(database, workshop, post_at=posted, posted_ts=FIRST_TS, position=0)
    second = add_question(
        database, workshop, post_at=posted + timedelta(hours=1), posted_ts=SECOND_TS, position=1
    )
    add_question(database, workshop, post_at=datetime.now(UTC) + timedelta(days=1), position=2)  # not yet
    answer = add_answer(database, second, PARTICIPANT, "Off topic: lunch?", ts=ANSWER_TS)
    return {"workshop": workshop, "first": first, "second": second, "answer": answer}


def command(sender: SlackSender, text: str, user: str) -> str:
    body = sender.send_command(slash_command(text=text, user_id=user, channel_id=CHANNEL)).json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def test_a_chair_invites_the_room_to_weigh_in_on_the_latest_question_in_its_thread(
    sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, int]
) -> None:
    assert command(sender, "weigh-in", CHAIR) == "Inviting everyone to weigh in on question 2, in its thread."
    [post] = fake_slack.wait_for("chat.postMessage", timeout=10)
    assert (post.params["channel"], post.params["thread_ts"]) == (CHANNEL, SECOND_TS)
    [button] = [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["text"]["text"], button["action_id"]) == ("Weigh in", blocks.OPEN_ACTION)
    assert button["value"] == f"q:{seeded['second']}"


def test_an_organiser_names_the_question_by_its_number(
    sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, int]
) -> None:
    assert command(sender, "weigh-in 1", ORGANISER).startswith("Inviting everyone to weigh in on question 1")
    [post] = fake_slack.wait_for("chat.postMessage", timeout=10)
    assert post.params["thread_ts"] == FIRST_TS


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ("3", "has not posted question 3 yet"),
        ("nine", "QUESTION is the question's number"),
        ("0", "Not 0"),
        ("²", "Not ²"),
    ],
)
def test_a_question_that_is_not_posted_or_not_a_number_is_refused_with_why(
    sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, int], arguments: str, said: str
) -> None:
    assert said in command(sender, f"weigh-in {arguments}", CHAIR)
    assert fake_slack.calls("chat.postMessage") == []


def test_a_participant_cannot_start_a_weigh_in_round(
    sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, int]
) -> None:
    text = command(sender, "weigh-in", PARTICIPANT)
    assert text.startswith(":warning: Only the chairs and organisers of *Workshop test-workshop* can start")
    assert f"<@{CHAIR}>" in text
    assert fake_slack.calls("chat.postMessage") == []


def shortcut(sender: SlackSender, fake: FakeSlack, callback_id: str, user: str, ts: str = ANSWER_TS) -> str:
    """Choose a message shortcut on the answer; the ephemeral note it gets through the response_url."""
    url = fake.response_url()
    before = len(fake.responses())
    message = {"ts": ts, "user": PARTICIPANT, "text": "Off topic: lunch?", "thread_ts": SECOND_TS}
    payload = message_action(callback_id, message, user_id=user, channel_id=CHANNEL, response_url=url)
    assert sender.send_interaction(payload).status_code == 200
    [*_, reply] = fake.wait_for("response_url", count=before + 1, timeout=10)
    return str(reply.params["text"])


def excluded(database: Database, answer: int) -> bool:
    with database.reading() as session:
        row = session.get(Response, answer)
        assert row is not None
        return row.excluded_from_deck


def test_a_chair_excludes_an_answer_from_the_weigh_in_and_puts_it_back(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, int]
) -> None:
    assert shortcut(sender, fake_slack, blocks.EXCLUDE_SHORTCUT, CHAIR) == rounds.EXCLUDED
    assert excluded(database, seeded["answer"])
    assert shortcut(sender, fake_slack, blocks.EXCLUDE_SHORTCUT, ORGANISER) == rounds.ALREADY_EXCLUDED
    assert shortcut(sender, fake_slack, blocks.INCLUDE_SHORTCUT, ORGANISER) == rounds.INCLUDED
    assert not excluded(database, seeded["answer"])
    with database.reading() as session:
        assert session.exec(select(Response.text)).all() == ["Off topic: lunch?"]  # still in the transcript


def test_a_participant_cannot_exclude_an_answer(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, int]
) -> None:
    text = shortcut(sender, fake_slack, blocks.EXCLUDE_SHORTCUT, PARTICIPANT)
    assert text.startswith(
        "Only the chairs and organisers of *Workshop test-workshop* can take an answer out"
    )
    assert not excluded(database, seeded["answer"])


def test_the_shortcut_on_a_message_that_is_no_answer_says_so(
    sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, int]
) -> None:
    assert shortcut(sender, fake_slack, blocks.EXCLUDE_SHORTCUT, CHAIR, ts="1900009999.000100") == (
        rounds.NOT_AN_ANSWER
    )


def test_a_question_message_offers_weigh_in_open_and_closed() -> None:
    def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (e["text"]["text"], e.get("value", ""))
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["type"] == "button"
        ]

    posted = question_blocks.question_message(question_id=7, workshop_title="W", text="Why?")
    assert buttons(posted) == [("Answer privately", "7"), ("Weigh in", "q:7")]
    closed = question_blocks.closed_question_message(question_id=7, workshop_title="W", text="Why?")
    assert buttons(closed) == [("Weigh in", "q:7")]


def test_the_manifest_declares_both_message_shortcuts_the_bot_listens_for() -> None:
    manifest = (Path(__file__).parent.parent / "manifest.yml").read_text()
    declared = set(re.findall(r"^\s+callback_id: (\S+)$", manifest, re.MULTILINE))  # only shortcuts have one
    assert declared == {blocks.EXCLUDE_SHORTCUT, blocks.INCLUDE_SHORTCUT}
