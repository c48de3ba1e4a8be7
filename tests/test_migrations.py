"""Migrations: an empty database upgrades to head, downgrades cleanly, and head matches the models."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from storage import migrate
from storage.db import make_engine
from storage.models import Poll, PollReason, ProcessedEvent, Vote


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


def test_upgrade_tells_file_polls_from_adhoc_ones_and_downgrade_keeps_every_poll(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0002")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workshop (slug, title, description, channel_ref, timezone, starts_at, ends_at,"
                    " chatham_house, nudges_enabled, source_digest, revision, active, created_at, updated_at,"
                    " nudge_hours_before, invite_channel, sector_tagging, sector_min_group)"
                    " VALUES ('old', 'Old', '', 'C1', 'UTC', '2030-01-01', '2030-01-02', true, true, '', 1, true,"
                    " '2029-01-01', '2029-01-01', 24, false, false, 3)"
                )
            )
            for question, position, creator, in_workshop in (
                ("From the file", "0", "NULL", True),
                ("A chair's, never reloaded", "NULL", "'U1'", True),
                ("A chair's, renumbered by an old reload", "1", "'U2'", True),
                ("An organiser's, in a channel without a workshop", "NULL", "'U3'", False),
            ):
                connection.execute(
                    text(
                        "INSERT INTO poll (workshop_id, position, question, kind, anonymous, results_hidden,"
                        " invite_reason, state, created_by, vote_version, rendered_version, created_at)"
                        f" SELECT {'id' if in_workshop else 'NULL'}, {position}, :question, 'single', true, true,"
                        f" false, 'open', {creator}, 0, 0, '2029-01-01' FROM workshop"
                    ),
                    {"question": question},
                )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            upgraded = connection.execute(text("SELECT origin, position FROM poll ORDER BY id")).all()
        assert [tuple(row) for row in upgraded] == [
            ("file", 0),
            ("adhoc", None),
            ("adhoc", None),
            ("adhoc", None),
        ]
        migrate.downgrade(engine, "0002")
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT question FROM poll ORDER BY id")).scalars().all()
        assert len(kept) == 4
    finally:
        engine.dispose()


def test_a_downgrade_plan_names_what_would_be_dropped_and_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        to_base = migrate.plan_downgrade(engine, "base")
        one_back = migrate.plan_downgrade(engine, "-1")
        assert (to_base.current, to_base.target) == (migrate.head_revision(), None)
        assert set(to_base.tables) == tables - {"alembic_version"}
        assert to_base.drops.startswith("drops every table (")
        assert one_back.target is not None
        assert one_back.drops.endswith(" with all their data")
        with pytest.raises(migrate.MigrationError, match="Can't locate revision identified by 'nope'"):
            migrate.plan_downgrade(engine, "nope")
        assert migrate.is_up_to_date(engine)
        assert set(inspect(engine).get_table_names()) == tables
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
        # Rows as the 0002 schema knew them, written with plain SQL: later models have more columns.
        with engine.begin() as connection:
            for name, anonymous, key in (("secret", True, "hmac"), ("named", False, "U0VOTER0001")):
                poll_id = connection.execute(
                    text(
                        "INSERT INTO poll (question, kind, anonymous, results_hidden, invite_reason, state,"
                        " open_at, vote_version, rendered_version, created_at)"
                        " VALUES (:question, 'single', :anonymous, true, false, 'open', :opened, 0, 0, :opened)"
                        " RETURNING id"
                    ),
                    {"question": f"{name}?", "anonymous": anonymous, "opened": opened},
                ).scalar_one()
                option_id = connection.execute(
                    text(
                        "INSERT INTO polloption (poll_id, position, label) VALUES (:poll, 0, 'Yes') RETURNING id"
                    ),
                    {"poll": poll_id},
                ).scalar_one()
                connection.execute(
                    text(
                        "INSERT INTO vote (poll_id, option_id, voter_key, slot, created_at)"
                        " VALUES (:poll, :option, :key, 0, :clicked)"
                    ),
                    {"poll": poll_id, "option": option_id, "key": key, "clicked": clicked},
                )
                connection.execute(
                    text(
                        "INSERT INTO pollreason (poll_id, voter_key, text, created_at)"
                        " VALUES (:poll, :key, 'why', :clicked)"
                    ),
                    {"poll": poll_id, "key": key, "clicked": clicked},
                )
            for key in (
                "poll-action:U0VOTER0001:1900000000.000100",
                "poll-reason:V0VIEW0001",
                "event:Ev0001",
            ):
                connection.execute(
                    text("INSERT INTO processedevent (key, received_at) VALUES (:key, :clicked)"),
                    {"key": key, "clicked": clicked},
                )
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
