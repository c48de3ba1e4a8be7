"""The weigh-in deck, Slack-free: what a person is shown next, and their agree / disagree / pass clicks.

Each person sees the other participants' thread answers (never their own: the author is compared with
the reader when the deck is read; the author's id is never stored with a view), one at a time, in an
order of their own (`keys.order_key`). The next statement is the first in that order they have neither
given a view on nor skipped; skipped ones come back, oldest skip first, once nothing else is left. Skips
are not stored: they travel in the modal's state (`DeckState`), so a skip is no vote.

Clicks go through the group-commit writer (`apply_clicks`): per batch, one query for the statements
clicked, one marking the clicks' dedupe keys, one for the current views, one multi-row upsert. A click
is counted once however often Slack delivers it, and a later click replaces the view.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.runtime.deps import Deps
from bot.text import parse_id
from bot.weighin import keys
from storage import events
from storage import weighin as store

logger = logging.getLogger(__name__)

AGREE, DISAGREE, PASS = 1, -1, 0  # Pol.is's sign convention, as stored
CHOICE_NAMES = {AGREE: "Agree", DISAGREE: "Disagree", PASS: "Pass"}
MAX_SKIPPED = 200  # skips remembered in the modal's state (private_metadata holds 3,000 characters)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which deck: one question's answers, or a whole workshop's."""

    workshop_id: int | None = None
    question_id: int | None = None

    @property
    def value(self) -> str:
        return f"q:{self.question_id}" if self.question_id is not None else f"w:{self.workshop_id}"

    @classmethod
    def parse(cls, value: str) -> "Scope | None":
        kind, _, text = value.partition(":")
        number = parse_id(text)
        if kind not in ("q", "w") or number is None:
            return None
        return cls(question_id=number) if kind == "q" else cls(workshop_id=number)


@dataclass(frozen=True, slots=True)
class DeckState:
    """What the modal remembers between clicks (its private_metadata)."""

    scope: Scope
    mode: str = "deck"  # deck | review
    skipped: tuple[int, ...] = ()
    page: int = 0

    def skip(self, response_id: int) -> "DeckState":
        kept = tuple(r for r in self.skipped if r != response_id)[-(MAX_SKIPPED - 1) :]
        return DeckState(self.scope, "deck", (*kept, response_id), 0)

    def with_mode(self, mode: str, page: int = 0) -> "DeckState":
        return DeckState(self.scope, mode, self.skipped, max(page, 0))


@dataclass(frozen=True, slots=True)
class Reviewed:
    statement: store.Statement
    choice: int | None


@dataclass(frozen=True, slots=True)
class DeckView:
    """What the modal shows: the next statement, or the end, or the review list."""

    state: DeckState
    title: str  # the workshop's title
    total: int  # statements this person can weigh in on
    given: int  # of which they have given a view on
    current: store.Statement | None = None
    note: str | None = None
    reviewed: list[Reviewed] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Refused:
    message: str


UNKNOWN = "That weigh-in no longer exists."


def load(deps: Deps, user_id: str, state: DeckState, note: str | None = None) -> DeckView | Refused:
    """The view `user_id` gets now for this deck."""
    with deps.db.reading() as session:
        return _load(deps, session, user_id, state, note)


def _load(
    deps: Deps, session: Session, user_id: str, state: DeckState, note: str | None
) -> DeckView | Refused:
    scope = state.scope
    found = store.deck_workshop(session, scope.question_id, scope.workshop_id)
    if found is None:
        return Refused(UNKNOWN)
    workshop_id, title = found
    key = keys.voter_key(deps.voter_secret, workshop_id, user_id)
    deck = [
        s
        for s in store.statements(session, [workshop_id], scope.question_id)
        if s.author_id != user_id  # never your own answer
    ]
    deck.sort(key=lambda s: keys.order_key(key, s.response_id))
    views = {rid: choice for (_, rid), choice in store.views_of(session, {workshop_id: key}).items()}
    given = [s for s in deck if s.response_id in views]
    if state.mode == "review":
        reviewed = [Reviewed(s, views.get(s.response_id)) for s in deck]
        return DeckView(state, title, len(deck), len(given), note=note, reviewed=reviewed)
    current = next_statement(deck, views, state)
    return DeckView(state, title, len(deck), len(given), current, note)


