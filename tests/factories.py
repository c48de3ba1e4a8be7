"""Rows for tests, built with the real models; shared so no test hand-rolls its own seeding."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage import migrate
from storage.db import Database, make_engine
from storage.models import Phase, PostState, Question, Response, ResponseSource, Role, RoleName, Workshop

CHANNEL = "C0TEST0001"
ORGANISER = "UORGANISER"
CHAIR = "UCHAIR0001"


def migrated_database(database_url: str) -> Database:
    """A Database whose schema comes from the migrations, as `roundtable run` expects it (not create_all)."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return Database.from_url(database_url)


def add_workshop(
    db: Database,
    *,
    slug: str = "test-workshop",
    channel: str = CHANNEL,
    chatham_house: bool = True,
    organisers: tuple[str, ...] = (ORGANISER,),
    chairs: tuple[str, ...] = (CHAIR,),
    starts: datetime | None = None,
) -> int:
    starts = starts or datetime(2030, 5, 15, 13, 0, tzinfo=UTC)
    with db.transaction() as session:
        workshop = Workshop(
            slug=slug,
            title=f"Workshop {slug}",
            channel_ref=channel,
            channel_id=channel if not channel.startswith("#") else None,
            timezone="Europe/London",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            chatham_house=chatham_house,
        )
        session.add(workshop)
        session.flush()
        assert workshop.id is not None
        for user in organisers:
            session.add(Role(workshop_id=workshop.id, user_id=user, role=RoleName.ORGANISER))
        for user in chairs:
            session.add(Role(workshop_id=workshop.id, user_id=user, role=RoleName.CHAIR))
        return workshop.id


def add_question(
    db: Database,
    workshop_id: int,
    *,
    text: str = "What characterises the success of the Cambridge Cluster?",
    post_at: datetime,
    position: int | None = None,
    posted_ts: str | None = None,
    channel: str = CHANNEL,
    phase: Phase = Phase.PRE,
) -> int:
    with db.transaction() as session:
        if position is None:
            position = 1 + len(
                session.exec(select(Question).where(Question.workshop_id == workshop_id)).all()
            )
        question = Question(
            workshop_id=workshop_id, position=position, text=text, phase=phase, post_at=post_at
        )
        if posted_ts is not None:
            question.state = PostState.POSTED
            question.channel_id = channel
            question.message_ts = posted_ts
            question.posted_at = post_at
        session.add(question)
        session.flush()
        assert question.id is not None
        return question.id


def add_answer(
    db: Database,
    question_id: int,
    user_id: str,
    text: str,
    *,
    ts: str | None,
    channel: str = CHANNEL,
    source: ResponseSource | None = None,
    created_at: datetime | None = None,
    deleted: bool = False,
) -> int:
    """A stored answer: a thread reply at `ts`, or a private answer (`ts` None)."""
    with db.transaction() as session:
        when = created_at or datetime(2030, 5, 15, 13, 30, tzinfo=UTC)
        response = Response(
            question_id=question_id,
            user_id=user_id,
            text=text,
            channel_id=channel if ts else None,
            message_ts=ts,
            source=source or (ResponseSource.THREAD if ts else ResponseSource.PRIVATE),
            created_at=when,
            deleted_at=when if deleted else None,
        )
        session.add(response)
        session.flush()
        assert response.id is not None
        return response.id
