"""Parsing and validating workshop TOML files into a WorkshopSpec, reporting every problem found."""

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.workshops.limits import Problem, poll_problems, question_problems
from bot.workshops.schedule import EventClock, ScheduleError, format_local, timezone_named
from bot.workshops.spec import (
    CHANNEL,
    FILE_KEY,
    MAX_FILE_KEY,
    MAX_PAIR_KEY,
    MAX_REDACT_NAME,
    MAX_REPORT_TEXT,
    MAX_REPORTED_BY,
    MAX_SECTOR,
    MAX_SLUG,
    MAX_TITLE,
    POLL_KEYS,
    QUESTION_KEYS,
    REPORT_KEYS,
    SLUG,
    TOP_KEYS,
    UNRESOLVED,
    WORKSHOP_KEYS,
    PollSpec,
    QuestionSpec,
    WorkshopFileError,
    WorkshopSpec,
)
from bot.workshops.table import Problems, Table, toml_type
from storage.models import Phase, PollKind, clean_text

_TOML_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")


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
        document = _as_stored(tomllib.loads(text))
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise WorkshopFileError(
            [f"{source}: document: invalid TOML: arrays or tables nested too deeply"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.fullmatch(str(exc))
        where = f"line {found['line']}, column {found['column']}" if found else "document"
        raise WorkshopFileError(
            [f"{source}: {where}: invalid TOML: {found['message'] if found else exc}"]
        ) from None
    problems = Problems(source)
    top = Table(document, "", TOP_KEYS, problems)
    workshop: dict[str, Any] | None = top.get("workshop", dict, "a table ([workshop])", required=True)
    # Without a [workshop] table its keys are not reported one by one: the one line above says it all.
    sink = problems if workshop is not None else Problems(source)
    misplaced = {"redact": "redact is a top-level key: put it above [workshop]"}
    fields, clock = _parse_workshop_table(
        Table(workshop or {}, "workshop", WORKSHOP_KEYS, sink, misplaced), workshop
    )
    report = _parse_report(top)
    redact = _parse_redact(top)
    questions = tuple(_parse_question(table, clock) for table in _array_of_tables(top, "questions"))
    polls = tuple(_parse_poll(table, clock) for table in _array_of_tables(top, "polls"))
    _check_questions(questions, problems)
    _check_polls(polls, problems)
    _check_file_keys(questions, polls, problems)
    if problems.lines:
        raise WorkshopFileError(problems.lines)
    return WorkshopSpec(source=source, questions=questions, polls=polls, redact=redact, **report, **fields)


def _as_stored(document: dict[str, Any]) -> dict[str, Any]:
    """Every string as the database will store it (`clean_text`), so reloading the file compares equal."""
    pending: list[dict[str, Any] | list[Any]] = [document]  # a loop, not recursion: nesting can be deep
    while pending:
        node = pending.pop()
        keys: list[Any] = list(node.keys() if isinstance(node, dict) else range(len(node)))  # str or int
        for key in keys:
            value = node[key]
            if isinstance(value, str):
                node[key] = clean_text(value)
            elif isinstance(value, dict | list):
                pending.append(value)
    return document


def _array_of_tables(top: Table, key: str) -> list[Table]:
    items: list[Any] = top.get(key, list, f"an array of tables ([[{key}]])", required=False) or []
    keys = QUESTION_KEYS if key == "questions" else POLL_KEYS
    tables = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            tables.append(Table(item, f"{key}[{index}]", keys, top.problems))
        else:
            top.fail(f"{key}[{index}]", f"expected a table, got {toml_type(item)}")
    return tables


def _parse_workshop_table(table: Table, present: object) -> tuple[dict[str, Any], EventClock | None]:
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
        "starts_at": clock.starts if clock else UNRESOLVED,
        "ends_at": clock.ends if clock else UNRESOLVED,
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


def _parse_report(top: Table) -> dict[str, Any]:
    """The optional [report] table: how the digest introduces itself as a report."""
    found: dict[str, Any] | None = top.get("report", dict, "a table ([report])", required=False)
    table = Table(found or {}, "report", REPORT_KEYS, top.problems)
    return {
        "report_intro": _reflow(table.text("intro", required=False, limit=MAX_REPORT_TEXT)),
        "report_purpose": _reflow(table.text("purpose", required=False, limit=MAX_REPORT_TEXT)),
        "report_reported_by": " ".join(
            table.text("reported_by", required=False, limit=MAX_REPORTED_BY).split()
        ),
    }


def _parse_redact(top: Table) -> tuple[str, ...]:
    """The optional top-level `redact`: organisation names that must never appear in a quote."""
    names = top.strings("redact") or ()
    seen: dict[str, int] = {}
    kept: list[str] = []
    for index, name in enumerate(names):
        name = " ".join(name.split())
        if not name or len(name) > MAX_REDACT_NAME:
            top.fail(f"redact[{index}]", f"an organisation name must be 1 to {MAX_REDACT_NAME} characters")
            continue
        if name.casefold() in seen:
            top.fail(f"redact[{index}]", f'"{name}" is already listed (redact[{seen[name.casefold()]}])')
            continue
        seen[name.casefold()] = index
        kept.append(name)
    return tuple(kept)


def _event_clock(table: Table) -> EventClock | None:
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
    frame = EventClock(tz, UNRESOLVED, UNRESOLVED)  # only its timezone is used for date-times
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


def _parse_sectors(table: Table) -> tuple[tuple[str, tuple[str, ...]], ...]:
    found: dict[str, Any] = table.get("sectors", dict, "a table of sector = [user ids]", required=False) or {}
    sectors = Table(found, table.at("sectors"), tuple(found), table.problems)
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


def _parse_question(table: Table, clock: EventClock | None) -> QuestionSpec:
    post_at = table.time("post_at", clock)
    close_at = table.time("close_at", clock, required=False)
    _check_order(table, "post_at", post_at, close_at, clock)
    text = table.text("text")
    _report(table, question_problems(text))
    return QuestionSpec(
        text=text,
        phase=table.choice("phase", Phase, None, required=True) or Phase.PRE,
        post_at=post_at or UNRESOLVED,
        close_at=close_at,
        file_key=_file_key(table),
    )


def _parse_poll(table: Table, clock: EventClock | None) -> PollSpec:
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
    question = table.text("question")
    options, problems = poll_problems(question, table.strings("options"), kind)
    _report(table, problems)
    return PollSpec(
        question=question,
        options=options,
        kind=kind,
        anonymous=table.flag("anonymous", True),
        results_hidden=results != "live",
        open_at=open_at or UNRESOLVED,
        close_at=close_at,
        pair=pair,
        phase=phase,
        invite_reason=table.flag("reason", False),
        file_key=_file_key(table),
    )


def _report(table: Table, problems: list[Problem]) -> None:
    for problem in problems:
        table.fail(problem.path, problem.detail)


def _file_key(table: Table) -> str | None:
    if "id" not in table.data:
        return None
    key = table.text("id", required=False, limit=MAX_FILE_KEY)  # reports a wrong type or length
    if not isinstance(table.data["id"], str) or len(key) > MAX_FILE_KEY:
        return None
    if not FILE_KEY.fullmatch(key):
        table.fail(
            "id", f'"{key}" is not a valid id (lowercase letters, digits and hyphens, at most {MAX_FILE_KEY})'
        )
        return None
    return key


def _check_order(
    table: Table, start_key: str, start: datetime | None, close: datetime | None, clock: EventClock | None
) -> None:
    if clock and start and close and start is not UNRESOLVED and close is not UNRESOLVED and close <= start:
        table.fail(
            "close_at",
            f"{format_local(close, clock.tz)} is not after {start_key} ({format_local(start, clock.tz)})",
        )


def _check_questions(questions: tuple[QuestionSpec, ...], problems: Problems) -> None:
    first: dict[str, int] = {}
    for index, question in enumerate(questions):
        key = " ".join(question.text.casefold().split())
        if key and key in first:
            problems.add(f"questions[{index}].text", f"same text as questions[{first[key]}]")
        first.setdefault(key, index)


def _check_polls(polls: tuple[PollSpec, ...], problems: Problems) -> None:
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


def _check_file_keys(
    questions: tuple[QuestionSpec, ...], polls: tuple[PollSpec, ...], problems: Problems
) -> None:
    """An `id` names one item of the file: no other question or poll may use it."""
    first: dict[str, str] = {}
    items = [(f"questions[{index}]", q.file_key) for index, q in enumerate(questions)]
    items += [(f"polls[{index}]", p.file_key) for index, p in enumerate(polls)]
    for path, key in items:
        if key is None:
            continue
        if key in first:
            problems.add(f"{path}.id", f'"{key}" is already the id of {first[key]}')
        first.setdefault(key, path)


def _show(value: object) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a TOML multi-line string into paragraphs (blank lines separate them)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs if paragraph.strip())
