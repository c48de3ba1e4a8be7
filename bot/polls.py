"""Quick polls, Slack-free: the `/roundtable poll` grammar, validation, anonymity, permissions, votes, closing.

Anonymous votes carry only an HMAC of (server secret, poll — or pre/post pair — , user): enough to stop
double voting and let a voter change their mind, not enough for someone holding the database to learn
who voted what. Every vote change bumps `Poll.vote_version` in the vote's own transaction; the message
updater (bot.poll_updates) renders whatever version it finds, so a crash never loses an update.
"""

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.deps import Deps
from bot.mrkdwn import escape
from storage import events, roles
from storage import polls as store
from storage.models import Poll, PollKind, PollState, RoleName, Vote, Workshop

logger = logging.getLogger(__name__)

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_OPTION_LENGTH = 75  # Slack's limit for a button's text
MAX_QUESTION_LENGTH = 2000
MAX_AHEAD = timedelta(days=366)
DEFAULT_OPTIONS = ("Yes", "No")
AGREEMENT_SCALE = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
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
    """Validate a poll; every rule breaks with one precise, user-facing message."""
    question = " ".join(question.split()) if "\n" not in question else question.strip()
    if not question:
        raise PollInputError(f"The poll needs a question. Usage: {USAGE}.")
    if len(question) > MAX_QUESTION_LENGTH:
        raise PollInputError(
            f"The question is {len(question)} characters; the limit is {MAX_QUESTION_LENGTH}."
        )
    labels = tuple(" ".join(option.split()) for option in options)
    if kind == PollKind.SCALE:
        if labels:
            raise PollInputError(
                "An agreement-scale poll has fixed options (Strongly disagree … Strongly agree); "
                "leave the options out.",
                "options",
            )
        labels = AGREEMENT_SCALE
    elif not labels:
        labels = DEFAULT_OPTIONS
    for number, label in enumerate(labels, start=1):
        if not label:
            raise PollInputError(f"Option {number} is empty.", "options")
        if len(label) > MAX_OPTION_LENGTH:
            raise PollInputError(
                f"Option {number} is {len(label)} characters; Slack buttons allow at most {MAX_OPTION_LENGTH}.",
                "options",
            )
    if len(labels) < MIN_OPTIONS:
        raise PollInputError(
            f"A poll needs at least {MIN_OPTIONS} options; only “{escape(labels[0])}” was given. "
            "Add more after `|`, or give none for Yes / No.",
            "options",
        )
    if len(labels) > MAX_OPTIONS:
        raise PollInputError(
            f"A poll can have at most {MAX_OPTIONS} options; {len(labels)} were given.", "options"
        )
    seen: dict[str, int] = {}
    for number, label in enumerate(labels, start=1):
        if label.casefold() in seen:
            raise PollInputError(
                f"Option {number} (“{escape(label)}”) repeats option {seen[label.casefold()]}.", "options"
            )
        seen[label.casefold()] = number
    if close_at is not None:
        check_close_time(close_at, now=now, shown=f"{close_at:%Y-%m-%d %H:%M} UTC")
    return PollRequest(question, labels, kind, anonymous, results_hidden, close_at)


# ----- anonymity and permissions ------------------------------------------------------------------
def voter_key(secret: bytes, poll: Poll, user_id: str) -> str:
    """The user id for attributed polls; for anonymous ones a keyed hash scoped to the poll or its pair."""
    if not poll.anonymous:
        return user_id
    scope = f"pair:{poll.workshop_id}:{poll.pair_key}" if poll.pair_key else f"poll:{poll.id}"
    return hmac.new(secret, f"{scope}\x00{user_id}".encode(), hashlib.sha256).hexdigest()


def may_manage(session: Session, workshop_id: int | None, user_id: str, organisers: frozenset[str]) -> bool:
    if user_id in organisers:
        return True
    if workshop_id is None:
        return False
    return roles.has_any_role(session, workshop_id, user_id, (RoleName.CHAIR, RoleName.ORGANISER))


