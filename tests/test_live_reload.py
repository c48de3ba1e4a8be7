"""A workshop loaded by another process while the bot runs is picked up and posted on time."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fakeslack import FakeSlack

from storage import migrate
from storage.db import make_engine
from tests.botserver import running_bot

LONDON = ZoneInfo("Europe/London")


def workshop_file(path: Path, post_at: datetime) -> Path:
    local = post_at.astimezone(LONDON).replace(tzinfo=None, microsecond=0)
    starts = local + timedelta(days=1)
    path.write_text(
        f"""
[workshop]
slug = "live-reload"
title = "Loaded while running"
channel = "C0LIVE00001"
timezone = "Europe/London"
starts = {starts.isoformat()}
ends = {(starts + timedelta(hours=2)).isoformat()}
organisers = ["U0ORGANISE1"]
chairs = []

[[questions]]
text = "Due ten seconds after loading?"
phase = "pre"
post_at = {local.isoformat()}
"""
    )
    return path


def test_workshop_loaded_from_another_process_is_posted_on_time(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, with_scheduler=True):
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=10)
        env = {**os.environ, "DATABASE_URL": database_url}
        loaded = subprocess.run(
            [sys.executable, "-m", "bot", "workshop", "load", str(workshop_file(tmp_path / "w.toml", due))],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        [call] = fake_slack.wait_for("chat.postMessage", timeout=20)
    assert call.params["channel"] == "C0LIVE00001"
    assert due.timestamp() - 0.05 <= call.time <= due.timestamp() + 2.0
