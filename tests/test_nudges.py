"""Quiet nudges: once, privately, only to invitees who have not replied and have not opted out."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack import FakeSlack
from sqlmodel import select

from bot.questions import nudges
from bot.runtime.deps import Deps, build_deps
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.models import Invitee, Question, Response, ResponseSource, Workshop
from tests.botserver import bot_settings
from tests.factories import CHANNEL, add_question, add_workshop

INVITED = ["U0ANN00001", "U0BEN00002", "U0CAT00003", "U0DAN00004"]


@pytest.fixture
def deps(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[Deps]:
    built = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    yield built
    built.close()


def workshop_with_question(database: Database, *, closes_in: timedelta, **workshop: object) -> int:
    workshop_id = add_workshop(database)
    question_id = add_question(
        database,
        workshop_id,
        post_at=datetime.now(UTC) - timedelta(days=1),
        posted_ts="1900000000.000100",
        text="Is <!here> the place?",
    )
    with database.transaction() as session:
        question = session.get(Question, question_id)
        assert question is not None
        question.close_at = datetime.now(UTC) + closes_in
        row = session.get(Workshop, workshop_id)
        assert row is not None
        for name, value in workshop.items():
            setattr(row, name, value)
        session.add_all([Invitee(workshop_id=workshop_id, user_id=user) for user in INVITED])
        session.add(
            Response(
                question_id=question_id,
                user_id=INVITED[0],
                text="Yes.",
                channel_id=CHANNEL,
                message_ts="1900000001.000100",
                source=ResponseSource.THREAD,
            )
        )
    return question_id


def dms(fake: FakeSlack) -> list[str]:
    return [c.params["channel"] for c in fake.calls("chat.postMessage")]


def test_nudge_goes_once_by_dm_only_to_invitees_who_have_not_replied_or_opted_out(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    workshop_with_question(database, closes_in=timedelta(hours=5))
    nudges.set_preference(deps, INVITED[3], enabled=False)
    assert nudges.send_due(deps) == 2
    assert nudges.send_due(deps) == 0  # never twice
    assert sorted(dms(fake_slack)) == [INVITED[1], INVITED[2]]
    assert CHANNEL not in dms(fake_slack)  # never in public
    [call, _] = fake_slack.calls("chat.postMessage")
    assert "Is &lt;!here&gt; the place?" in call.params["text"]
    assert "<@" not in call.params["text"]
    assert "/roundtable nudges off" in call.params["text"]


def test_no_nudge_before_the_window_or_when_the_workshop_disabled_them(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    workshop_with_question(database, closes_in=timedelta(hours=30))
    assert nudges.send_due(deps) == 0
    with database.transaction() as session:
        for question in session.exec(select(Question)).all():
            question.close_at = datetime.now(UTC) + timedelta(hours=2)
        for workshop in session.exec(select(Workshop)).all():
            workshop.nudges_enabled = False
    assert nudges.send_due(deps) == 0
    assert dms(fake_slack) == []


def test_all_channel_members_can_be_the_invitees(
    database: Database, deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.set_channel(CHANNEL, members=["U0ANN00001", "U0EVE00005", "UBOT"])
    workshop_with_question(database, closes_in=timedelta(hours=1), invite_channel=True)
    nudges.send_due(deps)
    assert sorted(dms(fake_slack)) == [*INVITED[1:], "U0EVE00005"]
