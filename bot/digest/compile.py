"""Compile one workshop's stored data into a `Digest`: counts, ordering, pairs and the privacy rules.

This is the only place that sees user ids (with `polls`, `reasons` and `sectors`, which it calls). Every
digest is compiled for an `Audience`: the channel's version first loses what the channel may not see (see
`audience`). Under the Chatham House Rule (the workshop's flag), and for the channel, nothing that names or
singles out a person leaves the compiler; anonymous polls never list voters in any mode. With sector
tagging on, responses carry the author's sector label instead, only for sectors of at least the
workshop's minimum group (see `sectors`).
"""

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.digest.audience import Audience, names_nobody, visible_data, withheld_polls
from bot.digest.key_points import KeyPoints, key_points_for
from bot.digest.model import (
    OTHER_SECTOR,
    DayCount,
    Digest,
    HeadlineStatements,
    Participation,
    PhaseCount,
    QuestionSection,
    ReportFrame,
    ResponseItem,
    StatementItem,
)
from bot.digest.pairs import pair_shifts
from bot.digest.polls import Disclosure, poll_sections
from bot.digest.sectors import sector_labels
from bot.digest.slacktext import mention_renderer, render_slack_text
from bot.digest.weighin import compile_weighin
from bot.digest.weighin_sections import most_divided, top_agreed
from storage.db import Database
from storage.digest import (
    PHASES,
    UNPOSTED_QUESTION_STATES,
    PollRow,
    QuestionRow,
    ResponseRow,
    ThemeRow,
    VoteRow,
    WorkshopData,
    load_workshop_data,
)


class DigestError(Exception):
    """The digest cannot be compiled as asked; the message is one line for the organiser."""


class WorkshopNotFound(DigestError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no workshop with slug {slug!r}")
        self.slug = slug


# Times the digest can show in any timezone: a day inside datetime's range.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def compile_digest(
    db: Database,
    slug: str,
    *,
    audience: Audience,
    phase: str = "all",
    since: datetime | None = None,
    until: datetime | None = None,
    display_names: Mapping[str, str] | None = None,
    known_names: Collection[str] = (),
) -> Digest:
    """The digest of workshop `slug` as `audience` may see it.

    Names come from `display_names` only when the workshop is attributed and the audience is organisers.
    `known_names` (participants' display names, looked up even under the Chatham House Rule) are never
    shown: an answer containing one is never quoted.
    """
    if phase not in PHASES:
        raise DigestError(f"unknown phase {phase!r} (use one of: {', '.join(PHASES)})")
    _check_window(since, until)
    with _collector_paused(), db.reading() as session:
        data = load_workshop_data(session, slug, phase=phase, since=since, until=until)
        if data is None:
            raise WorkshopNotFound(slug)
        return build_digest(
            data,
            audience=audience,
            phase=phase,
            since=since,
            until=until,
            display_names=display_names or {},
            known_names=known_names,
        )


