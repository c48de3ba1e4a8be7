"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: one statement, no savepoint, no ORM flush."""

from typing import Any

from sqlalchemy import Table
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
    """Insert many rows in one statement, skipping conflicts; the `returning` columns of the rows inserted.

    Callers pass rows whose conflict keys are distinct: within one statement a repeated key is undefined.
    """
    if not rows:
        return []
    table: Table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models, untyped
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(*(table.c[name] for name in returning))
    )
    return [tuple(row) for row in session.execute(statement).all()]
