"""Word digest (python-docx): the report as an editable document, for the rapporteur to finish.

Real structure, so Word's navigation pane and styles work: the title in "Title", sections in "Heading 1",
questions and polls in "Heading 2", key points and appendix parts in "Heading 3"; bullets in "List
Bullet", quotes in "Quote", polls as tables with their PNG chart (bot/digest/charts.py). Same content and
privacy rules as the other formats: it renders only what the compiled `Digest` holds. python-docx is
imported here, and this module only when a Word file is rendered.
"""

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Inches

from bot.digest import formatting as fmt
from bot.digest import report
from bot.digest import weighin_sections as ws
from bot.digest.charts import opinion_map_png, poll_chart_png
from bot.digest.model import Digest, PairShift, PollSection, QuestionSection, ResponseItem

# Characters XML 1.0 cannot hold (python-docx refuses them); user text shows U+FFFD in their place.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
CHART_WIDTH = Inches(5.8)


def _text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


class _Writer:
    def __init__(self, digest: Digest) -> None:
        self.digest = digest
        self.doc: DocxDocument = Document()
        properties = self.doc.core_properties
        properties.title = _text(fmt.one_line(digest.title))
        properties.author = "Roundtable"
        properties.last_modified_by = "Roundtable"
        properties.created = properties.modified = digest.starts_at.replace(tzinfo=None)
        properties.revision = 1

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(_text(text), level)

    def para(self, text: str, style: str | None = None, *, italic: bool = False, bold: bool = False) -> None:
        paragraph = self.doc.add_paragraph(style=style)
        run = paragraph.add_run(_text(text))
        run.italic, run.bold = italic or None, bold or None

    def bullet(self, text: str, lead: str | None = None) -> None:
        paragraph = self.doc.add_paragraph(style="List Bullet")
        if lead:
            paragraph.add_run(_text(lead)).bold = True
            paragraph.add_run(" — ")
        paragraph.add_run(_text(text))

    def table(self, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(_text(text)).bold = True
        for values in rows:
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = _text(text)
        self.doc.add_paragraph()


def render_docx(digest: Digest) -> bytes:
    w = _Writer(digest)
    w.heading(fmt.one_line(digest.title), 0)
    w.para(f"{fmt.date_range(digest.starts_at, digest.ends_at)} · {digest.channel}", italic=True)
    if byline := report.reported_by_line(digest):
        w.para(byline, italic=True)
    for notice in (
        fmt.audience_notice(digest),
        fmt.CHATHAM_NOTICE if digest.chatham_house else None,
        fmt.sector_notice(digest),
        fmt.window_note(digest),
    ):
        if notice:
            w.para(notice, italic=True)
    if digest.description:
        w.para(digest.description)
    for heading, text in (("Introduction", digest.report.intro), ("Purpose", digest.report.purpose)):
        if text:
            w.heading(heading, 1)
            w.para(text)
    w.heading("Participants", 1)
    w.para(report.participants_line(digest))
    if digest.questions:
        w.para("Questions posed", bold=True)
        for q in digest.questions:
            w.para(fmt.one_line(q.text), "List Number")
    _executive_summary(w)
    if digest.questions:
        w.heading("Questions", 1)
    for question in digest.questions:
        _question(w, question)
    if digest.polls:
        w.heading("Polls", 1)
    for poll in digest.polls:
        _poll(w, poll)
    if digest.pairs:
        w.heading("Before and after", 1)
    for pair in digest.pairs:
        _pair(w, pair)
    _opinion_groups(w)
    _participation(w)
    _appendix(w)
    buffer = io.BytesIO()
    w.doc.save(buffer)
    return buffer.getvalue()


def _executive_summary(w: _Writer) -> None:
    questions, headlines = report.executive_summary(w.digest)
    w.heading("Executive summary", 1)
    for line in (*questions, *headlines):
        w.bullet(line)
    w.para(" ".join(fmt.summary_sentences(w.digest)))


def _question(w: _Writer, question: QuestionSection) -> None:
    w.heading(f"Question {question.number} · {fmt.phase_label(question.phase)}", 2)
    w.para(question.text, bold=True)
    answered = fmt.answered(question, w.digest.participation)
    rate = f" · {answered}" if answered else ""
    w.para(fmt.plural(len(question.responses), "response") + rate, italic=True)
    if not question.key_points:
        w.para(report.no_key_points_line(question))
    else:
        w.heading(report.key_points_heading(question), 3)
        if any(point.suggested for point in question.key_points):
            w.para(report.SUGGESTED_NOTE, italic=True)
        for point in question.key_points:
            w.bullet(report.key_point_caption(point, question), lead=fmt.one_line(point.label))
            if point.quotes:
                w.para(report.quote_intro(point), italic=True)
            for quote in point.quotes:
                w.para(quote, "Quote")
        if other := report.other_points_line(question):
            w.para(other, italic=True)
    _weighin(w, question)
    if question.conclusion:
        w.para("Conclusion", bold=True)
        w.para(question.conclusion)


def _weighin(w: _Writer, question: QuestionSection) -> None:
    """Where the room agreed, was divided, unsure (bot.digest.weighin_sections: the same as every format)."""
    for block in ws.question_blocks(question):
        w.heading(block.heading, 3)
        for line in block.lines:
            note = f"; {line.note}" if line.note else ""
            w.bullet(f"“{fmt.one_line(line.text)}” ({line.counts}{note})", lead=line.phrase)
    if caption := ws.weighin_caption(question):
        w.para(caption, italic=True)


def _opinion_groups(w: _Writer) -> None:
    digest = w.digest
    if not ws.has_weighin(digest):
        return
    w.heading(ws.GROUPS, 1)
    w.para(ws.groups_intro(digest))
    if digest.opinion_groups.shown and digest.opinion_groups.points:
        w.doc.add_picture(io.BytesIO(opinion_map_png(digest.opinion_groups)), width=CHART_WIDTH)
    for group in ws.group_lines(digest):
        w.heading(group.heading, 2)
        if group.note:
            w.para(group.note, italic=True)
        for line in group.statements:
            w.bullet(f"“{fmt.one_line(line.text)}” ({line.counts})", lead=line.phrase)


def _poll(w: _Writer, poll: PollSection) -> None:
    w.heading(f"Poll {poll.number}", 2)
    w.para(poll.question, bold=True)
    w.para(fmt.poll_caption(poll), italic=True)
    if poll.results_withheld:
        for option in poll.options:
            w.bullet(option.label)
        return
    w.doc.add_picture(io.BytesIO(poll_chart_png(poll)), width=CHART_WIDTH)
    rows = [(o.label, f"{o.votes:,}", fmt.percent(o.percent)) for o in poll.options]
    w.table(("Option", "Votes", "Share"), rows)
    for option in poll.options:
        if option.voters:
            w.para(f"{option.label}: {', '.join(option.voters)}", italic=True)
    if poll.by_sector:
        w.heading("By sector", 3)
        header = ("Sector", "Voters", *(option.label for option in poll.options))
        sector_rows = [
            (
                fmt.sector_row(result.sector),
                f"{result.voters:,}",
                *(f"{o.votes:,} ({fmt.percent(o.percent)})" for o in result.options),
            )
            for result in poll.by_sector
        ]
        w.table(header, sector_rows)
    if poll.reasons:
        w.heading("Reasons", 3)
        for heading, reasons in fmt.reason_groups(poll):
            w.para(heading, italic=True)
            for reason in reasons:
                w.para(reason.text + (f" — {reason.author}" if reason.author else ""), "Quote")


def _pair(w: _Writer, pair: PairShift) -> None:
    w.heading(fmt.one_line(pair.question), 2)
    w.para(f"Poll {pair.pre_poll} (before) and poll {pair.post_poll} (after)", italic=True)
    rows = [
        (
            s.label,
            f"{s.pre_votes:,} ({fmt.percent(s.pre_percent)})",
            f"{s.post_votes:,} ({fmt.percent(s.post_percent)})",
            fmt.change(s.change_points),
        )
        for s in pair.options
    ]
    w.table(("Option", "Before", "After", "Change"), rows)
    both = fmt.plural(pair.both, "person", "people")
    w.para(f"{both} answered both; {pair.changed:,} changed their answer.")
    if pair.transitions:
        w.table(
            ("From", "To", "People"), [(t.from_label, t.to_label, f"{t.count:,}") for t in pair.transitions]
        )


def _participation(w: _Writer) -> None:
    digest, part = w.digest, w.digest.participation
    w.heading("Participation", 1)
    line = fmt.plural(part.participants, "participant")
    if part.invited is not None:
        line += f": {part.invited_participants:,} of {part.invited:,} invited took part"
    w.para(line + ".")
    if digest.questions:
        header = ("Question", "Responses", "Respondents", "Invited who answered", "Rate", "Others")
        rows = [
            (
                f"{q.number}. {fmt.one_line(q.text)}",
                f"{len(q.responses):,}",
                f"{q.respondents:,}",
                fmt.invited_cell(q, part),
                fmt.response_rate(q.response_rate),
                fmt.others_cell(q),
            )
            for q in digest.questions
        ]
        w.table(header, rows)
    if part.per_day:
        w.table(
            (f"Day ({digest.timezone})", "Responses"), [(d.date, f"{d.responses:,}") for d in part.per_day]
        )


def _appendix(w: _Writer) -> None:
    digest = w.digest
    if not any(q.responses for q in digest.questions):
        return
    w.heading(report.APPENDIX, 1)
    for question in digest.questions:
        if not question.responses:
            continue
        w.heading(report.appendix_heading(question), 2)
        w.para(question.text, bold=True)
        for item in question.responses:
            _response(w, item)


def _response(w: _Writer, item: ResponseItem) -> None:
    w.para(item.text, "Quote")
    by = [byline] if (byline := fmt.byline(item, w.digest.sector_tagging)) else []
    if item.edited:
        by.append("edited")
    if by:
        w.para(" · ".join(by), italic=True)
