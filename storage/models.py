"""SQLModel table models for the whole Roundtable domain.

Times are stored in UTC (`UTCDateTime`); workshop-local times are derived with the workshop's timezone.
Every string column stores clean text (`CleanText`, given to each column as its table is defined).
"""

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, String, Table, Text, UniqueConstraint, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import AutoString
from typing_extensions import override


def utc_now() -> datetime:
    """The one wall clock, for row defaults and the CLI; the bot reads time through `deps.clock` (tests fake it)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, UTC-aware datetimes out, on every backend.

    SQLite hands back naive values even for DateTime(timezone=True), so UTC is re-attached on the way out
    and naive values are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        converted = value.astimezone(UTC)
        return converted.replace(tzinfo=None) if dialect.name == "sqlite" else converted

    @override
    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """`value` with U+0000 and lone surrogates replaced by U+FFFD, the same on every backend.

    PostgreSQL text cannot hold NUL, and neither backend can encode a lone surrogate (which JSON's
    `\\ud800` escapes produce); a paired surrogate is already one code point once decoded.
    """
    return _UNSTORABLE.sub(REPLACEMENT, value) if _UNSTORABLE.search(value) else value


class CleanText(TypeDecorator[str]):
    """A string column (the type it wraps: Text, String(n), AutoString) that stores `clean_text(value)`.

    The DDL and the migration comparison see the wrapped type; only the values bound on the way in change,
    in inserts, updates and comparisons alike.
    """

    # Typed as the base types it: the class is the default, __init__ puts the wrapped instance here.
    impl: TypeEngine[Any] | type[TypeEngine[Any]] = Text
    cache_ok = True

    def __init__(self, wrapped: String) -> None:
        super().__init__()
        self.wrapped = wrapped  # part of the statement cache key
        self.impl = wrapped

    @override
    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value

    @override
    def __repr__(self) -> str:
        return f"CleanText({self.impl!r})"


@event.listens_for(Column, "after_parent_attach")
def _store_clean_text(column: Column[Any], table: Any) -> None:
    """Every string column of every table of the models, including tables added later, is a `CleanText`."""
    if not isinstance(table, Table) or table.metadata is not SQLModel.metadata:
        return
    kind = column.type
    if isinstance(kind, AutoString):  # SQLModel's `str`: a String(n) except on MySQL
        kind = kind.impl_instance
    if isinstance(kind, String):
        column.type = CleanText(kind)


class Phase(StrEnum):
    PRE = "pre"
    LIVE = "live"
    POST = "post"


class PostState(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"  # a scheduler instance is posting it right now
    POSTED = "posted"
    MISSED = "missed"  # the bot was down past the grace period
    FAILED = "failed"  # Slack refused permanently (channel_not_found, ...)


class ResponseSource(StrEnum):
    THREAD = "thread"
    BROADCAST = "broadcast"
    PRIVATE = "private"
    BACKFILL = "backfill"


class PollKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"


class PollState(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    OPEN = "open"
    CLOSED = "closed"
    MISSED = "missed"
    FAILED = "failed"


class PollOrigin(StrEnum):
    FILE = "file"  # a [[polls]] table of the workshop file: reloading the file reconciles it
    ADHOC = "adhoc"  # created in Slack (`/roundtable poll`, the form): reloads never touch it


class RoleName(StrEnum):
    ORGANISER = "organiser"
    CHAIR = "chair"


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Workshop(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(sa_type=String(300))
    description: str = Field(default="", sa_type=Text)
    channel_ref: str = Field(max_length=100)  # as written in the file: an ID or "#name"
    channel_id: str | None = Field(default=None, max_length=32, index=True)  # resolved Slack ID
    timezone: str = Field(sa_type=String(64))
    starts_at: datetime = _time()
    ends_at: datetime = _time()
    chatham_house: bool = True
    nudges_enabled: bool = True
    nudge_hours_before: int = 24  # nudge non-responders this long before a question closes
    invite_channel: bool = False  # invitees are all members of the channel (conversations.members)
    sector_tagging: bool = False  # label contributions by sector in the digest
    sector_min_group: int = 3  # smaller sectors are folded into "other" so no one is identifiable
    # The workshop file's optional [report] table: the organiser's framing of the digest as a report.
    report_intro: str = Field(default="", sa_type=Text)
    report_purpose: str = Field(default="", sa_type=Text)
    report_reported_by: str = Field(default="", sa_type=Text)
    # Organisation names never to appear in a quote (the file's top-level `redact`), as a JSON array.
    redact: list[str] = Field(default_factory=list, sa_type=JSON)
    source_digest: str = Field(default="", max_length=64)  # hash of the loaded definition
    revision: int = 1  # bumped on every change; running schedulers watch it
    active: bool = True  # False after app_uninstalled / the bot token's tokens_revoked
    # Why it is inactive: bot.people.workspace reactivates only what an uninstall or revocation stopped.
    inactive_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = _time(default_factory=utc_now)
    updated_at: datetime = _time(default_factory=utc_now)


class Question(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workshop_id", "position", name="uq_question_position"),
        Index("ix_question_message", "channel_id", "message_ts", unique=True),
        Index("ix_question_due", "state", "post_at"),
        UniqueConstraint("workshop_id", "file_key", name="uq_question_file_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE", index=True)
    position: int
    file_key: str | None = Field(default=None, max_length=64)  # the `id` given in the workshop file
    text: str = Field(sa_type=Text)
    phase: Phase = Field(sa_type=String(8))
    post_at: datetime = _time()
    close_at: datetime | None = _time(default=None)
    state: PostState = Field(default=PostState.SCHEDULED, sa_type=String(16))
    claimed_at: datetime | None = _time(default=None)
    claim_token: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    posted_at: datetime | None = _time(default=None)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=200)
    conclusion: str | None = Field(default=None, sa_type=Text)
    closed_at: datetime | None = _time(default=None)
    # When the message was re-rendered as closed (no controls): claimed before chat.update, so done once.
    closed_shown_at: datetime | None = _time(default=None)


class Response(SQLModel, table=True):
    __table_args__ = (Index("ix_response_message", "channel_id", "message_ts", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", index=True)
    user_id: str = Field(max_length=32, index=True)
    text: str = Field(sa_type=Text)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)  # None for private answers
    source: ResponseSource = Field(default=ResponseSource.THREAD, sa_type=String(16))
    created_at: datetime = _time(default_factory=utc_now)
    edited_at: datetime | None = _time(default=None)
    edit_ts: str | None = Field(default=None, max_length=32)  # Slack's edited.ts; orders out-of-order edits
    deleted_at: datetime | None = _time(default=None)
    # A chair or organiser took it out of the weigh-in deck (off topic); it stays in the transcript.
    excluded_from_deck: bool = False
    # The rapporteur's word: never quoted in the digest (still counted and in the transcript).
    not_for_quotation: bool = False


class EarlyReply(SQLModel, table=True):
    """A thread message that arrived while a question was being posted, before its ts was recorded.

    Kept only in a channel with a question in flight and under a thread the bot started; moved into
    `response` in the transaction that records the question's ts, and deleted after an hour otherwise
    (it holds a person's words and id).
    """

    __table_args__ = (Index("ix_earlyreply_thread", "channel_id", "thread_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    kind: str = Field(sa_type=String(16))  # posted, changed or deleted
    message_ts: str = Field(max_length=32)
    user_id: str | None = Field(default=None, max_length=32)
    text: str = Field(default="", sa_type=Text)  # the answer as it would be stored
    edit_ts: str | None = Field(default=None, max_length=32)
    broadcast: bool = False
    received_at: datetime = _time(default_factory=utc_now, index=True)


class Poll(SQLModel, table=True):
    __table_args__ = (
        Index("ix_poll_message", "channel_id", "message_ts", unique=True),
        Index("ix_poll_due", "state", "open_at"),
        UniqueConstraint("workshop_id", "file_key", name="uq_poll_file_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", ondelete="CASCADE", index=True)
    # Ad hoc unless the workshop file's reconciler made it, so nothing created elsewhere is ever reconciled.
    origin: PollOrigin = Field(default=PollOrigin.ADHOC, sa_type=String(8))
    position: int | None = None  # order within the workshop file; None for ad-hoc polls
    file_key: str | None = Field(default=None, max_length=64)  # the `id` given in the workshop file
    question: str = Field(sa_type=Text)
    kind: PollKind = Field(default=PollKind.SINGLE, sa_type=String(16))
    anonymous: bool = True
    results_hidden: bool = True  # deliberation default: no bandwagon
    invite_reason: bool = False
    pair_key: str | None = Field(default=None, max_length=64)
    phase: Phase | None = Field(default=None, sa_type=String(8))
    state: PollState = Field(default=PollState.OPEN, sa_type=String(16))
    open_at: datetime | None = _time(default=None)
    close_at: datetime | None = _time(default=None)
    created_by: str | None = Field(default=None, max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = _time(default=None)
    claim_token: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=200)
    vote_version: int = 0  # bumped by a close or an erasure; votes leave a PollChange instead
    rendered_version: int = 0  # the vote_version the Slack message last showed
    created_at: datetime = _time(default_factory=utc_now)
    closed_at: datetime | None = _time(default=None)


class PollOption(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("poll_id", "position", name="uq_poll_option_position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE", index=True)
    position: int
    label: str = Field(sa_type=String(200))


class PollChange(SQLModel, table=True):
    """A marker left by a batch of votes that changed a poll: its message needs re-rendering.

    One row per poll per committed batch, inserted without touching the poll row, so votes never lock
    each other out (a version bump would). The message updater deletes exactly the markers it saw before
    reading the counts it draws, so a marker committed later is drawn next time.
    """

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE", index=True)


class Vote(SQLModel, table=True):
    """One chosen option of one voter.

    `voter_key` is the Slack user id for attributed polls and an HMAC of (server secret, poll or pair,
    user) for anonymous ones, so the database alone cannot tell who voted. `slot` is 0 for single-choice
    polls (one vote per voter, enforced by the unique constraint) and the option position otherwise.
    """

    __table_args__ = (
        UniqueConstraint("poll_id", "voter_key", "option_id", name="uq_vote_option"),
        UniqueConstraint("poll_id", "voter_key", "slot", name="uq_vote_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE", index=True)
    option_id: int = Field(foreign_key="polloption.id", ondelete="CASCADE")
    voter_key: str = Field(sa_type=String(64))
    user_id: str | None = Field(default=None, max_length=32)  # attributed polls only
    slot: int = 0
    created_at: datetime = _time(default_factory=utc_now)


class Role(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workshop_id", "user_id", "role", name="uq_role"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE", index=True)
    user_id: str = Field(max_length=32, index=True)
    role: RoleName = Field(sa_type=String(16))


class Invitee(SQLModel, table=True):
    """An invited participant of a workshop, optionally tagged with a sector."""

    __table_args__ = (UniqueConstraint("workshop_id", "user_id", name="uq_invitee"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE", index=True)
    user_id: str = Field(sa_type=String(32))
    sector: str | None = Field(default=None, max_length=64)


class ProcessedEvent(SQLModel, table=True):
    """Keys of Slack deliveries already handled (event ids, interaction ids), for deduplication."""

    key: str = Field(primary_key=True, max_length=128)
    received_at: datetime = _time(default_factory=utc_now, index=True)


class Heartbeat(SQLModel, table=True):
    """Liveness of background loops (the scheduler), readable from any process via the database."""

    name: str = Field(primary_key=True, max_length=64)
    beat_at: datetime = _time(default_factory=utc_now)
    pid: int = 0


class Nudge(SQLModel, table=True):
    """A private reminder sent to one invitee about one question; at most one each, by construction."""

    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_nudge"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", index=True)
    user_id: str = Field(sa_type=String(32))
    sent_at: datetime | None = _time(default=None)  # None while claimed but not yet delivered


class UserPreference(SQLModel, table=True):
    user_id: str = Field(primary_key=True, max_length=32)
    nudges_enabled: bool = True
    updated_at: datetime = _time(default_factory=utc_now)


class PollReason(SQLModel, table=True):
    """A voter's one-line "why", keyed like their vote (a keyed hash for anonymous polls)."""

    __table_args__ = (UniqueConstraint("poll_id", "voter_key", name="uq_poll_reason"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE", index=True)
    voter_key: str = Field(sa_type=String(64))
    user_id: str | None = Field(default=None, max_length=32)  # attributed polls only
    text: str = Field(sa_type=Text)
    created_at: datetime = _time(default_factory=utc_now)


class WeighinVote(SQLModel, table=True):
    """One person's view of one answer in the weigh-in deck: agree (+1), disagree (-1) or pass (0).

    `voter_key` is an HMAC of (server secret, workshop, person), the only link between one person's
    views; there is no user id, no time and no surrogate id (the key is the primary key), so the table
    cannot be lined up with anything that names a person. Skips are not stored.
    """

    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE", index=True)
    response_id: int = Field(foreign_key="response.id", ondelete="CASCADE", primary_key=True)
    voter_key: str = Field(sa_type=String(64), primary_key=True)
    choice: int  # +1 agree, -1 disagree, 0 pass (Pol.is's sign convention)


class Theme(SQLModel, table=True):
    """A curated theme of one question's answers, named by a chair or organiser (bot.curation).

    Ordered by (position, id), so the same edits always give the same report. Its answers are the
    `themeanswer` rows pointing at it; a question's answers in no theme are its "Other points".
    """

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", index=True)
    label: str = Field(sa_type=String(200))
    position: int
    quote_response_id: int | None = Field(default=None, foreign_key="response.id", ondelete="SET NULL")


class ThemeAnswer(SQLModel, table=True):
    """An answer's theme: at most one each (the answer is the key)."""

    response_id: int = Field(foreign_key="response.id", ondelete="CASCADE", primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", ondelete="CASCADE", index=True)


class ThemeCuration(SQLModel, table=True):
    """A question whose themes are curated: its `theme` rows replace the suggested themes in the digest."""

    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", primary_key=True)
    curated_at: datetime = _time(default_factory=utc_now)
