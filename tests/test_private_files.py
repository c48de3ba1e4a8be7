"""Files that hold participants' data are private to the bot's user (0600): the database and its backups."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from bot.runtime.cli import main
from storage.db import Database
from storage.models import ProcessedEvent


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The common default umask (022), under which SQLite alone would create 0644 files."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_wal_and_shm_files_are_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "roundtable.db"
    db = Database.from_url(f"sqlite:///{path}")
    try:
        SQLModel.metadata.create_all(db.engine)
        with db.transaction() as session:
            session.add(ProcessedEvent(key="ev-1"))
        files = {
            name: tmp_path / name for name in ("roundtable.db", "roundtable.db-wal", "roundtable.db-shm")
        }
        assert {name: mode(file) for name, file in files.items()} == dict.fromkeys(files, 0o600)
    finally:
        db.dispose()


def test_db_backup_output_is_created_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "live.db"
    db = Database.from_url(f"sqlite:///{source}")
    SQLModel.metadata.create_all(db.engine)
    db.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{source}")
    target = tmp_path / "backup.db"
    assert main(["db", "backup", str(target)]) == 0
    assert mode(target) == 0o600
    assert main(["db", "backup", str(tmp_path / "missing" / "backup.db")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"roundtable: cannot create {tmp_path / 'missing' / 'backup.db'}: No such file or directory"
    )
