"""Poll input, Slack-free and storage-free: the `/roundtable poll` grammar, the form's rules, reasons.

Every rule breaks with one precise, user-facing message (`PollInputError`), naming the field at fault so
a modal can show it next to that field.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.text import escape, parse_id
from bot.workshops.limits import AGREEMENT_SCALE as AGREEMENT_SCALE  # re-exported for the poll blocks
from bot.workshops.limits import MAX_OPTION_LENGTH as MAX_OPTION_LENGTH
from bot.workshops.limits import MAX_OPTIONS as MAX_OPTIONS
from bot.workshops.limits import MAX_QUESTION_LENGTH as MAX_QUESTION_LENGTH
from bot.workshops.limits import poll_problems
from storage.models import PollKind

MAX_AHEAD = timedelta(days=366)
USAGE = "`/roundtable poll Question? | Option | Option …` (or `/roundtable poll` alone for a form)"
FLAGS = {
    "single": ("kind", PollKind.SINGLE),
    "multi": ("kind", PollKind.MULTIPLE),
    "multiple": ("kind", PollKind.MULTIPLE),
    "scale": ("kind", PollKind.SCALE),
    "anonymous": ("anonymous", True),
    "named": ("anonymous", False),
    "attributed": ("anonymous", False),
    "hidden": ("results_hidden", True),
    "live": ("results_hidden", False),
}
_OPENING_QUOTES = {'"': '"”', "“": '”"', "„": "“”"}
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|h|hr|hrs|d|days?)$", re.IGNORECASE)
_SLACK_SEQUENCE = re.compile(r"<(?:[!@#]|https?:|mailto:)[^<>]*>")
_STOPS = frozenset({*_OPENING_QUOTES, "|", "<"})
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_poll_reference(text: str) -> int | None:
    """The poll someone names in `/roundtable close 12`, or `#12` as the poll message shows it."""
    return parse_id(text.strip().lstrip("#"))


def parse_workshop_choice(value: str | None) -> int | None:
    """The workshop picked in the poll form's Workshop menu, whose option values are workshop ids."""
    return parse_id(value or "")


class PollInputError(ValueError):
    """Bad poll input; the message is shown to the user as is. `field` names the modal field at fault."""

    def __init__(self, message: str, field: str = "question") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class PollRequest:
    question: str
    options: tuple[str, ...]
    kind: PollKind = PollKind.SINGLE
    anonymous: bool = True
    results_hidden: bool = True
    close_at: datetime | None = None


# ----- the inline grammar -------------------------------------------------------------------------
def parse_command(text: str, *, now: datetime, tz: ZoneInfo) -> PollRequest:
    """`[--flags] Question | Option | Option`, or `"Question" "Option" "Option"`. Raises PollInputError."""
    settings: dict[str, object] = {}
    close_text: str | None = None
    rest = (text or "").strip()
    while rest[:2] == "--" or rest[:1] in ("—", "–"):  # some keyboards turn -- into a dash
        token, *remainder = rest.lstrip("-—–").split(None, 1) or [""]
        rest = remainder[0].strip() if remainder else ""
        name, has_value, value = token.partition("=")
        name = name.lower()
        if name == "close" and has_value and value:
            close_text = value
        elif name in FLAGS and not has_value:
            key, setting = FLAGS[name]
            settings[key] = setting
        else:
            known = ", ".join(f"`--{flag}`" for flag in FLAGS)
            raise PollInputError(
                f"Unknown option `--{escape(token)}`. Use {known} or `--close=30m` / `--close=17:30`."
            )
    parts = split_parts(rest)
    kind = PollKind(str(settings.get("kind", PollKind.SINGLE)))
    close_at = parse_close_time(close_text, now=now, tz=tz) if close_text is not None else None
    return build_request(
        parts[0] if parts else "",
        parts[1:],
        kind=kind,
        anonymous=bool(settings.get("anonymous", True)),
        results_hidden=bool(settings.get("results_hidden", True)),
        close_at=close_at,
        now=now,
    )


