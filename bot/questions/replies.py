"""Turning Slack message events into stored responses: once, in any delivery order.

Rules: a reply counts when its thread is a posted question in the same channel and it was first posted
while the question was open for answers (`is_open_for_answers`, the rule private answers follow too; edits
and deletions of a reply posted in time are honoured after the close); a delivery is applied at most once
(its event id is stored in the same transaction as its effect); an edit never overwrites a newer edit; a
deletion is final, even when it arrives before the message it deletes (a tombstone is kept).
A reply's answer is its text; a file shared without a comment reads "[shared a file: NAME]"; a reply with
neither text nor files is no answer: it is not stored, and an edit that leaves nothing withdraws the reply
like a deletion (Slack itself offers to delete a message whose text is edited away).

A reply can arrive before its question's ts is recorded (between chat.postMessage answering and the
poster's commit, longer after a dropped connection or a database error). When a question is being posted
in that channel and the thread was started by the bot, the message is kept as an early reply and applied,
exactly once, in the transaction that records the question's ts (`attach_early`).

Every way in (live events, batched by the group commit; the backfill; early replies) is `apply_deliveries`.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session

from bot.text import escape
from storage import early_replies, events, questions, responses
from storage.db import Database
from storage.models import EarlyReply, PostState, ResponseSource

logger = logging.getLogger(__name__)

EARLY_REPLY_KEEP = timedelta(hours=1)  # a post is recorded within the claim timeout (2 min by default)


class MessageKind(StrEnum):
    POSTED = "posted"
    CHANGED = "changed"
    DELETED = "deleted"


class Outcome(StrEnum):
    STORED = "stored"
    UPDATED = "updated"
    DELETED = "deleted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    STALE = "stale"
    CLOSED = "closed"  # first posted after the question closed: not recorded, the author is told
    KEPT = "kept"  # an early reply, waiting for its question's ts to be recorded


CLOSED_NOTE = "That question has closed; answers are no longer collected."


class AnswerWindow(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def close_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...


def is_open_for_answers(question: AnswerWindow, at: datetime) -> bool:
    """Whether an answer given at `at` counts: the question is posted, and `at` is before both its
    `close_at` and a chair's conclusion (`closed_at`). One rule for thread replies (`at` is when the reply
    was first posted, its ts) and private answers (`at` is when the form was sent)."""
    if question.state != PostState.POSTED:
        return False
    return all(end is None or at < end for end in (question.close_at, question.closed_at))


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """The parts of a Slack message event that matter to Roundtable."""

    kind: MessageKind
    event_id: str | None
    channel_id: str
    ts: str  # the message's own ts (for deletions: the deleted message's ts)
    thread_ts: str | None
    user_id: str | None
    text: str
    edit_ts: str | None = None
    broadcast: bool = False
    from_bot: bool = False
    backfilled: bool = False  # read from conversations.replies after downtime, not delivered as an event
    files: tuple[str, ...] = ()  # names of the files shared with it ("" when Slack gave no name)
    parent_is_bot: bool | None = None  # whether the bot started the thread (None: the event does not say)


def file_names(files: Any) -> tuple[str, ...]:
    """The names of a Slack message's `files` that still exist (a deleted file leaves a tombstone)."""
    if not isinstance(files, list):
        return ()
    kept = [f for f in files if isinstance(f, dict) and f.get("mode") != "tombstone"]
    return tuple(str(f.get("name") or f.get("title") or "") for f in kept)


def answer_text(message: ThreadMessage) -> str:
    """What a reply contributes: its text, else the files it shared (escaped like Slack text), else ""."""
    if message.text.strip():
        return message.text
    if not message.files:
        return ""
    count = len(message.files)
    shared = "a file" if count == 1 else f"{count} files"
    names = ", ".join(escape(name) for name in message.files if name)
    return f"[shared {shared}: {names}]" if names else f"[shared {shared}]"


