"""Quick polls, Slack-free: creation, anonymity, votes, reasons, closing, what a message shows.

The `/roundtable poll` grammar and the input rules live in bot.polls.grammar; who may create and close
polls is bot.permissions.

Anonymous votes carry only an HMAC of (server secret, poll — or pre/post pair — , user): enough to stop
double voting and let a voter change their mind, not enough for someone holding the database to learn
who voted what. Nothing written beside such a vote may undo that: the delivery's dedupe key is a keyed
hash too and carries only the hour, and the vote and its reason carry their poll's opening time instead
of the click's, so no key or time lines a person's click up with their vote.

Votes are applied a batch at a time (`apply_clicks`) and never lock each other out: each batch share-locks
the open polls it counts in (a close waits for it, later batches see the close) and leaves a change marker
per poll it changed; the message updater (bot.polls.updates) draws whatever it finds after the markers it
saw, so a crash never loses an update.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import permissions
from bot.anonymity import delivery_key_time as delivery_key_time  # re-exported
from bot.anonymity import keyed_hash
from bot.permissions import Action
from bot.polls.grammar import USAGE as USAGE  # re-exported: handlers.commands shows it
from bot.polls.grammar import (
    PollInputError,
    PollRequest,
    build_request,
    check_close_time,
    clean_reason,
    parse_command,
    parse_workshop_choice,
)
from bot.runtime.deps import Deps
from storage import events, roles
from storage import polls as store
from storage.models import Poll, PollKind, PollState, Workshop

logger = logging.getLogger(__name__)


# ----- anonymity ----------------------------------------------------------------------------------
class PollScope(Protocol):
    """What anonymity needs of a poll: a stored `Poll`, or the vote path's `storage.polls.VoteTarget`."""

    @property
    def id(self) -> int | None: ...
    @property
    def anonymous(self) -> bool: ...
    @property
    def workshop_id(self) -> int | None: ...
    @property
    def pair_key(self) -> str | None: ...
    @property
    def open_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


def voter_key(secret: bytes, poll: PollScope, user_id: str) -> str:
    """The user id for attributed polls; for anonymous ones a keyed hash scoped to the poll or its pair."""
    if not poll.anonymous:
        return user_id
    scope = f"pair:{poll.workshop_id}:{poll.pair_key}" if poll.pair_key else f"poll:{poll.id}"
    return keyed_hash(secret, scope, user_id)


DELIVERY_KEY_PREFIX = "poll-delivery:"


def delivery_key(secret: bytes, poll: PollScope, user_id: str, kind: str, delivery_id: str) -> str:
    """The dedupe key of one click or reason submission (`kind`) by `user_id`, stored with its effect.

    A keyed hash of the voter key and Slack's id of the delivery (`action_ts`, or the view id), so a
    retried delivery is recognised while the key names no one: a raw user id here, committed with an
    anonymous vote, would tell anyone with the database who cast it.
    """
    return _keyed_delivery(secret, kind, poll.id, voter_key(secret, poll, user_id), delivery_id)


def _keyed_delivery(secret: bytes, kind: str, poll_id: int | None, voter: str, delivery_id: str) -> str:
    return DELIVERY_KEY_PREFIX + keyed_hash(secret, kind, str(poll_id), voter, delivery_id)


def vote_time(poll: PollScope, now: datetime) -> datetime:
    """The time stored on a vote or reason: the click's in attributed polls, the poll's opening otherwise."""
    if not poll.anonymous:
        return now
    return poll.open_at or poll.created_at


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


