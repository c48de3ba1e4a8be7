"""Engine and session factory: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL via psycopg 3."""

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Build the engine for `url`. Nothing is created at import time; callers own the engine."""
    # hide_parameters: a failed statement's error (and SQL echo) never shows the values bound to it,
    # which are answers, user ids and dedupe keys.
    if url.startswith("sqlite"):
        _create_private_file(make_url(url).database)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True
    )


def _create_private_file(database: str | None) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use 0644); its -wal and -shm copy the mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # An existing database keeps its mode; a missing folder is reported by SQLite itself.
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before Slack is acked, even across a power cut (NORMAL only survives
        # process crashes in WAL mode).
        cursor.execute("PRAGMA synchronous=FULL")
        # Deleted rows are overwritten, not left in free pages: forget-me, pruned dedupe keys and purges
        # must not stay readable in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front: a deferred transaction that reads and then writes can fail
        # with SQLITE_BUSY immediately (the busy timeout does not apply to lock upgrades in WAL mode).
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


class WriteLock:
    """Queues SQLite write transactions across threads and processes on a blocking file lock.

    SQLite's busy handler polls: a writer that finds the database locked sleeps 1, 2, 5 … 100 ms before
    trying again, so under contention the lock sits free while every waiter sleeps (measured: p99 near
    2 s and requests past Slack's 3 s deadline). A waiter on flock() is woken the moment it is released.
    Re-entrant within a thread, so a nested transaction cannot deadlock on it.
    """

    def __init__(self, path: str) -> None:
        self._threads = threading.RLock()  # flock is per open file: the threads of one process queue here
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


class Database:
    """The one place sessions come from."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = engine.execution_options(sqlite_begin="DEFERRED")
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._write_lock = WriteLock(f"{database}.writelock") if database and database != ":memory:" else None

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10) -> "Database":
        return cls(make_engine(url, pool_size=pool_size))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        with (
            self._write_lock.held() if self._write_lock else nullcontext(),
            Session(self.engine, expire_on_commit=False) as session,
        ):
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session; on SQLite it does not block writers."""
        # Closing (not rolling back) ends the transaction without expiring loaded objects.
        with Session(self._reader, expire_on_commit=False) as session:
            yield session

    def ping(self) -> bool:
        try:
            with self._reader.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if self._write_lock is not None:
            self._write_lock.close()
            self._write_lock = None
