"""Ad-hoc polls a chair creates in a workshop's channel belong to the workshop but never to its file.

The chair's poll goes through the real HTTP endpoint (a signed `/roundtable poll`); the workshop file is then
reloaded the way `roundtable workshop load` does it. Reloading must neither adopt, renumber, warn about nor
delete the ad-hoc poll, and must keep creating the file's own polls.
"""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, slash_command
from sqlmodel import col, select
from test_polls_http import create, wait_until
from test_workshop_loader import BASE

from bot.workshops.catalog import LoadReport, describe_workshop, load_workshop, parse_workshop_text
from storage.db import Database
from storage.models import Poll, PollState

NOW = datetime(2029, 6, 1, tzinfo=UTC)
CHANNEL = "C0123ABCD"  # the channel of BASE
CHAIR = "U0456EFGH"  # a chair of BASE
SECOND_POLL = BASE[
    BASE.index('[[polls]]\nquestion = "Agree?"\noptions = ["Yes", "Partly", "No"]\nopen_at = "1 day') :
]
ONE_POLL = BASE.replace(SECOND_POLL, "")


def load(database: Database, text: str) -> LoadReport:
    return load_workshop(database, parse_workshop_text(text, source="x.toml"), now=NOW)


def polls(database: Database) -> list[Poll]:
    with database.reading() as session:
        return list(session.exec(select(Poll).order_by(col(Poll.id))))


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"with_scheduler": True}


def adhoc_poll(sender: SlackSender, fake: FakeSlack, database: Database, state: PollState) -> int:
    """A chair's `/roundtable poll` in the workshop's channel, waited for until it reaches `state`."""
    if state == PollState.OPEN:
        poll_id, _ = create(sender, fake, "Coffee break now? | Yes | No", user=CHAIR, channel=CHANNEL)
    else:
        body = sender.send_command(
            slash_command(
                text="poll Coffee break now? | Yes | No",
                user_id=CHAIR,
                channel_id=CHANNEL,
                response_url=fake.response_url(),
            )
        ).json()
        found = re.search(r"poll #(\d+)", body["text"])
        assert found, body
        poll_id = int(found.group(1))
    wait_until(lambda: next(p for p in polls(database) if p.id == poll_id).state == state)
    return poll_id


def test_reloading_after_an_adhoc_poll_is_unchanged_without_warnings_and_leaves_it_alone(
    database: Database, sender: SlackSender, fake_slack: FakeSlack
) -> None:
    load(database, ONE_POLL)
    adhoc = adhoc_poll(sender, fake_slack, database, PollState.OPEN)
    before = {p.id: (p.position, p.state, p.question) for p in polls(database)}

    for _ in range(2):
        report = load(database, ONE_POLL)
        assert report.warnings == []
        assert report.summary == "Workshop test-roundtable is unchanged (revision 1)."
    assert {p.id: (p.position, p.state, p.question) for p in polls(database)} == before
    assert before[adhoc][0] is None


def test_a_poll_added_to_the_file_after_an_adhoc_poll_is_created(
    database: Database, sender: SlackSender, fake_slack: FakeSlack
) -> None:
    load(database, ONE_POLL)
    adhoc = adhoc_poll(sender, fake_slack, database, PollState.OPEN)
    load(database, ONE_POLL)

    report = load(database, BASE)

    assert report.summary == "Updated workshop test-roundtable to revision 2: 1 poll added."
    assert report.warnings == []
    file_polls = [p for p in polls(database) if p.id != adhoc]
    assert [(p.position, p.phase, p.state) for p in file_polls] == [
        (0, "pre", PollState.SCHEDULED),
        (1, "post", PollState.SCHEDULED),
    ]


def test_a_failed_adhoc_poll_survives_reloads(
    database: Database, sender: SlackSender, fake_slack: FakeSlack
) -> None:
    load(database, ONE_POLL)
    fake_slack.set_channel(CHANNEL, is_archived=True)
    adhoc = adhoc_poll(sender, fake_slack, database, PollState.FAILED)

    report = load(database, ONE_POLL)
    load(database, BASE)

    assert report.summary == "Workshop test-roundtable is unchanged (revision 1)."
    assert [p.state for p in polls(database) if p.id == adhoc] == [PollState.FAILED]


def test_workshop_show_numbers_file_polls_by_file_position_and_adhoc_polls_by_their_number(
    database: Database, sender: SlackSender, fake_slack: FakeSlack
) -> None:
    load(database, BASE)
    adhoc = adhoc_poll(sender, fake_slack, database, PollState.OPEN)
    shown = describe_workshop(database, "test-roundtable")

    load(database, BASE)

    assert describe_workshop(database, "test-roundtable") == shown
    headings = [line.split("  ", 2)[-1] for line in shown.splitlines() if " poll " in line]
    assert headings == [  # in time order: the ad-hoc poll opened today, the file's open in 2030
        f"ad-hoc poll #{adhoc} [no phase, open]",
        'poll 1 [pre, pair "agree", scheduled]',
        'poll 2 [post, pair "agree", scheduled]',
    ]
