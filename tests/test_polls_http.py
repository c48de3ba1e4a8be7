"""Quick polls end to end: signed requests to the real HTTP endpoint, the real scheduler, the fake Slack."""

import dataclasses
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import (
    SlackSender,
    block_actions,
    new_ts,
    plain_text_input,
    slash_command,
    static_select,
    view_submission,
)
from sqlmodel import select

from bot.polls import rules as polls
from bot.polls import updates as poll_updates
from bot.runtime.deps import build_deps
from bot.runtime.settings import load_settings
from storage import polls as poll_store
from storage.db import Database
from storage.models import Poll, PollKind, PollOption, PollState, ProcessedEvent, Vote
from tests.botserver import VOTER_SECRET, RunningBot, bot_settings, wait_for_sweeps
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_workshop

PARTICIPANT = "U0PARTIC001"
GLOBAL_ORGANISER = "U0GLOBALORG"
LONELY_CHANNEL = "C0NOWORKSHP"


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"with_scheduler": True, "organisers": [GLOBAL_ORGANISER]}


@pytest.fixture
def workshop(database: Database) -> int:
    return add_workshop(database)


# ----- helpers ------------------------------------------------------------------------------------
def wait_until(condition: Callable[[], Any], timeout: float = 8.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def create(
    sender: SlackSender, fake: FakeSlack, text: str, *, user: str = CHAIR, channel: str = CHANNEL
) -> tuple[int, str]:
    """Create a poll inline; returns its id and the ts of its message."""
    body = sender.send_command(
        slash_command(text=f"poll {text}", user_id=user, channel_id=channel, response_url=fake.response_url())
    ).json()
    assert body["response_type"] == "ephemeral", body
    match = re.search(r"poll #(\d+)", body["text"])
    assert match, body["text"]
    poll_id = int(match.group(1))
    [call] = fake.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.params.get("metadata", {}).get("event_payload") == {"poll_id": poll_id},
    )
    return poll_id, call.response["ts"]  # type: ignore[index]


def wait_open(database: Database, poll_id: int) -> None:
    wait_until(lambda: poll_row(database, poll_id).state == PollState.OPEN)