def split_parts(text: str) -> list[str]:
    """Split on `|` outside double quotes; a part that is wholly quoted loses its quotes.

    Without any `|`, a run of quoted strings (`"Question?" "Yes" "No"`) gives one part per string.
    """
    groups: list[list[tuple[str, str]]] = [[]]  # per part: (kind, text) with kind "quoted" or "text"
    index = 0
    while index < len(text):
        char = text[index]
        if char == "|":
            groups.append([])
            index += 1
        elif (link := _SLACK_SEQUENCE.match(text, index)) is not None:  # `<https://x|label>` keeps its |
            groups[-1].append(("text", link.group(0)))
            index = link.end()
        elif char in _OPENING_QUOTES:
            end = next((i for i in range(index + 1, len(text)) if text[i] in _OPENING_QUOTES[char]), -1)
            if end < 0:
                raise PollInputError(
                    f"Unbalanced quote: the {char} at character {index + 1} is never closed. "
                    "Close it, or leave quotes out."
                )
            groups[-1].append(("quoted", text[index : end + 1]))
            index = end + 1
        else:
            end = next((i for i in range(index + 1, len(text)) if text[i] in _STOPS), len(text))
            groups[-1].append(("text", text[index:end]))
            index = end
    if len(groups) == 1:
        pieces = [piece for piece in groups[0] if piece[0] == "quoted" or piece[1].strip()]
        if len(pieces) >= 2 and all(kind == "quoted" for kind, _ in pieces):
            return [raw[1:-1].strip() for _, raw in pieces]
    parts = []
    for group in groups:
        pieces = [piece for piece in group if piece[0] == "quoted" or piece[1].strip()]
        if len(pieces) == 1 and pieces[0][0] == "quoted":
            parts.append(pieces[0][1][1:-1].strip())
        else:
            parts.append("".join(raw for _, raw in group).strip())
    return parts


def parse_close_time(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """`30m`, `2h`, `1d`, `17:30` (today, in `tz`) or `2030-05-15 17:30` / ISO 8601; never in the past."""
    value = text.strip()
    if match := _DURATION.match(value):
        amount, unit = int(match.group(1)), match.group(2)[0].lower()
        delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[
            unit
        ]
        if delta <= timedelta(0):
            raise PollInputError(f"The close time `{escape(value)}` is not in the future.", "close_at")
        if delta > MAX_AHEAD:
            raise PollInputError("A poll can stay open for at most a year.", "close_at")
        return now + delta
    if match := _CLOCK.match(value):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise PollInputError(
                f"`{escape(value)}` is not a time of day (use HH:MM, 00:00–23:59).", "close_at"
            )
        local = now.astimezone(tz).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return check_close_time(local.astimezone(UTC), now=now, shown=f"{value} today ({tz.key})")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PollInputError(
            f"Cannot read the close time `{escape(value)}`: use `30m`, `2h`, `17:30` or `2030-05-15T17:30`.",
            "close_at",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        when = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise PollInputError(f"The close time `{escape(value)}` is out of range.", "close_at") from None
    return check_close_time(when, now=now, shown=escape(value))


def check_close_time(when: datetime, *, now: datetime, shown: str) -> datetime:
    if when <= now:
        raise PollInputError(f"The close time {shown} is in the past; give a time in the future.", "close_at")
    if when - now > MAX_AHEAD:
        raise PollInputError("A poll can stay open for at most a year.", "close_at")
    return when


def build_request(
    question: str,
    options: list[str] | tuple[str, ...],
    *,
    kind: PollKind = PollKind.SINGLE,
    anonymous: bool = True,
    results_hidden: bool = True,
    close_at: datetime | None = None,
    now: datetime,
) -> PollRequest:
    """Validate a poll with the limits workshop files obey too (bot.workshops.limits); the first problem is raised."""
    question = " ".join(question.split()) if "\n" not in question else question.strip()
    if not question:
        raise PollInputError(f"The poll needs a question. Usage: {USAGE}.")
    labels, problems = poll_problems(
        question, tuple(" ".join(option.split()) for option in options) or None, kind
    )
    if problems:
        raise PollInputError(problems[0].sentence, problems[0].field)
    if close_at is not None:
        check_close_time(close_at, now=now, shown=f"{close_at:%Y-%m-%d %H:%M} UTC")
    return PollRequest(question, labels, kind, anonymous, results_hidden, close_at)


# ----- reasons ------------------------------------------------------------------------------------
MAX_REASON_LENGTH = 200


def clean_reason(text: str | None) -> str:
    """A voter's one-line reason, whitespace collapsed. Raises PollInputError on the `reason` field."""
    reason = " ".join((text or "").split())
    if not reason:
        raise PollInputError("Write a reason before sending it, or press Cancel.", "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise PollInputError(
            f"A reason is limited to {MAX_REASON_LENGTH} characters; this one has {len(reason)}.", "reason"
        )
    return reason
