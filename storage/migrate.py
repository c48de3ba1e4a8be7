"""Schema migrations (alembic): upgrade, downgrade, and whether a database is at head."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, action: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the original; with foreign keys on, that drop
            # would cascade and delete every child row (questions, responses, votes...). The pragma only
            # works outside a transaction, so it goes straight to the driver before SQLAlchemy begins one.
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                action(config, revision)
                if sqlite:
                    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if problems:
                        raise RuntimeError(f"migration left {len(problems)} rows with broken references")
        finally:
            if sqlite:
                _driver(connection).execute("PRAGMA foreign_keys=ON")


def _driver(connection: Connection) -> Any:
    """The DB-API connection under `connection` (untyped in SQLAlchemy); only an invalidated one has none."""
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the database connection was invalidated before the migration")
    return driver


class MigrationError(Exception):
    """A revision that does not exist or cannot be reached from the current one; the message says which."""


@dataclass(frozen=True, slots=True)
class DowngradePlan:
    """What `downgrade(engine, revision)` would do, found by rehearsing it on an empty scratch database."""

    current: str | None
    target: str | None  # None is base: no tables at all
    tables: tuple[str, ...]  # dropped, with every row in them
    columns: tuple[str, ...]  # "table.column", dropped from tables that stay

    @property
    def drops(self) -> str:
        """The losses in words, e.g. "drops columns poll.origin, question.file_key with all their data"."""
        parts = []
        if self.tables:
            listed = ", ".join(self.tables)
            parts.append(f"every table ({listed})" if self.target is None else f"tables {listed}")
        if self.columns:
            parts.append(f"columns {', '.join(self.columns)}")
        return f"drops {' and '.join(parts)} with all their data" if parts else "changes the schema"


def plan_downgrade(engine: Engine, revision: str) -> DowngradePlan:
    """Rehearse a downgrade from the database's revision to `revision` (e.g. "base", "0002", "-1").

    The schema at both ends comes from running the migrations on a scratch SQLite file, so the plan names what
    the real migrations drop. Raises MigrationError for a revision alembic refuses.
    """
    current = current_revision(engine)
    with tempfile.TemporaryDirectory() as folder:
        scratch = create_engine(f"sqlite:///{Path(folder) / 'rehearsal.db'}")
        try:
            if current is not None:
                _run(scratch, command.upgrade, current)
            before = _schema(scratch)
            _run(scratch, command.downgrade, revision)
            after, target = _schema(scratch), current_revision(scratch)
        except CommandError as error:
            raise MigrationError(str(error)) from None
        finally:
            scratch.dispose()
    tables = tuple(table for table in before if table not in after)
    columns = tuple(
        f"{table}.{column}" for table in before if table in after for column in before[table] - after[table]
    )
    return DowngradePlan(current, target, tables, tuple(sorted(columns)))


def _schema(engine: Engine) -> dict[str, set[str]]:
    found = inspect(engine)
    return {
        table: {column["name"] for column in found.get_columns(table)}
        for table in sorted(found.get_table_names())
        if table != "alembic_version"
    }


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
