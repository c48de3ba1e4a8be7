"""`roundtable demo [DIR]`: the product's output without Slack, from a throwaway SQLite database.

Builds DIR/demo.sqlite3 from scratch, loads the example workshop (examples/industrial-strategy.toml)
with its seeded answers, votes and weigh-in views (bot/demo/answers.py), and writes the digest in every
format beside it. DIR is marked as a demo directory by a marker file; a directory holding any other
SQLite database is refused, so the demo can never replace a real bot's data.
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.demo.seed import SLUG, SeedError, seed_example

DEFAULT_DIR = Path("roundtable-demo")
DATABASE = "demo.sqlite3"
MARKER = ".roundtable-demo"  # written first: a half-built demo directory is still known as one
MARKER_TEXT = "A throwaway database built by `roundtable demo`; the command rebuilds it every time.\n"
SQLITE_MAGIC = b"SQLite format 3\x00"
# The voter keys of a throwaway demo need no secret: nobody real voted.
DEMO_SECRET = b"roundtable-demo-not-a-secret"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "industrial-strategy.toml"
# When the example's questions were asked: loading at this time schedules nothing in the past.
LOADED_AT = datetime(2017, 5, 1, tzinfo=UTC)


class DemoError(Exception):
    """The demo cannot be built as asked; the message is one line."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    database: Path
    answers: int
    files: tuple[Path, ...]


def check_directory(directory: Path) -> None:
    """Refuse a directory the demo must not write into: a file, or one holding a non-demo database."""
    if directory.exists() and not directory.is_dir():
        raise DemoError(f"cannot build the demo in {directory}: it is not a directory")
    if not directory.is_dir():
        return
    is_demo = (directory / MARKER).is_file()
    for path in sorted(directory.iterdir()):
        if path.is_file() and _is_sqlite(path) and not (is_demo and path.name.startswith(DATABASE)):
            raise DemoError(
                f"refusing to build the demo in {directory}: {path.name} is a SQLite database that "
                "`roundtable demo` did not create"
            )


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def build_demo(directory: Path) -> DemoResult:
    """Rebuild the demo database in `directory` and write the digest there in every format."""
    from bot import digest
    from bot.workshops import catalog
    from storage import migrate
    from storage.db import Database

    check_directory(directory)
    if not EXAMPLE.is_file():
        raise DemoError(f"the example workshop {EXAMPLE} is missing (the demo runs from a source checkout)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    database = directory / DATABASE
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    db = Database.from_url(f"sqlite:///{database}")
    try:
        migrate.upgrade(db.engine)
        catalog.load_workshop(db, catalog.parse_workshop_file(EXAMPLE), now=LOADED_AT)
        try:
            answers = seed_example(db, DEMO_SECRET)
        except SeedError as error:
            raise DemoError(str(error)) from None
        compiled = digest.compile_digest(db, SLUG, audience=digest.Audience.ORGANISERS)
    finally:
        db.dispose()
    files: list[Path] = []
    for fmt in digest.FORMATS:
        tables = digest.CSV_TABLES if fmt == "csv" else ("",)
        for table in tables:
            name = f"{SLUG}-digest{'-' + table if table else ''}.{fmt}"
            files.append(_write(directory / name, digest.render(compiled, fmt, table=table or "responses")))
    for poll in compiled.polls:
        files.append(_write(directory / f"{SLUG}-poll-{poll.number}.png", digest.poll_chart_png(poll)))
    return DemoResult(database=database, answers=answers, files=tuple(files))


def _write(path: Path, data: bytes) -> Path:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path