def refusal(session: Session, workshop: Workshop | None, organisers: frozenset[str], action: str) -> str:
    """Who may `action` (e.g. "create polls") here, with their names."""
    if workshop is None or workshop.id is None:
        who = _mentions(sorted(organisers)) or "nobody yet (set ROUNDTABLE_ORGANISERS)"
        return f"This channel has no workshop, so only Roundtable's organisers can {action} here: {who}."
    people = set(roles.users_with_role(session, workshop.id, RoleName.CHAIR))
    people |= set(roles.users_with_role(session, workshop.id, RoleName.ORGANISER)) | organisers
    return (
        f"Only the chairs and organisers of *{escape(workshop.title)}* can {action}: "
        f"{_mentions(sorted(people)) or 'none are set'}."
    )


def _mentions(user_ids: list[str]) -> str:
    return ", ".join(f"<@{user_id}>" for user_id in user_ids if re.fullmatch(r"[UW][A-Z0-9]+", user_id))


# ----- creating -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Created:
    poll_id: int


@dataclass(frozen=True, slots=True)
class Refused:
    message: str
    field: str = "question"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a poll is being created: the channel and the workshops bound to it."""

    channel_id: str
    channel_name: str | None = None
    workshop_id: int | None = None  # chosen in the modal; None means "the channel's workshop"


def create_from_command(deps: Deps, user_id: str, place: Place, text: str) -> Created | Refused:
    with deps.db.transaction() as session:
        workshop, refused = _workshop_for(deps, session, user_id, place)
        if refused is not None:
            return refused
        tz = ZoneInfo(workshop.timezone) if workshop else ZoneInfo("UTC")
        try:
            request = parse_command(text, now=deps.clock(), tz=tz)
        except PollInputError as error:
            return Refused(str(error), error.field)
        return Created(_add(deps, session, user_id, place, workshop, request))


def create_from_form(
    deps: Deps, user_id: str, place: Place, form: dict[str, str | None]
) -> Created | Refused:
    """The modal's fields: question, options (one per line), kind, anonymous, results, close_at (epoch)."""
    with deps.db.transaction() as session:
        workshop, refused = _workshop_for(deps, session, user_id, place)
        if refused is not None:
            return refused
        now = deps.clock()
        try:
            kind = PollKind(form.get("kind") or PollKind.SINGLE)
            close = form.get("close_at")
            close_at = datetime.fromtimestamp(int(close), UTC) if close else None
            if close_at is not None:
                check_close_time(close_at, now=now, shown=f"{close_at:%Y-%m-%d %H:%M} UTC")
            lines = [line for line in (form.get("options") or "").splitlines() if line.strip()]
            request = build_request(
                form.get("question") or "",
                lines,
                kind=kind,
                anonymous=form.get("anonymous") != "attributed",
                results_hidden=form.get("results") != "live",
                close_at=close_at,
                now=now,
            )
        except PollInputError as error:
            return Refused(str(error), error.field)
        except (ValueError, OverflowError, OSError):
            return Refused("That close time cannot be read.", "close_at")
        return Created(_add(deps, session, user_id, place, workshop, request))


def _workshop_for(
    deps: Deps, session: Session, user_id: str, place: Place
) -> tuple[Workshop | None, Refused | None]:
    bound = list(roles.workshops_for_channel(session, place.channel_id, place.channel_name))
    if place.workshop_id is not None:
        bound = [w for w in bound if w.id == place.workshop_id]
        if not bound:
            return None, Refused("That workshop is not bound to this channel.", "workshop")
    if not bound:
        if user_id in deps.organisers:
            return None, None
        return None, Refused(refusal(session, None, deps.organisers, "create polls"))
    for workshop in bound:
        if may_manage(session, workshop.id, user_id, deps.organisers):
            return workshop, None
    return None, Refused(refusal(session, bound[0], deps.organisers, "create polls here"))


