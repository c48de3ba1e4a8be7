"""`roundtable run` with SLACK_APP_TOKEN speaks Socket Mode: same listeners, envelopes acked."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakeslack import FakeSlack
from fakesocket import FakeSocketMode
from slack_requests import event_callback, slash_command, thread_reply_event
from sqlmodel import select

from storage import migrate
from storage.db import Database, make_engine
from storage.models import Response
from tests.botserver import free_port, subprocess_env
from tests.factories import CHANNEL, add_question, add_workshop

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
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    db = Database.from_url(database_url)
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