def click(
    sender: SlackSender,
    fake: FakeSlack,
    poll_id: int,
    position: int,
    *,
    user: str = PARTICIPANT,
    ts: str | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload = payload or block_actions(
        f"poll.vote.{position}",
        value=f"{poll_id}:{position}",
        user_id=user,
        channel_id=CHANNEL,
        message_ts=ts,
        response_url=fake.response_url(),
    )
    response = sender.send_interaction(payload)
    assert response.status_code == 200, response.text
    return payload


def control(sender: SlackSender, fake: FakeSlack, action: str, poll_id: int, user: str) -> str:
    """Click Remove my vote / Close poll; returns the response_url id the reply goes to."""
    url = fake.response_url()
    payload = block_actions(action, value=str(poll_id), user_id=user, channel_id=CHANNEL, response_url=url)
    assert sender.send_interaction(payload).status_code == 200
    return url.rsplit("/", 1)[1]


def reply_to(fake: FakeSlack, response_id: str) -> str:
    [call] = fake.wait_for("response_url", predicate=lambda c: c.path.endswith(f"/{response_id}"))
    assert call.params["response_type"] == "ephemeral"
    return str(call.params["text"])


def poll_row(database: Database, poll_id: int) -> Poll:
    with database.reading() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        return poll


def votes(database: Database, poll_id: int) -> list[Vote]:
    with database.reading() as session:
        return list(session.exec(select(Vote).where(Vote.poll_id == poll_id)).all())


def stored_counts(database: Database, poll_id: int) -> dict[str, int]:
    with database.reading() as session:
        options = session.exec(select(PollOption).where(PollOption.poll_id == poll_id)).all()
        rows = session.exec(select(Vote).where(Vote.poll_id == poll_id)).all()
    return {o.label: sum(1 for v in rows if v.option_id == o.id) for o in options}


def settled_message(
    database: Database, fake: FakeSlack, poll_id: int, timeout: float = 8.0
) -> dict[str, Any]:
    """The poll's message once it shows every vote and the latest version (close, erasure)."""

    def rendered() -> bool:
        poll = poll_row(database, poll_id)
        with database.reading() as session:
            pending = poll_store.pending_changes(session, poll_id)
        return poll.message_ts is not None and poll.rendered_version == poll.vote_version and not pending

    wait_until(rendered, timeout)
    poll = poll_row(database, poll_id)
    message = fake.message(CHANNEL if poll.channel_id is None else poll.channel_id, poll.message_ts or "")
    assert message is not None
    return message


def displayed_counts(message: dict[str, Any]) -> dict[str, int]:
    text = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    return {label: int(n) for n, label in re.findall(r"`[█░]+` \d+% \((\d+)\) (.+)", text)}


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def updates_of(fake: FakeSlack, ts: str) -> list[Any]:
    return [c for c in fake.calls("chat.update") if c.params.get("ts") == ts]


# ----- creating -----------------------------------------------------------------------------------
def test_chair_creates_inline_poll_posted_at_once_with_hidden_results(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(
        sender, fake_slack, "Can the Cambridge cluster's success be replicated elsewhere? | Yes | Partly | No"
    )
    wait_open(database, poll_id)
    poll = poll_row(database, poll_id)
    assert (poll.workshop_id, poll.state, poll.channel_id, poll.message_ts) == (workshop, "open", CHANNEL, ts)
    assert (poll.kind, poll.anonymous, poll.results_hidden, poll.created_by) == ("single", True, True, CHAIR)
    message = fake_slack.message(CHANNEL, ts)
    assert message is not None
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Yes", "Partly", "No", "Remove my vote", "Close poll"]
    assert [b["value"] for b in buttons[:3]] == [f"{poll_id}:0", f"{poll_id}:1", f"{poll_id}:2"]
    text = json.dumps(message["blocks"])
    assert "Results are hidden until the poll closes" in text
    assert f"Poll #{poll_id}" in text
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_options_default_to_yes_no_and_quotes_are_accepted(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    first, _ = create(sender, fake_slack, "Is the pipeline strong enough?")
    second, _ = create(sender, fake_slack, '"Is A | B the choice?" "Yes, A | B" "No"')
    assert stored_counts(database, first) == {"Yes": 0, "No": 0}
    assert stored_counts(database, second) == {"Yes, A | B": 0, "No": 0}
    assert poll_row(database, second).question == "Is A | B the choice?"


def test_modal_opens_before_ack_and_its_submission_posts_the_poll(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    response = sender.send_command(slash_command(text="poll", user_id=CHAIR, channel_id=CHANNEL))
    assert response.status_code == 200
    [opened] = fake_slack.calls("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "poll.create"
    assert {b["block_id"] for b in view["blocks"]} >= {"question", "options", "kind", "close_at", "workshop"}
    close_at = int(time.time()) + 3600
    values = {
        "question": {"question": plain_text_input("Which levers matter most? <!here>")},
        "options": {"options": plain_text_input("Skills\nFinance\n\nPlanning\n")},
        "kind": {"kind": static_select("multiple")},
        "anonymous": {"anonymous": static_select("attributed")},
        "results": {"results": static_select("live")},
        "close_at": {"close_at": {"type": "datetimepicker", "selected_date_time": close_at}},
        "workshop": {"workshop": static_select(str(workshop))},
    }
    submitted = sender.send_interaction(
        view_submission(
            "poll.create", values=values, private_metadata=view["private_metadata"], user_id=CHAIR
        )
    )
    assert submitted.status_code == 200
    assert submitted.text in ("", "null") or "errors" not in submitted.json()
    [call] = fake_slack.wait_for("chat.postMessage")
    with database.reading() as session:
        [poll] = session.exec(select(Poll)).all()
    assert (poll.kind, poll.anonymous, poll.results_hidden, poll.workshop_id) == (
        "multiple",
        False,
        False,
        workshop,
    )
    assert poll.close_at is not None
    assert int(poll.close_at.timestamp()) == close_at
    assert stored_counts(database, poll.id or 0) == {"Skills": 0, "Finance": 0, "Planning": 0}
    assert "Which levers matter most? &lt;!here&gt;" in json.dumps(call.params["blocks"])


def test_modal_submission_with_a_past_close_time_is_refused_on_that_field(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    values = {
        "question": {"question": plain_text_input("Too late?")},
        "options": {"options": plain_text_input("")},
        "kind": {"kind": static_select("single")},
        "close_at": {"close_at": {"type": "datetimepicker", "selected_date_time": int(time.time()) - 60}},
    }
    metadata = json.dumps({"channel_id": CHANNEL, "channel_name": "general"})
    body = sender.send_interaction(
        view_submission("poll.create", values=values, private_metadata=metadata, user_id=CHAIR)
    ).json()
    assert body["response_action"] == "errors"
    assert "in the past" in body["errors"]["close_at"]
    with database.reading() as session:
        assert session.exec(select(Poll)).all() == []


def test_participant_cannot_create_inline_or_open_the_form(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    for text in ("poll Should we? | Yes | No", "poll"):
        body = sender.send_command(slash_command(text=text, user_id=PARTICIPANT, channel_id=CHANNEL)).json()
        assert body["response_type"] == "ephemeral"
        assert "Only the chairs and organisers of *Workshop test-workshop*" in body["text"]
        assert f"<@{CHAIR}>" in body["text"]
        assert f"<@{ORGANISER}>" in body["text"]
    assert fake_slack.calls("views.open") == []
    with database.reading() as session:
        assert session.exec(select(Poll)).all() == []


def test_channel_without_workshop_only_global_organisers_create(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    body = sender.send_command(
        slash_command(text="poll Tea? | Yes | No", user_id=CHAIR, channel_id=LONELY_CHANNEL)
    ).json()
    assert "This channel has no workshop, so only Roundtable's organisers" in body["text"]
    assert f"<@{GLOBAL_ORGANISER}>" in body["text"]
    poll_id, _ = create(sender, fake_slack, "Tea? | Yes | No", user=GLOBAL_ORGANISER, channel=LONELY_CHANNEL)
    assert poll_row(database, poll_id).workshop_id is None


BAD_INPUTS = [
    ("| Yes | No", "The poll needs a question."),
    ("Q? | Yes", "A poll needs at least 2 options; only “Yes” was given."),
    ("Q? | Yes | yes", "Option 2 (“yes”) repeats option 1."),
    (
        "Q? | " + " | ".join(f"O{i}" for i in range(11)),
        "A poll can have at most 10 options; 11 were given.",
    ),
    ("Q? | Yes | " + "x" * 76, "Option 2 is 76 characters; Slack buttons allow at most 75."),
    ('"Q? | Yes | No', 'Unbalanced quote: the " at character 1 is never closed.'),
    ("Q? | Yes | | No", "Option 2 is empty."),
    ("--close=2001-01-01T10:00 Q? | Yes | No", "The close time 2001-01-01T10:00 is in the past"),
    ("--close=soon Q? | Yes | No", "Cannot read the close time `soon`"),
    ("--scale Q? | Yes | No", "An agreement-scale poll has fixed options"),
    ("--frobnicate Q?", "Unknown option `--frobnicate`."),
]


def test_each_bad_input_gets_a_precise_ephemeral_message_and_changes_nothing(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    for text, expected in BAD_INPUTS:
        body = sender.send_command(
            slash_command(text=f"poll {text}", user_id=CHAIR, channel_id=CHANNEL)
        ).json()
        assert body["response_type"] == "ephemeral"
        assert expected in body["text"], (text, body["text"])
    with database.reading() as session:
        assert session.exec(select(Poll)).all() == []
    assert fake_slack.calls("chat.postMessage") == []


def test_close_with_unknown_or_missing_poll_id_is_explained(sender: SlackSender, workshop: int) -> None:
    unknown = sender.send_command(slash_command(text="close 999", user_id=CHAIR, channel_id=CHANNEL)).json()
    assert unknown["text"] == "There is no poll #999."
    missing = sender.send_command(
        slash_command(text="close <!channel>", user_id=CHAIR, channel_id=CHANNEL)
    ).json()
    assert "needs a poll id" in missing["text"]
    assert "<!channel>" not in missing["text"]


def test_mentions_and_links_typed_into_a_poll_appear_literally(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    question = "Ping <!channel> and <!here> and <@U0ALICE0001>? See <https://evil.example|https://gov.uk>"
    poll_id, ts = create(sender, fake_slack, f"--live {question} | <!channel> | <@U0BOB00001> & co")
    click(sender, fake_slack, poll_id, 1, ts=ts)
    message = settled_message(database, fake_slack, poll_id)
    calls = [*fake_slack.calls("chat.postMessage"), *fake_slack.calls("chat.update")]
    for call in calls:
        for text in [call.params["text"], *mrkdwn_texts(call.params["blocks"])]:
            assert not re.search(r"<[!@#]|<https?:", text), text
    shown = json.dumps(message["blocks"])
    assert "Ping &lt;!channel&gt; and &lt;!here&gt; and &lt;@U0ALICE0001&gt;?" in shown
    assert "&lt;https://evil.example|https://gov.uk&gt;" in shown
    assert "&lt;@U0BOB00001&gt; &amp; co" in shown
    assert poll_row(database, poll_id).question == question
    confirmation = fake_slack.wait_for("response_url")[0].params["text"]
    assert "&lt;@U0BOB00001&gt; &amp; co" in confirmation
    assert "<@" not in confirmation


# ----- voting -------------------------------------------------------------------------------------
def test_single_choice_vote_is_confirmed_and_clicking_another_changes_it(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "--live Replicable? | Yes | Partly | No")
    click(sender, fake_slack, poll_id, 0, ts=ts)
    click(sender, fake_slack, poll_id, 1, ts=ts)
    [vote] = votes(database, poll_id)
    assert vote.slot == 0
    assert displayed_counts(settled_message(database, fake_slack, poll_id)) == {
        "Yes": 0,
        "Partly": 1,
        "No": 0,
    }
    texts = [c.params["text"] for c in fake_slack.wait_for("response_url", count=2)]
    assert texts[0].startswith(f"You voted *Yes* in poll #{poll_id}")
    assert texts[1].startswith(f"You voted *Partly* in poll #{poll_id}")


def test_multiple_choice_toggles_and_remove_my_vote_clears(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "--multi --live Which levers? | Skills | Finance | Planning")
    for position in (0, 2, 0):
        click(sender, fake_slack, poll_id, position, ts=ts)
    assert stored_counts(database, poll_id) == {"Skills": 0, "Finance": 0, "Planning": 1}
    click(sender, fake_slack, poll_id, 1, ts=ts)
    assert displayed_counts(settled_message(database, fake_slack, poll_id)) == {
        "Skills": 0,
        "Finance": 1,
        "Planning": 1,
    }
    texts = [c.params["text"] for c in fake_slack.wait_for("response_url", count=4)]
    assert texts[2] == (
        f"You un-chose *Skills*. Your choices in poll #{poll_id} (“Which levers?”): *Planning*."
    )
    reply = control(sender, fake_slack, "poll.unvote", poll_id, PARTICIPANT)
    assert reply_to(fake_slack, reply) == f"Your vote in poll #{poll_id} is removed."
    assert votes(database, poll_id) == []
    again = control(sender, fake_slack, "poll.unvote", poll_id, PARTICIPANT)
    assert reply_to(fake_slack, again) == f"You had no vote in poll #{poll_id} to remove."


def test_agreement_scale_has_five_points(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "--scale Place-based policy works")
    assert list(stored_counts(database, poll_id)) == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    assert poll_row(database, poll_id).kind == PollKind.SCALE
    click(sender, fake_slack, poll_id, 4, ts=ts)
    assert stored_counts(database, poll_id)["Strongly agree"] == 1


def test_many_options_fall_back_to_a_select_menu(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    labels = [f"Region {i}" for i in range(1, 11)]
    poll_id, ts = create(sender, fake_slack, "Where next? | " + " | ".join(labels))
    message = fake_slack.message(CHANNEL, ts)
    assert message is not None
    [menu] = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    ]
    assert [o["text"]["text"] for o in menu["options"]] == labels
    assert len(message["blocks"]) <= 50
    payload = block_actions(
        "poll.choose",
        user_id=PARTICIPANT,
        channel_id=CHANNEL,
        message_ts=ts,
        response_url=fake_slack.response_url(),
        action={
            "type": "static_select",
            "action_id": "poll.choose",
            "block_id": f"poll.{poll_id}.options",
            "action_ts": new_ts(),
            "selected_option": menu["options"][6],
        },
    )
    click(sender, fake_slack, poll_id, 6, payload=payload)
    assert stored_counts(database, poll_id)["Region 7"] == 1


def test_retried_action_is_counted_once(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "--multi Retry? | A | B")
    payload = click(sender, fake_slack, poll_id, 0, ts=ts)
    click(sender, fake_slack, poll_id, 0, payload=payload)  # the same delivery again: a toggle would undo it
    assert stored_counts(database, poll_id) == {"A": 1, "B": 0}
    marker = click(sender, fake_slack, poll_id, 1, user="U0LATERVOTE", ts=ts)  # a later click's answer ...
    reply_to(fake_slack, marker["response_url"].rsplit("/", 1)[1])  # ... comes after any the retry got
    assert len(fake_slack.responses(payload["response_url"].rsplit("/", 1)[1])) == 1
    assert len(fake_slack.responses()) == 2
    poll = poll_row(database, poll_id)
    key = polls.delivery_key(
        VOTER_SECRET.encode(), poll, PARTICIPANT, "click", payload["actions"][0]["action_ts"]
    )
    with database.reading() as session:
        keys = session.exec(select(ProcessedEvent.key)).all()
    assert key in keys  # the click's own key, a keyed hash: the voter's id is in none
    assert not [k for k in keys if PARTICIPANT in k]


def test_anonymous_votes_hold_no_user_id_and_attributed_ones_do(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    anonymous, ts = create(sender, fake_slack, "Secret? | Yes | No")
    named, named_ts = create(sender, fake_slack, "--named Open? | Yes | No")
    click(sender, fake_slack, anonymous, 0, ts=ts)
    click(sender, fake_slack, named, 0, ts=named_ts)
    [secret] = votes(database, anonymous)
    assert secret.user_id is None
    plain_hashes = {
        getattr(hashlib, name)(text.encode()).hexdigest()
        for name in ("sha256", "sha1", "md5")
        for text in (PARTICIPANT, f"{anonymous}:{PARTICIPANT}", f"poll:{anonymous}\x00{PARTICIPANT}")
    }
    assert secret.voter_key != PARTICIPANT
    assert PARTICIPANT not in secret.voter_key
    assert secret.voter_key not in plain_hashes
    [attributed] = votes(database, named)
    assert (attributed.user_id, attributed.voter_key) == (PARTICIPANT, PARTICIPANT)


def test_concurrent_votes_by_many_users_are_counted_exactly(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "--live Busy? | A | B | C")
    users = [f"U0VOTER{i:04d}" for i in range(60)]

    def vote(index: int) -> None:
        click(sender, fake_slack, poll_id, index % 3, user=users[index], ts=ts)
        click(sender, fake_slack, poll_id, (index + 1) % 3, user=users[index], ts=ts)  # change of mind

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(vote, range(len(users))))
    assert stored_counts(database, poll_id) == {"A": 20, "B": 20, "C": 20}
    assert len(votes(database, poll_id)) == 60
    assert displayed_counts(settled_message(database, fake_slack, poll_id)) == {"A": 20, "B": 20, "C": 20}


# ----- results, closing ---------------------------------------------------------------------------
def test_hidden_results_stay_hidden_everywhere_until_close(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "Hidden? | Yes | No")
    for index in range(3):
        click(sender, fake_slack, poll_id, index % 2, user=f"U0HIDDEN{index:03d}", ts=ts)
    settled_message(database, fake_slack, poll_id)
    before_close = [*fake_slack.calls("chat.postMessage"), *updates_of(fake_slack, ts)]
    assert len(before_close) >= 2
    for call in before_close:
        shown = json.dumps(call.params["blocks"])
        assert "Results are hidden until the poll closes" in shown
        assert "%" not in shown
        assert "█" not in shown
    for reply in fake_slack.wait_for("response_url", count=3):
        assert "%" not in reply.params["text"]
        assert "(1)" not in reply.params["text"]
    reply = control(sender, fake_slack, "poll.close", poll_id, CHAIR)
    assert "is closed" in reply_to(fake_slack, reply)
    final = settled_message(database, fake_slack, poll_id)
    assert displayed_counts(final) == {"Yes": 2, "No": 1}
    assert not [b for b in final["blocks"] if b["type"] == "actions"]


def test_participant_cannot_close_by_button_or_command(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, _ = create(sender, fake_slack, "Close me? | Yes | No")
    reply = control(sender, fake_slack, "poll.close", poll_id, PARTICIPANT)  # a crafted click
    assert reply_to(fake_slack, reply).startswith(
        "Only the chairs and organisers of *Workshop test-workshop* can close"
    )
    body = sender.send_command(
        slash_command(text=f"close {poll_id}", user_id=PARTICIPANT, channel_id=CHANNEL)
    ).json()
    assert body["text"].startswith("Only the chairs and organisers")
    assert poll_row(database, poll_id).state == PollState.OPEN


def test_closed_poll_refuses_votes_and_closing_again_is_harmless(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "Last call? | Yes | No")
    click(sender, fake_slack, poll_id, 0, ts=ts)
    body = sender.send_command(
        slash_command(text=f"close #{poll_id}", user_id=ORGANISER, channel_id=CHANNEL)
    ).json()
    assert body["text"].startswith(f"Poll #{poll_id} is closed")
    again = sender.send_command(
        slash_command(text=f"close {poll_id}", user_id=CHAIR, channel_id=CHANNEL)
    ).json()
    assert again["text"] == f"Poll #{poll_id} is already closed."
    late = click(sender, fake_slack, poll_id, 1, user="U0LATECOMER", ts=ts)
    late_reply = reply_to(fake_slack, late["response_url"].rsplit("/", 1)[1])
    assert (
        late_reply
        == f"Poll #{poll_id} is closed; it no longer takes votes. The message shows the final results."
    )
    assert stored_counts(database, poll_id) == {"Yes": 1, "No": 0}
    assert displayed_counts(settled_message(database, fake_slack, poll_id)) == {"Yes": 1, "No": 0}


def test_a_vote_that_read_the_poll_open_is_not_counted_once_the_close_has_committed(
    sender: SlackSender,
    fake_slack: FakeSlack,
    database: Database,
    workshop: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    poll_id, ts = create(sender, fake_slack, "Photo finish? | Yes | No")
    click(sender, fake_slack, poll_id, 0, ts=ts)
    body = sender.send_command(
        slash_command(text=f"close {poll_id}", user_id=CHAIR, channel_id=CHANNEL)
    ).json()
    assert body["text"].startswith(f"Poll #{poll_id} is closed")
    settled_message(database, fake_slack, poll_id)
    # The batch's read of the poll saw it open (as a read before the close committed would): only the
    # guard's own locked read of the state can still refuse the vote.
    read_open: list[int] = []
    real_targets = poll_store.vote_targets

    def read_before_the_close(session: Any, wanted: Any) -> dict[int, poll_store.VoteTarget]:
        found = real_targets(session, wanted)
        read_open.extend(found)
        return {k: dataclasses.replace(t, state=PollState.OPEN) for k, t in found.items()}

    monkeypatch.setattr(poll_store, "vote_targets", read_before_the_close)
    late = click(sender, fake_slack, poll_id, 1, user="U0PHOTOFIN1", ts=ts)
    reply = reply_to(fake_slack, late["response_url"].rsplit("/", 1)[1])
    monkeypatch.undo()
    assert read_open == [poll_id]
    assert (
        reply == f"Poll #{poll_id} is closed; it no longer takes votes. The message shows the final results."
    )
    assert stored_counts(database, poll_id) == {"Yes": 1, "No": 0}
    with database.reading() as session:
        assert poll_store.pending_changes(session, poll_id) == 0  # nothing changed after the close


def test_a_close_waits_for_the_votes_that_found_the_poll_open_so_none_is_acked_after_it(
    sender: SlackSender,
    fake_slack: FakeSlack,
    database: Database,
    workshop: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chair closes while a batch of votes that found the poll open is still uncommitted: the close
    must wait for that batch (PostgreSQL: the batch's share lock; SQLite: one writer at a time), so the
    vote is counted and in the final results, and is never acknowledged after the close committed."""
    poll_id, ts = create(sender, fake_slack, "Last second? | Yes | No")
    click(sender, fake_slack, poll_id, 0, ts=ts)
    closed = threading.Event()
    close_finished_inside_the_vote: list[bool] = []

    def close_now() -> None:
        with database.transaction() as session:
            assert poll_store.close(session, poll_id, now=datetime.now(UTC))
        closed.set()

    closer = threading.Thread(target=close_now)
    real_current = poll_store.current_votes

    def close_meanwhile(session: Any, voters: Any) -> list[poll_store.CurrentVote]:
        if not closer.is_alive() and not closed.is_set():
            closer.start()
            # A close that is not held back finishes at once; half a second is ample on a loaded machine.
            close_finished_inside_the_vote.append(closed.wait(0.5))
        return real_current(session, voters)

    monkeypatch.setattr(poll_store, "current_votes", close_meanwhile)
    late = click(sender, fake_slack, poll_id, 1, user="U0LASTSECND", ts=ts)
    reply = reply_to(fake_slack, late["response_url"].rsplit("/", 1)[1])
    monkeypatch.undo()
    closer.join(timeout=10)
    assert close_finished_inside_the_vote == [False]
    assert closed.is_set()
    assert reply.startswith("You voted")
    assert poll_row(database, poll_id).state == PollState.CLOSED
    assert stored_counts(database, poll_id) == {"Yes": 1, "No": 1}
    assert displayed_counts(settled_message(database, fake_slack, poll_id)) == {"Yes": 1, "No": 1}


def test_poll_closes_at_its_deadline(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "Quick? | Yes | No")
    click(sender, fake_slack, poll_id, 1, ts=ts)
    with database.transaction() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        poll.close_at = datetime.now(UTC) + timedelta(seconds=0.5)
        session.add(poll)
    wait_until(lambda: poll_row(database, poll_id).state == PollState.CLOSED, timeout=5)
    final = settled_message(database, fake_slack, poll_id)
    assert displayed_counts(final) == {"Yes": 0, "No": 1}
    assert "Final results" in json.dumps(final["blocks"])


def test_burst_of_200_votes_is_coalesced_into_about_one_update_per_second(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(sender, fake_slack, "--live Burst? | A | B | C | D")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(
            pool.map(
                lambda i: click(sender, fake_slack, poll_id, i % 4, user=f"U0BURST{i:04d}", ts=ts), range(200)
            )
        )
    final = settled_message(database, fake_slack, poll_id)
    elapsed = time.monotonic() - started
    updates = updates_of(fake_slack, ts)
    assert 1 <= len(updates) <= elapsed + 2, (len(updates), elapsed)
    gaps = [b.time - a.time for a, b in itertools.pairwise(updates)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert displayed_counts(final) == {"A": 50, "B": 50, "C": 50, "D": 50}


def test_chair_creates_fifty_vote_chair_closes_and_results_agree(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    poll_id, ts = create(
        sender, fake_slack, "Can the Cambridge cluster's success be replicated? | Yes | Partly | No"
    )
    choices = [0] * 23 + [1] * 17 + [2] * 10
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(
            pool.map(
                lambda i: click(sender, fake_slack, poll_id, choices[i], user=f"U0PART{i:05d}", ts=ts),
                range(50),
            )
        )
    reply = control(sender, fake_slack, "poll.close", poll_id, CHAIR)
    assert "is closed" in reply_to(fake_slack, reply)
    final = settled_message(database, fake_slack, poll_id)
    stored = stored_counts(database, poll_id)
    assert stored == {"Yes": 23, "Partly": 17, "No": 10}
    assert displayed_counts(final) == stored
    assert "50 people have voted" in json.dumps(final["blocks"])


# ----- scheduled polls and pairs ------------------------------------------------------------------
def add_scheduled_poll(
    database: Database, workshop: int, *, open_at: datetime, phase: str, pair: str = "replicable"
) -> int:
    with database.transaction() as session:
        poll = Poll(
            workshop_id=workshop,
            question="Can it be replicated?",
            state=PollState.SCHEDULED,
            open_at=open_at,
            pair_key=pair,
            phase=phase,
        )
        session.add(poll)
        session.flush()
        for position, label in enumerate(("Yes", "No")):
            session.add(PollOption(poll_id=poll.id or 0, position=position, label=label))
        return poll.id or 0


def test_scheduled_poll_opens_at_its_time_once_and_pairs_link_anonymous_answers(
    bot: RunningBot, sender: SlackSender, fake_slack: FakeSlack, database: Database, workshop: int
) -> None:
    due = datetime.now(UTC) + timedelta(seconds=0.5)
    pre = add_scheduled_poll(database, workshop, open_at=due, phase="pre")
    post = add_scheduled_poll(database, workshop, open_at=due, phase="post")
    wait_until(lambda: all(poll_row(database, p).state == PollState.OPEN for p in (pre, post)), timeout=6)
    assert bot.scheduler is not None
    wait_for_sweeps(bot.scheduler, "polls")  # a whole sweep since, which would have opened them again
    posted = [c for c in fake_slack.calls("chat.postMessage") if c.params.get("metadata")]
    assert sorted(c.params["metadata"]["event_payload"]["poll_id"] for c in posted) == [pre, post]
    assert all(c.time >= due.timestamp() - 0.05 for c in posted)
    for user, before, after in (("U0MOVER0001", 0, 1), ("U0STAYER001", 0, 0)):
        click(sender, fake_slack, pre, before, user=user, ts=poll_row(database, pre).message_ts)
        click(sender, fake_slack, post, after, user=user, ts=poll_row(database, post).message_ts)
    keys_pre = {v.voter_key: v.option_id for v in votes(database, pre)}
    keys_post = {v.voter_key: v.option_id for v in votes(database, post)}
    assert set(keys_pre) == set(keys_post)  # the same person links across the pair, anonymously
    assert all(v.user_id is None for v in votes(database, pre) + votes(database, post))


def test_poll_posting_that_lost_its_connection_is_not_posted_twice(
    database: Database, database_url: str, fake_slack: FakeSlack, workshop: int
) -> None:
    poll_id = add_scheduled_poll(database, workshop, open_at=datetime.now(UTC), phase="pre", pair="lost")
    deps = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    fake_slack.drop_next("chat.postMessage", perform=True)
    try:
        assert poll_updates.post_poll(deps, poll_id) == "retry"
        assert poll_updates.post_poll(deps, poll_id) == "posted"
    finally:
        deps.close()
    assert len([m for m in fake_slack.messages(CHANNEL) if m.get("metadata")]) == 1
    poll = poll_row(database, poll_id)
    assert poll.state == PollState.OPEN
    assert poll.message_ts == fake_slack.messages(CHANNEL)[0]["ts"]
