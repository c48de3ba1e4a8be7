"""Wording and number formats shared by every renderer, so all formats say the same thing."""

from datetime import datetime
from itertools import groupby

from bot.digest.audience import Audience
from bot.digest.model import (
    OTHER_SECTOR,
    Digest,
    Participation,
    PollSection,
    QuestionSection,
    Reason,
    ResponseItem,
)

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
PHASE_LABELS = {"pre": "Before the event", "live": "During the event", "post": "After the event"}
KIND_LABELS = {"single": "Single choice", "multiple": "Multiple choice", "scale": "Scale"}
WITHHELD = "results hidden until the poll closes"
CHANNEL_NOTICE = (
    "This is the channel's version of the digest: it leaves out private answers, voters' reasons, "
    "names, and the results of polls that are still open with hidden results."
)
CHATHAM_NOTICE = (
    "Held under the Chatham House Rule: contributions are reported without attribution, "
    "and nothing here identifies who said what."
)


def day(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def date_range(start: datetime, end: datetime) -> str:
    """'4 March 2025', '4–5 March 2025', '30 March – 2 April 2025' or across years."""
    if start.date() >= end.date():
        return day(start)
    if start.year != end.year:
        return f"{day(start)} – {day(end)}"
    if start.month != end.month:
        return f"{start.day} {MONTHS[start.month - 1]} – {day(end)}"
    return f"{start.day}–{day(end)}"


def one_line(text: str) -> str:
    """Text for a heading or table cell: whitespace runs (newlines included) become one space."""
    return " ".join(text.split())


def percent(value: float) -> str:
    return f"{value:.1f}%"


def change(points: float) -> str:
    return f"{points:+.1f} pts" if points else "0.0 pts"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def phase_label(phase: str | None) -> str:
    return PHASE_LABELS.get(phase or "live", phase or "")


def poll_caption(poll: PollSection) -> str:
    parts = [KIND_LABELS.get(poll.kind, poll.kind), "anonymous" if poll.anonymous else "attributed"]
    if poll.phase:
        parts.append(phase_label(poll.phase).lower())
    if poll.results_withheld:
        parts.append(WITHHELD)
        return " · ".join(parts)
    parts.append(plural(poll.total_voters, "voter"))
    if poll.mean is not None:
        parts.append(f"mean {poll.mean:.2f} on 1–{len(poll.options)}")
    if poll.reasons:
        parts.append(plural(len(poll.reasons), "reason"))
    return " · ".join(parts)


def audience_notice(digest: Digest) -> str | None:
    """What a digest compiled for the channel leaves out; None for the organisers' digest."""
    return CHANNEL_NOTICE if digest.audience is Audience.CHANNEL else None


def answered(question: QuestionSection, part: Participation) -> str | None:
    """Who answered, beyond the response count: "1 of 2 invited answered (50.0%) · 2 others answered"."""
    if question.invited_respondents is None or part.invited is None:
        rate = question.response_rate
        return f"response rate {response_rate(rate)}" if rate is not None else None
    line = (
        f"{question.invited_respondents:,} of {part.invited:,} invited answered "
        f"({response_rate(question.response_rate)})"
    )
    if question.other_respondents:
        line += f" · {plural(question.other_respondents, 'other')} answered"
    return line


def invited_cell(question: QuestionSection, part: Participation) -> str:
    """Invitees who answered, of invitees, for a table cell; "–" with no invitee list."""
    if question.invited_respondents is None or part.invited is None:
        return "–"
    return f"{question.invited_respondents:,} of {part.invited:,}"


def others_cell(question: QuestionSection) -> str:
    """People who answered without being invited, for a table cell; "–" with no invitee list."""
    return "–" if question.other_respondents is None else f"{question.other_respondents:,}"


def sector_notice(digest: Digest) -> str | None:
    """How sector labels work, for digests of workshops with sector tagging on."""
    if not digest.sector_tagging:
        return None
    return (
        "Contributions are labelled by the author's sector. Sectors with fewer than "
        f"{plural(digest.sector_min_group, 'invitee')} are combined into one group, itself left unlabelled "
        "when still that small. Results by sector are given for attributed polls only: "
        "anonymous votes cannot be linked to anyone."
    )


def sector_name(sector: str) -> str:
    """The sector as it follows "a participant from"."""
    return "another sector" if sector == OTHER_SECTOR else sector


def sector_row(sector: str) -> str:
    """The sector as a row heading of per-sector results."""
    return "other sectors" if sector == OTHER_SECTOR else sector


def byline(item: ResponseItem, sector_tagging: bool) -> str | None:
    """Who wrote a response, as far as the digest may say: a name, a sector, both, or nothing."""
    if item.sector is not None:
        where = sector_name(item.sector)
        return f"{item.author}, from {where}" if item.author else f"a participant from {where}"
    if item.author:
        return item.author
    return "a participant" if sector_tagging else None


def reason_groups(poll: PollSection) -> list[tuple[str, list[Reason]]]:
    """The poll's reasons under headings: each option chosen, "Chose several", "No vote on record"."""
    return [(heading, list(reasons)) for heading, reasons in groupby(poll.reasons, key=_reason_heading)]


def _reason_heading(reason: Reason) -> str:
    if reason.option is not None:
        return reason.option
    return "Chose several" if reason.several else "No vote on record"


def summary_sentences(digest: Digest) -> list[str]:
    """The numbers paragraph, as sentences."""
    part = digest.participation
    people = plural(part.participants, "participant")
    if part.invited is not None:
        people += f" ({part.invited_participants:,} of {part.invited:,} invited)"
    sentences = [
        f"{people} gave {plural(part.responses, 'response')} to {plural(len(digest.questions), 'question')}."
    ]
    if digest.polls:
        sentences.append(f"{plural(len(digest.polls), 'poll')} drew {plural(part.votes, 'vote')}.")
    for phase in part.per_phase:
        sentences.append(
            f"{PHASE_LABELS[phase.phase]}: {plural(phase.responses, 'response')} to "
            f"{plural(phase.questions, 'question')} from {plural(phase.respondents, 'person', 'people')}."
        )
    rates = [
        f"{q.number}: {percent(q.response_rate)}" for q in digest.questions if q.response_rate is not None
    ]
    if rates:
        of_whom = "invitees who answered" if part.invited is not None else "response rate"
        sentences.append(f"By question, {of_whom} — {', '.join(rates)}.")
    others = [f"{q.number}: {q.other_respondents:,}" for q in digest.questions if q.other_respondents]
    if others:
        sentences.append(f"By question, people who answered without an invitation — {', '.join(others)}.")
    if digest.pairs:
        sentences.append(f"{plural(len(digest.pairs), 'poll was', 'polls were')} asked before and after.")
    return sentences


def window_note(digest: Digest) -> str | None:
    """What the digest was filtered to, or None for the whole workshop."""
    parts = []
    if digest.phase != "all":
        parts.append(PHASE_LABELS[digest.phase].lower())
    if digest.since:
        parts.append(f"from {digest.since:%Y-%m-%d %H:%M}")
    if digest.until:
        parts.append(f"until {digest.until:%Y-%m-%d %H:%M}")
    return f"Covers {', '.join(parts)} only." if parts else None


def response_rate(rate: float | None) -> str:
    return percent(rate) if rate is not None else "–"


def bar(share: float, width: int = 20) -> str:
    """A text bar of `share` percent, in eighths of a block."""
    eighths = round(share / 100 * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[rest]
