"""Workshop definitions as TOML files: parse and validate them, load them into the database, describe them.

The format is documented in docs/workshop-format.md. Parsing needs neither the database nor the clock;
`load_workshop` adds the one check that does (times in the past) and reconciles the file with what is stored,
never rewriting anything the bot has already posted.
"""

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from bot.schedule import EventClock, ScheduleError, format_local, timezone_named
from storage import workshops as store
from storage.db import Database
from storage.models import Phase, Poll, PollKind, PollState, PostState, Question, RoleName, Workshop

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
CHANNEL = re.compile(r"[CG][A-Z0-9]{2,31}|#[a-z0-9][a-z0-9_-]{0,79}")
MAX_SLUG = 64
MAX_TITLE = 300
MAX_PAIR_KEY = 64
MAX_SECTOR = 64
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_OPTION_LABEL = 75  # Slack's limit for a button's text
DEFAULT_OPTIONS = ("Yes", "No")
AGREEMENT_SCALE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")

TOP_KEYS = ("workshop", "questions", "polls")
WORKSHOP_KEYS = (
    "slug", "title", "description", "channel", "timezone", "starts", "ends", "chatham_house", "nudges",
    "nudge_hours_before", "organisers", "chairs", "participants", "sectors", "sector_tagging", "sector_min_group",
)  # fmt: skip
QUESTION_KEYS = ("text", "phase", "post_at", "close_at")
POLL_KEYS = (
    "question", "options", "kind", "anonymous", "results", "open_at", "close_at", "pair", "phase", "reason",
)  # fmt: skip
_UNRESOLVED = datetime.min.replace(tzinfo=UTC)  # stands in for a time that could not be resolved
_TOML_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")


class WorkshopFileError(ValueError):
    """A workshop file is unreadable or invalid; `lines` holds one precise message per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class WorkshopNotFound(LookupError):
    """No workshop has the requested slug."""


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    text: str
    phase: Phase
    post_at: datetime
    close_at: datetime | None


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


# --- parsing -------------------------------------------------------------------------------------------

E = TypeVar("E", bound=StrEnum)


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{self.source}: {path}: {message}")


def _toml_type(value: object) -> str:
    names = {bool: "a boolean", str: "a string", int: "an integer", float: "a float", list: "an array",
             dict: "a table", datetime: "a date-time"}  # fmt: skip
    return names.get(type(value), "a date or time")


class _Table:
    """One TOML table being read: typed getters that record a precise problem instead of raising."""

    def __init__(self, data: dict[str, Any], path: str, keys: tuple[str, ...], problems: _Problems) -> None:
        self.data, self.path, self.problems = data, path, problems
        for key in data:
            if key not in keys:
                close = [k for k in keys if _similar(k, key)]
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                problems.add(self.at(key), f"unknown key{hint}")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> None:
        self.problems.add(self.at(key), message)

    def get(self, key: str, kind: type, expected: str, *, required: bool) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "missing required key")
            return None
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"expected {expected}, got {_toml_type(value)}")
            return None
        return value

    def text(self, key: str, *, required: bool = True, limit: int | None = None) -> str:
        value: str | None = self.get(key, str, "a string", required=required)
        if value is None:
            return ""
        value = value.strip()
        if not value and required:
            self.fail(key, "must not be empty")
        elif limit is not None and len(value) > limit:
            self.fail(key, f"is {len(value)} characters; at most {limit} allowed")
        return value

    def whole(self, key: str, default: int, *, low: int, high: int) -> int:
        value: int | None = self.get(key, int, "a whole number", required=False)
        if value is None:
            return default
        if not low <= value <= high:
            self.fail(key, f"must be between {low} and {high}, got {value}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value: bool | None = self.get(key, bool, "true or false", required=False)
        return default if value is None else value

    def choice(self, key: str, enum: type[E], default: E | None, *, required: bool = False) -> E | None:
        value: str | None = self.get(key, str, "a string", required=required)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            choices = [member.value for member in enum]
            self.fail(key, f'unknown {key} "{value}" (use {", ".join(choices[:-1])} or {choices[-1]})')
            return default

    def strings(self, key: str, *, required: bool = False) -> tuple[str, ...] | None:
        value: list[Any] | None = self.get(key, list, "an array of strings", required=required)
        if value is None:
            return None
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{key}[{index}]", f"expected a string, got {_toml_type(item)}")
        return tuple(item.strip() for item in value if isinstance(item, str))

    def users(self, key: str, values: tuple[str, ...] | None) -> tuple[str, ...]:
        for index, user in enumerate(values or ()):
            if not USER_ID.fullmatch(user):
                self.fail(
                    f"{key}[{index}]",
                    f'"{user}" is not a Slack user id (U or W then capitals and digits, e.g. "U0123ABCD")',
                )
            elif user in (values or ())[:index]:
                self.fail(f"{key}[{index}]", f'duplicate user id "{user}"')
        return values or ()

    def time(self, key: str, clock: EventClock | None, *, required: bool = True) -> datetime | None:
        if key not in self.data:
            if required:
                self.fail(key, "missing required key")
            return None
        if clock is None:  # the workshop's timezone or event times are wrong, reported already
            return _UNRESOLVED
        try:
            return clock.resolve(self.data[key])
        except ScheduleError as exc:
            self.fail(key, str(exc))
            return _UNRESOLVED


def _similar(a: str, b: str) -> bool:
    # Typo protection: same first word ("post_time" → "post_at") or a one-letter slip ("phse" → "phase").
    return a.split("_")[0] == b.split("_")[0] or (abs(len(a) - len(b)) <= 1 and len(set(a) ^ set(b)) <= 2)


def parse_workshop_file(path: Path) -> WorkshopSpec:
    """Read and validate a workshop file; WorkshopFileError lists every problem found."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise WorkshopFileError([f"{path}: cannot read file: {reason}"]) from None
    return parse_workshop_text(text, source=str(path))


