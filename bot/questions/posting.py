"""Posting scheduled questions exactly once, paced per channel.

The state machine (claim, stale takeover, the search for a post whose answer was lost, missed, failed,
retry) is `bot.runtime.claimed_post`, shared with polls; a question adds its attempts count, its message,
and the early replies applied in the transaction that records its ts.
"""

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col
from typing_extensions import override

from bot.questions import blocks, replies
from bot.runtime import notify
from bot.runtime.claimed_post import ChannelPacer, ClaimedPost, Due
from bot.runtime.deps import Deps
from storage import questions
from storage.models import PostState, Question, Workshop

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DueQuestion:
    question_id: int
    channel_ref: str


DISPATCH_THREADS = 16  # channels posted to at once; each channel still gets one post per pacer interval


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
    return QuestionPost(deps, question_id, pacer).run()


class QuestionPost(ClaimedPost):
    """A question's part of the claimed post: its row, its message, and the early replies it attaches."""

    model = Question
    label = "question"
    event_type = blocks.QUESTION_EVENT_TYPE
    metadata_key = "question_id"
    posted_state = PostState.POSTED

    @override
    def read(self, session: Session, now: datetime) -> Due | str:
        question = questions.get(session, self.row_id)
        if question is None or question.post_at > now:
            return "not-due"
        workshop = session.get(Workshop, question.workshop_id) if question.workshop_id else None
        if not workshop or not workshop.active:
            return "inactive"
        self.title, self.text, self.post_at = workshop.title, question.text, question.post_at
        return Due(
            due_at=question.post_at,
            state=question.state,
            workshop_id=workshop.id,
            channel=workshop.channel_id or workshop.channel_ref,
            look_first=question.attempts > 0,  # read before the claim, which counts this attempt
        )

    @override
    def message(self) -> dict[str, Any]:
        return blocks.question_message(question_id=self.row_id, workshop_title=self.title, text=self.text)

    @override
    def missed_notice(self) -> str:
        return notify.missed_question(self.title, self.text, self.post_at)

    @override
    def claim_values(self) -> dict[str, Any]:
        return {"attempts": col(Question.attempts) + 1}

    @override
    def posted_values(self, now: datetime) -> dict[str, Any]:
        return {"posted_at": now}

    @override
    def release_values(self, note: str) -> dict[str, Any]:
        return {}  # the attempts count tells the next attempt to look first

    @override
    def recorded(self, session: Session, channel_id: str, ts: str, now: datetime, *, won: bool) -> str:
        notify.remember_channel(session, self.row_id, channel_id)
        # Replies that arrived before this commit, applied in it: exactly once.
        early = replies.attach_early(session, channel_id, ts, now=now) if won else 0
        return f" ({early} early replies)"

    @override
    def failure_notice(self, code: str) -> str:
        return notify.failed_question(self.title, self.text, code)
