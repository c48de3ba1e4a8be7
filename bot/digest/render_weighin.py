"""The weigh-in sections (see `weighin_sections`) laid out for Markdown, HTML, PDF and the Slack summary.

Each function takes the format's own escaping from its caller or applies it here, so every statement (a
participant's answer) is escaped exactly like the answer in the same format's transcript.
"""

from collections.abc import Callable
from html import escape as html_escape
from typing import Protocol

from bot.digest import weighin_sections as ws
from bot.digest.model import Digest, QuestionSection, StatementItem
from bot.digest.opinion_map import opinion_map_svg


def _html(text: str) -> str:
    return html_escape(text, quote=True)


def _line_text(line: ws.StatementLine) -> str:
    note = f"; {line.note}" if line.note else ""
    return f"{line.counts}{note}"


# Markdown ------------------------------------------------------------------------------------------


def markdown_question(question: QuestionSection, md: Callable[[str], str]) -> list[str]:
    out: list[str] = []
    for block in ws.question_blocks(question):
        out += [f"**{block.heading}**", ""]
        for line in block.lines:
            out += [f"- {line.phrase}: “{md(' '.join(line.text.split()))}” — _{md(_line_text(line))}_"]
        out.append("")
    if caption := ws.weighin_caption(question):
        out += [f"_{md(caption)}_", ""]
    return out


def markdown_groups(digest: Digest, md: Callable[[str], str]) -> list[str]:
    if not ws.has_weighin(digest):
        return []
    out = [f"## {ws.GROUPS}", "", md(ws.groups_intro(digest)), ""]
    for group in ws.group_lines(digest):
        out += [f"### {md(group.heading)}", ""]
        if group.note:
            out += [f"_{md(group.note)}_", ""]
        for line in group.statements:
            out.append(f"- {line.phrase}: “{md(' '.join(line.text.split()))}” — _{md(line.counts)}_")
        if group.statements:
            out.append("")
    return out


# HTML ----------------------------------------------------------------------------------------------


def html_question(question: QuestionSection) -> str:
    out: list[str] = []
    blocks = ws.question_blocks(question)
    if not blocks and not question.statements:
        return ""
    out.append('<div class="weighin">\n')
    for block in blocks:
        out.append(f'<h4>{_html(block.heading)}</h4>\n<ul class="statements">\n')
        for line in block.lines:
            out.append(
                f'<li>{_html(line.phrase)}: <q dir="auto">{_html(line.text)}</q> '
                f'<span class="by">{_html(_line_text(line))}</span></li>\n'
            )
        out.append("</ul>\n")
    if caption := ws.weighin_caption(question):
        out.append(f'<p class="meta">{_html(caption)}</p>\n')
    out.append("</div>\n")
    return "".join(out)


def html_groups(digest: Digest) -> str:
    if not ws.has_weighin(digest):
        return ""
    out = [f'<section id="opinion-groups">\n<h2>{ws.GROUPS}</h2>\n<p>{_html(ws.groups_intro(digest))}</p>\n']
    if digest.opinion_groups.shown:
        out.append(opinion_map_svg(digest.opinion_groups) + "\n")
    for group in ws.group_lines(digest):
        out.append(f"<h3>{_html(group.heading)}</h3>\n")
        if group.note:
            out.append(f'<p class="meta">{_html(group.note)}</p>\n')
        if group.statements:
            out.append('<ul class="statements">\n')
            for line in group.statements:
                out.append(
                    f'<li>{_html(line.phrase)}: <q dir="auto">{_html(line.text)}</q> '
                    f'<span class="by">{_html(line.counts)}</span></li>\n'
                )
            out.append("</ul>\n")
    out.append("</section>\n")
    return "".join(out)


# PDF -----------------------------------------------------------------------------------------------


class PdfWriter(Protocol):
    def write_text(
        self, text: str, size: float = ..., style: str = ..., indent: float = ..., grey: bool = ...
    ) -> None: ...

    def heading(self, text: str, size: float) -> None: ...

    def ln(self, h: float | None = None) -> None: ...


def pdf_question(pdf: PdfWriter, question: QuestionSection) -> None:
    for block in ws.question_blocks(question):
        pdf.ln(2)
        pdf.write_text(block.heading, 10.5, "B")
        for line in block.lines:
            pdf.write_text(f"{line.phrase}: “{' '.join(line.text.split())}”", 10, indent=5)
            pdf.write_text(_line_text(line), 8.5, "I", indent=5, grey=True)
    if caption := ws.weighin_caption(question):
        pdf.write_text(caption, 9, grey=True)


def pdf_groups(pdf: PdfWriter, digest: Digest, image: Callable[[bytes], None]) -> None:
    if not ws.has_weighin(digest):
        return
    pdf.heading(ws.GROUPS, 14)
    pdf.write_text(ws.groups_intro(digest))
    if digest.opinion_groups.shown and digest.opinion_groups.points:
        from bot.digest.charts import opinion_map_png

        image(opinion_map_png(digest.opinion_groups))
    for group in ws.group_lines(digest):
        pdf.heading(group.heading, 12)
        if group.note:
            pdf.write_text(group.note, 9, "I", grey=True)
        for line in group.statements:
            pdf.write_text(f"{line.phrase}: “{' '.join(line.text.split())}”", 10, indent=5)
            pdf.write_text(line.counts, 8.5, "I", indent=5, grey=True)


# Slack summary -------------------------------------------------------------------------------------


def summary_text(digest: Digest, escape: Callable[[str], str]) -> str | None:
    """The top agreed and the most divided statement, as mrkdwn; None without a weigh-in."""
    if not ws.has_weighin(digest):
        return None
    lines = ["*Weigh-in*"]
    agreed, divided = ws.top_agreed(digest), ws.most_divided(digest)
    if agreed is not None:
        lines.append(_summary_line("Most agreed", agreed, escape))
    if divided is not None:
        lines.append(_summary_line("Most divided", divided, escape))
    if agreed is None and divided is None:
        lines.append("_No statement had a clear majority or a clear split yet._")
    return "\n".join(lines)


def _summary_line(label: str, statement: StatementItem, escape: Callable[[str], str]) -> str:
    text = " ".join(statement.text.split())
    text = text if len(text) <= 300 else text[:299] + "…"
    return f"• {label}: “{escape(text)}” _({escape(ws.counts(statement))})_"