def parse_workshop_text(text: str, *, source: str = "<workshop>") -> WorkshopSpec:
    """Validate workshop TOML given as text; `source` names it in error messages."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.fullmatch(str(exc))
        where = f"line {found['line']}, column {found['column']}" if found else "document"
        raise WorkshopFileError(
            [f"{source}: {where}: invalid TOML: {found['message'] if found else exc}"]
        ) from None
    problems = _Problems(source)
    top = _Table(document, "", TOP_KEYS, problems)
    workshop: dict[str, Any] | None = top.get("workshop", dict, "a table ([workshop])", required=True)
    # Without a [workshop] table its keys are not reported one by one: the one line above says it all.
    sink = problems if workshop is not None else _Problems(source)
    fields, clock = _parse_workshop_table(_Table(workshop or {}, "workshop", WORKSHOP_KEYS, sink), workshop)
    questions = tuple(_parse_question(table, clock) for table in _array_of_tables(top, "questions"))
    polls = tuple(_parse_poll(table, clock) for table in _array_of_tables(top, "polls"))
    _check_questions(questions, problems)
    _check_polls(polls, problems)
    if problems.lines:
        raise WorkshopFileError(problems.lines)
    return WorkshopSpec(source=source, questions=questions, polls=polls, **fields)


def _array_of_tables(top: _Table, key: str) -> list[_Table]:
    items: list[Any] = top.get(key, list, f"an array of tables ([[{key}]])", required=False) or []
    keys = QUESTION_KEYS if key == "questions" else POLL_KEYS
    tables = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            tables.append(_Table(item, f"{key}[{index}]", keys, top.problems))
        else:
            top.fail(f"{key}[{index}]", f"expected a table, got {_toml_type(item)}")
    return tables


def _parse_workshop_table(table: _Table, present: object) -> tuple[dict[str, Any], EventClock | None]:
    slug = table.text("slug")
    if slug and (len(slug) > MAX_SLUG or not SLUG.fullmatch(slug)):
        table.fail(
            "slug",
            f'"{slug}" is not a valid slug (lowercase letters, digits and single hyphens, at most {MAX_SLUG})',
        )
    channel = table.text("channel")
    if channel and not CHANNEL.fullmatch(channel):
        table.fail(
            "channel",
            f'"{channel}" is not a channel (a Slack id like "C0123ABCD" or a name like "#my-channel")',
        )
    clock = _event_clock(table) if present is not None else None
    participants: Any = table.data.get("participants")
    invite_channel = participants == "channel"
    if invite_channel or isinstance(participants, str):
        if not invite_channel:
            table.fail("participants", f'expected an array of user ids or "channel", got "{participants}"')
        participants = ()
    else:
        participants = table.users("participants", table.strings("participants"))
    fields = {
        "slug": slug,
        "title": table.text("title", limit=MAX_TITLE),
        "description": _reflow(table.text("description", required=False)),
        "channel": channel,
        "timezone": str(clock.tz) if clock else "",
        "starts_at": clock.starts if clock else _UNRESOLVED,
        "ends_at": clock.ends if clock else _UNRESOLVED,
        "chatham_house": table.flag("chatham_house", True),
        "nudges": table.flag("nudges", True),
        "organisers": table.users("organisers", table.strings("organisers", required=True)),
        "chairs": table.users("chairs", table.strings("chairs")),
        "participants": participants,
        "invite_channel": invite_channel,
        "sectors": _parse_sectors(table),
        "nudge_hours_before": table.whole("nudge_hours_before", 24, low=1, high=24 * 14),
        "sector_tagging": table.flag("sector_tagging", False),
        "sector_min_group": table.whole("sector_min_group", 3, low=2, high=100),
    }
    return fields, clock


def _event_clock(table: _Table) -> EventClock | None:
    name = table.text("timezone")
    starts: datetime | None = table.get(
        "starts", datetime, "a local date-time like 2017-05-15T14:00:00", required=True
    )
    ends: datetime | None = table.get(
        "ends", datetime, "a local date-time like 2017-05-15T17:00:00", required=True
    )
    try:
        tz = timezone_named(name) if name else None
    except ScheduleError as exc:
        table.fail("timezone", str(exc))
        return None
    if tz is None or starts is None or ends is None:
        return None
    frame = EventClock(tz, _UNRESOLVED, _UNRESOLVED)  # only its timezone is used for date-times
    resolved: dict[str, datetime] = {}
    for key, value in (("starts", starts), ("ends", ends)):
        try:
            resolved[key] = frame.resolve(value)
        except ScheduleError as exc:
            table.fail(key, str(exc))
    if len(resolved) < 2:
        return None
    clock = EventClock(tz, resolved["starts"], resolved["ends"])
    if clock.ends <= clock.starts:
        table.fail(
            "ends", f"{format_local(clock.ends, tz)} is not after starts ({format_local(clock.starts, tz)})"
        )
        return None
    return clock


def _parse_sectors(table: _Table) -> tuple[tuple[str, tuple[str, ...]], ...]:
    found: dict[str, Any] = table.get("sectors", dict, "a table of sector = [user ids]", required=False) or {}
    sectors = _Table(found, table.at("sectors"), tuple(found), table.problems)
    parsed: list[tuple[str, tuple[str, ...]]] = []
    seen: dict[str, str] = {}
    for name in found:
        if not name.strip() or len(name) > MAX_SECTOR:
            sectors.fail(name, f"a sector name must be 1 to {MAX_SECTOR} characters")
        members = sectors.users(name, sectors.strings(name))
        for index, user in enumerate(members):
            if user in seen:
                sectors.fail(f"{name}[{index}]", f'"{user}" is already in sector "{seen[user]}"')
            seen.setdefault(user, name)
        parsed.append((name, members))
    return tuple(parsed)


def _parse_question(table: _Table, clock: EventClock | None) -> QuestionSpec:
    post_at = table.time("post_at", clock)
    close_at = table.time("close_at", clock, required=False)
    _check_order(table, "post_at", post_at, close_at, clock)
    return QuestionSpec(
        text=table.text("text"),
        phase=table.choice("phase", Phase, None, required=True) or Phase.PRE,
        post_at=post_at or _UNRESOLVED,
        close_at=close_at,
    )


def _parse_poll(table: _Table, clock: EventClock | None) -> PollSpec:
    kind = table.choice("kind", PollKind, PollKind.SINGLE) or PollKind.SINGLE
    results = table.get("results", str, "a string", required=False) or "hidden"
    if results not in ("hidden", "live"):
        table.fail("results", f'unknown results setting "{results}" (use hidden or live)')
    open_at = table.time("open_at", clock)
    close_at = table.time("close_at", clock, required=False)
    _check_order(table, "open_at", open_at, close_at, clock)
    pair = table.text("pair", required=False, limit=MAX_PAIR_KEY) or None
    phase = table.choice("phase", Phase, None)
    if pair and "phase" not in table.data:
        table.fail("phase", "missing required key (a poll with a pair needs a phase)")
    return PollSpec(
        question=table.text("question"),
        options=_parse_options(table, kind),
        kind=kind,
        anonymous=table.flag("anonymous", True),
        results_hidden=results != "live",
        open_at=open_at or _UNRESOLVED,
        close_at=close_at,
        pair=pair,
        phase=phase,
        invite_reason=table.flag("reason", False),
    )


def _parse_options(table: _Table, kind: PollKind) -> tuple[str, ...]:
    options = table.strings("options")
    if options is None:
        return AGREEMENT_SCALE if kind is PollKind.SCALE else DEFAULT_OPTIONS
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        table.fail("options", f"{len(options)} given; a poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options")
    seen: set[str] = set()
    for index, label in enumerate(options):
        if not label:
            table.fail(f"options[{index}]", "must not be empty")
        elif len(label) > MAX_OPTION_LABEL:
            table.fail(
                f"options[{index}]",
                f"is {len(label)} characters; Slack buttons allow at most {MAX_OPTION_LABEL}",
            )
        elif label.casefold() in seen:
            table.fail(f"options[{index}]", f'duplicate option "{label}"')
        seen.add(label.casefold())
    return options


def _check_order(
    table: _Table, start_key: str, start: datetime | None, close: datetime | None, clock: EventClock | None
) -> None:
    if clock and start and close and start is not _UNRESOLVED and close is not _UNRESOLVED and close <= start:
        table.fail(
            "close_at",
            f"{format_local(close, clock.tz)} is not after {start_key} ({format_local(start, clock.tz)})",
        )


def _check_questions(questions: tuple[QuestionSpec, ...], problems: _Problems) -> None:
    first: dict[str, int] = {}
    for index, question in enumerate(questions):
        key = " ".join(question.text.casefold().split())
        if key and key in first:
            problems.add(f"questions[{index}].text", f"same text as questions[{first[key]}]")
        first.setdefault(key, index)


def _check_polls(polls: tuple[PollSpec, ...], problems: _Problems) -> None:
    first: dict[tuple[str, Phase | None], int] = {}
    pairs: dict[str, dict[Phase, int]] = {}
    for index, poll in enumerate(polls):
        key = (" ".join(poll.question.casefold().split()), poll.phase)
        if key[0] and key in first:
            problems.add(f"polls[{index}].question", f"same question and phase as polls[{first[key]}]")
        first.setdefault(key, index)
        if poll.pair is None or poll.phase is None:
            continue
        members = pairs.setdefault(poll.pair, {})
        if poll.phase in members:
            problems.add(
                f"polls[{index}].pair",
                f'pair "{poll.pair}" already has a {poll.phase} poll (polls[{members[poll.phase]}])',
            )
            continue
        if members:
            other = next(iter(members.values()))
            for name, mine, theirs in (
                ("kind", poll.kind, polls[other].kind),
                ("options", poll.options, polls[other].options),
            ):
                if mine != theirs:
                    problems.add(
                        f"polls[{index}].{name}",
                        f'must match polls[{other}] in pair "{poll.pair}" ({_show(theirs)})',
                    )
        members[poll.phase] = index


def _show(value: object) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


# --- loading -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadReport:
    slug: str
    revision: int
    created: bool
    changed: bool
    warnings: list[str]
    summary: str


@dataclass(frozen=True, slots=True)
class WorkshopSummary:
    slug: str
    title: str
    channel: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    revision: int
    active: bool

    def __str__(self) -> str:
        when = format_local(self.starts_at, self.timezone)
        status = "" if self.active else ", inactive"
        return f"{self.slug}  {when}  {self.channel}  {self.title} (revision {self.revision}{status})"


Row = TypeVar("Row", Question, Poll)
Item = TypeVar("Item", QuestionSpec, PollSpec)


class _Outcome:
    """What a load did so far: counts per kind, warnings, and problems that abort it."""

    def __init__(self, spec: WorkshopSpec, now: datetime, allow_past: bool) -> None:
        self.spec, self.now, self.allow_past = spec, now, allow_past
        self.tz = timezone_named(spec.timezone)
        self.problems = _Problems(spec.source)
        self.warnings: list[str] = []
        self.events: list[str] = []

    def when(self, moment: datetime) -> str:
        return format_local(moment, self.tz)


_QUESTION_STATUS: dict[str, str] = {
    PostState.CLAIMED: "is being posted right now",
    PostState.MISSED: "was missed (never posted)",
    PostState.FAILED: "failed to post",
}
_POLL_STATUS: dict[str, str] = {
    PollState.CLAIMED: "is being opened right now",
    PollState.OPEN: "is already open",
    PollState.CLOSED: "has already run",
    PollState.MISSED: "was missed (never opened)",
    PollState.FAILED: "failed to open",
}


class _Reconciler(Generic[Row, Item]):
    """Makes the stored rows of one kind match the file, leaving anything no longer scheduled untouched."""

    noun = ""
    path = ""
    start_key = ""

    def __init__(self, session: Session, workshop_id: int, outcome: _Outcome) -> None:
        self.session, self.workshop_id, self.outcome = session, workshop_id, outcome

    def stored(self) -> list[Row]:
        raise NotImplementedError

    def key(self, thing: Row | Item) -> tuple[str, str | None]:
        raise NotImplementedError

    def editable(self, row: Row) -> bool:
        raise NotImplementedError

    def status(self, row: Row) -> str:
        raise NotImplementedError

    def differences(self, row: Row, item: Item) -> list[str]:
        raise NotImplementedError

    def start(self, thing: Row | Item) -> datetime | None:
        raise NotImplementedError

    def write(self, row: Row | None, item: Item, position: int, missed: bool) -> None:
        raise NotImplementedError

    def delete(self, row: Row) -> None:
        raise NotImplementedError

    def name(self, number: int, thing: Row | Item) -> str:
        text = self.key(thing)[0]
        return f'{self.noun} {number} ("{text if len(text) <= 50 else text[:49] + "…"}")'

    def run(self, items: tuple[Item, ...]) -> None:
        rows = self.stored()
        matches = _match(
            [self.key(item) for item in items],
            [self.key(row) for row in rows],
            [row.position for row in rows],
        )
        leftovers = [row for index, row in enumerate(rows) if index not in matches]
        kept = [row for row in leftovers if not self.editable(row)]
        for row in leftovers:
            if self.editable(row):
                self.delete(row)
                self.outcome.events.append(f"{self.noun} removed")
            else:
                self.outcome.warnings.append(
                    f"{self.name((row.position or 0) + 1, row)} {self.status(row)}; it is no longer in the file but was kept"
                )
        self.session.flush()  # deletes first, so their positions are free for the renumbering
        placed = [(rows[match], index) for index, match in enumerate(matches) if match is not None]
        placed += [(row, len(items) + offset) for offset, row in enumerate(kept)]
        if store.renumber(self.session, placed):
            self.outcome.events.append("order changed")
        for index, (item, match) in enumerate(zip(items, matches, strict=True)):
            self._apply(index, item, None if match is None else rows[match])

    def _apply(self, index: int, item: Item, row: Row | None) -> None:
        name = self.name(index + 1, item)
        if row is not None:
            differences = self.differences(row, item)
            if not differences:
                return
            if not self.editable(row):
                # Named as stored, because that is the version people have seen in Slack.
                verb = "were" if len(differences) > 1 or differences[0].endswith("s") else "was"
                self.outcome.warnings.append(
                    f"{self.name(index + 1, row)} {self.status(row)}; "
                    f"its {_join(differences)} in the file {verb} not applied"
                )
                return
        start = self.start(item)
        assert start is not None
        missed = False
        if (row is None or self.start(row) != start) and start < self.outcome.now:
            if not self.outcome.allow_past:
                self.outcome.problems.add(
                    f"{self.path}[{index}].{self.start_key}",
                    f"{self.outcome.when(start)} is in the past; load with --allow-past to record it as missed",
                )
                return
            missed = True
            self.outcome.warnings.append(
                f"{name} is in the past ({self.outcome.when(start)}); recorded as missed"
            )
        self.write(row, item, index, missed)
        self.outcome.events.append(f"{self.noun} {'added' if row is None else 'updated'}")


def _match(item_keys: list[Any], row_keys: list[Any], row_positions: list[int | None]) -> list[int | None]:
    """Pair file items with stored rows: same text first, then same position; None means a new row."""
    matches: list[int | None] = [None] * len(item_keys)
    for index, key in enumerate(item_keys):
        matches[index] = next((r for r, k in enumerate(row_keys) if k == key and r not in matches), None)
    for index in range(len(item_keys)):
        if matches[index] is None:
            matches[index] = next(
                (r for r, p in enumerate(row_positions) if p == index and r not in matches), None
            )
    return matches


class _Questions(_Reconciler[Question, QuestionSpec]):
    noun, path, start_key = "question", "questions", "post_at"

    def stored(self) -> list[Question]:
        return store.questions_for_workshop(self.session, self.workshop_id)

    def key(self, thing: Question | QuestionSpec) -> tuple[str, str | None]:
        return (thing.text, None)

    def editable(self, row: Question) -> bool:
        # Missed and failed questions never reached the channel: a new time in the file reschedules them.
        return row.state in (PostState.SCHEDULED, PostState.MISSED, PostState.FAILED)

    def status(self, row: Question) -> str:
        if row.state == PostState.POSTED:
            return f"was already posted on {self.outcome.when(row.posted_at or row.post_at)}"
        return _QUESTION_STATUS.get(row.state, f"is {row.state}")

    def differences(self, row: Question, item: QuestionSpec) -> list[str]:
        pairs = {"text": (row.text, item.text), "phase": (row.phase, item.phase),
                 "time": (row.post_at, item.post_at), "close time": (row.close_at, item.close_at)}  # fmt: skip
        return [name for name, (stored, wanted) in pairs.items() if stored != wanted]

    def start(self, thing: Question | QuestionSpec) -> datetime | None:
        return thing.post_at

    def write(self, row: Question | None, item: QuestionSpec, position: int, missed: bool) -> None:
        if row is None:
            row = store.add_question(
                self.session, Question(workshop_id=self.workshop_id, position=position, **asdict(item))
            )
        else:
            row.text, row.phase, row.post_at, row.close_at = (
                item.text,
                item.phase,
                item.post_at,
                item.close_at,
            )
        if missed:
            row.state = PostState.MISSED
        elif row.state != PostState.SCHEDULED:
            row.state, row.error, row.attempts = PostState.SCHEDULED, None, 0

    def delete(self, row: Question) -> None:
        store.delete_question(self.session, row)


class _Polls(_Reconciler[Poll, PollSpec]):
    noun, path, start_key = "poll", "polls", "open_at"
    labels: dict[int, list[str]]  # option labels of the stored polls, filled by stored()

    def stored(self) -> list[Poll]:
        polls = store.polls_for_workshop(self.session, self.workshop_id)
        self.labels = store.option_labels(self.session, [poll.id for poll in polls if poll.id is not None])
        return polls

    def key(self, thing: Poll | PollSpec) -> tuple[str, str | None]:
        return (thing.question, thing.phase)

    def editable(self, row: Poll) -> bool:
        return row.state in (PollState.SCHEDULED, PollState.MISSED, PollState.FAILED)

    def status(self, row: Poll) -> str:
        return _POLL_STATUS.get(row.state, f"is {row.state}")

    def differences(self, row: Poll, item: PollSpec) -> list[str]:
        assert row.id is not None
        pairs = {"question": (row.question, item.question), "options": (tuple(self.labels[row.id]), item.options),
                 "kind": (row.kind, item.kind), "anonymity": (row.anonymous, item.anonymous),
                 "results setting": (row.results_hidden, item.results_hidden), "pair": (row.pair_key, item.pair),
                 "phase": (row.phase, item.phase), "reason setting": (row.invite_reason, item.invite_reason),
                 "time": (row.open_at, item.open_at), "close time": (row.close_at, item.close_at)}  # fmt: skip
        return [name for name, (stored, wanted) in pairs.items() if stored != wanted]

    def start(self, thing: Poll | PollSpec) -> datetime | None:
        return thing.open_at

    def write(self, row: Poll | None, item: PollSpec, position: int, missed: bool) -> None:
        values: dict[str, Any] = {"question": item.question, "kind": item.kind, "anonymous": item.anonymous,
                  "results_hidden": item.results_hidden, "invite_reason": item.invite_reason, "pair_key": item.pair,
                  "phase": item.phase, "open_at": item.open_at, "close_at": item.close_at}  # fmt: skip
        state = PollState.MISSED if missed else PollState.SCHEDULED
        if row is None:
            poll = Poll(
                workshop_id=self.workshop_id,
                position=position,
                state=state,
                created_at=self.outcome.now,
                **values,
            )
            store.add_poll(self.session, poll, item.options)
            return
        for field, value in values.items():
            setattr(row, field, value)
        if row.state != state:
            row.state, row.error = state, None
        if tuple(self.labels.get(row.id or 0, ())) != item.options:
            store.replace_poll_options(self.session, row, item.options)

    def delete(self, row: Poll) -> None:
        store.delete_poll(self.session, row)


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a TOML multi-line string into paragraphs (blank lines separate them)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs if paragraph.strip())


def _workshop_values(spec: WorkshopSpec) -> dict[str, Any]:
    return {"title": spec.title, "description": spec.description, "channel_ref": spec.channel,
            "timezone": spec.timezone, "starts_at": spec.starts_at, "ends_at": spec.ends_at,
            "chatham_house": spec.chatham_house, "nudges_enabled": spec.nudges,
            "nudge_hours_before": spec.nudge_hours_before, "invite_channel": spec.invite_channel,
            "sector_tagging": spec.sector_tagging, "sector_min_group": spec.sector_min_group}  # fmt: skip


def _sync_workshop(session: Session, spec: WorkshopSpec, now: datetime) -> tuple[Workshop, bool, bool]:
    """The workshop row for `spec`, created or brought up to date, plus (created, details changed)."""
    workshop = store.get_by_slug(session, spec.slug)
    channel_id = None if spec.channel.startswith("#") else spec.channel
    if workshop is None:
        workshop = Workshop(
            slug=spec.slug, channel_id=channel_id, created_at=now, updated_at=now, **_workshop_values(spec)
        )
        return store.add_workshop(session, workshop), True, True
    if workshop.channel_ref != spec.channel:
        workshop.channel_id = channel_id  # a "#name" is resolved to an id later, by the bot
    changed = False
    for field, value in _workshop_values(spec).items():
        if getattr(workshop, field) != value:
            setattr(workshop, field, value)
            changed = True
    return workshop, False, changed


def load_workshop(db: Database, spec: WorkshopSpec, *, now: datetime, allow_past: bool = False) -> LoadReport:
    """Create or update the workshop `spec.slug` so it matches the file; loading the same file again changes nothing.

    Times in the past are refused (WorkshopFileError) for items this load would schedule, unless `allow_past`,
    which records them as missed instead. Items already posted or opened are never rewritten: the report warns.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    outcome = _Outcome(spec, now, allow_past)
    with db.transaction() as session:
        workshop, created, details_changed = _sync_workshop(session, spec, now)
        if details_changed and not created:
            outcome.events.append("details updated")
        assert workshop.id is not None
        _Questions(session, workshop.id, outcome).run(spec.questions)
        _Polls(session, workshop.id, outcome).run(spec.polls)
        if outcome.problems.lines:
            raise WorkshopFileError(outcome.problems.lines)  # rolls the whole load back
        roles = {(user, RoleName.ORGANISER) for user in spec.organisers} | {
            (user, RoleName.CHAIR) for user in spec.chairs
        }
        if store.replace_roles(session, workshop.id, roles):
            outcome.events.append("roles updated")
        if store.replace_invitees(session, workshop.id, spec.invitees):
            outcome.events.append("invitees updated")
        changed = created or bool(outcome.events)
        if changed and not created:
            workshop.revision += 1
            workshop.updated_at = now
        workshop.source_digest = spec.digest
        revision = workshop.revision
    return LoadReport(
        spec.slug, revision, created, changed, outcome.warnings, _summary(spec, revision, created, outcome)
    )


