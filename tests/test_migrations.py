"""Migrations: an empty database upgrades to head, downgrades cleanly, and head matches the models."""

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from storage import migrate
from storage.db import make_engine
from storage.models import Poll, PollOption, PollReason, ProcessedEvent, Vote


def test_empty_database_upgrades_to_head_with_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_up_to_date(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_again_is_clean(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.is_up_to_date(engine)
    finally:
        engine.dispose()


def test_migrations_at_head_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_upgrade_keeps_existing_rows_and_gives_workshops_the_new_defaults(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workshop (slug, title, description, channel_ref, timezone, starts_at, ends_at,"
                    " chatham_house, nudges_enabled, source_digest, revision, active, created_at, updated_at)"
                    " VALUES ('old', 'Old', '', 'C1', 'UTC', '2030-01-01', '2030-01-02', true, true, '', 1, true,"
                    " '2029-01-01', '2029-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO question (workshop_id, position, text, phase, post_at, state, attempts)"
                    " SELECT id, 0, 'Kept?', 'pre', '2030-01-01', 'scheduled', 0 FROM workshop"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO role (workshop_id, user_id, role) SELECT id, 'U1', 'organiser' FROM workshop"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT nudge_hours_before, invite_channel, sector_tagging, sector_min_group FROM workshop"
                )
            ).one()
            children = connection.execute(
                text("SELECT (SELECT count(*) FROM question), (SELECT count(*) FROM role)")
            ).one()
        assert tuple(row) == (24, False, False, 3)
        assert tuple(children) == (1, 1)  # copying the parent table must not cascade into its children
    finally:
        engine.dispose()


def test_0003_gives_anonymous_votes_and_reasons_their_polls_opening_and_drops_keys_naming_voters(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    opened, clicked = (
        datetime(2030, 5, 15, 13, 0, tzinfo=UTC),
        datetime(2030, 5, 15, 13, 7, 41, 5, tzinfo=UTC),
    )
    try:
        migrate.upgrade(engine, "0002")
        with Session(engine) as session:
            polls = [
                Poll(question=f"{name}?", anonymous=name == "secret", open_at=opened)
                for name in ("secret", "named")
            ]
            session.add_all(polls)
            session.flush()
            for poll in polls:
                option = PollOption(poll_id=poll.id or 0, position=0, label="Yes")
                session.add(option)
                session.flush()
                key = "U0VOTER0001" if not poll.anonymous else "hmac"
                session.add(
                    Vote(poll_id=poll.id or 0, option_id=option.id or 0, voter_key=key, created_at=clicked)
                )
                session.add(PollReason(poll_id=poll.id or 0, voter_key=key, text="why", created_at=clicked))
            for key in (
                "poll-action:U0VOTER0001:1900000000.000100",
                "poll-reason:V0VIEW0001",
                "event:Ev0001",
            ):
                session.add(ProcessedEvent(key=key, received_at=clicked))
            session.commit()
        migrate.upgrade(engine)
        with Session(engine) as session:
            times = {
                (poll.anonymous, type(row).__name__): row.created_at
                for poll in session.exec(select(Poll)).all()
                for model in (Vote, PollReason)
                for row in session.exec(select(model).where(model.poll_id == poll.id)).all()
            }
            keys = session.exec(select(ProcessedEvent.key)).all()
        assert times == {
            (True, "Vote"): opened,
            (True, "PollReason"): opened,
            (False, "Vote"): clicked,
            (False, "PollReason"): clicked,
        }
        assert keys == ["event:Ev0001"]
        migrate.downgrade(engine, "0002")
        with Session(engine) as session:
            assert len(session.exec(select(Vote)).all()) == 2
    finally:
        engine.dispose()
