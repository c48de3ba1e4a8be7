"""PDF digest (fpdf2) in DejaVu Sans, the Unicode font shipped with matplotlib.

Characters the font lacks become U+FFFD (see `glyphs`). Right-to-left text is shaped and reordered only
when the optional `uharfbuzz` package is installed; without it the characters are all there, in logical
order. Page content is compressed; the creation date is the workshop's start, so output is stable.
"""

import io
import re
from collections.abc import Sequence
from importlib.util import find_spec

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.digest import formatting as fmt
from bot.digest import report
from bot.digest.glyphs import font_path, printable
from bot.digest.model import Digest, OptionResult, PairShift, PollSection, QuestionSection
from bot.digest.render_weighin import pdf_groups, pdf_question

FONT = "DejaVu"
GREY = (85, 85, 85)
BAR = (58, 110, 165)
TRACK = (232, 236, 240)
_TOKENS = re.compile(r"\S+|\s+")


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self._widths: dict[tuple[str, str, float, str], float] = {}

    def write_text(
        self, text: str, size: float = 10.5, style: str = "", indent: float = 0, grey: bool = False
    ) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*(GREY if grey else (0, 0, 0)))
        width, text = self.epw - indent, printable(text)
        if self.text_shaping:  # shaping needs fpdf2's own line breaking
            self.set_x(self.l_margin + indent)
            self.multi_cell(width, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            for line in self._wrap(text, width):
                self.set_x(self.l_margin + indent)
                self.cell(width, size * 0.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def _width(self, text: str) -> float:
        key = (self.font_family, self.font_style, self.font_size_pt, text)
        if key not in self._widths:
            self._widths[key] = self.get_string_width(text)
        return self._widths[key]

    def _wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap with cached word widths.

        fpdf2's multi_cell re-measures the growing line for every character, which made a 10,000-response
        digest take 15 s; measuring each distinct word once is linear.
        """
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for token in _TOKENS.findall(paragraph):
                size = self._width(token)
                if used + size <= width:
                    line, used = line + token, used + size
                    continue
                if token.isspace():  # a break point: the spaces vanish at the end of the line
                    lines.append(line)
                    line, used = "", 0.0
                    continue
                if line:
                    lines.append(line)
                while size > width:  # longer than a whole line: cut between characters
                    cut = self._fit(token, width)
                    lines.append(token[:cut])
                    token = token[cut:]
                    size = self._width(token)
                line, used = token, size
            lines.append(line)
        return lines

    def _fit(self, word: str, width: float) -> int:
        used = 0.0
        for index, char in enumerate(word):
            used += self._width(char)
            if used > width:
                return max(index, 1)
        return len(word)

    def heading(self, text: str, size: float) -> None:
        if self.will_page_break(size * 2):
            self.add_page()
        self.ln(size * 0.35)
        self.write_text(text, size, "B")
        self.ln(1)


def render_pdf(digest: Digest) -> bytes:
    pdf = _Pdf()
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_creation_date(digest.starts_at)
    pdf.set_title(printable(fmt.one_line(digest.title)))
    for style, name in (
        ("", "DejaVuSans.ttf"),
        ("B", "DejaVuSans-Bold.ttf"),
        ("I", "DejaVuSans-Oblique.ttf"),
    ):
        pdf.add_font(FONT, style, str(font_path(name)))
    if find_spec("uharfbuzz") is not None:
        pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.write_text(fmt.one_line(digest.title), 18, "B")
    pdf.write_text(f"{fmt.date_range(digest.starts_at, digest.ends_at)} · {digest.channel}", grey=True)
    if audience := fmt.audience_notice(digest):
        pdf.write_text(audience, 9.5, "I", grey=True)
    if digest.chatham_house:
        pdf.write_text(fmt.CHATHAM_NOTICE, 9.5, "I", grey=True)
    if sectors := fmt.sector_notice(digest):
        pdf.write_text(sectors, 9.5, "I", grey=True)
    if note := fmt.window_note(digest):
        pdf.write_text(note, 9.5, "I", grey=True)
    if byline := report.reported_by_line(digest):
        pdf.write_text(byline, 9.5, grey=True)
    if digest.description:
        pdf.ln(2)
        pdf.write_text(digest.description)
    for heading, text in (("Introduction", digest.report.intro), ("Purpose", digest.report.purpose)):
        if text:
            pdf.heading(heading, 14)
            pdf.write_text(text)
    pdf.heading("Participants", 14)
    pdf.write_text(report.participants_line(digest))
    if digest.questions:
        pdf.ln(1.5)
        pdf.write_text("Questions posed", 10.5, "B")
        for q in digest.questions:
            pdf.write_text(f"{q.number}. {fmt.one_line(q.text)}", indent=3)
    _executive_summary(pdf, digest)
    if digest.questions:
        pdf.heading("Questions", 14)
    for question in digest.questions:
        _question(pdf, question, digest)
    if digest.polls:
        pdf.heading("Polls", 14)
    for poll in digest.polls:
        _poll(pdf, poll)
    if digest.pairs:
        pdf.heading("Before and after", 14)
    for pair in digest.pairs:
        _pair(pdf, pair)
    pdf_groups(pdf, digest, lambda png: _image(pdf, png))
    _participation(pdf, digest)
    _appendix(pdf, digest)
    return bytes(pdf.output())


def _executive_summary(pdf: _Pdf, digest: Digest) -> None:
    questions, headlines = report.executive_summary(digest)
    pdf.heading("Executive summary", 14)
    for line in (*questions, *headlines):
        pdf.write_text(f"• {line}", indent=2)
    pdf.ln(1.5)
    pdf.write_text(" ".join(fmt.summary_sentences(digest)))


def _question(pdf: _Pdf, question: QuestionSection, digest: Digest) -> None:
    pdf.heading(f"Question {question.number} · {fmt.phase_label(question.phase)}", 12)
    pdf.write_text(question.text, 11, "B")
    answered = fmt.answered(question, digest.participation)
    rate = f" · {answered}" if answered else ""
    pdf.write_text(fmt.plural(len(question.responses), "response") + rate, 9, grey=True)
    _key_points(pdf, question)
    pdf_question(pdf, question)
    if question.conclusion:
        pdf.ln(2)
        pdf.write_text("Conclusion", 10.5, "B")
        pdf.write_text(question.conclusion)


def _image(pdf: _Pdf, png: bytes) -> None:
    width = min(pdf.epw, 100.0)
    if pdf.will_page_break(width):
        pdf.add_page()
    pdf.image(io.BytesIO(png), w=width)


def _key_points(pdf: _Pdf, question: QuestionSection) -> None:
    pdf.ln(1.5)
    if not question.key_points:
        pdf.write_text(report.no_key_points_line(question), 10)
        return
    pdf.write_text(report.key_points_heading(question), 10.5, "B")
    if any(point.suggested for point in question.key_points):
        pdf.write_text(report.SUGGESTED_NOTE, 8.5, "I", grey=True)
    for point in question.key_points:
        pdf.ln(1)
        pdf.write_text(f"• {fmt.one_line(point.label)}", 10.5, "B", indent=2)
        pdf.write_text(report.key_point_caption(point, question), 9.5, indent=5)
        if point.quotes:
            pdf.write_text(report.quote_intro(point), 9, "I", indent=5, grey=True)
        for quote in point.quotes:
            pdf.write_text(f"“{quote}”", 10, indent=8)
    if other := report.other_points_line(question):
        pdf.ln(1)
        pdf.write_text(other, 9.5, grey=True)


def _appendix(pdf: _Pdf, digest: Digest) -> None:
    if not any(q.responses for q in digest.questions):
        return
    pdf.heading(report.APPENDIX, 14)
    for question in digest.questions:
        if not question.responses:
            continue
        pdf.heading(report.appendix_heading(question), 12)
        pdf.write_text(question.text, 11, "B")
        for item in question.responses:
            pdf.ln(1.5)
            pdf.write_text(item.text, indent=5)
            byline = fmt.byline(item, digest.sector_tagging)
            by = [byline] if byline else []
            if item.edited:
                by.append("edited")
            if by:
                pdf.write_text(" · ".join(by), 8.5, "I", indent=5, grey=True)


def _bars(pdf: _Pdf, options: tuple[OptionResult, ...], width: float) -> None:
    left = pdf.l_margin
    for option in options:
        pdf.write_text(option.label, 9.5)
        if pdf.will_page_break(5):
            pdf.add_page()
        y = pdf.get_y() + 0.5
        pdf.set_fill_color(*TRACK)
        pdf.rect(left, y, width, 3.5, style="F")
        if option.votes:
            pdf.set_fill_color(*BAR)
            pdf.rect(left, y, width * option.percent / 100, 3.5, style="F")
        pdf.set_xy(left + width + 3, y - 0.8)
        pdf.set_font(FONT, "", 9)
        pdf.cell(
            40, 5, f"{option.votes:,} · {fmt.percent(option.percent)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(0.5)


def _poll(pdf: _Pdf, poll: PollSection) -> None:
    pdf.heading(f"Poll {poll.number}", 12)
    pdf.write_text(poll.question, 11, "B")
    pdf.write_text(fmt.poll_caption(poll), 9, grey=True)
    pdf.ln(1)
    if poll.results_withheld:
        pdf.write_text(" · ".join(option.label for option in poll.options), 9.5)
        return
    _bars(pdf, poll.options, pdf.epw * 0.6)
    for option in poll.options:
        if option.voters:
            pdf.write_text(f"{option.label}: {', '.join(option.voters)}", 9, grey=True)
    if poll.by_sector:
        pdf.ln(1.5)
        pdf.write_text("By sector", 10.5, "B")
        for result in poll.by_sector:
            counts = " · ".join(f"{o.label} {o.votes:,} ({fmt.percent(o.percent)})" for o in result.options)
            voters = fmt.plural(result.voters, "voter")
            pdf.write_text(f"{fmt.sector_row(result.sector)} ({voters}): {counts}", 9.5)
    if poll.reasons:
        _reasons(pdf, poll)


def _reasons(pdf: _Pdf, poll: PollSection) -> None:
    pdf.ln(1.5)
    pdf.write_text("Reasons", 10.5, "B")
    for heading, reasons in fmt.reason_groups(poll):
        pdf.ln(1)
        pdf.write_text(heading, 9.5, "I", grey=True)
        for reason in reasons:
            pdf.write_text(reason.text, 10, indent=5)
            if reason.author:
                pdf.write_text(reason.author, 8.5, "I", indent=5, grey=True)


def _table(
    pdf: _Pdf, header: tuple[str, ...], rows: Sequence[tuple[str, ...]], widths: tuple[int, ...]
) -> None:
    pdf.set_font(FONT, "", 9.5)
    with pdf.table(
        col_widths=widths, text_align=("LEFT",) + ("RIGHT",) * (len(header) - 1), line_height=5
    ) as table:
        for cells in (header, *rows):
            row = table.row()
            for cell in cells:
                row.cell(printable(cell))
    pdf.ln(2)


def _pair(pdf: _Pdf, pair: PairShift) -> None:
    pdf.heading(fmt.one_line(pair.question), 12)
    pdf.write_text(f"Poll {pair.pre_poll} (before) and poll {pair.post_poll} (after)", 9, grey=True)
    rows = [
        (
            s.label,
            f"{s.pre_votes:,} ({fmt.percent(s.pre_percent)})",
            f"{s.post_votes:,} ({fmt.percent(s.post_percent)})",
            fmt.change(s.change_points),
        )
        for s in pair.options
    ]
    _table(pdf, ("Option", "Before", "After", "Change"), rows, (40, 20, 20, 20))
    both = fmt.plural(pair.both, "person", "people")
    pdf.write_text(f"{both} answered both; {pair.changed:,} changed their answer.", 9.5)
    if pair.transitions:
        pdf.ln(1)
        _table(
            pdf,
            ("From", "To", "People"),
            [(t.from_label, t.to_label, f"{t.count:,}") for t in pair.transitions],
            (40, 40, 20),
        )


def _participation(pdf: _Pdf, digest: Digest) -> None:
    part = digest.participation
    pdf.heading("Participation", 14)
    line = fmt.plural(part.participants, "participant")
    if part.invited is not None:
        line += f": {part.invited_participants:,} of {part.invited:,} invited took part"
    pdf.write_text(line + ".")
    pdf.ln(2)
    if digest.questions:
        rows: list[tuple[str, ...]] = [
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
        header = ("Question", "Responses", "Respondents", "Invited who answered", "Rate", "Others")
        _table(pdf, header, rows, (40, 14, 16, 14, 10, 11))
    if part.per_day:
        rows = [(d.date, f"{d.responses:,}") for d in part.per_day]
        _table(pdf, (f"Day ({digest.timezone})", "Responses"), rows, (60, 40))