def _check_window(since: datetime | None, until: datetime | None) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        if value.tzinfo is None:
            raise DigestError(f"{name} must be timezone-aware")
        try:
            in_range = EARLIEST <= value.astimezone(UTC) <= LATEST
        except OverflowError:
            in_range = False
        if not in_range:
            raise DigestError(
                f"{name} {value.isoformat()} is out of range (use a time between years 2 and 9998)"
            )
    if since is not None and until is not None and since >= until:
        raise DigestError(f"since ({since.isoformat()}) must be before until ({until.isoformat()})")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large digest.

    Compiling allocates several container objects per response and none of them form cycles; with the
    collector on, its repeated scans of the growing heap made 100,000-response digests ~40% slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_digest(
    data: WorkshopData,
    *,
    audience: Audience,
    phase: str,
    since: datetime | None,
    until: datetime | None,
    display_names: Mapping[str, str],
    known_names: Collection[str] = (),
) -> Digest:
    """Pure part of the compiler, from loaded rows to the digest."""
    workshop = data.workshop
    withheld = withheld_polls(data.polls) if audience is Audience.CHANNEL else frozenset()
    data = visible_data(data, audience)
    zone = _zone(workshop.timezone)
    chatham = workshop.chatham_house
    unnamed = names_nobody(audience, chatham)
    attributed_voters = _attributed_voters(data.polls, data.votes)
    participants = {row.user_id for row in data.responses} | attributed_voters
    invited = {row.user_id for row in data.invitees}
    disclosure = Disclosure(
        unattributed=unnamed,
        display_names=display_names,
        mention=mention_renderer(unnamed, display_names),
        sectors=sector_labels(data.invitees, workshop.sector_min_group) if workshop.sector_tagging else None,
        min_group=workshop.sector_min_group,
        withheld=withheld,
    )

    weighin = compile_weighin(
        data.responses,
        data.weighin_votes,
        lambda text: render_slack_text(text, disclosure.mention),
        workshop.sector_min_group,
    )
    redact = tuple(workshop.redact or ())
    # Names kept out of quotes: every participant's the caller knows, even where none is shown.
    scrubbed_names = tuple(known_names) + tuple(display_names.values())
    curated_themes: dict[int, list[ThemeRow]] = defaultdict(list)
    for theme in data.themes:
        curated_themes[theme.question_id].append(theme)

    def points_of(question_id: int, answers: Sequence[ResponseRow]) -> KeyPoints:
        return key_points_for(
            answers,
            curated=question_id in data.curated,
            stored=curated_themes.get(question_id, ()),
            theme_of=data.theme_of,
            known_names=scrubbed_names,
            redact=redact,
        )

    questions = _questions(
        data.questions,
        data.responses,
        zone,
        disclosure,
        invited,
        len(participants),
        weighin.statements,
        points_of,
    )
    named_sectors, unnamed = _participant_sectors(participants, disclosure)
    polls, poll_ids = poll_sections(data.polls, data.options, data.votes, data.reasons, disclosure)
    compiled = Digest(
        slug=workshop.slug,
        title=workshop.title,
        description=workshop.description,
        channel=workshop.channel_ref,
        timezone=workshop.timezone,
        starts_at=workshop.starts_at.astimezone(zone),
        ends_at=workshop.ends_at.astimezone(zone),
        chatham_house=chatham,
        phase=phase,
        since=since.astimezone(zone) if since else None,
        until=until.astimezone(zone) if until else None,
        questions=questions,
        polls=polls,
        pairs=pair_shifts(polls, poll_ids, data.options, data.votes),
        participation=Participation(
            participants=len(participants),
            invited=len(invited) if invited else None,
            invited_participants=len(invited & participants) if invited else None,
            responses=sum(len(q.responses) for q in questions),
            votes=sum(p.total_votes for p in polls),
            per_day=_per_day(questions),
            per_phase=_per_phase(questions, data.questions, data.responses),
            sectors=named_sectors,
            unnamed_sectors=unnamed,
        ),
        sector_tagging=workshop.sector_tagging,
        sector_min_group=workshop.sector_min_group,
        audience=audience,
        opinion_groups=weighin.opinion_groups,
        weighin_votes=weighin.votes,
        report=ReportFrame(
            intro=workshop.report_intro,
            purpose=workshop.report_purpose,
            reported_by=workshop.report_reported_by,
        ),
    )
    return replace(compiled, headline_statements=_headline(compiled))


def _headline(digest: Digest) -> HeadlineStatements | None:
    """The executive summary's weigh-in line: the most agreed and the most divided statement, if any."""
    agreed, divided = top_agreed(digest), most_divided(digest)
    if agreed is None and divided is None:
        return None
    return HeadlineStatements(
        most_agreed=(agreed.text,) if agreed else (), most_divided=(divided.text,) if divided else ()
    )


