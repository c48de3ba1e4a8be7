"""Posting scheduled questions exactly once.

A question is claimed in the database (a conditional UPDATE) before it is posted, so two schedulers, a
restart or a retry never post it twice. A claim abandoned by a crash goes stale and is taken over. When a
previous attempt may have reached Slack (the connection dropped after chat.postMessage), the channel is
searched for a message whose metadata carries the question id before posting again.
"""

import logging
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.questions import blocks, replies
from bot.runtime import notify
from bot.runtime.deps import Deps
from storage import questions, roles
from storage.models import PostState, RoleName, Workshop

logger = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
    }
)


@dataclass(frozen=True, slots=True)
class DueQuestion:
    question_id: int
    channel_ref: str


DISPATCH_THREADS = 16  # channels posted to at once; each channel still gets one post per pacer interval


class ChannelPacer:
    """At most one post per channel per `interval` seconds (Slack's chat.postMessage guidance).

    A channel's next slot counts from when its previous post was *answered* (`sent`), not from when it
    was sent: two posts sent exactly a second apart can arrive less than a second apart (one was slow on
    the way) and the second is refused with a 429, which the SDK retries a second later.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)

    def sent(self, channel: str) -> None:
        """The post that `wait` let through has been answered: the next one waits a full interval from now."""
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), time.monotonic() + self.interval)


def due_questions(deps: Deps, now: datetime) -> list[DueQuestion]:
    stale_before = now - timedelta(seconds=deps.settings.claim_timeout_seconds)
    with deps.db.reading() as session:
        due = []
        for question, workshop in questions.scheduled(session):
            if question.post_at > now or question.id is None:
                continue
            if question.state == PostState.CLAIMED and (question.claimed_at or now) >= stale_before:
                continue
            due.append(DueQuestion(question.id, workshop.channel_id or workshop.channel_ref))
        return due


def dispatch_due(deps: Deps, pacer: ChannelPacer) -> int:
    """Post every due question: in rounds of one question per channel, the channels of a round in parallel.

    A round ends before the next begins, so each channel's questions go out in order; the pacer spaces a
    channel's posts. Posting one question at a time took ~17 ms each, so 1,000 questions across 100
    channels took 17 s where the pacing allows 10.
    """
    by_channel: dict[str, list[int]] = defaultdict(list)
    for item in due_questions(deps, deps.clock()):
        by_channel[item.channel_ref].append(item.question_id)
    if not by_channel:
        return 0
    posted = 0
    workers = min(DISPATCH_THREADS, len(by_channel))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="roundtable-post") as pool:
        while by_channel:
            round_ids = []
            for channel in list(by_channel):
                round_ids.append(by_channel[channel].pop(0))
                if not by_channel[channel]:
                    del by_channel[channel]
            posted += sum(pool.map(lambda question_id: _post_one(deps, question_id, pacer), round_ids))
    return posted


def _post_one(deps: Deps, question_id: int, pacer: ChannelPacer) -> int:
    try:
        return 1 if post_question(deps, question_id, pacer=pacer) == "posted" else 0
    except Exception:
        logger.exception("posting question %s failed", question_id)
        return 0


def post_question(deps: Deps, question_id: int, *, pacer: ChannelPacer | None = None) -> str:
    """Claim, post and record one question. Returns what happened, for logs and tests."""
    now = deps.clock()
    token = uuid.uuid4().hex
    stale_before = now - timedelta(seconds=deps.settings.claim_timeout_seconds)
    grace = timedelta(minutes=deps.settings.post_grace_minutes)
    with deps.db.transaction() as session:
        question = questions.get(session, question_id)
        if question is None or question.post_at > now:
            return "not-due"
        workshop = session.get(Workshop, question.workshop_id) if question.workshop_id else None
        if not workshop or not workshop.active:
            return "inactive"
        earlier_attempts = question.attempts  # read before the claim, which increments it
        if question.state == PostState.SCHEDULED and now - question.post_at > grace:
            questions.mark_missed(session, question_id)
            missed = True
        else:
            missed = False
            if not questions.claim(session, question_id, token=token, now=now, stale_before=stale_before):
                return "taken"
        attempts = earlier_attempts + 1
        organisers = sorted(
            set(roles.users_with_role(session, workshop.id or 0, RoleName.ORGANISER)) | deps.organisers
        )
        title, text, channel = workshop.title, question.text, workshop.channel_id or workshop.channel_ref
        post_at = question.post_at
    if missed:
        logger.warning("question %s missed its time (%s) beyond the grace period", question_id, post_at)
        notify.organisers(deps, organisers, notify.missed_question(title, text, post_at))
        return "missed"
    return _post_claimed(deps, question_id, token, attempts, title, text, channel, post_at, organisers, pacer)


def _post_claimed(
    deps: Deps,
    question_id: int,
    token: str,
    attempts: int,
    title: str,
    text: str,
    channel: str,
    post_at: datetime,
    organisers: list[str],
    pacer: ChannelPacer | None,
) -> str:
    try:
        channel_id = notify.resolve_channel(deps, channel)
        found = (
            notify.find_posted(
                deps, channel_id, blocks.QUESTION_EVENT_TYPE, "question_id", question_id, post_at
            )
            if attempts > 1
            else None
        )
        if found is not None:
            return _record_posted(deps, question_id, token, channel_id, found)
        message = blocks.question_message(question_id=question_id, workshop_title=title, text=text)
        if pacer is not None:
            pacer.wait(channel_id)
        try:
            posted_channel, posted_ts = notify.post_joining_if_needed(deps, channel_id, message)
        finally:
            if pacer is not None:
                pacer.sent(channel_id)
        return _record_posted(deps, question_id, token, posted_channel, posted_ts)
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown_error"))
        if code in PERMANENT_ERRORS:
            return _record_failure(deps, question_id, token, code, title, text, organisers)
        logger.warning("posting question %s failed transiently (%s); will retry", question_id, code)
    except notify.ChannelNotFound:
        return _record_failure(deps, question_id, token, "channel_not_found", title, text, organisers)
    except OSError as error:  # connection dropped: it may have posted; the next attempt looks first
        logger.warning(
            "posting question %s lost its connection (%s); will check and retry", question_id, error
        )
    with deps.db.transaction() as session:
        questions.release(session, question_id, token=token)
    return "retry"


def _record_posted(deps: Deps, question_id: int, token: str, channel_id: str, ts: str) -> str:
    with deps.db.transaction() as session:
        now = deps.clock()
        recorded = questions.finish(
            session,
            question_id,
            token=token,
            state=PostState.POSTED,
            now=now,
            channel_id=channel_id,
            message_ts=ts,
        )
        notify.remember_channel(session, question_id, channel_id)
        # Replies that arrived before this commit, applied in it: exactly once.
        early = replies.attach_early(session, channel_id, ts, now=now) if recorded else 0
    logger.info("posted question %s in %s at %s (%d early replies)", question_id, channel_id, ts, early)
    return "posted"


def _record_failure(
    deps: Deps, question_id: int, token: str, code: str, title: str, text: str, organisers: list[str]
) -> str:
    with deps.db.transaction() as session:
        questions.finish(
            session, question_id, token=token, state=PostState.FAILED, now=deps.clock(), error=code
        )
    logger.error("question %s could not be posted: %s", question_id, code)
    notify.organisers(deps, organisers, notify.failed_question(title, text, code))
    return "failed"
