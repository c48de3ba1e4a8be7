"""Workshop definitions as TOML files: the public face for parsing, loading, listing and describing them.

The format is documented in docs/workshop-format.md. Parsing (bot.workshops.parser) needs neither the database nor
the clock; `load_workshop` (bot.workshops.sync) adds the one check that does (times in the past) and reconciles the
file with what is stored, never rewriting anything the bot has already posted.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.workshops.parser import parse_workshop_file, parse_workshop_text
from bot.workshops.schedule import format_local, timezone_named
from bot.workshops.spec import AGREEMENT_SCALE, PollSpec, QuestionSpec, WorkshopFileError, WorkshopSpec
from bot.workshops.sync import LoadReport, load_workshop
from storage import workshops as store
from storage.db import Database
from storage.models import PollKind, PollOrigin, RoleName, Workshop


class WorkshopNotFound(LookupError):
    """No workshop has the requested slug."""


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
    if workshop.redact:
        lines.append(f"  never quoted:   {', '.join(workshop.redact)}")
    if workshop.report_reported_by:
        lines.append(f"  reported by:    {workshop.report_reported_by}")
    if workshop.description:
        lines += ["", workshop.description]
    for label, text in (("Introduction", workshop.report_intro), ("Purpose", workshop.report_purpose)):
        if text:
            lines += ["", f"{label}:", text]
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
    for poll in polls:
        # File polls are numbered as the file and `load` number them, ad-hoc ones as their Slack message does.
        name = (
            f"poll {(poll.position or 0) + 1}"
            if poll.origin == PollOrigin.FILE
            else f"ad-hoc poll #{poll.id}"
        )
        notes = [poll.phase or "no phase", poll.state]
        if poll.pair_key:
            notes.insert(1, f'pair "{poll.pair_key}"')
        if poll.close_at:
            notes.append(f"closes {format_local(poll.close_at, tz)}")
        settings = [f"{poll.kind} choice" if poll.kind != PollKind.SCALE else "scale",
                    "anonymous" if poll.anonymous else "attributed",
                    "results hidden" if poll.results_hidden else "live results"]  # fmt: skip
        opens = poll.open_at or poll.created_at
        heading = f"{format_local(opens, tz)}  {name} [{', '.join(notes)}]"
        options = " / ".join(labels[poll.id or 0])
        entries.append(
            (opens, 1, [heading, f"      {poll.question}", f"      {options} ({', '.join(settings)})"])
        )
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return [f"  {line}" for _, _, block in entries for line in block] or ["  (nothing scheduled)"]


__all__ = [
    "AGREEMENT_SCALE",
    "LoadReport",
    "PollSpec",
    "QuestionSpec",
    "WorkshopFileError",
    "WorkshopNotFound",
    "WorkshopSpec",
    "WorkshopSummary",
    "describe_workshop",
    "list_workshops",
    "load_workshop",
    "parse_workshop_file",
    "parse_workshop_text",
]
