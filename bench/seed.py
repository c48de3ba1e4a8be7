"""Rows the scenarios start from, written with the real models: a workshop, a posted question, a poll,
thread answers for the weigh-in deck, and the fan-out schedule. The bot itself opens the poll (its scheduler posts it to the fake Slack)."""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlmodel import select

from storage.db import Database
from storage.models import (
    Phase,
    Poll,
    PollKind,
    PollOption,
    PollState,
    PostState,
    Question,
    Response,
    ResponseSource,
    Role,
    RoleName,
    Workshop,
)

CHANNEL = "C0BENCH0001"
CHAIR = "U0BENCHAIR1"
OPTIONS = ("Yes", "Partly", "No", "Unsure")


def _workshop(slug: str, channel: str, now: datetime) -> Workshop:
    return Workshop(
        slug=slug,
        title=f"Bench {slug}",
        channel_ref=channel,
        channel_id=channel,
        timezone="Europe/London",
        starts_at=now,
        ends_at=now + timedelta(hours=3),
    )


def workshop(db: Database, slug: str = "bench", channel: str = CHANNEL) -> int:
    with db.transaction() as session:
        row = _workshop(slug, channel, datetime.now(UTC))
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(Role(workshop_id=row.id, user_id=CHAIR, role=RoleName.CHAIR))
        return row.id


def posted_question(
    db: Database, workshop_id: int, ts: str, channel: str = CHANNEL, *, position: int = 1
) -> int:
    now = datetime.now(UTC)
    with db.transaction() as session:
        question = Question(
            workshop_id=workshop_id,
            position=position,
            text="Can the success of the Cambridge cluster be replicated elsewhere?",
            phase=Phase.LIVE,
            post_at=now,
            state=PostState.POSTED,
            posted_at=now,
            channel_id=channel,
            message_ts=ts,
        )
        session.add(question)
        session.flush()
        assert question.id is not None
        return question.id


def deck_answers(db: Database, question_id: int, count: int, channel: str = CHANNEL) -> list[int]:
    """`count` thread answers to a posted question, each by a different person (none of them a clicker in
    (g): a click on one's own answer changes nothing), so every one is a card in the weigh-in deck."""
    base = int(time.time())
    with db.transaction() as session:
        rows = [
            Response(
                question_id=question_id,
                user_id=f"UA{index:09d}",
                text=f"Answer {index}: proximity of labs, patient capital and housing near the station.",
                channel_id=channel,
                message_ts=f"{base - 3600}.{index:06d}",
                source=ResponseSource.THREAD,
            )
            for index in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.id is not None]


def poll(db: Database, workshop_id: int, channel: str = CHANNEL) -> int:
    """A single-choice anonymous poll with live results, due to open now."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        row = Poll(
            workshop_id=workshop_id,
            question="Can the Cambridge cluster's success be replicated elsewhere in the UK?",
            kind=PollKind.SINGLE,
            anonymous=True,
            results_hidden=False,
            state=PollState.SCHEDULED,
            open_at=now,
            created_by=CHAIR,
            channel_id=channel,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add_all(
            PollOption(poll_id=row.id, position=i, label=label) for i, label in enumerate(OPTIONS)
        )
        return row.id


def wait_poll_open(db: Database, poll_id: int, timeout: float = 20) -> str:
    """The poll message's ts, once the bot's scheduler has posted it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.reading() as session:
            row = session.get(Poll, poll_id)
            if row is not None and row.state == PollState.OPEN and row.message_ts:
                return row.message_ts
        time.sleep(0.1)
    raise RuntimeError(f"the bot did not open poll {poll_id} within {timeout:g} s")


def fan_out(db: Database, *, channels: int, per_channel: int, due: datetime) -> list[int]:
    """`channels` workshops, each with `per_channel` questions all due at `due`; returns question ids."""
    with db.transaction() as session:
        rows = [_workshop(f"fan-{c:04d}", f"C0FAN{c:05d}", due) for c in range(channels)]
        session.add_all(rows)
        session.flush()
        session.execute(
            insert(Question),
            [
                {
                    "workshop_id": row.id,
                    "position": position,
                    "text": f"Fan-out question {position} for {row.slug}?",
                    "phase": Phase.LIVE,
                    "post_at": due,
                    "state": PostState.SCHEDULED,
                    "attempts": 0,
                }
                for row in rows
                for position in range(per_channel)
            ],
        )
    with db.reading() as session:
        return [q for q in session.exec(select(Question.id).where(Question.post_at == due)).all() if q]
