"""Recovering replies written while the bot was down, within Slack's conversations.replies budget.

On start, the threads of open questions are read newest-question first with conversations.replies and
every reply goes through the same rules as a live event (so overlap with live delivery stores nothing
twice). Only replies newer than the last scheduler heartbeat before start (minus a margin) are asked for.
The scheduler runs it again, from its last good heartbeat, after a gap in its heartbeats (a database
outage outlasting Slack's retries loses the deliveries it refused), without a restart.
It runs in its own thread, pacing itself to `ROUNDTABLE_BACKFILL_CALLS_PER_MINUTE`, sleeping out a 429's
Retry-After and resuming at the same cursor, so live handling is never delayed.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.questions import replies
from bot.runtime.deps import Deps
from bot.runtime.slack_client import TIMEOUT_SECONDS
from storage import heartbeats, questions

logger = logging.getLogger(__name__)

MARGIN = timedelta(minutes=5)
_FROM_HEARTBEAT = object()


@dataclass
class BackfillReport:
    calls: int = 0
    rate_limited: int = 0
    stored: int = 0
    seen: int = 0
    questions: int = 0


class Budget:
    """Spaces calls evenly: at most `per_minute` calls in any minute."""

    def __init__(self, per_minute: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if self._next > now:
            self._sleep(self._next - now)
        self._next = max(now, self._next) + self.interval

    def back_off(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)


def backfill_client(deps: Deps) -> WebClient:
    """No automatic retries: the backfill sleeps out rate limits itself, keeping to its own budget."""
    return WebClient(
        token=deps.slack.token,
        base_url=deps.settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[],
    )


def last_alive(deps: Deps) -> datetime | None:
    """When the scheduler last showed signs of life: read it before starting a new one."""
    with deps.db.reading() as session:
        return heartbeats.last_beat(session, heartbeats.SCHEDULER)


def run_backfill(
    deps: Deps, *, stop: threading.Event | None = None, since: datetime | object | None = _FROM_HEARTBEAT
) -> BackfillReport:
    settings = deps.settings
    now = deps.clock()
    report = BackfillReport()
    last_beat = last_alive(deps) if since is _FROM_HEARTBEAT else since
    assert last_beat is None or isinstance(last_beat, datetime)
    with deps.db.reading() as session:
        open_questions = [
            (q.id, q.channel_id, q.message_ts)
            for q in questions.open_posted_since(session, now - timedelta(days=settings.backfill_days), now)
        ]
    oldest = f"{(last_beat - MARGIN).timestamp():.6f}" if last_beat else None
    client = backfill_client(deps)
    budget = Budget(settings.backfill_calls_per_minute)
    for question_id, channel_id, thread_ts in open_questions:
        if stop is not None and stop.is_set():
            break
        if not channel_id or not thread_ts:
            continue
        report.questions += 1
        _backfill_thread(deps, client, budget, channel_id, thread_ts, oldest, report, stop)
        logger.info("backfill question=%s calls=%d stored=%d", question_id, report.calls, report.stored)
    logger.info(
        "backfill done: questions=%d calls=%d rate_limited=%d seen=%d stored=%d",
        report.questions,
        report.calls,
        report.rate_limited,
        report.seen,
        report.stored,
    )
    return report


def _backfill_thread(
    deps: Deps,
    client: WebClient,
    budget: Budget,
    channel_id: str,
    thread_ts: str,
    oldest: str | None,
    report: BackfillReport,
    stop: threading.Event | None,
) -> None:
    cursor: str | None = None
    while stop is None or not stop.is_set():
        budget.wait()
        arguments: dict[str, Any] = {
            "channel": channel_id,
            "ts": thread_ts,
            "limit": deps.settings.backfill_page_size,
        }
        if cursor:
            arguments["cursor"] = cursor
        if oldest:
            arguments["oldest"] = oldest
        try:
            report.calls += 1
            page = client.conversations_replies(**arguments)
        except SlackApiError as error:
            if error.response.status_code == 429:
                report.rate_limited += 1
                budget.back_off(float(error.response.headers.get("Retry-After", 60)))
                continue  # same cursor
            logger.warning(
                "backfill of %s/%s stopped: %s", channel_id, thread_ts, error.response.get("error")
            )
            return
        messages: list[dict[str, Any]] = page.get("messages", [])  # get() is typed as its default
        for message in messages:
            report.seen += 1
            if _store(deps, channel_id, message):
                report.stored += 1
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _store(deps: Deps, channel_id: str, message: dict[str, Any]) -> bool:
    edited = message.get("edited") or {}
    kind = replies.MessageKind.CHANGED if edited.get("ts") else replies.MessageKind.POSTED
    thread_message = replies.ThreadMessage(
        kind=kind,
        event_id=None,
        channel_id=channel_id,
        ts=str(message.get("ts", "")),
        thread_ts=message.get("thread_ts"),
        user_id=message.get("user"),
        text=message.get("text") or "",
        edit_ts=edited.get("ts"),
        broadcast=message.get("subtype") == "thread_broadcast",
        from_bot=bool(message.get("bot_id")) or message.get("subtype") == "bot_message",
        backfilled=True,
        files=replies.file_names(message.get("files")),
    )
    outcome = replies.record_message(deps.db, thread_message, now=deps.clock())
    return outcome in (replies.Outcome.STORED, replies.Outcome.UPDATED)


def start_backfill(deps: Deps, stop: threading.Event, since: datetime | None) -> threading.Thread:
    """Backfill in a daemon thread; `since` is `last_alive()` read before this process's scheduler started."""
    thread = threading.Thread(
        target=_run_safely, args=(deps, stop, since), name="roundtable-backfill", daemon=True
    )
    thread.start()
    return thread


def _run_safely(deps: Deps, stop: threading.Event, since: datetime | None) -> None:
    try:
        run_backfill(deps, stop=stop, since=since)
    except Exception:
        logger.exception("backfill failed; live handling is unaffected")
