"""Reasons with votes, end to end: the confirmation's button, the modal, storage keyed like the vote."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, block_actions, submit_text_view
from sqlmodel import select

from bot.polls.blocks import ADD_REASON_ACTION, REASON_CALLBACK
from storage.db import Database
from storage.models import Poll, PollOption, PollReason, PollState
from tests.factories import CHAIR, add_workshop
from tests.test_polls_http import PARTICIPANT, click, control, poll_row, reply_to, votes, wait_open

REASON = "Finance comes first: without patient capital nothing else follows."


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"with_scheduler": True}


@pytest.fixture
def workshop(database: Database) -> int:
    return add_workshop(database)


def reasoned_poll(database: Database, workshop: int, *, anonymous: bool = True, invite: bool = True) -> int:
    """A workshop-file poll that asks for reasons, due now: the scheduler opens it."""
    with database.transaction() as session:
        poll = Poll(
            workshop_id=workshop,
            question="Is finance the binding constraint?",
            anonymous=anonymous,
            invite_reason=invite,
            state=PollState.SCHEDULED,
            open_at=datetime.now(UTC),
        )
        session.add(poll)
        session.flush()
        for position, label in enumerate(("Yes", "No")):
            session.add(PollOption(poll_id=poll.id or 0, position=position, label=label))
        poll_id = poll.id or 0
    wait_open(database, poll_id)
    return poll_id


def vote_reply(sender: SlackSender, fake: FakeSlack, poll_id: int, user: str = PARTICIPANT) -> dict[str, Any]:
    """Vote Yes; the ephemeral confirmation's parameters."""
    payload = click(sender, fake, poll_id, 0, user=user)
    response_id = payload["response_url"].rsplit("/", 1)[1]
    [call] = fake.wait_for("response_url", predicate=lambda c: c.path.endswith(f"/{response_id}"))
    return dict(call.params)


def open_reason_form(sender: SlackSender, fake: FakeSlack, poll_id: int, user: str = PARTICIPANT) -> str:
    """Click "Add a reason"; the response_url id the bot answers on (if it refuses)."""
    url = fake.response_url()
    payload = block_actions(ADD_REASON_ACTION, value=str(poll_id), user_id=user, response_url=url)
    payload["container"]["is_ephemeral"] = True
    assert sender.send_interaction(payload).status_code == 200
    return url.rsplit("/", 1)[1]


def submit_reason(
    sender: SlackSender, poll_id: int, text: str, *, user: str = PARTICIPANT, view_id: str | None = None
) -> dict[str, Any]:
    """Submit the reason modal; Slack's answer ({} when the modal closes, else the errors)."""
    return submit_text_view(
        sender, REASON_CALLBACK, str(poll_id), "reason", text, user_id=user, view_id=view_id
    )


def reasons(database: Database, poll_id: int) -> list[PollReason]:
    with database.reading() as session:
        return list(session.exec(select(PollReason).where(PollReason.poll_id == poll_id)).all())


def posted_anywhere(fake: FakeSlack, text: str) -> bool:
    calls = [
        *fake.calls("chat.postMessage"),
        *fake.calls("chat.update"),
        *fake.calls("chat.postEphemeral"),
        *fake.calls("response_url"),
    ]
    return any(text in json.dumps(call.params) for call in calls)


