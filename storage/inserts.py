"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: one statement, no savepoint, no ORM flush."""

from functools import cache
from typing import Any

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_if_absent(
    session: Session, model: type[SQLModel], values: dict[str, Any], conflict: list[str]
) -> bool:
    """Insert one row unless one with the same `conflict` columns exists; True if this call inserted it."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models, untyped
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(*table.primary_key.columns)
    )
    # RETURNING, not rowcount: the ORM session's execute reports rowcount -1 for this on psycopg.
    return session.execute(statement).first() is not None


def insert_many_if_absent(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    conflict: list[str],
    returning: list[str],
) -> list[tuple[Any, ...]]:
    """Insert many rows, skipping conflicts; the `returning` columns of the rows inserted.

    One statement per (table, dialect, conflict, returning), built once per process and executed with all
    the rows as parameters: SQLAlchemy sends them as multi-row INSERTs ("insertmanyvalues"), so the
    statement is neither rebuilt nor recompiled for each batch size. Callers pass rows whose conflict keys
    are distinct: within one statement a repeated key is undefined.
    """
    if not rows:
        return []
    statement = _insert_many(model, session.get_bind().dialect.name, tuple(conflict), tuple(returning))
    return [tuple(row) for row in session.execute(statement, rows).all()]


@cache
def _insert_many(
    model: type[SQLModel], dialect: str, conflict: tuple[str, ...], returning: tuple[str, ...]
) -> Executable:
    table: Table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models, untyped
    module = postgresql if dialect == "postgresql" else sqlite
    statement: Executable = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*(table.c[name] for name in returning))
    )
    return statement
