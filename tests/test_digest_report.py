"""The digest reads like a roundtable report, in every format: framing, summary, key points, appendix."""

import html
import io
import json
from dataclasses import replace

import docx
import pytest
from pdf_text import pdf_text
from report_sample import (
    ANSWERS,
    INTRO,
    PURPOSE,
    REPORTED_BY,
    docx_outline,
    report_digest,
    with_statements,
)

from bot.digest import render

# The report's parts, in the order a reader meets them (Markdown headings).
MARKDOWN_ORDER = [
    "# Industrial strategy and the role of place",
    "Held under the Chatham House Rule",
    "## Introduction",
    INTRO,
    "## Purpose",
    PURPOSE,
    "## Participants",
    "12 participants from academia, industry and other sectors.",
    "1. What made the Cambridge cluster succeed?",
    "## Executive summary",
    "- Question 1 — suggested themes: city deal · research funding; transport links · wider region",
    "## Questions",
    "### Question 1 · Before the event",
    "#### Suggested themes",
    "- **city deal · research funding** — Several participants raised this (3 of 7 answers).",
    f"  > {ANSWERS[0]}",
    "- **transport links · wider region** — Two participants raised this (2 of 7 answers).",
    "Other points: 2 other answers did not fall under a theme",
    "### Question 2 · After the event",
    "## Polls",
    "### Poll 1",
    "## Before and after",
    "## Participation",
    "## Appendix: the answers in full",
    "### Answers to question 1",
    f"> {ANSWERS[6]}",
    "### Answers to question 2",
]


def _in_order(text: str, parts: list[str]) -> list[str]:
    """The parts missing or out of order; empty when each appears after the one before it."""
    wrong, position = [], 0
    for part in parts:
        found = text.find(part, position)
        if found == -1:
            wrong.append(part)
        else:
            position = found + len(part)
    return wrong


def test_markdown_report_reads_title_framing_summary_key_points_polls_then_the_appendix() -> None:
    markdown = render(report_digest(), "md").decode()
    assert _in_order(markdown, MARKDOWN_ORDER) == []
    assert f"Reported by {REPORTED_BY}." in markdown.split("## Introduction")[0]
    # Every answer is in the appendix, and answers quoted as key points are not repeated in the body.
    appendix = markdown.split("## Appendix")[1]
    assert all(answer in appendix for answer in ANSWERS)
    body = markdown.split("## Appendix")[0]
    assert ANSWERS[5] not in body


def test_html_report_has_the_same_parts_in_the_same_order() -> None:
    page = render(report_digest(), "html").decode()
    order = [
        "<h1",
        "Chatham House Rule",
        '<section id="intro">',
        '<section id="purpose">',
        '<section id="participants">',
        "12 participants from academia, industry and other sectors.",
        "Questions posed",
        '<section id="summary">',
        "Question 1 — suggested themes: city deal · research funding",
        '<section id="questions">',
        '<article class="question" id="q1">',
        "<h4>Suggested themes</h4>",
        "city deal · research funding</strong> — Several participants raised this (3 of 7 answers).",
        f'<blockquote dir="auto">{ANSWERS[0]}</blockquote>',
        '<article class="question" id="q2">',
        '<section id="polls">',
        '<section id="pairs">',
        '<section id="participation">',
        '<section id="appendix">',
        '<article class="answers" id="a1">',
        '<article class="answers" id="a2">',
        "</main>",
    ]
    assert _in_order(page, order) == []


def test_curated_key_points_are_headed_key_points_without_the_suggestion_note() -> None:
    digest = report_digest()
    first, second = digest.questions
    curated = tuple(replace(point, suggested=False) for point in first.key_points)
    digest = replace(digest, questions=(replace(first, key_points=curated), second))
    markdown = render(digest, "md").decode()
    assert "#### Key points" in markdown
    assert "Suggested themes" not in markdown
    assert "- Question 1 — key points: city deal" in markdown
    assert "not yet been reviewed" not in render(digest, "html").decode()