def _summary(spec: WorkshopSpec, revision: int, created: bool, outcome: _Outcome) -> str:
    if created:
        text = f"Created workshop {spec.slug}: {_count(len(spec.questions), 'question')}, {_count(len(spec.polls), 'poll')}."
    elif outcome.events:
        tally = {event: outcome.events.count(event) for event in outcome.events}
        parts = [_event_phrase(event, count) for event, count in tally.items()]
        text = f"Updated workshop {spec.slug} to revision {revision}: {', '.join(parts)}."
    else:
        text = f"Workshop {spec.slug} is unchanged (revision {revision})."
    if outcome.warnings:
        text += f" {_count(len(outcome.warnings), 'warning')}."
    return text


def _event_phrase(event: str, count: int) -> str:
    noun, _, action = event.partition(" ")
    return f"{_count(count, noun)} {action}" if noun in ("question", "poll") else event


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# --- reading -------------------------------------------------------------------------------------------


def list_workshops(db: Database) -> list[WorkshopSummary]:
    """Every stored workshop, soonest event first, as plain data."""
    with db.reading() as session:
        return [
            WorkshopSummary(
                w.slug, w.title, w.channel_ref, w.timezone, w.starts_at, w.ends_at, w.revision, w.active
            )
            for w in store.list_all(session)
        ]


