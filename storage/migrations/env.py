"""Alembic environment: runs against the connection or URL handed in by storage.migrate."""

from typing import Literal

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import make_engine
from storage.models import CleanText

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _render_item(kind: str, item: object, _context: object) -> str | Literal[False]:
    """Autogenerate writes a `CleanText` column as the SQL type it wraps (the DDL is the same)."""
    if kind == "type" and isinstance(item, CleanText):
        return f"sa.{item.impl!r}"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
