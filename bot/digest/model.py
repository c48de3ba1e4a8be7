"""The compiled digest: frozen, renderer-ready data with no database objects and no user ids.

Every renderer is a pure function of a `Digest`. Under the Chatham House Rule, and in every digest for the
channel, the compiler leaves every `author` and `voters` field empty, so no renderer can leak a name even by
mistake; a channel digest also holds no private answers, no reasons and no withheld poll results. Sector labels are
organiser-given sector names (or `OTHER_SECTOR`), only for groups of at least the workshop's minimum size.
"""

from dataclasses import dataclass
from datetime import datetime

from bot.digest.audience import Audience

OTHER_SECTOR = "other"  # the sectors smaller than the minimum group, folded together


@dataclass(frozen=True, slots=True)
class ResponseItem:
    text: str  # Slack markup already rendered as plain text
    created_at: datetime  # in the workshop's timezone
    edited: bool
    author: str | None = None  # display name; always None under the Chatham House Rule
    sector: str | None = None  # the author's sector when sector tagging is on and the group is big enough


@dataclass(frozen=True, slots=True)
class StatementItem:
    """One answer as a weigh-in statement, with the room's anonymous views of it (counts, never who)."""

    text: str  # the answer's latest text, rendered like the answer in the transcript
    seen: int  # agree + disagree + pass
    agree: int
    disagree: int
    passed: int
    majority: str | None  # "agree" | "disagree": Pol.is's majority test (bot.weighin.measures)
    uncertain: bool  # more than 30 % passed
    divided: bool
    excluded: bool  # taken out of the deck by a chair or organiser: no verdict
    tested: bool  # False: fewer than 5 votes, "raised but not tested"
    split_by_group: str | None = None  # "agree" | "disagree": distinguishes one opinion group only


@dataclass(frozen=True, slots=True)
class GroupStatement:
    text: str
    direction: str  # "agree" | "disagree": how the group leaned, compared with everyone else
    agree: int  # the group's own counts
    disagree: int
    seen: int


@dataclass(frozen=True, slots=True)
class OpinionGroupItem:
    label: str  # "A", "B", …: largest first; never anything about who is in it
    size: int
    statements: tuple[GroupStatement, ...]  # empty when the group is smaller than the minimum group
    below_min_group: bool  # smaller than the workshop's minimum group: no distinguishing statements
    low_confidence: bool  # no statement passed the test; the single best one is shown


@dataclass(frozen=True, slots=True)
class OpinionGroupsSection:
    shown: bool
    reason: str | None  # why no groups are shown
    voters: int  # people who voted on enough statements to be placed on the map
    groups: tuple[OpinionGroupItem, ...] = ()
    # The opinion map: one point per placed person, with their group's label, sorted by position so
    # the order says nothing about who is who.
    points: tuple[tuple[float, float, str], ...] = ()


NO_WEIGHIN = OpinionGroupsSection(shown=False, reason="too few votes to identify opinion groups", voters=0)


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """One theme of a question's answers: a label, how many answers it groups, and one or two quotes.

    Quotes are unattributed and already scrubbed (bot/themes `quote`): no mention, id, link, e-mail, name
    the workshop knows or redacted organisation. `suggested` themes were grouped by the machine and not
    yet curated by the rapporteur; the digest says so.
    """

    label: str
    answer_count: int
    quotes: tuple[str, ...] = ()
    suggested: bool = True


@dataclass(frozen=True, slots=True)
class QuestionSection:
    number: int  # 1-based, in workshop order
    text: str
    phase: str  # pre | live | post
    posted_at: datetime | None
    conclusion: str | None
    responses: tuple[ResponseItem, ...]
    respondents: int  # distinct people who answered (a count, never who)
    response_rate: float | None  # invitees who answered, percent of invitees (of participants with no list)
    invited_respondents: int | None = None  # invitees who answered; None when there is no invitee list
    other_respondents: int | None = None  # people who answered without being invited; None with no list
    statements: tuple[StatementItem, ...] = ()  # the question's thread answers in the weigh-in deck
    key_points: tuple[KeyPoint, ...] = ()  # themes, largest first (bot/digest/key_points.py fills them)
    other_points_count: int = 0  # answers that fall under no theme ("Other points")


@dataclass(frozen=True, slots=True)
class OptionResult:
    position: int
    label: str
    votes: int
    percent: float  # of the poll's voters, one decimal
    voters: tuple[str, ...] = ()  # display names; only for attributed polls outside Chatham House