def create_from_command(deps: Deps, user_id: str, place: Place, text: str) -> Created | Refused:
    with deps.db.transaction() as session:
        workshop, refused = _workshop_for(deps, session, user_id, place, None)
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
    """The modal's fields: workshop (its id, when the channel has several), question, options (one per
    line), kind, anonymous, results, close_at (epoch). A workshop that cannot be read means the channel's.
    """
    chosen = parse_workshop_choice(form.get("workshop"))
    with deps.db.transaction() as session:
        workshop, refused = _workshop_for(deps, session, user_id, place, chosen)
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
    deps: Deps, session: Session, user_id: str, place: Place, chosen: int | None
) -> tuple[Workshop | None, Refused | None]:
    """The workshop a new poll belongs to: `chosen` if bound here, else the first bound one the user may
    create polls in; None (no workshop) only in a channel with none, for Roundtable's organisers."""
    bound = list(roles.workshops_for_channel(session, place.channel_id, place.channel_name))
    if chosen is not None:
        bound = [w for w in bound if w.id == chosen]
        if not bound:
            return None, Refused("That workshop is not bound to this channel.", "workshop")
    first: permissions.Allowed | permissions.Refused | None = None
    candidates: list[Workshop | None] = [*bound] or [None]  # None: a channel with no workshop
    for workshop in candidates:
        decision = permissions.authorise(session, user_id, Action.CREATE_POLL, workshop, deps.organisers)
        if isinstance(decision, permissions.Allowed):
            return workshop, None
        first = first or decision
    assert isinstance(first, permissions.Refused)
    return None, Refused(first.message)


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
        candidates: list[Workshop | None] = [*bound] or [None]  # None: a channel with no workshop
        decisions = [
            (w, permissions.authorise(session, user_id, Action.OPEN_POLL_FORM, w, deps.organisers))
            for w in candidates
        ]
        allowed = [
            (w.id, w.title)
            for w, decision in decisions
            if w is not None and w.id is not None and isinstance(decision, permissions.Allowed)
        ]
        first = decisions[0][1]
        if allowed or (not bound and isinstance(first, permissions.Allowed)):
            return allowed, None
        assert isinstance(first, permissions.Refused)
        return [], Refused(first.message)


# ----- voting and closing -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VoteResult:
    outcome: str  # recorded | removed | nothing | duplicate | closed | not-open | unknown
    poll_id: int
    question: str = ""
    kind: PollKind = PollKind.SINGLE
    chosen: tuple[str, ...] = ()
    toggled_off: str | None = None
    invite_reason: bool = False  # the poll asks voters why

    @property
    def offers_reason(self) -> bool:
        """The confirmation offers "Add a reason": the poll asks why, and the voter has a choice standing."""
        return self.invite_reason and bool(self.chosen)


@dataclass(frozen=True, slots=True)
class Click:
    """One vote click for `apply_clicks`: choose (single/scale), toggle (multiple), or remove all
    (`position` None). `click_id` is Slack's id of the delivery (its `action_ts`; the `trigger_id` only for
    a click without one), hashed into the `delivery_key` stored with the vote."""

    poll_id: int
    position: int | None
    user_id: str
    click_id: str
    secret: bytes
    now: datetime


def click(
    deps: Deps,
    poll_id: int,
    position: int | None,
    user_id: str,
    action_ts: str | None,
    trigger_id: str | None = None,
) -> Click:
    return Click(
        poll_id, position, user_id, str(action_ts or trigger_id or ""), deps.voter_secret, deps.clock()
    )


def vote(
    deps: Deps,
    poll_id: int,
    position: int | None,
    user_id: str,
    action_ts: str | None,
    trigger_id: str | None = None,
) -> VoteResult:
    """Record a click in its own transaction: a batch of one."""
    with deps.db.transaction() as session:
        return apply_clicks(session, [click(deps, poll_id, position, user_id, action_ts, trigger_id)])[0]


def apply_clicks(session: Session, clicks: list[Click]) -> list[VoteResult]:
    """A batch of clicks (the group commit's, or one) applied as a group, one result per click, in order.

    A handful of statements for the whole batch: the polls and options named, the share lock on those
    named (`lock_states`, the close/vote guard), the delivery keys in one insert (a retried click is a
    `duplicate`), the voters' standing votes, then one delete, one insert and one change marker per
    changed poll. Clicks by one voter in one batch apply in order. A concurrent batch that inserted the
    same voter's first vote first (PostgreSQL, two workers) fails the unique constraints: the batch is
    rolled back to its savepoint and worked out again against the votes now committed.
    """
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _apply_clicks(session, clicks)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass(slots=True)
class _Ballot:
    """One voter's votes in one poll as the batch goes: option id -> slot, and what stood before."""

    chosen: dict[int, int]
    rows: dict[int, int]  # option id -> the id of the stored row that held it before the batch