# ----- the tests ----------------------------------------------------------------------------------
def test_voter_adds_a_reason_stored_anonymously_under_the_votes_key(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    confirmation = vote_reply(sender, fake_slack, poll_id)
    assert confirmation["response_type"] == "ephemeral"
    assert "You voted *Yes*" in confirmation["text"]
    buttons = [e for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons] == [
        (ADD_REASON_ACTION, str(poll_id), "Add a reason")
    ]

    open_reason_form(sender, fake_slack, poll_id)
    [opened] = fake_slack.calls("views.open")
    view = opened.params["view"]
    assert (view["callback_id"], view["private_metadata"]) == (REASON_CALLBACK, str(poll_id))
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert (field["element"]["type"], field["element"]["multiline"], field["element"]["max_length"]) == (
        "plain_text_input",
        False,
        200,
    )

    assert submit_reason(sender, poll_id, f"  {REASON} ", view_id=opened.response["view"]["id"]) == {}  # type: ignore[index]
    [reason] = reasons(database, poll_id)
    [vote] = votes(database, poll_id)
    assert (reason.text, reason.user_id, reason.voter_key) == (REASON, None, vote.voter_key)
    assert PARTICIPANT not in reason.voter_key
    assert not posted_anywhere(fake_slack, "patient capital")


def test_attributed_poll_reason_holds_the_voter(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop, anonymous=False)
    vote_reply(sender, fake_slack, poll_id)
    assert submit_reason(sender, poll_id, REASON) == {}
    [reason] = reasons(database, poll_id)
    assert (reason.user_id, reason.voter_key) == (PARTICIPANT, PARTICIPANT)


def test_resubmitting_replaces_the_reason_and_a_repeated_delivery_changes_nothing(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    vote_reply(sender, fake_slack, poll_id)
    assert submit_reason(sender, poll_id, "First thoughts.", view_id="V0FIRST0001") == {}
    assert submit_reason(sender, poll_id, "Second thoughts.", view_id="V0SECOND001") == {}
    assert submit_reason(sender, poll_id, "First thoughts.", view_id="V0FIRST0001") == {}  # late repeat
    [reason] = reasons(database, poll_id)
    assert reason.text == "Second thoughts."

    open_reason_form(sender, fake_slack, poll_id)  # the form shows the current reason, to edit
    [opened] = fake_slack.calls("views.open")
    [field] = [b for b in opened.params["view"]["blocks"] if b["type"] == "input"]
    assert field["element"]["initial_value"] == "Second thoughts."


def test_reason_without_a_vote_is_refused_on_the_button_and_on_the_form(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    refused = open_reason_form(sender, fake_slack, poll_id, user="U0NOVOTE001")  # a crafted click
    assert reply_to(fake_slack, refused) == f"Vote in poll #{poll_id} first: a reason goes with your vote."
    assert fake_slack.calls("views.open") == []
    answer = submit_reason(sender, poll_id, REASON, user="U0NOVOTE001")  # a crafted submission
    assert answer == {
        "response_action": "errors",
        "errors": {"reason": f"Vote in poll #{poll_id} first: a reason goes with your vote."},
    }
    assert reasons(database, poll_id) == []


def test_empty_or_overlong_reason_is_a_field_error(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    vote_reply(sender, fake_slack, poll_id)
    empty = submit_reason(sender, poll_id, "   ")
    assert empty["response_action"] == "errors"
    assert empty["errors"]["reason"].startswith("Write a reason before sending it")
    long = submit_reason(sender, poll_id, "x" * 201)
    assert long["errors"]["reason"] == "A reason is limited to 200 characters; this one has 201."
    assert reasons(database, poll_id) == []


def test_closed_poll_takes_no_reason(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    vote_reply(sender, fake_slack, poll_id)
    assert "is closed" in reply_to(fake_slack, control(sender, fake_slack, "poll.close", poll_id, CHAIR))
    answer = submit_reason(sender, poll_id, REASON)
    assert answer["errors"] == {"reason": f"Poll #{poll_id} is closed; it no longer takes reasons."}
    assert reasons(database, poll_id) == []


def test_poll_without_reasons_offers_no_button_and_refuses_a_crafted_reason(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop, invite=False)
    confirmation = vote_reply(sender, fake_slack, poll_id)
    assert "blocks" not in confirmation
    answer = submit_reason(sender, poll_id, REASON)
    assert answer["errors"] == {"reason": f"Poll #{poll_id} does not ask for reasons."}
    assert poll_row(database, poll_id).state == PollState.OPEN
    assert reasons(database, poll_id) == []


def test_removing_the_vote_leaves_nothing_to_reason_about(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    vote_reply(sender, fake_slack, poll_id)
    reply_to(fake_slack, control(sender, fake_slack, "poll.unvote", poll_id, PARTICIPANT))
    answer = submit_reason(sender, poll_id, REASON)
    assert answer["errors"] == {"reason": f"Vote in poll #{poll_id} first: a reason goes with your vote."}
    assert reasons(database, poll_id) == []


def test_withdrawing_a_vote_withdraws_its_reason(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id = reasoned_poll(database, workshop)
    vote_reply(sender, fake_slack, poll_id)
    assert "errors" not in submit_reason(sender, poll_id, REASON)
    assert len(reasons(database, poll_id)) == 1
    reply_to(fake_slack, control(sender, fake_slack, "poll.unvote", poll_id, PARTICIPANT))
    assert reasons(database, poll_id) == []
