"""The digest as a roundtable report: the wording every format shares, in the unattributed style of real
Chatham House write-ups ("Participants noted…", "Several participants…"; see docs/architecture.md).

The report reads: title, date, the Rule statement, the organiser's introduction and purpose, who took part
(by sector, never by name), the questions posed; an executive summary; per question its key points by
theme, then the polls; the answers in full in an appendix. Renderers take their sentences from here so
Markdown, HTML, PDF and Word say the same thing.
"""

from bot.digest import formatting as fmt
from bot.digest.model import Digest, KeyPoint, PairShift, QuestionSection

APPENDIX = "Appendix: the answers in full"
SUGGESTED_NOTE = (
    "Suggested themes were grouped automatically from the wording of the answers and have not yet been "
    "reviewed by the rapporteur."
)


def participants_line(digest: Digest) -> str:
    """ "12 participants from academia, government and other sectors." — sectors only when big enough."""
    part = digest.participation
    people = fmt.plural(part.participants, "participant")
    invited = (
        f" ({part.invited_participants:,} of {part.invited:,} invited)" if part.invited is not None else ""
    )
    sectors = list(part.sectors)
    if sectors and part.unnamed_sectors:
        sectors.append("other sectors")
    if not sectors:
        return f"{people} took part{invited}."
    listed = sectors[0] if len(sectors) == 1 else f"{', '.join(sectors[:-1])} and {sectors[-1]}"
    return f"{people} from {listed}{invited}."


def reported_by_line(digest: Digest) -> str | None:
    return f"Reported by {digest.report.reported_by}." if digest.report.reported_by else None


def key_points_heading(question: QuestionSection) -> str:
    """ "Suggested themes" until the rapporteur curates them, then "Key points"."""
    return "Suggested themes" if any(p.suggested for p in question.key_points) else "Key points"


def _who(count: int, total: int) -> str:
    if count >= 3 and total and count * 2 >= total:
        return "Many participants"
    if count >= 3:
        return "Several participants"
    if count == 2:
        return "Two participants"
    return "One participant"


def key_point_caption(point: KeyPoint, question: QuestionSection) -> str:
    """ "Several participants raised this (4 of 12 answers)." """
    total = len(question.responses)
    answers = f"{point.answer_count:,} of {fmt.plural(total, 'answer')}"
    return f"{_who(point.answer_count, total)} raised this ({answers})."


def quote_intro(point: KeyPoint) -> str:
    return "Participants noted:" if point.answer_count > 1 else "A participant noted:"


def other_points_line(question: QuestionSection) -> str | None:
    if not question.other_points_count:
        return None
    count = fmt.plural(question.other_points_count, "other answer")
    return f"Other points: {count} did not fall under a theme; every answer is in the appendix."


def no_key_points_line(question: QuestionSection) -> str:
    """What stands in for the key points of a question that has none."""
    if not question.responses:
        return "No answers were given."
    return (
        f"Participants gave {fmt.plural(len(question.responses), 'answer')}, listed in full in the appendix."
    )


def summary_line(question: QuestionSection) -> str:
    """The executive summary's line for one question: its theme labels, or why there are none."""
    head = f"Question {question.number}"
    if question.key_points:
        labels = "; ".join(fmt.one_line(point.label) for point in question.key_points)
        other = " (and other points)" if question.other_points_count else ""
        return f"{head} — {key_points_heading(question).lower()}: {labels}{other}."
    if not question.responses:
        return f"{head} — no answers."
    return f"{head} — {fmt.plural(len(question.responses), 'answer')}, not yet grouped into themes."


def statement_lines(digest: Digest) -> list[str]:
    """The weigh-in hook: the statements most agreed with and most divided on; nothing without data."""
    statements = digest.headline_statements
    if statements is None:
        return []
    lines = [f"Participants most agreed that: “{fmt.one_line(text)}”" for text in statements.most_agreed[:1]]
    lines += [f"Views were most divided on: “{fmt.one_line(text)}”" for text in statements.most_divided[:1]]
    return lines


def shift_line(pair: PairShift) -> str:
    """The headline of a before/after poll pair: its option whose share moved most."""
    question = fmt.one_line(pair.question)
    moved = max(pair.options, key=lambda s: (abs(s.change_points), -pair.options.index(s)), default=None)
    if moved is None or not moved.change_points:
        return f"“{question}”: views did not move between before and after ({_both(pair)})."
    direction = "rose" if moved.change_points > 0 else "fell"
    return (
        f"“{question}”: “{fmt.one_line(moved.label)}” {direction} from {fmt.percent(moved.pre_percent)} "
        f"before to {fmt.percent(moved.post_percent)} after ({fmt.change(moved.change_points)}; {_both(pair)})."
    )


def _both(pair: PairShift) -> str:
    return f"{fmt.plural(pair.both, 'person', 'people')} answered both, {pair.changed:,} changed"


def executive_summary(digest: Digest) -> tuple[list[str], list[str]]:
    """(one line per question, the headline lines: statements and poll shifts)."""
    questions = [summary_line(q) for q in digest.questions]
    headlines = statement_lines(digest) + [shift_line(pair) for pair in digest.pairs]
    return questions, headlines


def appendix_heading(question: QuestionSection) -> str:
    return f"Answers to question {question.number}"
