"""App Home: what organisers, chairs and participants see; the 100-block limit; roles re-checked."""

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack import FakeSlack
from sqlmodel import select

from bot.home import blocks as home_blocks
from bot.home import service as home
from bot.polls import rules as polls
from bot.runtime.deps import Deps, build_deps
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.models import Invitee, Poll, PollOption, PollState, Question, Response, ResponseSource, Vote
from tests.botserver import bot_settings
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_question, add_workshop

PARTICIPANT = "U0PART0001"
TEAM_URL = "https://roundtable-test.slack.com/"


@pytest.fixture
def deps(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[Deps]:
    built = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    yield built
    built.close()


_ts = itertools.count(100)


def next_ts() -> str:
    return f"1900000000.{next(_ts):06d}"


def workshop(database: Database, slug: str, *, invited: int = 4, replies: int = 2) -> int:
    now = datetime.now(UTC)
    workshop_id = add_workshop(database, slug=slug, starts=now - timedelta(hours=1))
    answered = add_question(
        database,
        workshop_id,
        text=f"{slug}: answered?",
        post_at=now - timedelta(hours=2),
        posted_ts=next_ts(),
    )
    add_question(
        database,
        workshop_id,
        text=f"{slug}: waiting <!channel>?",
        post_at=now - timedelta(hours=1),
        posted_ts=next_ts(),
    )
    add_question(database, workshop_id, text=f"{slug}: later?", post_at=now + timedelta(days=1))
    with database.transaction() as session:
        people = [PARTICIPANT, *[f"U0INV{n:05d}" for n in range(1, invited)]]
        session.add_all(Invitee(workshop_id=workshop_id, user_id=user) for user in people)
        for user in people[1 : replies + 1]:
            session.add(
                Response(
                    question_id=answered,
                    user_id=user,
                    text="x",
                    channel_id=CHANNEL,
                    message_ts=next_ts(),
                    source=ResponseSource.THREAD,
                )
            )
        poll = Poll(workshop_id=workshop_id, question=f"{slug} poll?", state=PollState.OPEN, anonymous=True)
        session.add(poll)
        session.flush()
        session.add(PollOption(poll_id=poll.id or 0, position=0, label="Yes"))
    return workshop_id


def test_organiser_sees_phase_next_posts_participation_and_open_polls(database: Database, deps: Deps) -> None:
    workshop(database, "alpha", invited=12, replies=7)
    data = home.gather(deps, ORGANISER, TEAM_URL)
    [managed] = data.organised
    assert (managed.phase, managed.replied, managed.invited) == ("live", 7, 12)
    assert [kind for kind, _, _ in managed.upcoming] == ["question"]
    assert [p.question for p in managed.open_polls] == ["alpha poll?"]
    text = json.dumps(home_blocks.home_view(data))
    assert "7 of 12 invited have replied" in text
    assert home_blocks.POST_NEXT_ACTION in text
    assert "U0INV" not in text  # counts only, never who did not answer


def test_chair_sees_the_polls_they_can_run(database: Database, deps: Deps) -> None:
    workshop(database, "alpha")
    data = home.gather(deps, CHAIR, TEAM_URL)
    assert data.organised == []
    assert [p.question for p in data.chaired_polls] == ["alpha poll?"]


def test_participant_sees_unanswered_questions_with_permalinks_and_unvoted_polls(
    database: Database, deps: Deps
) -> None:
    workshop_id = workshop(database, "alpha")
    data = home.gather(deps, PARTICIPANT, TEAM_URL)
    assert [w.text for w in data.waiting] == ["alpha: answered?", "alpha: waiting <!channel>?"]
    assert data.waiting[0].permalink is not None
    assert data.waiting[0].permalink.startswith(f"{TEAM_URL}archives/{CHANNEL}/p19000000000")
    assert [p.question for p in data.polls_to_vote] == ["alpha poll?"]
    with database.transaction() as session:
        poll = session.exec(select(Poll).where(Poll.workshop_id == workshop_id)).one()
        option = session.exec(select(PollOption).where(PollOption.poll_id == poll.id)).one()
        session.add(
            Vote(
                poll_id=poll.id or 0,
                option_id=option.id or 0,
                voter_key=polls.voter_key(deps.voter_secret, poll, PARTICIPANT),
            )
        )
    assert home.gather(deps, PARTICIPANT, TEAM_URL).polls_to_vote == []
    view = json.dumps(home_blocks.home_view(home.gather(deps, PARTICIPANT, TEAM_URL)))
    assert "waiting &lt;!channel&gt;?" in view
    assert "<!channel>" not in view


@pytest.mark.parametrize("user", [ORGANISER, CHAIR, PARTICIPANT])
def test_home_stays_within_100_blocks_for_any_number_of_workshops(
    database: Database, deps: Deps, user: str
) -> None:
    for n in range(40):
        workshop(database, f"w{n:02d}")
    view = home_blocks.home_view(home.gather(deps, user, TEAM_URL))
    assert len(view["blocks"]) <= 100
    assert len(json.dumps(view)) < 250_000


def test_post_next_now_is_refused_to_a_participant_and_done_for_an_organiser(
    database: Database, deps: Deps
) -> None:
    workshop_id = workshop(database, "alpha")
    assert (
        home.post_next_now(deps, PARTICIPANT, workshop_id)
        == "Only the workshop's organisers can post its next question early."
    )
    with database.reading() as session:
        later = session.exec(select(Question).where(Question.text == "alpha: later?")).one()
    assert later.post_at > datetime.now(UTC)
    assert home.post_next_now(deps, ORGANISER, workshop_id) == f"Posting question {later.position + 1} now."
    with database.reading() as session:
        moved = session.exec(select(Question).where(Question.text == "alpha: later?")).one()
    assert moved.post_at <= datetime.now(UTC)
