"""Markdown digest: clean and pasteable into a document. Responses are quoted line by line.

Every string a participant or organiser wrote goes through `_md` (or `_cell` for one-line cells): Markdown
and inline-HTML syntax is escaped, so `<img …>`, `![](…)`, links, HTML comments, emphasis, headings and
lists render as the literal text that was written, never as markup.
"""

import re

from bot.digest import formatting as fmt
from bot.digest import report
from bot.digest.model import Digest, PairShift, PollSection, QuestionSection, ResponseItem
from bot.digest.render_weighin import markdown_groups, markdown_question

# Characters that start Markdown or HTML syntax anywhere in a line, and an "&" that would start an entity.
# ("!" needs a "[" and ">" a "<" to do harm mid-line, and both of those are escaped.)
_INLINE = re.compile(r"[\\`*_\[\]<|~]|&(?=#?[0-9A-Za-z]+;)")
# What makes a line a heading, quote, list item or setext underline ("# ", "> ", "- ", "+ ", "==="), or an
# ordered item ("1. ", "2) ").
_LINE_START = re.compile(r"^([ \t]*|[ \t]*\d+)((?<=\d)[.)]|(?<!\d)[-+=#>])", re.MULTILINE)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "<":  # an entity, not "\<": not every Markdown flavour honours that escape
        return "&lt;"
    if char == "&":
        return "&amp;"
    return "\\" + char


def _md(text: str) -> str:
    """User text as literal Markdown text (line breaks kept)."""
    return _LINE_START.sub(r"\1\\\2", _INLINE.sub(_escape_char, text))


def render_markdown(digest: Digest) -> str:
    out: list[str] = [f"# {_md(fmt.one_line(digest.title))}", ""]
    out.append(f"**Date:** {fmt.date_range(digest.starts_at, digest.ends_at)}  ")
    out.append(f"**Channel:** {_cell(digest.channel)}")
    out.append("")
    if byline := report.reported_by_line(digest):
        out += [_md(byline), ""]
    if audience := fmt.audience_notice(digest):
        out += [f"_{audience}_", ""]
    if digest.chatham_house:
        out += [f"_{fmt.CHATHAM_NOTICE}_", ""]
    if sectors := fmt.sector_notice(digest):
        out += [f"_{sectors}_", ""]
    if note := fmt.window_note(digest):
        out += [f"_{note}_", ""]
    if digest.description:
        out += [_md(digest.description), ""]
    for heading, text in (("Introduction", digest.report.intro), ("Purpose", digest.report.purpose)):
        if text:
            out += [f"## {heading}", "", _md(text), ""]
    out += ["## Participants", "", report.participants_line(digest), ""]
    if digest.questions:
        out += ["## Questions posed", ""]
        out += [f"{q.number}. {_cell(q.text)}" for q in digest.questions]
        out.append("")
    out += _executive_summary(digest)
    if digest.questions:
        out += ["## Questions", ""]
    for question in digest.questions:
        out += _question(question, digest)
    if digest.polls:
        out += ["## Polls", ""]
    for poll in digest.polls:
        out += _poll(poll)
    if digest.pairs:
        out += ["## Before and after", ""]
    for pair in digest.pairs:
        out += _pair(pair)
    out += markdown_groups(digest, _md)
    out += _participation(digest)
    out += _appendix(digest)
    return "\n".join(out).rstrip("\n") + "\n"


def _executive_summary(digest: Digest) -> list[str]:
    questions, headlines = report.executive_summary(digest)
    out = ["## Executive summary", ""]
    if questions:
        out += [f"- {_md(line)}" for line in questions]
        out.append("")
    if headlines:
        out += [f"- {_md(line)}" for line in headlines]
        out.append("")
    return [*out, " ".join(fmt.summary_sentences(digest)), ""]


def _cell(text: str) -> str:
    return _md(fmt.one_line(text))


def _quote(text: str) -> list[str]:
    """User text as a block quote, escaped."""
    return [f"> {line}" if line else ">" for line in _md(text).split("\n")]


def _question(question: QuestionSection, digest: Digest) -> list[str]:
    out = [f"### Question {question.number} · {fmt.phase_label(question.phase)}", ""]
    out += [_md(question.text), ""]
    answered = fmt.answered(question, digest.participation)
    rate = f" · {answered}" if answered else ""
    out += [f"_{fmt.plural(len(question.responses), 'response')}{rate}_", ""]
    out += _key_points(question)
    out += markdown_question(question, _md)
    if question.conclusion:
        out += ["**Conclusion**", "", *_quote(question.conclusion), ""]
    return out


def _key_points(question: QuestionSection) -> list[str]:
    if not question.key_points:
        return [report.no_key_points_line(question), ""]
    out = [f"#### {report.key_points_heading(question)}", ""]
    if any(point.suggested for point in question.key_points):
        out += [f"_{report.SUGGESTED_NOTE}_", ""]
    for point in question.key_points:
        out += [f"- **{_cell(point.label)}** — {report.key_point_caption(point, question)}"]
        if point.quotes:
            out += ["", f"  {report.quote_intro(point)}", ""]
            for quote in point.quotes:
                out += [f"  {line}" for line in _quote(quote)]
                out.append("")
    out.append("")
    if other := report.other_points_line(question):
        out += [other, ""]
    return out


