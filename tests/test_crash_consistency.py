"""SIGKILL in the middle of a burst, restart, let senders retry as Slack does: nothing lost, nothing doubled."""

import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fakeslack import FakeSlack
from slack_requests import SlackRequest, block_actions, event_callback, prepare, thread_reply_event
from sqlmodel import select

from storage.db import Database
from storage.models import Poll, PollOption, PollState, Response, Vote
from tests.botserver import SIGNING_SECRET, bot_subprocess, subprocess_env
from tests.factories import CHANNEL, add_question, add_workshop, migrated_database
from tests.processes import free_port

QUESTION_TS = "1900000000.000100"
BURST = 200  # replies, and as many votes
KILL_AFTER = 120

pytestmark = pytest.mark.slow


class SlackLikeSender:
    """Delivers one event until it gets a 2xx, re-sending the same event_id with X-Slack-Retry-Num."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acked = 0
        self.retries = 0
        self._lock = threading.Lock()
        self.client = httpx.Client(timeout=5)

    def deliver(self, request: SlackRequest) -> None:
        attempt = 0
        while True:
            body, headers = prepare(request, SIGNING_SECRET, retry_num=attempt or None)
            try:
                if self.client.post(self.url, content=body, headers=headers).status_code == 200:
                    with self._lock:
                        self.acked += 1
                    return
            except httpx.HTTPError:
                pass
            attempt += 1
            with self._lock:
                self.retries += 1
            time.sleep(0.2)


def open_poll(db: Database, workshop_id: int) -> int:
    with db.transaction() as session:
        poll = Poll(
            workshop_id=workshop_id,
            question="Replicable?",
            state=PollState.OPEN,
            anonymous=False,
            channel_id=CHANNEL,
            message_ts="1900000000.000900",
        )
        session.add(poll)
        session.flush()
        session.add_all(
            PollOption(poll_id=poll.id or 0, position=n, label=label)
            for n, label in enumerate(["Yes", "Partly", "No"])
        )
        return poll.id or 0


def test_sigkill_mid_burst_then_retries_store_exactly_the_replies_and_votes_sent(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = migrated_database(database_url)
    workshop = add_workshop(db)
    add_question(db, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS)
    poll_id = open_poll(db, workshop)
    port = free_port()
    env = subprocess_env(database_url, fake_slack.api_url, fake_slack.token, port, WEB_CONCURRENCY="2")
    sender = SlackLikeSender(f"http://127.0.0.1:{port}/slack/events")
    texts = [f"reply number {n}" for n in range(BURST)]
    requests = [
        SlackRequest.json(
            event_callback(
                thread_reply_event(text, thread_ts=QUESTION_TS, channel=CHANNEL, user=f"U{n:010d}")
            )
        )
        for n, text in enumerate(texts)
    ]
    votes = {f"UV{n:09d}": n % 3 for n in range(BURST)}
    requests += [
        SlackRequest.interactive(
            block_actions(
                f"poll.vote.{choice}",
                value=f"{poll_id}:{choice}",
                user_id=user,
                channel_id=CHANNEL,
                message_ts="1900000000.000900",
            )
        )
        for user, choice in votes.items()
    ]
    random.Random(7).shuffle(requests)
    log = tmp_path / "bot.log"
    with ThreadPoolExecutor(max_workers=16) as pool:
        with bot_subprocess(env, log) as first:
            futures = [pool.submit(sender.deliver, request) for request in requests]
            while sender.acked < KILL_AFTER:
                time.sleep(0.005)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            killed_at = sender.acked
        time.sleep(0.5)  # senders keep failing and retrying while the bot is down
        with bot_subprocess(env, log):
            for future in futures:
                future.result(timeout=90)
    with db.reading() as session:
        stored = session.exec(select(Response.text)).all()
        stored_votes = session.exec(select(Vote.user_id, PollOption.position).join(PollOption)).all()
    db.dispose()
    print(  # noqa: T201  (figures quoted in docs/reliability.md; see them with pytest -s)
        f"crash figures: sent={len(requests)} acked_before_kill={killed_at} retries={sender.retries} "
        f"stored_replies={len(stored)} stored_votes={len(stored_votes)}"
    )
    assert KILL_AFTER <= killed_at < len(requests)
    assert sender.retries > 0
    assert sorted(stored) == sorted(texts)
    assert dict(stored_votes) == votes
    assert len(stored_votes) == len(votes)
