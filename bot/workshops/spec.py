"""The validated form of a workshop file: its limits and keys, the spec dataclasses and WorkshopFileError."""

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from bot.workshops.limits import AGREEMENT_SCALE as AGREEMENT_SCALE  # one scale for file and inline polls
from storage.models import Phase, PollKind

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
CHANNEL = re.compile(r"[CG][A-Z0-9]{2,31}|#[a-z0-9][a-z0-9_-]{0,79}")
MAX_SLUG = 64
MAX_TITLE = 300
MAX_PAIR_KEY = 64
MAX_SECTOR = 64
FILE_KEY = re.compile(r"[a-z0-9-]+")  # the optional `id` of a question or poll
MAX_FILE_KEY = 64

MAX_REPORT_TEXT = 5000  # an introduction or purpose: a few paragraphs
MAX_REPORTED_BY = 300
MAX_REDACT_NAME = 100

TOP_KEYS = ("workshop", "report", "redact", "questions", "polls")
REPORT_KEYS = ("intro", "purpose", "reported_by")
WORKSHOP_KEYS = (
    "slug", "title", "description", "channel", "timezone", "starts", "ends", "chatham_house", "nudges",
    "nudge_hours_before", "organisers", "chairs", "participants", "sectors", "sector_tagging", "sector_min_group",
)  # fmt: skip
QUESTION_KEYS = ("id", "text", "phase", "post_at", "close_at")
POLL_KEYS = (
    "id", "question", "options", "kind", "anonymous", "results", "open_at", "close_at", "pair", "phase", "reason",
)  # fmt: skip
UNRESOLVED = datetime.min.replace(tzinfo=UTC)  # stands in for a time that could not be resolved


class WorkshopFileError(ValueError):
    """A workshop file is unreadable or invalid; `lines` holds one precise message per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    text: str
    phase: Phase
    post_at: datetime
    close_at: datetime | None
    file_key: str | None = None  # the item's `id` in the file: reloads match it by this when given


@dataclass(frozen=True, slots=True)
class PollSpec:
    question: str
    options: tuple[str, ...]
    kind: PollKind
    anonymous: bool
    results_hidden: bool
    open_at: datetime
    close_at: datetime | None
    pair: str | None
    phase: Phase | None
    invite_reason: bool
    file_key: str | None = None  # the item's `id` in the file: reloads match it by this when given


@dataclass(frozen=True, slots=True)
class WorkshopSpec:
    """A validated workshop file; every time is an aware UTC datetime."""

    source: str
    slug: str
    title: str
    description: str
    channel: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    chatham_house: bool
    nudges: bool
    organisers: tuple[str, ...]
    chairs: tuple[str, ...]
    participants: tuple[str, ...]
    invite_channel: bool  # participants = "channel": everyone in the channel is invited
    sectors: tuple[tuple[str, tuple[str, ...]], ...]
    nudge_hours_before: int
    sector_tagging: bool
    sector_min_group: int
    questions: tuple[QuestionSpec, ...]
    polls: tuple[PollSpec, ...]
    report_intro: str = ""  # the optional [report] table: the digest's introduction, purpose and byline
    report_purpose: str = ""
    report_reported_by: str = ""
    redact: tuple[str, ...] = ()  # organisation names never quoted (top-level `redact`)

    @property
    def digest(self) -> str:
        """A hash of the definition itself: comments, layout and the file's path do not count."""
        content = asdict(self)
        del content["source"]
        canonical = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def invitees(self) -> dict[str, str | None]:
        """Invited user id → sector (None for plain participants)."""
        invited: dict[str, str | None] = dict.fromkeys(self.participants)
        for sector, users in self.sectors:
            invited.update(dict.fromkeys(users, sector))
        return invited