@dataclass(frozen=True, slots=True)
class Reason:
    """A voter's one-line "why", placed under the option they chose."""

    text: str
    option: str | None  # label of the one option chosen; None when several or no vote is on record
    several: bool = False  # chose more than one option (multiple-choice polls)
    author: str | None = None  # only for attributed polls outside Chatham House


@dataclass(frozen=True, slots=True)
class SectorResult:
    """One sector's votes in an attributed poll; shares are of that sector's voters."""

    sector: str
    voters: int
    options: tuple[OptionResult, ...]  # every option of the poll, `voters` always empty


@dataclass(frozen=True, slots=True)
class PollSection:
    number: int  # 1-based, in workshop order
    question: str
    kind: str  # single | multiple | scale
    anonymous: bool
    phase: str | None
    pair_key: str | None
    state: str
    total_voters: int
    total_votes: int  # equals total_voters except for multiple-choice polls
    options: tuple[OptionResult, ...]
    mean: float | None = None  # scale polls: mean option position (1 = first option), two decimals
    reasons: tuple[Reason, ...] = ()  # by option position, then "chose several", then no vote; oldest first
    by_sector: tuple[SectorResult, ...] = ()  # attributed polls with sector tagging only; by sector name
    results_withheld: bool = False  # channel digests of open polls with hidden results: every count is 0


@dataclass(frozen=True, slots=True)
class OptionShift:
    label: str
    pre_votes: int
    post_votes: int
    pre_percent: float
    post_percent: float
    change_points: float  # post_percent - pre_percent


@dataclass(frozen=True, slots=True)
class Transition:
    from_label: str
    to_label: str
    count: int


@dataclass(frozen=True, slots=True)
class PairShift:
    pair_key: str
    question: str
    pre_poll: int  # PollSection.number of the "before" poll
    post_poll: int  # PollSection.number of the "after" poll
    options: tuple[OptionShift, ...]
    both: int  # voters who answered both polls (matched by voter key, never named)
    changed: int  # of those, how many changed their answer
    transitions: tuple[Transition, ...]  # single-choice and scale pairs only; non-zero cells


@dataclass(frozen=True, slots=True)
class DayCount:
    date: str  # ISO date in the workshop's timezone
    responses: int


@dataclass(frozen=True, slots=True)
class PhaseCount:
    phase: str
    questions: int
    responses: int
    respondents: int


@dataclass(frozen=True, slots=True)
class Participation:
    participants: int  # distinct respondents plus voters in attributed polls
    invited: int | None  # None when the workshop has no invitee list
    invited_participants: int | None  # invitees among the participants
    responses: int
    votes: int
    per_day: tuple[DayCount, ...]
    per_phase: tuple[PhaseCount, ...]
    # Sectors named in "N participants from …": only those with at least the minimum group of participants.
    sectors: tuple[str, ...] = ()
    unnamed_sectors: bool = False  # some participants are outside the named sectors


@dataclass(frozen=True, slots=True)
class ReportFrame:
    """The organiser's framing from the workshop file's optional [report] table; empty strings when unset."""

    intro: str = ""
    purpose: str = ""
    reported_by: str = ""


@dataclass(frozen=True, slots=True)
class HeadlineStatements:
    """Hook for the weigh-in measures: the statements the room most agreed with and was most divided on.

    Unattributed statement texts, best first. None on the digest (the default) renders nothing.
    """

    most_agreed: tuple[str, ...] = ()
    most_divided: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Digest:
    slug: str
    title: str
    description: str
    channel: str
    timezone: str
    starts_at: datetime  # in the workshop's timezone
    ends_at: datetime
    chatham_house: bool
    phase: str  # the filter used: all | pre | live | post
    since: datetime | None
    until: datetime | None
    questions: tuple[QuestionSection, ...]
    polls: tuple[PollSection, ...]
    pairs: tuple[PairShift, ...]
    participation: Participation
    sector_tagging: bool = False  # responses carry sector labels; attributed polls give per-sector results
    sector_min_group: int = 3
    audience: Audience = Audience.ORGANISERS  # who it was compiled for (see `audience`)
    opinion_groups: OpinionGroupsSection = NO_WEIGHIN
    weighin_votes: int = 0  # weigh-in views counted (agree, disagree and pass); 0: no weigh-in sections
    report: ReportFrame = ReportFrame()
    headline_statements: HeadlineStatements | None = None  # filled by the weigh-in wiring; None: no line
