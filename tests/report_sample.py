"""A hand-built `Digest` shaped like a finished roundtable report: key points, framing, a poll pair.

The report tests render it directly, so they do not depend on how themes are found (bot/themes) or on
the database. `docx_outline` reads a Word digest back as (style, text) paragraphs in document order.
"""

import io
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.digest.audience import Audience
from bot.digest.model import (
    Digest,
    HeadlineStatements,
    KeyPoint,
    OptionResult,
    OptionShift,
    PairShift,
    Participation,
    PollSection,
    QuestionSection,
    ReportFrame,
    ResponseItem,
)

LONDON = ZoneInfo("Europe/London")
START = datetime(2017, 5, 15, 14, 0, tzinfo=LONDON)
INTRO = "This note records a roundtable on the Cambridge cluster and the UK's industrial strategy."
PURPOSE = "To inform the department's thinking on place-based policy."
REPORTED_BY = "The Policy Unit"
ANSWERS = [
    "The city deal gave the region money and powers to plan for growth.",
    "Research funding from the university brought firms here in the first place.",
    "The city deal and the combined authority let us decide locally.",
    "Transport links to the wider region are poor: the A14 is a car park.",
    "East–west rail would connect Oxford, Milton Keynes and Cambridge.",
    "Doubt it can be replicated: it took fifty years to compound.",
    "Sector deals should build on what places already have.",
]
THEMES = (
    KeyPoint("city deal · research funding", 3, (ANSWERS[0], ANSWERS[1])),
    KeyPoint("transport links · wider region", 2, (ANSWERS[3],)),
)


def _question(
    number: int, text: str, answers: list[str], points: tuple[KeyPoint, ...], other: int
) -> QuestionSection:
    return QuestionSection(
        number=number,
        text=text,
        phase="pre" if number == 1 else "post",
        posted_at=START,
        conclusion=None,
        responses=tuple(
            ResponseItem(text=answer, created_at=START + timedelta(minutes=n), edited=False)
            for n, answer in enumerate(answers)
        ),
        respondents=len(answers),
        response_rate=None,
        key_points=points,
        other_points_count=other,
    )


def report_digest(**changes: object) -> Digest:
    questions = (
        _question(1, "What made the Cambridge cluster succeed?", ANSWERS, THEMES, 2),
        _question(2, "Where do place-based and sector-based policy meet?", ANSWERS[6:], (), 0),
    )
    options = (
        OptionResult(1, "Yes", 2, 20.0),
        OptionResult(2, "Partly", 5, 50.0),
        OptionResult(3, "No", 3, 30.0),
    )
    after = (
        OptionResult(1, "Yes", 3, 30.0),
        OptionResult(2, "Partly", 7, 70.0),
        OptionResult(3, "No", 0, 0.0),
    )
    polls = tuple(
        PollSection(
            number=n,
            question="Can the cluster's success be replicated?",
            kind="single",
            anonymous=True,
            phase=phase,
            pair_key="replicable",
            state="closed",
            total_voters=10,
            total_votes=10,
            options=opts,
        )
        for n, phase, opts in ((1, "pre", options), (2, "post", after))
    )
    pair = PairShift(
        pair_key="replicable",
        question="Can the cluster's success be replicated?",
        pre_poll=1,
        post_poll=2,
        options=tuple(
            OptionShift(b.label, b.votes, a.votes, b.percent, a.percent, round(a.percent - b.percent, 1))
            for b, a in zip(options, after, strict=True)
        ),
        both=10,
        changed=4,
        transitions=(),
    )
    digest = Digest(
        slug="industrial-strategy",
        title="Industrial strategy and the role of place",
        description="",
        channel="#industrial-strategy",
        timezone="Europe/London",
        starts_at=START,
        ends_at=START + timedelta(hours=3),
        chatham_house=True,
        phase="all",
        since=None,
        until=None,
        questions=questions,
        polls=polls,
        pairs=(pair,),
        participation=Participation(
            participants=12,
            invited=None,
            invited_participants=None,
            responses=len(ANSWERS) + 1,
            votes=20,
            per_day=(),
            per_phase=(),
            sectors=("academia", "industry"),
            unnamed_sectors=True,
        ),
        sector_tagging=True,
        sector_min_group=2,
        audience=Audience.ORGANISERS,
        report=ReportFrame(intro=INTRO, purpose=PURPOSE, reported_by=REPORTED_BY),
    )
    return replace(digest, **changes)  # type: ignore[arg-type]


def with_statements(digest: Digest) -> Digest:
    return replace(
        digest,
        headline_statements=HeadlineStatements(
            most_agreed=("Transport links matter most.",), most_divided=("Sector deals pick winners.",)
        ),
    )


def docx_outline(data: bytes) -> list[tuple[str, str]]:
    """(style name, text) of every paragraph of a Word file, in order; table cells are not included."""
    import docx

    return [(p.style.name, p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word file, one per line, plus its core properties."""
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    props = document.core_properties
    lines += [props.author or "", props.title or "", props.last_modified_by or ""]
    return "\n".join(lines)
