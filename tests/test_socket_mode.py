"""`roundtable run` with SLACK_APP_TOKEN speaks Socket Mode: same listeners, envelopes acked."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fakeslack import FakeSlack
from fakesocket import FakeSocketMode
from slack_requests import event_callback, slash_command, thread_reply_event
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse
from sqlmodel import select

from bot.runtime.socket_mode import Backoff, ReconnectingClient
from storage import migrate
from storage.db import make_engine
from storage.models import Response
from tests.botserver import subprocess_env
from tests.factories import CHANNEL, add_question, add_workshop, migrated_database
from tests.processes import free_port

QUESTION_TS = "1900000000.000100"
pytestmark = pytest.mark.slow


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode().start()
    fake_slack.socket_mode_url = fake.url
    yield fake
    fake.stop()


def test_socket_mode_bot_stores_thread_replies_and_answers_commands(
    database_url: str, fake_slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    db = migrated_database(database_url)
    add_question(db, add_workshop(db), post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS)
    env = subprocess_env(
        database_url, fake_slack.api_url, fake_slack.token, free_port(), SLACK_APP_TOKEN=fake_slack.app_token
    )
    env.pop("SLACK_SIGNING_SECRET")  # Socket Mode needs no signing secret
    with (tmp_path / "bot.log").open("wb") as log:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        socket_mode.wait_connected()
        event = event_callback(thread_reply_event("Over the socket.", thread_ts=QUESTION_TS, channel=CHANNEL))
        socket_mode.send("events_api", event)
        ack = socket_mode.send("slash_commands", slash_command(text="help", channel_id=CHANNEL))
    finally:
        os.killpg(bot.pid, signal.SIGTERM)
        bot.wait(timeout=15)
    with db.reading() as session:
        assert session.exec(select(Response.text)).all() == ["Over the socket."]
    db.dispose()
    assert "/roundtable status" in ack["payload"]["text"], (tmp_path / "bot.log").read_text()


def _health(port: int) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except httpx.HTTPError:
        return None


def _wait_for(condition: Callable[[], object], timeout: float, what: str, log: Path) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: {log.read_text()[-3000:]}")


def test_socket_mode_that_cannot_connect_says_why_backs_off_and_reports_503_until_connected(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    port = free_port()
    env = subprocess_env(
        database_url,
        fake_slack.api_url,
        fake_slack.token,
        port,
        SLACK_APP_TOKEN=fake_slack.app_token,
        ROUNDTABLE_SOCKET_RETRY_MAX_SECONDS="2",
    )
    env.pop("SLACK_SIGNING_SECRET")
    fake_slack.socket_mode_url = None  # apps.connections.open answers invalid_auth
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    socket = FakeSocketMode().start()
    try:
        failing = _wait_for(
            lambda: (r := _health(port)) is not None and r, 20, "/healthz on PORT in Socket Mode", log
        )
        assert failing.status_code == 503
        assert failing.json() == {
            "status": "unavailable",
            "database": "ok",
            "scheduler": failing.json()["scheduler"],
            "socket": "connecting",
            "socket_error": "invalid_auth",
        }
        _wait_for(
            lambda: log.read_text().count("apps.connections.open failed") >= 3, 20, "three attempts", log
        )
        fake_slack.socket_mode_url = socket.url
        socket.wait_connected(timeout=20)
        healthy = _wait_for(
            lambda: (r := _health(port)) is not None and r.status_code == 200 and r,
            20,
            "a healthy socket",
            log,
        )
        assert healthy.json()["socket"] == "connected"
        ack = socket.send("slash_commands", slash_command(text="help", channel_id=CHANNEL))
        assert "/roundtable status" in ack["payload"]["text"]
    finally:
        os.killpg(bot.pid, signal.SIGTERM)
        bot.wait(timeout=15)
        socket.stop()
    text = log.read_text()
    failures = [line for line in text.splitlines() if "apps.connections.open failed" in line]
    assert [line.split("failed ")[1] for line in failures[:3]] == [
        "(invalid_auth); retrying in 1 s",
        "(invalid_auth); retrying in 2 s",
        "(invalid_auth); retrying in 2 s",  # capped
    ]
    assert all(" WARNING bot.runtime.socket_mode Socket Mode cannot connect: " in line for line in failures)
    assert "Traceback" not in text
    assert bot.returncode == 0  # SIGTERM shuts down cleanly


def test_reconnection_backoff_doubles_from_one_second_to_its_cap_and_restarts_after_a_success() -> None:
    backoff = Backoff(cap=60)
    assert [backoff.delay() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    backoff.reset()
    assert backoff.delay() == 1


def test_a_rate_limited_connection_request_waits_as_long_as_slack_asks_and_logs_one_line_each(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    answers = [
        SlackResponse(
            client=None,
            http_verb="POST",
            api_url="apps.connections.open",
            req_args={},
            data={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": "7"},
            status_code=429,
        ),
        SlackResponse(
            client=None,
            http_verb="POST",
            api_url="apps.connections.open",
            req_args={},
            data={"ok": False, "error": "invalid_auth"},
            headers={},
            status_code=200,
        ),
    ]
    slept: list[float] = []

    class Web:
        async def apps_connections_open(self, app_token: str) -> dict[str, str]:
            if answers:
                answer = answers.pop(0)
                raise SlackApiError(answer["error"], answer)
            return {"url": "wss://example.invalid/link"}

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def scenario() -> str:
        client = ReconnectingClient(app_token="xapp-1-x", web_client=Web(), backoff=Backoff(cap=60))  # type: ignore[arg-type]
        monkeypatch.setattr("bot.runtime.socket_mode.asyncio.sleep", sleep)
        try:
            return await client.issue_new_wss_url()
        finally:
            monkeypatch.undo()
            await client.close()

    assert asyncio.run(scenario()) == "wss://example.invalid/link"
    assert slept == [7, 2]
    assert [
        r.getMessage().split("failed ")[1] for r in caplog.records if r.name == "bot.runtime.socket_mode"
    ] == [
        "(ratelimited); retrying in 7 s",
        "(invalid_auth); retrying in 2 s",
    ]