def describe_workshop(db: Database, slug: str) -> str:
    """A readable account of a stored workshop: its settings, people and schedule in its own timezone."""
    with db.reading() as session:
        workshop = store.get_by_slug(session, slug)
        if workshop is None or workshop.id is None:
            known = ", ".join(w.slug for w in store.list_all(session)) or "none loaded yet"
            raise WorkshopNotFound(f'no workshop with slug "{slug}" (known: {known})')
        lines = _describe_header(session, workshop)
        lines += ["", f"Schedule (times in {workshop.timezone}):"]
        lines += _describe_schedule(session, workshop)
    return "\n".join(lines)


def _describe_header(session: Session, workshop: Workshop) -> list[str]:
    assert workshop.id is not None
    tz = timezone_named(workshop.timezone)
    roles = store.roles_for_workshop(session, workshop.id)
    sectors: dict[str, list[str]] = {}
    for invitee in store.invitees_for_workshop(session, workshop.id):
        sectors.setdefault(invitee.sector or "no sector", []).append(invitee.user_id)
    channel = workshop.channel_ref
    if workshop.channel_id and workshop.channel_id != channel:
        channel += f" ({workshop.channel_id})"
    lines = [
        workshop.title,
        f"  slug:           {workshop.slug} (revision {workshop.revision}{'' if workshop.active else ', inactive'})",
        f"  channel:        {channel}",
        f"  timezone:       {workshop.timezone}",
        f"  event:          {format_local(workshop.starts_at, tz)} to {format_local(workshop.ends_at, tz)}",
        f"  Chatham House:  {'on' if workshop.chatham_house else 'off'}",
        f"  nudges:         {'on' if workshop.nudges_enabled else 'off'}",
    ]
    for role in (RoleName.ORGANISER, RoleName.CHAIR):
        users = [r.user_id for r in roles if r.role == role]
        lines.append(f"  {role.value + 's:':<15} {', '.join(users) or '(none)'}")
    invited = "; ".join(f"{sector}: {', '.join(users)}" for sector, users in sorted(sectors.items()))
    lines.append(f"  invitees:       {invited or '(none listed)'}")
    if workshop.description:
        lines += ["", workshop.description]
    return lines