def _add(
    deps: Deps, session: Session, user_id: str, place: Place, workshop: Workshop | None, request: PollRequest
) -> int:
    now = deps.clock()
    poll = Poll(
        workshop_id=workshop.id if workshop else None,
        question=request.question,
        kind=request.kind,
        anonymous=request.anonymous,
        results_hidden=request.results_hidden,
        state=PollState.SCHEDULED,  # opened at once by the creator's request, or else by the scheduler
        open_at=now,
        close_at=request.close_at,
        created_by=user_id,
        channel_id=place.channel_id,
        created_at=now,
    )
    store.add(session, poll, request.options)
    assert poll.id is not None
    logger.info("poll %s created in %s with %d options", poll.id, place.channel_id, len(request.options))
    return poll.id


def modal_workshops(deps: Deps, user_id: str, place: Place) -> tuple[list[tuple[int, str]], Refused | None]:
    """The workshops this user may create a poll for in this channel (for the form), or a refusal."""
    with deps.db.reading() as session:
        bound = list(roles.workshops_for_channel(session, place.channel_id, place.channel_name))
        allowed = [
            (w.id, w.title)
            for w in bound
            if w.id is not None and may_manage(session, w.id, user_id, deps.organisers)
        ]
        if allowed or (not bound and user_id in deps.organisers):
            return allowed, None
        return [], Refused(refusal(session, bound[0] if bound else None, deps.organisers, "create polls"))


# ----- voting and closing -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VoteResult:
    outcome: str  # recorded | removed | nothing | duplicate | closed | not-open | unknown
    poll_id: int
    question: str = ""
    kind: PollKind = PollKind.SINGLE
    chosen: tuple[str, ...] = ()
    toggled_off: str | None = None


def vote(deps: Deps, poll_id: int, position: int | None, user_id: str, dedupe_key: str) -> VoteResult:
    """Record a click: choose (single/scale), toggle (multiple), or remove all (`position` None).

    The dedupe key is stored in the same transaction, so a retried delivery never counts twice.
    """
    for attempt in range(3):
        try:
            with deps.db.transaction() as session:
                return _vote(deps, session, poll_id, position, user_id, dedupe_key)
        except IntegrityError:  # a concurrent click of the same voter won the race; look again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _vote(
    deps: Deps, session: Session, poll_id: int, position: int | None, user_id: str, dedupe_key: str
) -> VoteResult:
    poll = store.get(session, poll_id)
    if poll is None:
        return VoteResult("unknown", poll_id)
    options = store.options(session, poll_id)
    option = next((o for o in options if o.position == position), None)
    if position is not None and option is None:
        return VoteResult("unknown", poll_id)
    result = VoteResult("", poll_id, poll.question, PollKind(poll.kind))
    if poll.state not in (PollState.OPEN, PollState.CLAIMED):
        return _with(result, "closed" if poll.state == PollState.CLOSED else "not-open")
    if not events.mark_processed(session, dedupe_key, now=deps.clock()):
        return _with(result, "duplicate")
    if not store.bump_if_open(session, poll_id):  # closed meanwhile; also serialises votes on this poll
        session.rollback()
        return _with(result, "closed")
    key = voter_key(deps.voter_secret, poll, user_id)
    mine = store.votes_of(session, poll_id, key)
    toggled_off = None
    if option is None:
        outcome = "removed" if store.delete_votes(session, poll_id, key) else "nothing"
    elif poll.kind == PollKind.MULTIPLE:
        outcome = "recorded"
        if any(v.option_id == option.id for v in mine):
            store.delete_votes(session, poll_id, key, option.id)
            toggled_off = option.label
        else:
            store.add_vote(session, _new_vote(poll, option.id or 0, key, user_id, option.position))
    else:
        outcome = "recorded"
        if mine:
            mine[0].option_id = option.id or 0
            session.add(mine[0])
            for extra in mine[1:]:
                session.delete(extra)
            session.flush()
        else:
            store.add_vote(session, _new_vote(poll, option.id or 0, key, user_id, 0))
    chosen_ids = {v.option_id for v in store.votes_of(session, poll_id, key)}
    chosen = tuple(o.label for o in options if o.id in chosen_ids)
    return VoteResult(outcome, poll_id, poll.question, PollKind(poll.kind), chosen, toggled_off)


