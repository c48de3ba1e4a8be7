"""Migrations: an empty database upgrades to head, downgrades cleanly, and head matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from storage import migrate
from storage.db import make_engine


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
