"""The weigh-in sections of the digest as format-neutral data, worded with the phrase ladder of
docs/deliberation-measures.md §5; each renderer only lays them out (and escapes every text).

Per question, after its answers: "Where the room agreed", "Where views were divided", "Open questions"
and "Raised but not tested"; each statement once, in the first of those that fits. For the workshop:
"Opinion groups", or the reason there are none. Thresholds are named here and explained to organisers
in README.md ("What the weigh-in measures mean").
"""

from dataclasses import dataclass

from bot.digest import formatting as fmt
from bot.digest.model import Digest, OpinionGroupItem, QuestionSection, StatementItem

# "There was broad agreement that …": a majority (Pol.is's test) with at least this share agreeing.
BROAD_AGREEMENT_SHARE = 0.8

AGREED = "Where the room agreed"
DIVIDED = "Where views were divided"
OPEN = "Open questions"
UNTESTED = "Raised but not tested"
GROUPS = "Opinion groups"

BROAD = "There was broad agreement that"
MOST_AGREED = "Most participants agreed that"
REJECTED = "Most participants rejected the idea that"
SPLIT = "Views were divided on"
UNSURE = "Many were unsure whether"
RAISED = "Raised, with too few views to say"


@dataclass(frozen=True, slots=True)
class StatementLine:
    phrase: str  # the lead-in of the ladder, e.g. "Most participants agreed that"
    text: str  # the statement, as written (escape it per format)
    counts: str  # "9 agree · 1 disagree · 0 pass (10 views)"
    note: str | None = None  # e.g. how opinion groups split on it


@dataclass(frozen=True, slots=True)
class Block:
    heading: str
    lines: tuple[StatementLine, ...]


def counts(statement: StatementItem) -> str:
    return (
        f"{statement.agree:,} agree · {statement.disagree:,} disagree · {statement.passed:,} pass "
        f"({fmt.plural(statement.seen, 'view')})"
    )


def agree_share(statement: StatementItem) -> float:
    return statement.agree / statement.seen if statement.seen else 0.0


def _place(statement: StatementItem) -> tuple[str, StatementLine] | None:
    line = counts(statement)
    if statement.excluded:
        return None
    if not statement.tested:
        return UNTESTED, StatementLine(RAISED, statement.text, line)
    if statement.majority == "agree":
        phrase = BROAD if agree_share(statement) >= BROAD_AGREEMENT_SHARE else MOST_AGREED
        return AGREED, StatementLine(phrase, statement.text, line)
    if statement.majority == "disagree":
        return AGREED, StatementLine(REJECTED, statement.text, line)
    if statement.split_by_group is not None:
        lean = "agreed" if statement.split_by_group == "agree" else "disagreed"
        note = f"one group of participants {lean}, while others did not"
        return DIVIDED, StatementLine(SPLIT, statement.text, line, note)
    if statement.divided:
        return DIVIDED, StatementLine(SPLIT, statement.text, line)
    if statement.uncertain:
        return OPEN, StatementLine(UNSURE, statement.text, line)
    return None  # tested, but no clear verdict either way: in the JSON and CSV, not in the prose


def question_blocks(question: QuestionSection) -> list[Block]:
    """The question's weigh-in blocks, in a fixed order, leaving out empty ones."""
    placed: dict[str, list[StatementLine]] = {AGREED: [], DIVIDED: [], OPEN: [], UNTESTED: []}
    for statement in question.statements:
        if (found := _place(statement)) is not None:
            placed[found[0]].append(found[1])
    return [Block(heading, tuple(lines)) for heading, lines in placed.items() if lines]


def weighin_caption(question: QuestionSection) -> str | None:
    """One line under the blocks: how many answers were weighed and how many were taken out."""
    if not question.statements:
        return None
    excluded = sum(statement.excluded for statement in question.statements)
    views = sum(statement.seen for statement in question.statements if not statement.excluded)
    line = f"Weigh-in: {fmt.plural(views, 'view')} on {fmt.plural(len(question.statements) - excluded, 'answer')}"
    if excluded:
        line += f"; {fmt.plural(excluded, 'answer')} taken out as off topic"
    return line + "."


@dataclass(frozen=True, slots=True)
class GroupLine:
    heading: str  # "Group A · 9 people"
    statements: tuple[StatementLine, ...]
    note: str | None  # why no statements are shown, or that they are of low confidence


def groups_intro(digest: Digest) -> str:
    groups = digest.opinion_groups
    if not groups.shown:
        reason = groups.reason or "too few votes to identify opinion groups"
        return f"No opinion groups: {reason} ({fmt.plural(groups.voters, 'person', 'people')} voted on enough answers)."
    sizes = ", ".join(f"{group.label} ({group.size:,})" for group in groups.groups)
    return (
        f"{fmt.plural(groups.voters, 'person', 'people')} voted on enough answers to be placed on the opinion "
        f"map; their views form {fmt.plural(len(groups.groups), 'group')}: {sizes}. The map is unlabelled: "
        "each dot is one person, and nothing on it says who."
    )


def group_lines(digest: Digest) -> list[GroupLine]:
    return [_group(group, digest.sector_min_group) for group in digest.opinion_groups.groups]


def _group(group: OpinionGroupItem, min_group: int) -> GroupLine:
    heading = f"Group {group.label} · {fmt.plural(group.size, 'person', 'people')}"
    if group.below_min_group:
        note = f"Fewer than {min_group:,} people: what distinguishes this group is not shown."
        return GroupLine(heading, (), note)
    lines = tuple(
        StatementLine(
            "More often agreed that" if s.direction == "agree" else "More often disagreed that",
            s.text,
            f"in this group {s.agree:,} agree · {s.disagree:,} disagree of {fmt.plural(s.seen, 'view')}",
        )
        for s in group.statements
    )
    low = "Distinguishing statements (low confidence): none passed the test, so the closest is shown."
    return GroupLine(heading, lines, low if group.low_confidence else None)


def has_weighin(digest: Digest) -> bool:
    return digest.weighin_votes > 0


def top_agreed(digest: Digest) -> StatementItem | None:
    """The statement the room most clearly agreed with (for the Slack summary)."""
    agreed = [s for q in digest.questions for s in q.statements if s.majority == "agree" and not s.excluded]
    return max(agreed, key=lambda s: (agree_share(s), s.seen), default=None)


def most_divided(digest: Digest) -> StatementItem | None:
    """The statement the room was most evenly split on (for the Slack summary)."""
    split = [
        s
        for q in digest.questions
        for s in q.statements
        if (s.divided or s.split_by_group) and s.majority is None and not s.excluded
    ]
    return max(split, key=lambda s: (-abs(s.agree - s.disagree) / s.seen, s.seen), default=None)
