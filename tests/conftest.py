"""Shared fixtures: a fresh database per test on SQLite and, when configured, on PostgreSQL.

PostgreSQL tests run when ROUNDTABLE_TEST_POSTGRES_URL is set (CI sets it); each test gets its own schema,
dropped afterwards, so runs never see each other's rows.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers tables)
from storage.db import Database, make_engine
from tests.processes import postgres_schema_url

POSTGRES_URL_ENV = "ROUNDTABLE_TEST_POSTGRES_URL"


def _backends() -> list[object]:
    postgres = pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not os.environ.get(POSTGRES_URL_ENV), reason=f"set {POSTGRES_URL_ENV} to run PostgreSQL tests"
        ),
    )
    return ["sqlite", postgres]


class _PostgresSchemas:
    """Schemas for this test process (one per xdist worker), created on the session's admin connection.

    A test that asks only for `database_url` gets a new, empty schema (migrations, `roundtable run`). A test
    that asks for `database` gets a schema with every table, reused from an earlier test when that test
    left the structure exactly as create_all made it: emptied (every row deleted, every id sequence restarted), which is
    indistinguishable from a new schema to the code under test and costs a fraction of creating 15 tables
    and dropping them again on a shared PostgreSQL. A schema whose structure changed, or that another
    connection still holds locks in, is never reused. Every schema is dropped at the end of the session.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.admin = make_engine(postgres_schema_url(base_url, "public"), pool_size=1)
        self.created: list[str] = []
        self.tabled: list[str] = []  # schemas with every table, free for the next `database` test
        self._structure: str | None = None  # create_all's structure, from the first tabled schema
        self._sequences: list[str] = []  # the id sequences in it

    def empty(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.created.append(schema)
        return schema

    def with_tables(self) -> str:
        if self.tabled:
            schema = self.tabled.pop()
            with self.admin.begin() as connection:
                # Children first; DELETE on a few rows is far cheaper than TRUNCATE's new files per table.
                for table in reversed(SQLModel.metadata.sorted_tables):
                    connection.execute(text(f'DELETE FROM "{schema}"."{table.name}"'))
                if self._sequences:
                    restarts = ", ".join(
                        f'setval(\'"{schema}"."{name}"\', 1, false)' for name in self._sequences
                    )
                    connection.execute(text(f"SELECT {restarts}"))  # ids count from 1 again, as when new
            return schema
        schema = self.empty()
        engine = make_engine(postgres_schema_url(self.base_url, schema), pool_size=1)
        try:
            SQLModel.metadata.create_all(engine)
        finally:
            engine.dispose()
        if self._structure is None:
            with self.admin.connect() as connection:
                self._structure = self._structure_of(connection, schema)
                self._sequences = list(
                    connection.execute(
                        text(
                            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = CAST(:s AS regnamespace)"
                        ),
                        {"s": f'"{schema}"'},
                    ).scalars()
                )
        return schema

    def give_back(self, schema: str) -> None:
        """Offer a `database` test's schema for reuse: only if nothing changed its tables or holds it."""
        with self.admin.connect() as connection:
            if self._structure_of(connection, schema) != self._structure:
                return
            held = connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relnamespace = CAST(:schema AS regnamespace) AND l.pid <> pg_backend_pid()"
                ),
                {"schema": f'"{schema}"'},
            ).scalar_one()
        if held == 0:
            self.tabled.append(schema)

    @staticmethod
    def _structure_of(connection: Connection, schema: str) -> str:
        """Every relation, column, default, constraint, index and trigger in `schema`, as one text."""
        structure = connection.execute(text(_STRUCTURE_SQL), {"schema": f'"{schema}"'}).scalar_one()
        return str(structure).replace(schema, "<schema>")  # index and key definitions name their schema

    def drop_all(self) -> None:
        with self.admin.begin() as connection:
            for schema in self.created:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.admin.dispose()


_STRUCTURE_SQL = """
WITH rel AS (SELECT oid, relname, relkind FROM pg_class WHERE relnamespace = CAST(:schema AS regnamespace))
SELECT coalesce(string_agg(item, E'\\n' ORDER BY item), '') FROM (
    SELECT 'rel ' || relname || ' ' || relkind::text AS item FROM rel
  UNION ALL
    SELECT 'col ' || rel.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
    SELECT 'con ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
    FROM rel JOIN pg_constraint c ON c.conrelid = rel.oid
  UNION ALL
    SELECT 'idx ' || relname || ' ' || pg_get_indexdef(oid) FROM rel WHERE relkind = 'i'
  UNION ALL
    SELECT 'trg ' || rel.relname || ' ' || t.tgname FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid
    WHERE NOT t.tgisinternal  -- a foreign key's own triggers are named after their oids
) AS structure
"""


@pytest.fixture(scope="session")
def _postgres_schemas() -> Iterator[_PostgresSchemas]:
    schemas = _PostgresSchemas(os.environ[POSTGRES_URL_ENV])
    try:
        yield schemas
    finally:
        schemas.drop_all()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A SQLite file with every table, made once: a `database` test starts from a copy of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "roundtable.db"
    db = Database.from_url(f"sqlite:///{path}")
    SQLModel.metadata.create_all(db.engine)
    db.dispose()  # the last connection checkpoints the WAL into the file
    return path.read_bytes()


def _wants_tables(request: pytest.FixtureRequest) -> bool:
    return "database" in request.fixturenames


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend; with every table already there when the test uses `database`."""
    if request.param == "sqlite":
        path = tmp_path / "roundtable.db"
        if _wants_tables(request):
            template: bytes = request.getfixturevalue("_sqlite_template")
            # 0600 as storage.db creates it; the copy is what create_all would have written.
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
                file.write(template)
        yield f"sqlite:///{path}"
        return
    schemas: _PostgresSchemas = request.getfixturevalue("_postgres_schemas")
    if not _wants_tables(request):
        yield postgres_schema_url(schemas.base_url, schemas.empty())
        return
    schema = schemas.with_tables()
    yield postgres_schema_url(schemas.base_url, schema)
    schemas.give_back(schema)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A Database with every table created, on each backend (see database_url)."""
    db = Database.from_url(database_url)
    try:
        yield db
    finally:
        db.dispose()


# The fake Slack Web API server, for every test that plays Slack.
from fakeslack import FakeSlack, fake_slack, fake_slack_client  # noqa: E402, F401
from slack_requests import SlackSender  # noqa: E402

from tests.botserver import RunningBot, running_bot  # noqa: E402


@pytest.fixture
def bot_options() -> dict[str, Any]:
    """How the `bot` fixture runs (with_scheduler, organisers, any setting): a module overrides this."""
    return {}


@pytest.fixture
def seeded() -> Any:
    """Rows stored before the `bot` fixture starts: a module overrides this (and may return their ids)."""
    return None


@pytest.fixture
def bot(
    database: Database,
    database_url: str,
    fake_slack: FakeSlack,  # noqa: F811  (the fixture imported above)
    bot_options: dict[str, Any],
    seeded: Any,
) -> Iterator[RunningBot]:
    """The real bot over HTTP against the fake Slack, on each backend, started once `seeded` is stored."""
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, **bot_options) as running:
        yield running


@pytest.fixture
def sender(bot: RunningBot) -> Iterator[SlackSender]:
    """Signed Slack requests to the `bot` fixture."""
    with bot.sender() as client:
        yield client