def slack_ts_to_datetime(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def is_candidate(message: ThreadMessage) -> bool:
    """Cheap checks before touching the database: a human's message inside some thread."""
    if message.from_bot or not message.thread_ts or message.thread_ts == message.ts:
        return False
    return message.kind is MessageKind.DELETED or bool(message.user_id)


@dataclass(frozen=True, slots=True)
class Delivery:
    message: ThreadMessage
    now: datetime


def record_message(db: Database, message: ThreadMessage, *, now: datetime) -> Outcome:
    """Apply one message in its own transaction (the backfill's way in): a batch of one."""
    if not is_candidate(message):
        return Outcome.IGNORED
    with db.transaction() as session:
        return apply_deliveries(session, [Delivery(message, now)])[0]


def apply_deliveries(session: Session, deliveries: list[Delivery]) -> list[Outcome]:
    """The one way message events are applied, inside the caller's transaction: live events (a group
    commit's batch), the backfill (a batch of one) and early replies (`attach_early`).

    One query finds the questions of all their threads. New replies to recorded questions (the bulk of
    traffic) are then applied together (`_add_new_replies`: one insert of their event ids, one of the
    replies). Edits, deletions and replies to threads that are not recorded questions, rarer and
    order-sensitive, then go one by one, in order, after the replies they may refer to.
    """
    outcomes: list[Outcome | None] = [None] * len(deliveries)
    for index, delivery in enumerate(deliveries):
        message = delivery.message
        if not is_candidate(message) or (message.kind is MessageKind.POSTED and not answer_text(message)):
            outcomes[index] = Outcome.IGNORED
    wanted = {
        (d.message.channel_id, d.message.thread_ts or "")
        for index, d in enumerate(deliveries)
        if outcomes[index] is None
    }
    question_ids = questions.ids_by_messages(session, wanted)

    def question_of(message: ThreadMessage) -> int | None:
        return question_ids.get((message.channel_id, message.thread_ts or ""))

    new_replies: list[tuple[int, int]] = []  # (delivery index, question id)
    for index, delivery in enumerate(deliveries):
        question_id = question_of(delivery.message)
        if outcomes[index] is None and delivery.message.kind is MessageKind.POSTED and question_id:
            new_replies.append((index, question_id))
    if new_replies:
        batch = [(deliveries[index].message, question_id) for index, question_id in new_replies]
        added = _add_new_replies(session, batch, deliveries[0].now)
        for (index, _), outcome in zip(new_replies, added, strict=True):
            outcomes[index] = outcome
    for index, delivery in enumerate(deliveries):
        if outcomes[index] is None:
            outcomes[index] = _apply_one(
                session, delivery.message, question_of(delivery.message), delivery.now
            )
    return [outcome or Outcome.IGNORED for outcome in outcomes]


def _add_new_replies(
    session: Session, replies: list[tuple[ThreadMessage, int]], now: datetime
) -> list[Outcome]:
    """Apply new replies to recorded questions (message, question id) with a few multi-row statements.

    A delivery already applied (its event id, or its (channel, ts) — a retry, or an edit or deletion
    that arrived first and won) is a duplicate; a reply first posted after its question closed is not
    recorded.
    """
    outcomes: list[Outcome | None] = [None] * len(replies)
    keys: dict[str, int] = {}  # event key -> the first reply carrying it
    rows: dict[tuple[str, str], int] = {}  # (channel, ts) -> the first reply carrying it
    for index, (message, _) in enumerate(replies):
        key = f"event:{message.event_id}" if message.event_id else f"nokey:{index}"
        if key in keys or (message.channel_id, message.ts) in rows:
            outcomes[index] = Outcome.DUPLICATE
            continue
        keys[key] = index
        rows[(message.channel_id, message.ts)] = index
    real_keys = [key for key in keys if key.startswith("event:")]
    new_keys = events.mark_many_processed(session, real_keys, now=now) if real_keys else set()
    windows = questions.answer_windows(session, {question_id for _, question_id in replies})
    to_insert = []
    for key, index in keys.items():
        if key.startswith("event:") and key not in new_keys:
            outcomes[index] = Outcome.DUPLICATE
            continue
        message, question_id = replies[index]
        window = windows.get(question_id)
        if window is None or not is_open_for_answers(window, slack_ts_to_datetime(message.ts)):
            outcomes[index] = Outcome.CLOSED
            continue
        to_insert.append(_row(message, question_id, answer_text(message)))
    inserted = responses.add_replies_if_new(session, to_insert)
    for row in to_insert:
        index = rows[(str(row["channel_id"]), str(row["message_ts"]))]
        outcomes[index] = (
            Outcome.STORED if (row["channel_id"], row["message_ts"]) in inserted else Outcome.DUPLICATE
        )
    return [outcome or Outcome.DUPLICATE for outcome in outcomes]


def _apply_one(session: Session, message: ThreadMessage, question_id: int | None, now: datetime) -> Outcome:
    """An edit, a deletion, or a reply under a thread that was not a recorded question when looked up."""
    text = answer_text(message)
    if question_id is None:
        if message.parent_is_bot is False:
            return Outcome.IGNORED
        in_flight = questions.posting_in_channel(session, message.channel_id)
        # Looked up again: a poster that was recording this very ts held the lock, and has committed.
        question_id = questions.id_by_message(session, message.channel_id, message.thread_ts or "")
        if question_id is None:
            return _keep_early(session, message, text, now) if in_flight else Outcome.IGNORED
        if message.kind is MessageKind.POSTED:
            return _add_new_replies(session, [(message, question_id)], now)[0]
    if message.event_id and not events.mark_processed(session, f"event:{message.event_id}", now=now):
        return Outcome.DUPLICATE
    if message.kind is not MessageKind.DELETED and not _in_time(session, question_id, message):
        return Outcome.CLOSED
    existing = responses.by_message(session, message.channel_id, message.ts)
    if message.kind is MessageKind.CHANGED and text:
        if existing is None:
            responses.add(
                session,
                **_row(message, question_id, text),
                edit_ts=message.edit_ts,
                edited_at=_edit_time(message, now),
            )
            return Outcome.STORED
        if existing.deleted_at is not None or not _is_newer(message.edit_ts, existing.edit_ts):
            return Outcome.STALE
        existing.text = text
        existing.edit_ts = message.edit_ts
        existing.edited_at = _edit_time(message, now)
        session.add(existing)
        return Outcome.UPDATED
    # Deleted, or edited down to nothing.
    if message.kind is MessageKind.CHANGED and existing and not _is_newer(message.edit_ts, existing.edit_ts):
        return Outcome.STALE
    if existing is None:
        tombstone = _row(message, question_id, "") | {"source": ResponseSource.THREAD}
        responses.add(session, **tombstone, deleted_at=now)
        return Outcome.DELETED
    if existing.deleted_at is None:
        existing.deleted_at = now
        existing.text = ""  # the words are gone from everything users see, and from the store
        session.add(existing)
    return Outcome.DELETED


def _row(message: ThreadMessage, question_id: int, text: str) -> dict[str, Any]:
    """The columns of a new response row for a thread message."""
    return {
        "question_id": question_id,
        "user_id": message.user_id or "",
        "text": text,
        "channel_id": message.channel_id,
        "message_ts": message.ts,
        "source": _source(message),
        "created_at": slack_ts_to_datetime(message.ts),
    }


def _in_time(session: Session, question_id: int, message: ThreadMessage) -> bool:
    """A new reply (or an edit of one not yet stored) counts only if posted while the question was open."""
    if message.kind is MessageKind.CHANGED and responses.by_message(session, message.channel_id, message.ts):
        return True  # an edit of an answer already recorded (so given in time) is honoured
    window = questions.answer_windows(session, {question_id}).get(question_id)
    return window is not None and is_open_for_answers(window, slack_ts_to_datetime(message.ts))


def _keep_early(session: Session, message: ThreadMessage, text: str, now: datetime) -> Outcome:
    # The event id is marked now, so a retry is a duplicate whether it comes before or after attaching.
    if message.event_id and not events.mark_processed(session, f"event:{message.event_id}", now=now):
        return Outcome.DUPLICATE
    early = EarlyReply(
        channel_id=message.channel_id,
        thread_ts=message.thread_ts or "",
        kind=message.kind,
        message_ts=message.ts,
        user_id=message.user_id,
        text=text,
        edit_ts=message.edit_ts,
        broadcast=message.broadcast,
        received_at=now,
    )
    early_replies.keep(session, early)
    return Outcome.KEPT


def attach_early(session: Session, channel_id: str, thread_ts: str, *, now: datetime) -> int:
    """Apply the early replies of a question whose ts (`thread_ts`) the caller has just recorded.

    In the recording transaction, so they are applied exactly once; their event ids were marked when
    they were kept. Returns how many were applied.
    """
    deliveries = [
        Delivery(
            ThreadMessage(
                kind=MessageKind(early.kind),
                event_id=None,
                channel_id=early.channel_id,
                ts=early.message_ts,
                thread_ts=early.thread_ts,
                user_id=early.user_id,
                text=early.text,
                edit_ts=early.edit_ts,
                broadcast=early.broadcast,
            ),
            now,
        )
        for early in early_replies.take(session, channel_id, thread_ts)
    ]
    outcomes = apply_deliveries(session, deliveries)
    return sum(outcome is not Outcome.IGNORED for outcome in outcomes)


def forget_early(session: Session, now: datetime) -> int:
    """Delete early replies kept longer than `EARLY_REPLY_KEEP`: their thread never became a question."""
    return early_replies.forget_older_than(session, now - EARLY_REPLY_KEEP)


def _source(message: ThreadMessage) -> ResponseSource:
    if message.backfilled:
        return ResponseSource.BACKFILL
    return ResponseSource.BROADCAST if message.broadcast else ResponseSource.THREAD


def _is_newer(candidate: str | None, current: str | None) -> bool:
    if current is None:
        return True
    if candidate is None:
        return False
    return float(candidate) > float(current)


def _edit_time(message: ThreadMessage, now: datetime) -> datetime:
    return slack_ts_to_datetime(message.edit_ts) if message.edit_ts else now
