"""The real bot, served over HTTP on 127.0.0.1 against the fake Slack: what integration tests drive.

`running_bot` starts the production ASGI app (Bolt AsyncApp + Starlette adapter) in uvicorn on a free
port, in a thread, with optionally the real scheduler. `bot_subprocess` runs `roundtable run` as a real
process, for restart and crash tests.
"""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from slack_requests import SlackSender

from bot.runtime.deps import Deps, build_deps
from bot.runtime.scheduler import Scheduler
from bot.runtime.server import create_asgi
from bot.runtime.settings import load_settings
from tests.processes import clean_environment, free_socket, stop_group, wait_healthy

SIGNING_SECRET = "test-signing-secret-0123456789"
VOTER_SECRET = "test-voter-secret-0123456789abcdef"


@dataclass
class RunningBot:
    url: str
    deps: Deps
    scheduler: Scheduler | None

    def sender(self, timeout: float = 30) -> SlackSender:
        """A client that signs requests as Slack does and posts them to this bot."""
        return SlackSender(self.url, SIGNING_SECRET, timeout=timeout)


def bot_settings(database_url: str, api_url: str, token: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_api_url": api_url,
        "slack_bot_token": token,
        "slack_signing_secret": SIGNING_SECRET,
        "secret": VOTER_SECRET,
        "schedule_poll_seconds": 0.2,
        "organisers": [],
    }
    values.update(overrides)
    return values


@contextmanager
def running_bot(
    database_url: str, api_url: str, token: str, *, with_scheduler: bool = False, **overrides: Any
) -> Iterator[RunningBot]:
    settings = load_settings(**bot_settings(database_url, api_url, token, **overrides))
    deps = build_deps(settings)
    scheduler = Scheduler(build_deps(settings)) if with_scheduler else None
    sock = free_socket()
    server = uvicorn.Server(uvicorn.Config(create_asgi(deps), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("bot server did not start")
        time.sleep(0.02)
    if scheduler is not None:
        scheduler.start()
    host, port = sock.getsockname()[:2]
    try:
        yield RunningBot(url=f"http://{host}:{port}", deps=deps, scheduler=scheduler)
    finally:
        if scheduler is not None:
            scheduler.shutdown()
            scheduler.deps.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_for_sweeps(scheduler: Scheduler, job: str, count: int = 2, timeout: float = 10) -> None:
    """Wait until `scheduler` completes `count` more sweeps of `job` ("watch", "polls"), so at least one
    whole sweep began after this call: the positive signal before asserting that something did not happen."""
    target = scheduler.sweeps[job] + count
    deadline = time.monotonic() + timeout
    while scheduler.sweeps[job] < target:
        if time.monotonic() > deadline:
            raise AssertionError(f"the scheduler's {job} sweep did not run {count} more times in {timeout} s")
        time.sleep(0.02)


def subprocess_env(database_url: str, api_url: str, token: str, port: int, **extra: str) -> dict[str, str]:
    env = clean_environment()
    env.update(
        DATABASE_URL=database_url,
        SLACK_API_URL=api_url,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        ROUNDTABLE_SECRET=VOTER_SECRET,
        ROUNDTABLE_SCHEDULE_POLL_SECONDS="0.2",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def bot_subprocess(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`roundtable run` in its own process group; waits for /healthz; killed (group) on exit."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(process, f"http://127.0.0.1:{env['PORT']}/healthz", log_path)
        yield process
    finally:
        stop_group(process)
