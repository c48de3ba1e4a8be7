"""GET /metrics: Prometheus counters and histograms, driven by real signed requests to the bot."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, event_callback, slash_command, thread_reply_event

from storage.db import Database
from tests.botserver import SIGNING_SECRET, RunningBot, bot_subprocess, running_bot, subprocess_env
from tests.factories import CHANNEL, add_question, add_workshop, migrated_database
from tests.processes import free_port

QUESTION_TS = "1900000000.000200"


@pytest.fixture
def seeded(database: Database) -> int:
    workshop = add_workshop(database)
    return add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )


def scrape(bot: RunningBot | str) -> dict[str, float]:
    """The exposition as {sample with its labels: value}."""
    url = bot if isinstance(bot, str) else bot.url
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_a_reply_and_its_retry_show_as_two_acked_events_one_duplicate_and_a_writer_batch(
    bot: RunningBot, sender: SlackSender, seeded: int
) -> None:
    delivery = event_callback(thread_reply_event("An answer.", thread_ts=QUESTION_TS, channel=CHANNEL))
    assert sender.send_event(delivery).status_code == 200
    assert sender.send_event(delivery).status_code == 200  # Slack's retry of the same event id
    samples = scrape(bot)
    assert samples['roundtable_request_seconds_count{kind="event"}'] == 2
    assert samples['roundtable_request_seconds_bucket{kind="event",le="+Inf"}'] == 2
    assert samples['roundtable_deliveries_total{kind="event",outcome="acked"}'] == 2
    assert samples['roundtable_deliveries_total{kind="event",outcome="duplicate"}'] == 1
    assert samples["roundtable_writer_batch_size_count"] >= 1
    assert samples["roundtable_writer_batch_size_sum"] == 2  # each delivery went through the writer
    assert "roundtable_writer_queue_depth" in samples


def test_commands_and_forged_requests_are_counted_by_kind_and_outcome(
    bot: RunningBot, sender: SlackSender
) -> None:
    assert sender.send_command(slash_command(text="help", channel_id=CHANNEL)).status_code == 200
    forged = thread_reply_event("forged", thread_ts=QUESTION_TS, channel=CHANNEL)
    assert sender.send_event(forged, secret="not-the-signing-secret").status_code == 401
    samples = scrape(bot)
    assert samples['roundtable_request_seconds_count{kind="command"}'] == 1
    assert samples['roundtable_deliveries_total{kind="command",outcome="acked"}'] == 1
    # A forged request is refused before its body is read, so its kind is not known.
    assert samples['roundtable_deliveries_total{kind="other",outcome="refused"}'] == 1
    assert samples['roundtable_deliveries_total{kind="event",outcome="acked"}'] == 0


def test_slack_api_calls_and_429s_are_counted_by_method(bot: RunningBot, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("users.info", retry_after=0)  # one 429, slept out and retried by the client
    assert bot.deps.slack.users_info(user="U0METRICS1")["ok"]
    samples = scrape(bot)
    assert samples['roundtable_slack_api_calls_total{method="users.info"}'] == 1
    assert samples['roundtable_slack_api_rate_limited_total{method="users.info"}'] == 1
    assert samples.get('roundtable_slack_api_rate_limited_total{method="auth.test"}', 0) == 0


def test_metrics_can_be_turned_off(database_url: str, fake_slack: FakeSlack) -> None:
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, metrics=False) as bot:
        assert httpx.get(f"{bot.url}/metrics", timeout=10).status_code == 404


def test_each_process_says_which_it_is(bot: RunningBot) -> None:
    assert any(re.fullmatch(r'roundtable_process_info\{pid="\d+"\}', name) for name in scrape(bot))


def test_with_a_multiprocess_directory_every_scrape_adds_up_all_the_workers(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """README: with PROMETHEUS_MULTIPROC_DIR set, whichever worker answers /metrics reports all of them."""
    db = migrated_database(database_url)  # `roundtable run` wants the migrations' schema
    add_question(db, add_workshop(db), post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS)
    db.dispose()
    shared = tmp_path / "prometheus"
    shared.mkdir()
    port = free_port()
    env = subprocess_env(
        database_url,
        fake_slack.api_url,
        fake_slack.token,
        port,
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    url = f"http://127.0.0.1:{port}"
    with bot_subprocess(env, tmp_path / "bot.log"), SlackSender(url, SIGNING_SECRET) as sender:
        for n in range(20):
            reply = thread_reply_event(f"Answer {n}.", thread_ts=QUESTION_TS, channel=CHANNEL)
            assert sender.send_event(event_callback(reply)).status_code == 200
        scrapes = [scrape(url) for _ in range(8)]  # answered by either worker
    for samples in scrapes:
        assert samples['roundtable_deliveries_total{kind="event",outcome="acked"}'] == 20
        assert samples["roundtable_writer_batch_size_sum"] == 20
        processes = {name for name in samples if name.startswith("roundtable_process_info{")}
        assert len(processes) >= 2, processes  # both workers' files, whichever answered
