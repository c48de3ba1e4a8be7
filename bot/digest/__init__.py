"""The digest: compile a workshop into a `Digest` and render it as Markdown, HTML, PDF, Word, JSON or CSV.

digest = compile_digest(db, "net-zero-2030", audience=Audience.ORGANISERS, display_names=names)
html_bytes = render(digest, "html")

The PDF renderer (fpdf2) is imported only when a PDF is rendered, the Word one (python-docx) only when a
Word file is, and matplotlib only when a chart is drawn,
so importing the web app does not load either (tests/test_lazy_imports.py).
"""

from collections.abc import Callable

from bot.digest.audience import Audience
from bot.digest.charts import opinion_map_png, poll_chart_png
from bot.digest.compile import DigestError, WorkshopNotFound, compile_digest
from bot.digest.model import Digest, PollSection
from bot.digest.render_csv import TABLES as CSV_TABLES
from bot.digest.render_csv import render_csv
from bot.digest.render_html import render_html
from bot.digest.render_json import render_json
from bot.digest.render_markdown import render_markdown
from bot.digest.summary_blocks import summary_blocks

FORMATS = ("md", "html", "pdf", "docx", "json", "csv")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}
_TEXT_RENDERERS: dict[str, Callable[[Digest], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(digest: Digest, fmt: str, *, table: str = "responses") -> bytes:
    """The digest in format `fmt` (see `FORMATS`); `table` picks the CSV table (see `CSV_TABLES`)."""
    if fmt == "pdf":
        from bot.digest.render_pdf import render_pdf

        return render_pdf(digest)
    if fmt == "docx":
        from bot.digest.render_docx import render_docx

        return render_docx(digest)
    if fmt == "csv":
        try:
            return render_csv(digest, table).encode("utf-8")
        except ValueError as exc:
            raise DigestError(str(exc)) from None
    if fmt not in _TEXT_RENDERERS:
        raise DigestError(f"unknown digest format {fmt!r} (use one of: {', '.join(FORMATS)})")
    return _TEXT_RENDERERS[fmt](digest).encode("utf-8")


__all__ = [
    "CSV_TABLES",
    "FORMATS",
    "MEDIA_TYPES",
    "Audience",
    "Digest",
    "DigestError",
    "PollSection",
    "WorkshopNotFound",
    "compile_digest",
    "opinion_map_png",
    "poll_chart_png",
    "render",
    "summary_blocks",
]