def waiting_counts(deps: Deps, session: Session, user_id: str, workshop_ids: list[int]) -> dict[int, int]:
    """{workshop: how many of the others' answers still wait for this person's view} (App Home)."""
    statements = store.statements(session, workshop_ids)
    key_of = {wid: keys.voter_key(deps.voter_secret, wid, user_id) for wid in workshop_ids}
    views = store.views_of(session, key_of)
    counts = dict.fromkeys(workshop_ids, 0)
    for s in statements:
        if s.author_id != user_id and (key_of[s.workshop_id], s.response_id) not in views:
            counts[s.workshop_id] += 1
    return counts


def next_statement(
    ordered: list[store.Statement], views: dict[int, int], state: DeckState
) -> store.Statement | None:
    """The first statement in the person's order with no view and not skipped; else the oldest skip."""
    remaining = [s for s in ordered if s.response_id not in views]
    skipped = set(state.skipped)
    fresh = [s for s in remaining if s.response_id not in skipped]
    if fresh:
        return fresh[0]
    by_id = {s.response_id: s for s in remaining}
    return next((by_id[r] for r in state.skipped if r in by_id), None)


# ----- clicks -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Click:
    """One Agree / Disagree / Pass click, as a write for the group-commit writer."""

    response_id: int
    choice: int
    delivery_id: str  # Slack's action_ts: a retried delivery carries the same
    now: datetime
    user_id: str = field(repr=False)  # never logged, never stored
    secret: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ClickResult:
    outcome: str  # recorded | duplicate | gone | own
    previous: int | None = None


GONE = "That answer was deleted or taken out of the weigh-in, so your view on it was not recorded."
OWN = "That is your own answer: you are never asked to weigh in on it."


def click(deps: Deps, response_id: int, choice: int, user_id: str, delivery_id: str) -> Click:
    return Click(response_id, choice, delivery_id, deps.clock(), user_id, deps.voter_secret)


def apply_clicks(session: Session, clicks: list[Click]) -> list[ClickResult]:
    """Apply a batch of clicks with a few set-based statements; one result per click, in order.

    A click on a deleted, excluded or private answer, or on the clicker's own, changes nothing. Of two
    clicks in one batch by the same person on the same statement, the later one stands.
    """
    found = store.states(session, {c.response_id for c in clicks})
    results: list[ClickResult | None] = [None] * len(clicks)
    wanted: dict[str, int] = {}  # dedupe key -> index of the first click carrying it
    voter: dict[int, str] = {}
    for index, c in enumerate(clicks):
        state = found.get(c.response_id)
        if state is None or not state.in_deck:
            results[index] = ClickResult("gone")
        elif state.author_id == c.user_id:
            results[index] = ClickResult("own")
        else:
            voter[index] = keys.voter_key(c.secret, state.workshop_id, c.user_id)
            dedupe = keys.delivery_key(c.secret, voter[index], c.delivery_id)
            if dedupe in wanted:
                results[index] = ClickResult("duplicate")
            else:
                wanted[dedupe] = index
    if wanted:
        now = keys.delivery_time(clicks[0].now)
        new = events.mark_many_processed(session, list(wanted), now=now)
        accepted = [index for key, index in wanted.items() if key in new]
        for key, index in wanted.items():
            if key not in new:
                results[index] = ClickResult("duplicate")
        pairs = {(clicks[i].response_id, voter[i]) for i in accepted}
        current = store.current_views(session, pairs)
        rows: dict[tuple[int, str], tuple[int, int, str, int]] = {}
        for index in accepted:
            c = clicks[index]
            pair = (c.response_id, voter[index])
            results[index] = ClickResult("recorded", current.get(pair))
            rows[pair] = (found[c.response_id].workshop_id, c.response_id, voter[index], c.choice)
        store.upsert_views(session, [row for pair, row in rows.items() if current.get(pair) != row[3]])
    return [result or ClickResult("gone") for result in results]


def note_for(result: ClickResult) -> str | None:
    """What the modal says above the next statement after this click, if anything."""
    return {"gone": GONE, "own": OWN}.get(result.outcome)