def _appendix(digest: Digest) -> list[str]:
    if not any(q.responses for q in digest.questions):
        return []
    out = [f"## {report.APPENDIX}", ""]
    for question in digest.questions:
        if not question.responses:
            continue
        out += [f"### {report.appendix_heading(question)}", "", f"_{_cell(question.text)}_", ""]
        for item in question.responses:
            out += _response(item, digest.sector_tagging)
    return out


def _response(item: ResponseItem, sector_tagging: bool) -> list[str]:
    byline = fmt.byline(item, sector_tagging)
    label = [f"**{_cell(byline)}**"] if byline else []
    if item.edited:
        label.append("_(edited)_")
    head = [" ".join(label), ""] if label else []
    return [*head, *_quote(item.text), ""]


def _poll(poll: PollSection) -> list[str]:
    out = [f"### Poll {poll.number}", "", _md(poll.question), "", f"_{fmt.poll_caption(poll)}_", ""]
    if poll.results_withheld:
        return [*out, "Options: " + " · ".join(_cell(option.label) for option in poll.options), ""]
    out += ["| Option | Votes | Share | |", "|---|--:|--:|---|"]
    out += [
        f"| {_cell(option.label)} | {option.votes:,} | {fmt.percent(option.percent)} | {fmt.bar(option.percent)} |"
        for option in poll.options
    ]
    out.append("")
    voters = [f"{_cell(o.label)}: {', '.join(_cell(v) for v in o.voters)}" for o in poll.options if o.voters]
    if voters:
        out += ["Voters — " + "; ".join(voters), ""]
    if poll.by_sector:
        out += _by_sector(poll)
    if poll.reasons:
        out += _reasons(poll)
    return out


def _by_sector(poll: PollSection) -> list[str]:
    labels = [option.label for option in poll.options]
    out = ["**By sector**", "", "| Sector | Voters | " + " | ".join(_cell(label) for label in labels) + " |"]
    out.append("|---|--:|" + "--:|" * len(labels))
    for result in poll.by_sector:
        cells = [f"{o.votes:,} ({fmt.percent(o.percent)})" for o in result.options]
        out.append(
            f"| {_cell(fmt.sector_row(result.sector))} | {result.voters:,} | " + " | ".join(cells) + " |"
        )
    return [*out, ""]


def _reasons(poll: PollSection) -> list[str]:
    out = ["**Reasons**", ""]
    for heading, reasons in fmt.reason_groups(poll):
        out += [f"_{_cell(heading)}_", ""]
        for reason in reasons:
            out += _quote(reason.text)
            if reason.author:
                out.append(f"> — {_cell(reason.author)}")
            out.append("")
    return out


def _pair(pair: PairShift) -> list[str]:
    out = [
        f"### {_cell(pair.question)}",
        "",
        f"_Poll {pair.pre_poll} (before) and poll {pair.post_poll} (after)_",
        "",
    ]
    out += ["| Option | Before | After | Change |", "|---|--:|--:|--:|"]
    out += [
        f"| {_cell(s.label)} | {s.pre_votes:,} ({fmt.percent(s.pre_percent)}) | "
        f"{s.post_votes:,} ({fmt.percent(s.post_percent)}) | {fmt.change(s.change_points)} |"
        for s in pair.options
    ]
    out += [
        "",
        f"{fmt.plural(pair.both, 'person', 'people')} answered both; {pair.changed:,} changed their answer.",
        "",
    ]
    if pair.transitions:
        out += ["| From | To | People |", "|---|---|--:|"]
        out += [f"| {_cell(t.from_label)} | {_cell(t.to_label)} | {t.count:,} |" for t in pair.transitions]
        out.append("")
    return out


def _participation(digest: Digest) -> list[str]:
    part = digest.participation
    out = ["## Participation", ""]
    line = f"{fmt.plural(part.participants, 'participant')}"
    if part.invited is not None:
        line += f": {part.invited_participants:,} of {part.invited:,} invited took part"
    out += [line + ".", ""]
    if digest.questions:
        out += [
            "| Question | Responses | Respondents | Invited who answered | Response rate | Others who answered |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        out += [
            f"| {q.number}. {_cell(q.text)} | {len(q.responses):,} | {q.respondents:,} | "
            f"{fmt.invited_cell(q, part)} | {fmt.response_rate(q.response_rate)} | {fmt.others_cell(q)} |"
            for q in digest.questions
        ]
        out.append("")
    if part.per_day:
        out += [f"| Day ({_cell(digest.timezone)}) | Responses |", "|---|--:|"]
        out += [f"| {d.date} | {d.responses:,} |" for d in part.per_day]
        out.append("")
    return out