def _apply_clicks(session: Session, clicks: list[Click]) -> list[VoteResult]:
    targets = store.vote_targets(session, {c.poll_id for c in clicks})
    states = store.lock_states(session, targets.keys())  # not the targets' states: those may be stale
    results: list[VoteResult | None] = [None] * len(clicks)
    counted: list[tuple[int, Click, store.VoteTarget, str, str]] = []  # index, click, poll, voter, key
    for index, c in enumerate(clicks):
        poll = targets.get(c.poll_id)
        if poll is None or (
            c.position is not None and not any(o.position == c.position for o in poll.options)
        ):
            results[index] = VoteResult("unknown", c.poll_id)
        elif states.get(poll.id) not in store.OPEN_FOR_VOTES:
            outcome = "closed" if states.get(poll.id) == PollState.CLOSED else "not-open"
            results[index] = VoteResult(outcome, poll.id, poll.question, PollKind(poll.kind))
        else:
            key = voter_key(c.secret, poll, c.user_id)
            counted.append(
                (index, c, poll, key, _keyed_delivery(c.secret, "click", poll.id, key, c.click_id))
            )
    first_with_key: dict[str, int] = {}
    for index, _, _, _, dedupe_key in counted:
        first_with_key.setdefault(dedupe_key, index)
    new_keys = (
        events.mark_many_processed(session, list(first_with_key), now=delivery_key_time(clicks[0].now))
        if first_with_key
        else set()
    )
    ballots = {(poll.id, key): _Ballot({}, {}) for _, _, poll, key, _ in counted}
    for row in store.current_votes(session, ballots.keys()):
        ballot = ballots[(row.poll_id, row.voter_key)]
        ballot.chosen[row.option_id] = row.slot
        ballot.rows[row.option_id] = row.id
    before = {voter: dict(ballot.chosen) for voter, ballot in ballots.items()}
    last_click: dict[tuple[int, str], Click] = {}  # the click that gives a new row its time and user
    for index, c, poll, key, dedupe_key in counted:
        if first_with_key[dedupe_key] != index or dedupe_key not in new_keys:
            results[index] = VoteResult("duplicate", poll.id, poll.question, PollKind(poll.kind))
            continue
        results[index] = _choose(ballots[(poll.id, key)], poll, c)
        last_click[(poll.id, key)] = c
    removed: list[int] = []
    added: list[dict[str, object]] = []
    without_votes: list[tuple[int, str]] = []
    changed: set[int] = set()
    for (poll_id, key), ballot in ballots.items():
        old, new = before[(poll_id, key)], ballot.chosen
        if old == new:
            continue
        changed.add(poll_id)
        removed += [ballot.rows[o] for o, slot in old.items() if new.get(o) != slot]
        poll, c = targets[poll_id], last_click[(poll_id, key)]
        added += [
            {
                "poll_id": poll_id,
                "option_id": option_id,
                "voter_key": key,
                "user_id": None if poll.anonymous else c.user_id,
                "slot": slot,
                "created_at": vote_time(poll, c.now),
            }
            for option_id, slot in new.items()
            if old.get(option_id) != slot
        ]
        if not new:
            without_votes.append((poll_id, key))  # a reason goes with a vote; withdrawn together
    store.apply_vote_changes(session, removed, added, without_votes, changed)
    return [result or VoteResult("unknown", c.poll_id) for result, c in zip(results, clicks, strict=True)]


