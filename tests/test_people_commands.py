"""Slash commands for organisers and participants, and the App Home, through the real HTTP endpoint."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, app_home_opened_event, block_actions, slash_command
from sqlmodel import select

from storage.db import Database
from storage.models import Question, Response, ResponseSource, UserPreference
from tests.factories import CHANNEL, ORGANISER, add_question, add_workshop

PARTICIPANT = "U0PART0001"


@pytest.fixture
def seeded(database: Database) -> int:
    workshop = add_workshop(database)
    question = add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts="1900000000.000100"
    )
    add_question(database, workshop, text="Next one?", post_at=datetime.now(UTC) + timedelta(days=2))
    with database.transaction() as session:
        session.add(
            Response(
                question_id=question,
                user_id=PARTICIPANT,
                text="My view.",
                channel_id=CHANNEL,
                message_ts="1900000001.000100",
                source=ResponseSource.THREAD,
            )
        )
    return workshop


def command(sender: SlackSender, text: str, user: str = PARTICIPANT) -> str:
    response = sender.send_command(slash_command(text=text, user_id=user, channel_id=CHANNEL))
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def test_non_organiser_asking_for_the_digest_is_refused_and_told_who_can(sender: SlackSender) -> None:
    text = command(sender, "digest")
    assert text.startswith(":warning: Only organisers of *Workshop test-workshop* can compile its digest")
    assert f"<@{ORGANISER}>" in text


def test_organiser_gets_the_digest_by_dm_after_an_immediate_ack(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    assert command(sender, "digest", user=ORGANISER) == (
        "Compiling the digest of `test-workshop`; it will arrive by direct message."
    )
    fake_slack.wait_for("files.completeUploadExternal", timeout=10)
    [summary] = fake_slack.calls("chat.postMessage")
    assert summary.params["channel"].startswith("D")


def test_nudges_off_is_remembered(sender: SlackSender, database: Database) -> None:
    assert command(sender, "nudges off").startswith("Reminders are off")
    assert command(sender, "nudges maybe") == "Usage: `/roundtable nudges off` (or `on`)."
    with database.reading() as session:
        assert session.get(UserPreference, PARTICIPANT).nudges_enabled is False  # type: ignore[union-attr]


def test_forget_me_asks_first_then_deletes(sender: SlackSender, database: Database) -> None:
    preview = command(sender, "forget-me")
    assert "holds, under your Slack id, 1 answer, 0 votes and 0 reasons in named polls." in preview
    assert "/roundtable forget-me confirm" in preview
    with database.reading() as session:
        assert len(session.exec(select(Response)).all()) == 1
    confirmed = command(sender, "forget-me confirm")
    assert confirmed.startswith(
        "Deleted 1 answer, 0 votes and 0 reasons in named polls. "
        "Nothing left in Roundtable's database holds your Slack id. "
        "Your votes and reasons in anonymous polls, and your weigh-in views of others' answers, stay counted, "
        "under a keyed hash rather than your id"
    )
    with database.reading() as session:
        assert session.exec(select(Response)).all() == []


def test_my_data_arrives_as_a_json_file_by_dm(sender: SlackSender, fake_slack: FakeSlack) -> None:
    assert command(sender, "my-data") == "Your data is on its way as a file in a direct message."
    [share] = fake_slack.wait_for("files.completeUploadExternal", timeout=10)
    [file_id] = [f for f, r in fake_slack.files.items() if r["name"] == "roundtable-my-data.json"]
    exported = json.loads(fake_slack.uploads[file_id])
    assert [r["text"] for r in exported["responses"]] == ["My view."]
    assert share.params["channel_id"].startswith("D")


def test_opening_the_app_home_publishes_the_persons_view(sender: SlackSender, fake_slack: FakeSlack) -> None:
    assert sender.send_event(app_home_opened_event(ORGANISER)).status_code == 200
    [publish] = fake_slack.wait_for("views.publish", timeout=10)
    assert publish.params["user_id"] == ORGANISER
    assert "Workshops you organise" in json.dumps(publish.params["view"])


def test_a_participants_crafted_home_action_is_refused(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: int
) -> None:
    click = block_actions("home.post_next", value=str(seeded), user_id=PARTICIPANT)
    assert sender.send_interaction(click).status_code == 200
    [publish] = fake_slack.wait_for("views.publish", timeout=10)
    assert "Only the workshop's organisers can post its next question early." in json.dumps(
        publish.params["view"]
    )
    with database.reading() as session:
        later = session.exec(select(Question).where(Question.text == "Next one?")).one()
    assert later.post_at > datetime.now(UTC) + timedelta(days=1)
