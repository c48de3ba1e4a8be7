"""Loading a WorkshopSpec into the database: reconcile its questions, polls, roles and invitees with what is stored."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from bot.workshops.schedule import format_local, timezone_named
from bot.workshops.spec import PollSpec, QuestionSpec, WorkshopFileError, WorkshopSpec
from bot.workshops.table import Problems
from storage import workshops as store
from storage.db import Database
from storage.models import Poll, PollOrigin, PollState, PostState, Question, RoleName, Workshop


@dataclass(frozen=True, slots=True)
class LoadReport:
    slug: str
    revision: int
    created: bool
    changed: bool
    warnings: list[str]
    summary: str


Row = TypeVar("Row", Question, Poll)
Item = TypeVar("Item", QuestionSpec, PollSpec)


class _Outcome:
    """What a load did so far: counts per kind, warnings, and problems that abort it."""

    def __init__(self, spec: WorkshopSpec, now: datetime, allow_past: bool) -> None:
        self.spec, self.now, self.allow_past = spec, now, allow_past
        self.tz = timezone_named(spec.timezone)
        self.problems = Problems(spec.source)
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


class _Reconciler(ABC, Generic[Row, Item]):
    """Makes the stored rows of one kind match the file, leaving anything no longer scheduled untouched.

    Only rows the file owns take part: ad-hoc polls made in the workshop's channel are never matched, renumbered,
    warned about or deleted.
    """

    noun = ""
    path = ""
    start_key = ""

    def __init__(self, session: Session, workshop_id: int, outcome: _Outcome) -> None:
        self.session, self.workshop_id, self.outcome = session, workshop_id, outcome

    @abstractmethod
    def stored(self) -> list[Row]:
        """The rows of this kind the workshop file owns, as stored."""

    @abstractmethod
    def key(self, thing: Row | Item) -> tuple[str, str | None]:
        """What identifies an item across reloads (its text, and the phase for polls)."""

    @abstractmethod
    def editable(self, row: Row) -> bool:
        """Whether the row has not reached Slack yet, so the file may still change it."""

    @abstractmethod
    def status(self, row: Row) -> str:
        """Why a row may no longer be changed, for the warning."""

    @abstractmethod
    def differences(self, row: Row, item: Item) -> list[str]:
        """Names of the fields in which the file differs from the row."""

    @abstractmethod
    def start(self, thing: Row | Item) -> datetime | None:
        """When the item is due."""

    @abstractmethod
    def write(self, row: Row | None, item: Item, position: int, missed: bool) -> None:
        """Create or update the row from the file."""

    @abstractmethod
    def delete(self, row: Row) -> None:
        """Remove a row the file no longer has."""

    def name(self, number: int, thing: Row | Item) -> str:
        text = self.key(thing)[0]
        return f'{self.noun} {number} ("{text if len(text) <= 50 else text[:49] + "…"}")'

    def run(self, items: tuple[Item, ...]) -> None:
        rows = self.stored()
        matches = _match(
            [(item.file_key, self.key(item)) for item in items],
            [(row.file_key, self.key(row), row.position) for row in rows],
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
        for item, match in zip(items, matches, strict=True):
            # An id given for the first time is bookkeeping, never shown in Slack: recorded whatever the state.
            if match is not None and rows[match].file_key != item.file_key:
                rows[match].file_key = item.file_key
                self.outcome.events.append("ids recorded")
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


def _match(
    items: list[tuple[str | None, Any]], rows: list[tuple[str | None, Any, int | None]]
) -> list[int | None]:
    """Pair file items (id, key) with stored rows (id, key, position); None means a new row.

    An item with an id takes the row stored with that id. Any other item (no id, or an id given for the first
    time) takes a row stored without an id: same text first, then same position. A row stored with an id is
    matched by that id alone, so reordering, rewording or removing items never hands it to another item.
    """
    matches: list[int | None] = [None] * len(items)
    by_id = {file_key: index for index, (file_key, _, _) in enumerate(rows) if file_key is not None}
    for index, (file_key, _) in enumerate(items):
        if file_key is not None:
            matches[index] = by_id.get(file_key)
    free = [index for index, (file_key, _, _) in enumerate(rows) if file_key is None]
    same: Callable[[int, int], bool]
    for same in (
        lambda item, row: items[item][1] == rows[row][1],
        lambda item, row: rows[row][2] == item,
    ):
        for index in range(len(items)):
            if matches[index] is None:
                matches[index] = next((r for r in free if r not in matches and same(index, r)), None)
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
            row.text, row.phase, row.post_at, row.close_at, row.file_key = (
                item.text,
                item.phase,
                item.post_at,
                item.close_at,
                item.file_key,
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
        polls = store.file_polls_for_workshop(self.session, self.workshop_id)
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
                  "phase": item.phase, "open_at": item.open_at, "close_at": item.close_at,
                  "file_key": item.file_key}  # fmt: skip
        state = PollState.MISSED if missed else PollState.SCHEDULED
        if row is None:
            poll = Poll(
                workshop_id=self.workshop_id,
                origin=PollOrigin.FILE,
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


def _workshop_values(spec: WorkshopSpec) -> dict[str, Any]:
    return {"title": spec.title, "description": spec.description, "channel_ref": spec.channel,
            "timezone": spec.timezone, "starts_at": spec.starts_at, "ends_at": spec.ends_at,
            "chatham_house": spec.chatham_house, "nudges_enabled": spec.nudges,
            "nudge_hours_before": spec.nudge_hours_before, "invite_channel": spec.invite_channel,
            "sector_tagging": spec.sector_tagging, "sector_min_group": spec.sector_min_group,
            "report_intro": spec.report_intro, "report_purpose": spec.report_purpose,
            "report_reported_by": spec.report_reported_by, "redact": list(spec.redact)}  # fmt: skip


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