def test_without_weigh_in_data_the_summary_names_no_statement_and_with_it_every_format_does() -> None:
    plain, weighed = report_digest(), with_statements(report_digest())
    for fmt in ("md", "html", "docx"):
        assert "most agreed" not in _text(plain, fmt)
        text = _text(weighed, fmt)
        assert "Participants most agreed that: “Transport links matter most.”" in text, fmt
        assert "Views were most divided on: “Sector deals pick winners.”" in text, fmt
    summary = json.loads(render(weighed, "json"))["report"]["executive_summary"]
    assert (summary["most_agreed"], summary["most_divided"]) == (
        ["Transport links matter most."],
        ["Sector deals pick winners."],
    )


def test_the_summary_gives_the_largest_before_and_after_shift() -> None:
    line = "“Can the cluster's success be replicated?”: “No” fell from 30.0% before to 0.0% after (-30.0 pts"
    for fmt in ("md", "html", "docx", "pdf"):
        assert line in _text(report_digest(), fmt), fmt


def test_json_adds_the_report_and_key_points_and_keeps_the_transcript() -> None:
    data = json.loads(render(report_digest(), "json"))
    assert data["report"]["intro"] == INTRO
    assert data["report"]["purpose"] == PURPOSE
    assert data["report"]["reported_by"] == REPORTED_BY
    assert data["report"]["participant_sectors"] == ["academia", "industry"]
    first = data["questions"][0]
    assert first["key_points_suggested"] is True
    assert first["key_points"][0] == {
        "label": "city deal · research funding",
        "answer_count": 3,
        "quotes": ANSWERS[:2],
        "suggested": True,
    }
    assert first["other_points_count"] == 2
    assert [r["text"] for r in first["responses"]] == ANSWERS


def test_word_file_reopens_with_real_headings_in_report_order() -> None:
    outline = docx_outline(render(report_digest(), "docx"))
    headings = [(style, text) for style, text in outline if style.startswith(("Heading", "Title"))]
    assert headings == [
        ("Title", "Industrial strategy and the role of place"),
        ("Heading 1", "Introduction"),
        ("Heading 1", "Purpose"),
        ("Heading 1", "Participants"),
        ("Heading 1", "Executive summary"),
        ("Heading 1", "Questions"),
        ("Heading 2", "Question 1 · Before the event"),
        ("Heading 3", "Suggested themes"),
        ("Heading 2", "Question 2 · After the event"),
        ("Heading 1", "Polls"),
        ("Heading 2", "Poll 1"),
        ("Heading 2", "Poll 2"),
        ("Heading 1", "Before and after"),
        ("Heading 2", "Can the cluster's success be replicated?"),
        ("Heading 1", "Participation"),
        ("Heading 1", "Appendix: the answers in full"),
        ("Heading 2", "Answers to question 1"),
        ("Heading 2", "Answers to question 2"),
    ]
    bullets = [text for style, text in outline if style == "List Bullet"]
    assert "city deal · research funding — Several participants raised this (3 of 7 answers)." in bullets
    assert ("Quote", ANSWERS[0]) in outline
    assert [text for style, text in outline if style == "List Number"] == [
        "What made the Cambridge cluster succeed?",
        "Where do place-based and sector-based policy meet?",
    ]


def test_word_file_has_a_table_and_a_chart_image_per_poll() -> None:
    document = docx.Document(io.BytesIO(render(report_digest(), "docx")))
    assert len(document.inline_shapes) == 2
    poll_tables = [t for t in document.tables if t.rows[0].cells[0].text == "Option"]
    assert [[c.text for c in row.cells] for row in poll_tables[0].rows] == [
        ["Option", "Votes", "Share"],
        ["Yes", "2", "20.0%"],
        ["Partly", "5", "50.0%"],
        ["No", "3", "30.0%"],
    ]
    assert document.core_properties.author == "Roundtable"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("bell\x07 and nul\x00 inside", "bell\ufffd and nul\ufffd inside"),
        ("lone \ud800 here", "lone \ufffd here"),
    ],
)
def test_word_file_shows_characters_xml_cannot_hold_as_replacement_characters(text: str, shown: str) -> None:
    outline = docx_outline(render(report_digest(description=text), "docx"))
    assert ("Normal", shown) in outline


def _text(digest: object, fmt: str) -> str:
    data = render(digest, fmt)  # type: ignore[arg-type]
    if fmt == "docx":
        return "\n".join(text for _, text in docx_outline(data))
    if fmt == "pdf":
        return " ".join(pdf_text(data).split())  # lines are wrapped at the page width
    return html.unescape(data.decode()) if fmt == "html" else data.decode()