def _choose(ballot: _Ballot, poll: store.VoteTarget, c: Click) -> VoteResult:
    """Apply one click to the voter's ballot; the result says what they now have chosen."""
    kind = PollKind(poll.kind)
    option = next((o for o in poll.options if o.position == c.position), None)
    toggled_off = None
    if option is None:
        outcome = "removed" if ballot.chosen else "nothing"
        ballot.chosen.clear()
    elif kind == PollKind.MULTIPLE:
        outcome = "recorded"
        if (option.id or 0) in ballot.chosen:
            del ballot.chosen[option.id or 0]
            toggled_off = option.label
        else:
            ballot.chosen[option.id or 0] = option.position
    else:
        outcome = "recorded"
        ballot.chosen.clear()
        ballot.chosen[option.id or 0] = 0
    chosen = tuple(o.label for o in poll.options if o.id in ballot.chosen)
    return VoteResult(outcome, poll.id, poll.question, kind, chosen, toggled_off, poll.invite_reason)


# ----- reasons ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReasonPrompt:
    """What the reason form shows: the poll's question and the voter's current reason, if any."""

    poll_id: int
    question: str
    anonymous: bool
    current: str | None = None


def reason_prompt(deps: Deps, poll_id: int, user_id: str) -> ReasonPrompt | Refused:
    """Whether `user_id` may give a reason in this poll now, and what the form shows."""
    with deps.db.reading() as session:
        poll = _poll_taking_reason_from(deps, session, poll_id, user_id)
        if isinstance(poll, Refused):
            return poll
        reason = store.reason_of(session, poll_id, voter_key(deps.voter_secret, poll, user_id))
        return ReasonPrompt(poll_id, poll.question, poll.anonymous, reason.text if reason else None)


def save_reason(
    deps: Deps, poll_id: int, user_id: str, text: str | None, submission_id: str
) -> Refused | None:
    """Store or replace a voter's reason, keyed like their vote; None when stored (or a repeat).

    The submission id (the modal's view id) is marked in the same transaction, as a `delivery_key`, so a
    repeated delivery of one submission is a no-op and cannot overwrite a newer reason.
    """
    try:
        reason = clean_reason(text)
    except PollInputError as error:
        return Refused(str(error), error.field)
    now = deps.clock()
    for attempt in range(3):
        try:
            with deps.db.transaction() as session:
                poll = _poll_taking_reason_from(deps, session, poll_id, user_id)
                if isinstance(poll, Refused):
                    return poll
                dedupe_key = delivery_key(deps.voter_secret, poll, user_id, "reason", submission_id)
                if not events.mark_processed(session, dedupe_key, now=delivery_key_time(now)):
                    return None
                key = voter_key(deps.voter_secret, poll, user_id)
                attributed = None if poll.anonymous else user_id
                store.save_reason(session, poll_id, key, attributed, reason, vote_time(poll, now))
                return None
        except IntegrityError:  # the same voter's concurrent first reason won; replace it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _poll_taking_reason_from(deps: Deps, session: Session, poll_id: int, user_id: str) -> Poll | Refused:
    """The poll, if it takes a reason from `user_id` now (the form's rule and the submission's)."""
    poll = store.get(session, poll_id)
    if poll is None:
        return Refused(f"There is no poll #{poll_id}.", "reason")
    refused = _reason_refusal(deps, session, poll, user_id)
    return poll if refused is None else refused


def _reason_refusal(deps: Deps, session: Session, poll: Poll, user_id: str) -> Refused | None:
    if not poll.invite_reason:
        return Refused(f"Poll #{poll.id} does not ask for reasons.", "reason")
    if poll.state == PollState.CLOSED:
        return Refused(f"Poll #{poll.id} is closed; it no longer takes reasons.", "reason")
    if poll.state not in (PollState.OPEN, PollState.CLAIMED):
        return Refused(f"Poll #{poll.id} is not open.", "reason")
    if not store.votes_of(session, poll.id or 0, voter_key(deps.voter_secret, poll, user_id)):
        return Refused(f"Vote in poll #{poll.id} first: a reason goes with your vote.", "reason")
    return None


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
        workshop = store.workshop_of(session, poll)
        decision = permissions.authorise(session, user_id, Action.CLOSE_POLL, workshop, deps.organisers)
        if isinstance(decision, permissions.Refused):
            return CloseResult("refused", decision.message)
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
