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
from sqlalchemy import text
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


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'roundtable.db'}"
        return
    base = os.environ[POSTGRES_URL_ENV]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_schema_url(base, "public"), pool_size=1)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A Database with every table created, on each backend."""
    db = Database.from_url(database_url)
    SQLModel.metadata.create_all(db.engine)
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