def _describe_schedule(session: Session, workshop: Workshop) -> list[str]:
    assert workshop.id is not None
    tz = timezone_named(workshop.timezone)
    entries: list[tuple[datetime, int, list[str]]] = []
    for question in store.questions_for_workshop(session, workshop.id):
        notes: list[str] = [question.phase, question.state]
        if question.close_at:
            notes.append(f"closes {format_local(question.close_at, tz)}")
        heading = (
            f"{format_local(question.post_at, tz)}  question {question.position + 1} [{', '.join(notes)}]"
        )
        entries.append((question.post_at, 0, [heading, f"      {question.text}"]))
    polls = store.polls_for_workshop(session, workshop.id)
    labels = store.option_labels(session, [poll.id for poll in polls if poll.id is not None])
    for number, poll in enumerate(polls, start=1):
        notes = [poll.phase or "no phase", poll.state]
        if poll.pair_key:
            notes.insert(1, f'pair "{poll.pair_key}"')
        if poll.close_at:
            notes.append(f"closes {format_local(poll.close_at, tz)}")
        settings = [f"{poll.kind} choice" if poll.kind != PollKind.SCALE else "scale",
                    "anonymous" if poll.anonymous else "attributed",
                    "results hidden" if poll.results_hidden else "live results"]  # fmt: skip
        opens = poll.open_at or poll.created_at
        heading = f"{format_local(opens, tz)}  poll {number} [{', '.join(notes)}]"
        options = " / ".join(labels[poll.id or 0])
        entries.append(
            (opens, 1, [heading, f"      {poll.question}", f"      {options} ({', '.join(settings)})"])
        )
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return [f"  {line}" for _, _, block in entries for line in block] or ["  (nothing scheduled)"]
