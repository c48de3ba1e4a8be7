"""Starting what is measured: a database (SQLite file or a throwaway PostgreSQL schema), Roundtable the way
the Procfile runs it (`roundtable db upgrade`, then `roundtable run` with WEB_CONCURRENCY workers), and the
bare-Bolt baseline under the same uvicorn settings."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.fakes import ROOT
from storage.db import Database, make_engine
from tests.processes import clean_environment, free_port, postgres_schema_url, stop_group, wait_healthy

SIGNING_SECRET = "bench-signing-secret-0123456789"
VOTER_SECRET = "bench-voter-secret-0123456789abcdef"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BIN = Path(sys.executable).parent


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    url: str
    pid: int
    log: Path


def postgres_base_url() -> str:
    """ROUNDTABLE_BENCH_POSTGRES_URL, else the test suite's ROUNDTABLE_TEST_POSTGRES_URL, else local `test`."""
    return (
        os.environ.get("ROUNDTABLE_BENCH_POSTGRES_URL")
        or os.environ.get("ROUNDTABLE_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL
    )


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A DATABASE_URL with the schema at head: a fresh SQLite file, or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        migrate(url)
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_schema_url(postgres_base_url(), "public"), pool_size=1)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = postgres_schema_url(postgres_base_url(), schema)
        migrate(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrate(url: str) -> None:
    """The Procfile's `release:` step."""
    env = {**clean_environment(), "DATABASE_URL": url}
    subprocess.run(
        [str(BIN / "roundtable"), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
    )


def open_database(url: str) -> Database:
    return Database.from_url(url, pool_size=2)


@contextmanager
def roundtable(
    database_url: str, api_url: str, token: str, workdir: Path, workers: int = 2, *, metrics: bool = True
) -> Iterator[Server]:
    """`roundtable run` (the Procfile's `web:`) in HTTP mode with production defaults."""
    port = free_port()
    env = {
        **clean_environment(),
        "DATABASE_URL": database_url,
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "ROUNDTABLE_SECRET": VOTER_SECRET,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "ROUNDTABLE_METRICS": "true" if metrics else "false",
        "PYTHONUNBUFFERED": "1",
        # uvicorn's spawned workers do not have the working directory on sys.path; without this a stale
        # editable install can resolve `handlers` as a namespace package (see bench/README.md).
        "PYTHONPATH": str(ROOT),
    }
    with _process("roundtable", [str(BIN / "roundtable"), "run"], env, workdir, port) as server:
        yield server


@contextmanager
def baseline(
    api_url: str, token: str, workdir: Path, workers: int = 2, *, naive_database_url: str | None = None
) -> Iterator[Server]:
    """bench/baseline_app.py under uvicorn with the same worker count and options; with a database URL,
    bench/naive_app.py (the naive peer) instead."""
    port = free_port()
    app = "bench.naive_app:create" if naive_database_url else "bench.baseline_app:create"
    env = {
        **clean_environment(),
        **({"DATABASE_URL": naive_database_url} if naive_database_url else {}),
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        *(str(BIN / "python"), "-m", "uvicorn", app, "--factory"),
        *("--workers", str(workers), "--host", "0.0.0.0", "--port", str(port)),
        *("--log-level", "warning", "--no-access-log", "--proxy-headers"),
    ]
    with _process("naive" if naive_database_url else "baseline", command, env, workdir, port) as server:
        yield server


@contextmanager
def _process(
    name: str, command: list[str], env: dict[str, str], workdir: Path, port: int
) -> Iterator[Server]:
    log = workdir / f"{name}-{port}.log"
    with log.open("ab") as out:  # run from the repository root, as the Procfile does
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, f"{url}/healthz", log, timeout=30)
        yield Server(name, url, process.pid, log)
    finally:
        stop_group(process, timeout=15)  # uvicorn's supervisor and its workers
