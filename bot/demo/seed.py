"""Store the example workshop's seeded activity (bot/demo/answers.py), as if the roundtable had run.

Marks the example's questions posted and its polls closed at their scheduled times, then stores the
answers in the questions' threads, the anonymous pre/post votes and reasons, and the weigh-in views.
"""

from datetime import timedelta

from sqlmodel import Session

from bot.demo import answers as seed
from bot.polls.rules import voter_key
from bot.weighin import keys as weighin_keys
from storage import polls as poll_store
from storage import responses as response_store
from storage import workshops as workshop_store
from storage.db import Database
from storage.models import (
    PollReason,
    PollState,
    PostState,
    Response,
    ResponseSource,
    Vote,
    WeighinVote,
)

SLUG = "industrial-strategy"


class SeedError(Exception):
    """The database cannot take the seed; the message is one line."""


def seed_example(db: Database, secret: bytes) -> int:
    """Seed the loaded example workshop; returns the number of answers stored."""
    stored = 0
    with db.transaction() as session:
        workshop = workshop_store.get_by_slug(session, SLUG)
        if workshop is None or workshop.id is None:
            raise SeedError("load examples/industrial-strategy.toml first")
        questions = workshop_store.questions_for_workshop(session, workshop.id)
        if any(response_store.count_by_question(session, [q.id or 0 for q in questions]).values()):
            raise SeedError("this workshop already has answers; seed a fresh database")
        workshop.channel_id = seed.CHANNEL
        responses: list[Response] = []
        for index, (question, texts) in enumerate(zip(questions, seed.ANSWERS, strict=False)):
            question.state, question.posted_at, question.channel_id = (
                PostState.POSTED,
                question.post_at,
                seed.CHANNEL,
            )
            question.message_ts = f"{question.post_at.timestamp():.6f}"
            for n, text in enumerate(texts):
                at = question.post_at + timedelta(hours=1 + 3 * n, minutes=7 * n)
                response = Response(
                    question_id=question.id or 0,
                    user_id=seed.PEOPLE[(3 * index + n) % len(seed.PEOPLE)],
                    text=text,
                    channel_id=seed.CHANNEL,
                    message_ts=f"{at.timestamp():.6f}",
                    source=ResponseSource.THREAD,
                    created_at=at,
                )
                session.add(response)
                responses.append(response)
        session.flush()
        stored = len(responses)
        _weighin(session, workshop.id, secret, responses)
        polls = workshop_store.file_polls_for_workshop(session, workshop.id)
        for poll, choices in zip(polls, (seed.PRE_VOTES, seed.POST_VOTES), strict=False):
            poll.state, poll.closed_at, poll.channel_id = PollState.CLOSED, poll.close_at, seed.CHANNEL
            opened = poll.open_at or poll.created_at
            poll.message_ts = f"{opened.timestamp():.6f}"
            options = {option.label: option for option in poll_store.options(session, poll.id or 0)}
            for person, label in zip(seed.PEOPLE, choices, strict=True):
                key = voter_key(secret, poll, person)
                session.add(
                    Vote(
                        poll_id=poll.id or 0,
                        option_id=options[label].id or 0,
                        voter_key=key,
                        slot=0,
                        created_at=opened,
                    )
                )
            for person, text in seed.REASONS.get(str(poll.phase), {}).items():
                key = voter_key(secret, poll, person)
                session.add(PollReason(poll_id=poll.id or 0, voter_key=key, text=text, created_at=opened))
    return stored


def _weighin(session: Session, workshop_id: int, secret: bytes, responses: list[Response]) -> None:
    views = [view for question in seed.WEIGHIN for view in question]
    voters = [weighin_keys.voter_key(secret, workshop_id, person) for person in seed.PEOPLE[:10]]
    for n, (response, (agree, disagree, passed)) in enumerate(zip(responses, views, strict=False)):
        choices = [1] * agree + [-1] * disagree + [0] * passed
        shift = n % len(voters)  # a different voter first for each answer, so views are not all alike
        for voter, choice in zip(voters[shift:] + voters[:shift], choices, strict=False):
            session.add(
                WeighinVote(
                    workshop_id=workshop_id, response_id=response.id or 0, voter_key=voter, choice=choice
                )
            )
