"""Tokens and secrets never reach the logs, even at DEBUG, across a realistic scenario."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, slash_command, thread_reply_event

from tests.botserver import SIGNING_SECRET, VOTER_SECRET, bot_subprocess, subprocess_env
from tests.factories import CHANNEL, add_question, add_workshop, migrated_database
from tests.processes import free_port

pytestmark = pytest.mark.slow
QUESTION_TS = "1900000000.000100"


def test_debug_logs_of_a_full_scenario_contain_no_token_or_secret(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = migrated_database(database_url)
    workshop = add_workshop(db)
    add_question(db, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS)
    add_question(
        db, workshop, text="Posted during the scenario?", post_at=datetime.now(UTC) + timedelta(seconds=1)
    )
    db.dispose()
    port = free_port()
    env = subprocess_env(database_url, fake_slack.api_url, fake_slack.token, port, LOG_LEVEL="DEBUG")
    log = tmp_path / "bot.log"
    with bot_subprocess(env, log), SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET) as sender:
        assert (
            sender.send_event(thread_reply_event("hello", thread_ts=QUESTION_TS, channel=CHANNEL)).status_code
            == 200
        )
        assert sender.send_command(slash_command(text="status", channel_id=CHANNEL)).status_code == 200
        assert (
            sender.send_event(thread_reply_event("forged", thread_ts=QUESTION_TS), secret="wrong").status_code
            == 401
        )
        fake_slack.wait_for("chat.postMessage", timeout=10)
    text = log.read_text()
    assert "DEBUG" in text  # the scenario really ran at DEBUG
    assert "chat.postMessage" in text
    assert " INFO uvicorn.error Uvicorn running on " in text  # uvicorn writes through the scrubbing handler
    assert "uvicorn.access" not in text  # no line per request (client addresses)
    for secret in (fake_slack.token, SIGNING_SECRET, VOTER_SECRET):
        assert secret not in text
    assert "xoxb-" not in text