def _participant_sectors(participants: set[str], disclosure: Disclosure) -> tuple[tuple[str, ...], bool]:
    """Sectors for "N participants from …": those with at least the minimum group of participants.

    A sector may be labelled on answers (enough invitees) yet have fewer participants than the minimum;
    naming it here would say that one or two people of that sector took part, so it is left out, and the
    line says "and other sectors" for everyone not named.
    """
    if disclosure.sectors is None or not participants:
        return (), False
    counts = Counter(disclosure.sectors.get(person) for person in participants)
    minimum = max(disclosure.min_group, 1)
    named = tuple(
        sorted(s for s, n in counts.items() if s is not None and s != OTHER_SECTOR and n >= minimum)
    )
    return named, sum(n for s, n in counts.items() if s not in named) > 0


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _attributed_voters(polls: Sequence[PollRow], votes: Iterable[VoteRow]) -> set[str]:
    attributed = {poll.id for poll in polls if not poll.anonymous}
    return {vote.user_id or vote.voter_key for vote in votes if vote.poll_id in attributed}


def _questions(
    rows: Sequence[QuestionRow],
    responses: Iterable[ResponseRow],
    zone: tzinfo,
    disclosure: Disclosure,
    invited: set[str],
    participants: int,
    statements: Mapping[int, tuple[StatementItem, ...]],
    points_of: Callable[[int, Sequence[ResponseRow]], KeyPoints],
) -> tuple[QuestionSection, ...]:
    by_question: dict[int, list[ResponseRow]] = defaultdict(list)
    for response in responses:
        by_question[response.question_id].append(response)
    mention, names, sectors = disclosure.mention, disclosure.display_names, disclosure.sectors or {}
    sections: list[QuestionSection] = []
    for row in rows:
        answers = by_question.get(row.id, [])
        if not answers and row.state in UNPOSTED_QUESTION_STATES:
            continue  # never reached the channel: nothing to report
        people = {answer.user_id for answer in answers}
        invited_people = len(people & invited)
        # Invitees who answered, of invitees; with no invitee list, everyone who answered, of participants.
        rate = _rate(invited_people, len(invited)) if invited else _rate(len(people), participants)
        items = tuple(
            ResponseItem(
                text=render_slack_text(answer.text, mention),
                created_at=answer.created_at.astimezone(zone),
                edited=answer.edited_at is not None,
                author=None if disclosure.unattributed else names.get(answer.user_id) or answer.user_id,
                sector=sectors.get(answer.user_id),
            )
            for answer in answers
        )
        points = points_of(row.id, answers)
        sections.append(
            QuestionSection(
                number=len(sections) + 1,
                text=row.text,  # organiser text from the workshop file, not Slack markup
                phase=row.phase,
                posted_at=row.posted_at.astimezone(zone) if row.posted_at else None,
                conclusion=render_slack_text(row.conclusion, mention) if row.conclusion else None,
                responses=items,
                respondents=len(people),
                response_rate=rate,
                invited_respondents=invited_people if invited else None,
                other_respondents=len(people) - invited_people if invited else None,
                statements=statements.get(row.id, ()),
                key_points=points.points,
                other_points_count=points.other_count,
            )
        )
    return tuple(sections)


def _rate(part: int, whole: int) -> float | None:
    """`part` of `whole` as a percent with one decimal; `part` is always a subset, so at most 100."""
    return round(100 * part / whole, 1) if whole else None


def _per_day(questions: Iterable[QuestionSection]) -> tuple[DayCount, ...]:
    days = Counter(item.created_at.date().isoformat() for q in questions for item in q.responses)
    return tuple(DayCount(date=day, responses=days[day]) for day in sorted(days))


def _per_phase(
    sections: Sequence[QuestionSection], rows: Iterable[QuestionRow], responses: Iterable[ResponseRow]
) -> tuple[PhaseCount, ...]:
    phase_of = {row.id: row.phase for row in rows}
    people: dict[str, set[str]] = defaultdict(set)
    for response in responses:
        people[phase_of[response.question_id]].add(response.user_id)
    counts: list[PhaseCount] = []
    for phase in ("pre", "live", "post"):
        matching = [q for q in sections if q.phase == phase]
        if matching:
            counts.append(
                PhaseCount(
                    phase=phase,
                    questions=len(matching),
                    responses=sum(len(q.responses) for q in matching),
                    respondents=len(people[phase]),
                )
            )
    return tuple(counts)