def _new_vote(poll: Poll, option_id: int, key: str, user_id: str, slot: int) -> Vote:
    return Vote(
        poll_id=poll.id or 0,
        option_id=option_id,
        voter_key=key,
        user_id=None if poll.anonymous else user_id,
        slot=slot,
    )


def _with(result: VoteResult, outcome: str) -> VoteResult:
    return VoteResult(outcome, result.poll_id, result.question, result.kind)


@dataclass(frozen=True, slots=True)
class CloseResult:
    outcome: str  # closed | already | unknown | refused | not-open
    message: str


def close(deps: Deps, poll_id: int, user_id: str) -> CloseResult:
    """Close a poll for a chair or organiser. Idempotent: closing a closed poll changes nothing."""
    with deps.db.transaction() as session:
        poll = store.get(session, poll_id)
        if poll is None:
            return CloseResult("unknown", f"There is no poll #{poll_id}.")
        if not may_manage(session, poll.workshop_id, user_id, deps.organisers):
            workshop = store.workshop_of(session, poll)
            return CloseResult("refused", refusal(session, workshop, deps.organisers, "close this poll"))
        if poll.state == PollState.CLOSED:
            return CloseResult("already", f"Poll #{poll_id} is already closed.")
        if not store.close(session, poll_id, now=deps.clock()):
            return CloseResult("not-open", f"Poll #{poll_id} has not opened yet ({poll.state}).")
        logger.info("poll %s closed by %s", poll_id, user_id)
        return CloseResult("closed", f"Poll #{poll_id} is closed; its message now shows the final results.")


def close_due(deps: Deps) -> list[int]:
    """Close every open poll whose close time has passed."""
    now = deps.clock()
    with deps.db.reading() as session:
        due = store.due_to_close(session, now)
    if not due:
        return []
    closed = []
    with deps.db.transaction() as session:
        for poll_id in due:
            if store.close(session, poll_id, now=now):
                closed.append(poll_id)
    for poll_id in closed:
        logger.info("poll %s closed at its deadline", poll_id)
    return closed


# ----- what a poll message shows ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OptionCount:
    position: int
    label: str
    votes: int


@dataclass(frozen=True, slots=True)
class PollView:
    poll_id: int
    version: int
    question: str
    kind: PollKind
    anonymous: bool
    results_hidden: bool
    state: PollState
    close_at: datetime | None
    workshop_title: str | None
    voters: int
    options: list[OptionCount] = field(default_factory=list)
    channel_id: str | None = None
    message_ts: str | None = None

    @property
    def closed(self) -> bool:
        return self.state == PollState.CLOSED

    @property
    def show_results(self) -> bool:
        return self.closed or not self.results_hidden


def load_view(session: Session, poll_id: int) -> PollView | None:
    """A poll as its message shows it. The version is read before the votes, so the counts are never older."""
    poll = store.get(session, poll_id)
    if poll is None or poll.id is None:
        return None
    version = poll.vote_version
    per_option, voters = store.counts(session, poll_id)
    workshop = store.workshop_of(session, poll)
    return PollView(
        poll_id=poll.id,
        version=version,
        question=poll.question,
        kind=PollKind(poll.kind),
        anonymous=poll.anonymous,
        results_hidden=poll.results_hidden,
        state=PollState(poll.state),
        close_at=poll.close_at,
        workshop_title=workshop.title if workshop else None,
        voters=voters,
        options=[
            OptionCount(o.position, o.label, per_option.get(o.id or 0, 0))
            for o in store.options(session, poll_id)
        ],
        channel_id=poll.channel_id,
        message_ts=poll.message_ts,
    )
