"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: one statement, no savepoint, no ORM flush."""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_if_absent(
    session: Session, model: type[SQLModel], values: dict[str, Any], conflict: list[str]
) -> bool:
    """Insert one row unless one with the same `conflict` columns exists; True if this call inserted it."""
    table: Table = model.__table__  # type: ignore[attr-defined]
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
