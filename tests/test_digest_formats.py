"""Rendering a digest: every format, the JSON schema, escaping, determinism, long content and Slack limits."""

import csv
import html
import io
import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from digest_seed import T0, add_poll, add_question, add_reason, add_response, add_workshop, seed_sample, vote
from pdf_text import pdf_text

from bot.digest import Audience, DigestError, compile_digest, poll_chart_png, render, summary_blocks
from bot.digest.glyphs import printable
from bot.digest.model import Digest, OptionResult, Participation, PollSection
from bot.digest.slacktext import mention_renderer, render_slack_text
from storage.db import Database
from storage.models import Phase

TEXT_FORMATS = ("md", "html", "json", "csv")

# Stored as Slack stores it: & < > escaped. 40,000 characters with emoji, both scripts of RTL and code.
_HEAD = (
    "Opening 😀 with a flamingo 🦩 and a family 👨‍👩‍👧.\n"
    "שלום עולם — مرحبا بالعالم — mixed עברית and English.\n"
    "```\ndef check(x):\n    return x &lt; 1 &amp;&amp; x &gt; -1\n```\n"
)
LONG_STORED = (_HEAD + "evidence " * 5000)[:40_000]
LONG = LONG_STORED.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_workshop_with_replies_and_polls_renders_in_every_format(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    assert render(digest, "md").startswith(b"# Net zero & the grid\n")
    page = render(digest, "html").decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "Net zero &amp; the grid" in page
    assert page.count("<svg") == 4 + 2  # one chart per poll, plus the pair side by side
    assert "<script" not in page
    assert "http" not in page.split("<body>")[0].replace("http://www.w3.org", "")
    assert render(digest, "pdf").startswith(b"%PDF-")
    assert json.loads(render(digest, "json"))["workshop"]["slug"] == "grid"
    assert len(_csv_rows(render(digest, "csv"))) == 4
    assert len(_csv_rows(render(digest, "csv", table="polls"))) == 12
    assert poll_chart_png(digest.polls[0]).startswith(b"\x89PNG\r\n\x1a\n")


def test_json_has_the_documented_keys_and_exact_counts(database: Database) -> None:
    seed_sample(database)
    data = json.loads(
        render(
            compile_digest(database, "grid", audience=Audience.ORGANISERS),
            "json",
        )
    )
    assert data["schema"] == "roundtable.digest/1"
    assert data["workshop"] | {"starts_at": None, "ends_at": None} == {
        "slug": "grid",
        "title": "Net zero & the grid",
        "description": "",
        "channel": "#grid-roundtable",
        "timezone": "America/New_York",
        "starts_at": None,
        "ends_at": None,
        "chatham_house": True,
        "sector_tagging": False,
        "sector_min_group": 3,
    }
    assert data["workshop"]["starts_at"] == "2025-03-04T09:00:00-05:00"
    assert data["summary"] | {"by_phase": None} == {
        "participants": 4,
        "invited": 5,
        "invited_participants": 4,
        "questions": 3,
        "responses": 4,
        "polls": 4,
        "votes": 14,
        "by_phase": None,
    }
    assert [(q["text"], q["phase"], q["response_count"]) for q in data["questions"]] == [
        ("What should the grid prioritise?", "pre", 2),
        ("What blocks delivery?", "live", 2),
        ("What did we miss?", "post", 0),
    ]
    assert data["questions"][0]["responses"][1] == {
        "text": "Interconnectors & demand response",
        "created_at": "2025-03-03T13:00:00-05:00",
        "edited": True,
        "author": None,
        "sector": None,
    }
    assert [(p["question"], p["kind"], p["total_voters"]) for p in data["polls"]] == [
        ("Which first?", "single", 3),
        ("Is net zero by 2030 achievable?", "single", 4),
        ("Is net zero by 2030 achievable?", "single", 4),
        ("Which levers?", "multiple", 2),
    ]
    assert [(o["label"], o["votes"]) for o in data["polls"][3]["options"]] == [
        ("Tax", 1),
        ("Grants", 2),
        ("Rules", 0),
    ]
    (pair,) = data["pairs"]
    assert (pair["pair_key"], pair["pre_poll"], pair["post_poll"], pair["both"], pair["changed"]) == (
        "nz",
        2,
        3,
        3,
        2,
    )
    assert [o["change_points"] for o in pair["options"]] == [50.0, -25.0, -25.0]
    assert pair["transitions"][1] == {"from": "No", "to": "Yes", "count": 1}
    assert data["participation"]["per_day"] == [
        {"date": "2025-03-03", "responses": 2},
        {"date": "2025-03-04", "responses": 2},
    ]


def test_csv_tables_have_one_row_per_response_and_per_poll_option(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    responses = _csv_rows(render(digest, "csv"))
    assert [(r["question_number"], r["response_number"], r["edited"], r["author"]) for r in responses] == [
        ("1", "1", "no", ""),
        ("1", "2", "yes", ""),
        ("2", "1", "no", ""),
        ("2", "2", "no", ""),
    ]
    polls = _csv_rows(render(digest, "csv", table="polls"))
    assert [(r["option_label"], r["votes"], r["percent"]) for r in polls if r["poll_number"] == "4"] == [
        ("Tax", "1", "50.0"),
        ("Grants", "2", "100.0"),
        ("Rules", "0", "0.0"),
    ]
    with pytest.raises(DigestError, match="votes"):
        render(digest, "csv", table="votes")
    with pytest.raises(
        DigestError, match=r"unknown digest format 'odt' \(use one of: md, html, pdf, docx, json, csv\)"
    ):
        render(digest, "odt")


def test_html_escapes_hostile_text_from_every_source(database: Database) -> None:
    hostile = '</textarea><script>alert(1)</script><img src=x "onload=alert(2)>'
    slack_form = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    with database.transaction() as s:
        w = add_workshop(s, title=hostile[:300], description=hostile)
        q = add_question(s, w, 1, hostile, conclusion=slack_form)
        add_response(s, q, "U1", slack_form, T0)
        add_response(s, q, "U2", hostile, T0)  # not Slack-escaped: must still be safe
        add_poll(s, w, 1, hostile, [hostile[:200], "ok"])
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    page = render(digest, "html").decode()
    for bad in ("<script", "</textarea", '"onload=', "<img"):
        assert bad not in page
    assert html.escape(hostile, quote=True) in page
    blocks = json.dumps(summary_blocks(digest))
    assert "<script" not in blocks
    assert "&lt;script&gt;" in blocks


def test_same_data_gives_byte_identical_output(database: Database) -> None:
    seed_sample(database)
    first, second = (
        compile_digest(database, "grid", audience=Audience.ORGANISERS),
        compile_digest(database, "grid", audience=Audience.ORGANISERS),
    )
    assert first == second
    for fmt in (*TEXT_FORMATS, "pdf"):
        assert render(first, fmt) == render(second, fmt), fmt
    assert render(first, "csv", table="polls") == render(second, "csv", table="polls")
    assert poll_chart_png(first.polls[1]) == poll_chart_png(second.polls[1])
    assert summary_blocks(first) == summary_blocks(second)


def test_long_emoji_rtl_and_code_response_survives_every_format(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        add_response(s, add_question(s, w, 1, "Long answers?", Phase.PRE), "U1", LONG_STORED, T0)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    (item,) = digest.questions[0].responses
    assert len(LONG_STORED) == 40_000
    assert item.text == LONG
    # Markdown quotes it line by line, its code fence and "<" escaped to read literally.
    literal = LONG.replace("`", "\\`").replace("<", "&lt;")
    quoted = "\n".join(f"> {line}" if line else ">" for line in literal.split("\n"))
    assert quoted in render(digest, "md").decode()
    assert f'<blockquote dir="auto">{html.escape(LONG)}</blockquote>' in render(digest, "html").decode()
    assert json.loads(render(digest, "json"))["questions"][0]["responses"][0]["text"] == LONG
    assert _csv_rows(render(digest, "csv"))[0]["text"] == LONG
    # The PDF font has no flamingo: it becomes U+FFFD, and everything else is there in order.
    text = "".join(pdf_text(render(digest, "pdf")).split())
    expected = "".join(printable(LONG).split())
    assert "\ufffd" in expected
    assert "😀" in expected
    assert "שלום" in expected
    assert expected in text


def test_csv_neutralises_spreadsheet_formulas(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        add_response(s, add_question(s, w, 1, "=cmd|' /C calc'!A0"), "U1", '=HYPERLINK("x")', T0)
    (row,) = _csv_rows(
        render(
            compile_digest(database, "grid", audience=Audience.ORGANISERS),
            "csv",
        )
    )
    assert row["text"] == '\'=HYPERLINK("x")'
    assert row["question_text"].startswith("'=")


@pytest.mark.parametrize(
    ("stored", "chatham", "expected"),
    [
        ("hi <@U123> and <@U456|bob>", False, "hi Alice and bob"),
        ("hi <@U123> and <@U456|bob>", True, "hi a participant and a participant"),
        ("see <https://x.org/a?b=1&amp;c=2|the paper>", True, "see the paper (https://x.org/a?b=1&c=2)"),
        ("see <https://x.org>", True, "see https://x.org"),
        ("mail <mailto:a@b.org|a@b.org>", True, "mail a@b.org"),
        ("in <#C123|policy> and <#C456>", True, "in #policy and #C456"),
        ("<!channel> <!here> <!everyone> <!subteam^S1|@chairs>", True, "@channel @here @everyone @chairs"),
        ("a &lt;b&gt; &amp;amp; :wave: *bold*", True, "a <b> &amp; :wave: *bold*"),
    ],
)
def test_slack_markup_reads_as_plain_text(stored: str, chatham: bool, expected: str) -> None:
    assert render_slack_text(stored, mention_renderer(chatham, {"U123": "Alice"})) == expected


def _huge_digest() -> Digest:
    """300 polls of 60 long, markup-laden options: far past every Slack limit."""
    options = tuple(OptionResult(n + 1, f"<Option> & {n} " + "x" * 190, n, 1.0) for n in range(60))
    poll = PollSection(1, "Q <&> " * 400, "single", True, None, None, "closed", 1000, 1000, options)
    return Digest(
        slug="huge",
        title="T&<>" * 300,
        description="",
        channel="#c",
        timezone="UTC",
        starts_at=T0,
        ends_at=T0 + timedelta(days=40),
        chatham_house=True,
        phase="all",
        since=None,
        until=None,
        questions=(),
        polls=tuple(replace(poll, number=n + 1) for n in range(300)),
        pairs=(),
        participation=Participation(9999, 10000, 9999, 100_000, 300_000, (), ()),
    )


def test_summary_blocks_stay_within_slack_limits_for_a_huge_workshop() -> None:
    blocks = summary_blocks(_huge_digest())
    assert len(blocks) <= 50
    assert blocks[0]["type"] == "header"
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        text = block.get("text", {}).get("text", "") + "".join(e["text"] for e in block.get("elements", []))
        assert len(text) <= 3000
        assert "<" not in text.replace("&lt;", "")
        assert ">" not in text.replace("&gt;", "")
    assert "more poll results" in blocks[-1]["elements"][0]["text"]


# Cells a spreadsheet program would run as a formula somewhere: after whitespace, a separator or a line break.
HOSTILE_CELLS = [
    "=1+1",
    "x;=1+1",
    "x,=1+1",
    "  =1+1",
    "\n=1+1",
    "first line\n@SUM(A1)",
    "a\t+1",
    "ok\r-2+3",
    "\t=1",
    "\r=1",
    "note; -cmd",
    "＝1+1",
]
HARMLESS_CELLS = ["a - b = c", "R&D, 50%", "Mary-Jane", "e-mail me @ lunch", "2 + 2"]


def test_csv_neutralises_a_formula_wherever_a_spreadsheet_could_start_one(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        q = add_question(s, w, 1, "Hostile cells?")
        for n, text in enumerate(HOSTILE_CELLS + HARMLESS_CELLS):
            add_response(s, q, f"U{n}", text, T0 + timedelta(minutes=n))
        add_poll(s, w, 1, "x;=HYPERLINK(1)", ["a,@SUM(1)", "fine"])
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    texts = [row["text"] for row in _csv_rows(render(digest, "csv"))]
    assert texts == ["'" + text for text in HOSTILE_CELLS] + HARMLESS_CELLS
    polls = _csv_rows(render(digest, "csv", table="polls"))
    assert {row["poll_question"] for row in polls} == {"'x;=HYPERLINK(1)"}
    assert [row["option_label"] for row in polls] == ["'a,@SUM(1)", "fine"]


# Hostile text -> (raw constructs that must not reach the Markdown, words that must survive).
MARKDOWN_ATTACKS = {
    "<img src=x onerror=alert(1)>": (["<img"], ["img src=x onerror=alert(1)"]),
    "![](http://tracker.example/pixel.gif)": (["![", "](http"], ["tracker.example/pixel.gif"]),
    "[click me](http://evil.example)": (["[click", "](http"], ["click me", "evil.example"]),
    "<!-- hidden words -->": (["<!--"], ["hidden words"]),
    "<script>steal()</script>": (["<script", "</script"], ["script", "steal"]),
    "<http://auto.example>": (["<http"], ["auto.example"]),
    "**loud** _slanted_ `code`": (["**loud**", "_slanted_", "`code`"], ["loud", "slanted", "code"]),
    "# Not a heading\n- not a list\n1. not numbered\n> not quoted": (
        ["> # Not", "> - not", "> 1. not", "> > not"],
        ["Not a heading", "not a list", "not numbered", "not quoted"],
    ),
}


def _unescaped(construct: str, markdown: str) -> bool:
    """Whether `construct` occurs in `markdown` without a backslash escaping its first character."""
    return any(
        found.start() == 0 or markdown[found.start() - 1] != "\\"
        for found in re.finditer(re.escape(construct), markdown)
    )


def test_markdown_renders_hostile_participant_and_organiser_text_as_literal_text(database: Database) -> None:
    attacks = list(MARKDOWN_ATTACKS)
    with database.transaction() as s:
        w = add_workshop(s, chatham=False, title=attacks[0], description=attacks[1])
        q = add_question(s, w, 1, attacks[2], conclusion=attacks[3])
        for n, attack in enumerate(attacks):
            add_response(s, q, f"U{n}", attack, T0 + timedelta(minutes=n))
        poll, options = add_poll(s, w, 1, attacks[4], [attacks[5], attacks[6]], anonymous=False)
        vote(s, poll, options[0], "U1", user_id="U1")
        add_reason(s, poll, "U1", attacks[7], user_id="U1")
    names = {"U1": attacks[6]}  # a display name is participant text too
    markdown = render(
        compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=names), "md"
    )
    text = markdown.decode()
    for attack, (dangerous, words) in MARKDOWN_ATTACKS.items():
        for construct in dangerous:
            assert not _unescaped(construct, text), (attack, construct)
            if construct.startswith("<"):  # an entity, not a backslash: not every flavour honours "\\<"
                assert construct not in text, (attack, construct)
        for word in words:
            assert word in text, (attack, word)
