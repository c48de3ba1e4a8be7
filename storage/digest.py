"""Read everything one workshop's digest needs in a fixed number of queries, as plain rows.

Twelve queries whatever the size of the workshop (workshop, questions, responses, polls, options, votes,
poll reasons, invitees, weigh-in votes, curated questions, their themes, their answers' themes): no
per-question or per-poll round trips. Rows are NamedTuples built from column selects, never ORM entities, so 100,000 responses cost tuples rather than identity-mapped objects.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import Session, col, select

from storage import responses as stored_responses
from storage.models import (
    Invitee,
    Poll,
    PollOption,
    PollReason,
    PollState,
    PostState,
    Question,
    Response,
    Theme,
    ThemeAnswer,
    ThemeCuration,
    Vote,
    WeighinVote,
    Workshop,
)

PHASES = ("all", "pre", "live", "post")


class WorkshopRow(NamedTuple):
    id: int
    slug: str
    title: str
    description: str
    channel_ref: str
    channel_id: str | None
    timezone: str
    starts_at: datetime
    ends_at: datetime
    chatham_house: bool
    sector_tagging: bool
    sector_min_group: int
    report_intro: str
    report_purpose: str
    report_reported_by: str
    redact: list[str]  # organisation names kept out of quotes


class QuestionRow(NamedTuple):
    id: int
    position: int
    text: str
    phase: str
    state: str
    posted_at: datetime | None
    conclusion: str | None


class ResponseRow(NamedTuple):
    question_id: int
    user_id: str
    text: str
    created_at: datetime
    edited_at: datetime | None
    source: str  # thread | broadcast | private | backfill
    id: int
    excluded_from_deck: bool  # taken out of the weigh-in deck; still an answer in the transcript
    not_for_quotation: bool  # the rapporteur's mark: counted in its theme, never quoted


class PollRow(NamedTuple):
    id: int
    position: int | None
    question: str
    kind: str
    anonymous: bool
    results_hidden: bool
    pair_key: str | None
    phase: str | None
    state: str


class OptionRow(NamedTuple):
    id: int
    poll_id: int
    position: int
    label: str


class VoteRow(NamedTuple):
    poll_id: int
    option_id: int
    voter_key: str
    user_id: str | None


class ReasonRow(NamedTuple):
    poll_id: int
    voter_key: str
    user_id: str | None
    text: str
    created_at: datetime


class WeighinVoteRow(NamedTuple):
    """One anonymous weigh-in view: no user id, no time (see `storage.models.WeighinVote`)."""

    response_id: int
    voter_key: str
    choice: int  # +1 agree, -1 disagree, 0 pass


class InviteeRow(NamedTuple):
    user_id: str
    sector: str | None


class ThemeRow(NamedTuple):
    id: int
    question_id: int
    label: str
    position: int
    quote_response_id: int | None


class WorkshopData(NamedTuple):
    workshop: WorkshopRow
    questions: Sequence[QuestionRow]
    responses: Sequence[ResponseRow]  # oldest first, deleted ones excluded
    polls: Sequence[PollRow]
    options: Sequence[OptionRow]  # by poll, then position
    votes: Sequence[VoteRow]
    reasons: Sequence[ReasonRow]  # by poll, oldest first
    invitees: Sequence[InviteeRow]
    weighin_votes: Sequence[WeighinVoteRow] = ()  # on this workshop's answers, by answer then voter key
    curated: frozenset[int] = frozenset()  # ids of the questions whose themes a rapporteur curated
    themes: Sequence[ThemeRow] = ()  # curated themes, by question, then position, then id
    theme_of: Mapping[int, int] = {}  # response id -> curated theme id


def load_workshop_data(
    session: Session,
    slug: str,
    *,
    phase: str = "all",
    since: datetime | None = None,
    until: datetime | None = None,
) -> WorkshopData | None:
    """Everything for the workshop `slug`, or None when there is no such workshop.

    `phase` keeps only questions and polls of that phase (polls without a phase count as live);
    `since`/`until` keep only responses, votes and poll reasons created in [since, until).
    """
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    found = session.execute(select(*_columns(WorkshopRow, Workshop)).where(Workshop.slug == slug)).first()
    if found is None:
        return None
    workshop = WorkshopRow(*found)
    question_filter = and_(col(Question.workshop_id) == workshop.id, _question_phase(phase))
    poll_filter = and_(col(Poll.workshop_id) == workshop.id, _poll_phase(phase))

    questions = session.execute(
        select(*_columns(QuestionRow, Question)).where(question_filter).order_by(col(Question.position))
    ).all()
    responses = session.execute(
        select(*_columns(ResponseRow, Response))
        .join(Question, col(Question.id) == col(Response.question_id))
        .where(question_filter, stored_responses.counts_as_answer(), *_window(Response, since, until))
        .order_by(col(Response.created_at), col(Response.id))
    ).all()
    polls = session.execute(
        select(*_columns(PollRow, Poll))
        .where(poll_filter)
        .order_by(col(Poll.position).is_(None), col(Poll.position), col(Poll.created_at), col(Poll.id))
    ).all()
    options = session.execute(
        select(*_columns(OptionRow, PollOption))
        .join(Poll, col(Poll.id) == col(PollOption.poll_id))
        .where(poll_filter)
        .order_by(col(PollOption.poll_id), col(PollOption.position))
    ).all()
    votes = session.execute(
        select(*_columns(VoteRow, Vote))
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .where(poll_filter, *_window(Vote, since, until))
        .order_by(col(Vote.poll_id), col(Vote.id))
    ).all()
    reasons = session.execute(
        select(*_columns(ReasonRow, PollReason))
        .join(Poll, col(Poll.id) == col(PollReason.poll_id))
        .where(poll_filter, *_window(PollReason, since, until))
        .order_by(col(PollReason.poll_id), col(PollReason.created_at), col(PollReason.id))
    ).all()
    invitees = session.execute(
        select(*_columns(InviteeRow, Invitee))
        .where(col(Invitee.workshop_id) == workshop.id)
        .order_by(col(Invitee.id))
    ).all()
    # Votes carry no time, so `since`/`until` cannot filter them; the compiler keeps only the votes on
    # the answers it shows.
    weighin_votes = session.execute(
        select(*_columns(WeighinVoteRow, WeighinVote))
        .where(col(WeighinVote.workshop_id) == workshop.id)
        .order_by(col(WeighinVote.response_id), col(WeighinVote.voter_key))
    ).all()
    question_ids = select(Question.id).where(question_filter)
    curated = session.execute(
        select(ThemeCuration.question_id).where(col(ThemeCuration.question_id).in_(question_ids))
    ).scalars()
    themes = session.execute(
        select(*_columns(ThemeRow, Theme))
        .where(col(Theme.question_id).in_(question_ids))
        .order_by(col(Theme.question_id), col(Theme.position), col(Theme.id))
    ).all()
    theme_of = session.execute(
        select(ThemeAnswer.response_id, ThemeAnswer.theme_id)
        .join(Theme, col(Theme.id) == col(ThemeAnswer.theme_id))
        .where(col(Theme.question_id).in_(question_ids))
    ).all()
    return WorkshopData(
        workshop=workshop,
        questions=[QuestionRow(*row) for row in questions],
        responses=[ResponseRow(*row) for row in responses],
        polls=[PollRow(*row) for row in polls],
        options=[OptionRow(*row) for row in options],
        votes=[VoteRow(*row) for row in votes],
        reasons=[ReasonRow(*row) for row in reasons],
        invitees=[InviteeRow(*row) for row in invitees],
        weighin_votes=[WeighinVoteRow(*row) for row in weighin_votes],
        curated=frozenset(curated),
        themes=[ThemeRow(*row) for row in themes],
        theme_of={row[0]: row[1] for row in theme_of},
    )


def _columns(row_type: type[NamedTuple], model: type[object]) -> list[ColumnElement[object]]:
    """The model's columns named like the row type's fields, in field order."""
    return [getattr(model, name) for name in row_type._fields]


def _question_phase(phase: str) -> ColumnElement[bool]:
    return true() if phase == "all" else col(Question.phase) == phase


def _poll_phase(phase: str) -> ColumnElement[bool]:
    if phase == "all":
        return true()
    if phase == "live":  # ad-hoc polls have no phase: they happen during the event
        return or_(col(Poll.phase) == phase, col(Poll.phase).is_(None))
    return col(Poll.phase) == phase


def _window(
    model: type[Response] | type[Vote] | type[PollReason], since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(col(model.created_at) >= since)
    if until is not None:
        conditions.append(col(model.created_at) < until)
    return conditions


# States in which an item never reached the channel; such items are left out unless they have answers.
UNPOSTED_QUESTION_STATES = frozenset({PostState.SCHEDULED, PostState.MISSED, PostState.FAILED})
UNPOSTED_POLL_STATES = frozenset({PollState.SCHEDULED, PollState.MISSED, PollState.FAILED})
