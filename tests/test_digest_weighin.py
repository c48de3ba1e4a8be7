"""The digest's weigh-in sections: per-question verdicts with counts that follow the Pol.is formulas, the
workshop's opinion groups (hidden below the minimum group), the JSON shape, the CSV table, the audience."""

import csv
import io
import json
from datetime import timedelta

import pytest
from digest_seed import (
    T0,
    add_question,
    add_response,
    add_workshop,
    every_format,
    tally,
    weighin_votes,
)

from bot.digest import Audience, compile_digest, render, summary_blocks
from bot.digest import weighin_sections as ws
from bot.digest.model import Digest, StatementItem
from bot.weighin.measures import majority_side
from storage.db import Database
from storage.models import ResponseSource

AUTHORS = ["U0AUTH01", "U0AUTH02", "U0AUTH03", "U0AUTH04", "U0AUTH05", "U0AUTH06", "U0AUTH07", "U0AUTH08"]
# (text, agree, disagree, pass): a room of ten voters with known verdicts.
ROOM = [
    ("Housing comes first", 9, 1, 0),  # majority agree, 90 %: broad agreement
    ("Tax land, not homes", 7, 3, 0),  # majority agree (z = 1.51), 70 %: most agreed
    ("Ban cars from the centre", 1, 8, 1),  # majority disagree: rejected
    ("Build on the green belt", 5, 5, 0),  # no majority, 50/50 over 10: divided
    ("Rent caps would work", 3, 2, 5),  # half passed: unsure
    ("Move the station", 2, 1, 0),  # three views: raised but not tested
    ("Off-topic lunch order", 6, 0, 0),  # excluded from the deck by the chair
]


def seed_room(database: Database, *, chatham: bool = True) -> None:
    with database.transaction() as s:
        w = add_workshop(s, "room", chatham=chatham)
        q = add_question(s, w, 1, "What should the city do about housing?")
        for index, (text, agree, disagree, passed) in enumerate(ROOM):
            answer = add_response(
                s, q, AUTHORS[index], text, T0 + timedelta(minutes=index), excluded_from_deck=index == 6
            )
            weighin_votes(s, answer, tally(agree, disagree, passed))
        private = add_response(s, q, AUTHORS[7], "PRIVATE-ANSWER-TEXT", T0, source=ResponseSource.PRIVATE)
        weighin_votes(s, private, tally(9))  # never in the deck: these views must not count
        deleted = add_response(s, q, AUTHORS[7], "DELETED-ANSWER-TEXT", T0, deleted_at=T0)
        weighin_votes(s, deleted, tally(9))


def room_digest(database: Database, audience: Audience = Audience.ORGANISERS) -> Digest:
    seed_room(database)
    return compile_digest(database, "room", audience=audience)


def by_text(digest: Digest) -> dict[str, StatementItem]:
    return {s.text: s for q in digest.questions for s in q.statements}


def test_each_statement_gets_the_counts_and_verdicts_of_the_formulas(database: Database) -> None:
    statements = by_text(room_digest(database))
    assert list(statements) == [text for text, *_ in ROOM]  # private and deleted answers are not in the deck
    for text, agree, disagree, passed in ROOM:
        s = statements[text]
        assert (s.seen, s.agree, s.disagree, s.passed) == (agree + disagree + passed, agree, disagree, passed)
    assert statements["Housing comes first"].majority == "agree"
    assert statements["Tax land, not homes"].majority == majority_side(7, 3, 10) == "agree"
    assert statements["Ban cars from the centre"].majority == "disagree"
    assert statements["Build on the green belt"].divided
    assert statements["Build on the green belt"].majority is None
    assert statements["Rent caps would work"].uncertain
    assert not statements["Move the station"].tested
    assert statements["Off-topic lunch order"].excluded
    assert statements["Off-topic lunch order"].majority is None


def test_statements_fall_under_the_headings_of_the_phrase_ladder(database: Database) -> None:
    (question,) = room_digest(database).questions
    blocks = {
        block.heading: [(line.phrase, line.text) for line in block.lines]
        for block in ws.question_blocks(question)
    }
    assert blocks == {
        ws.AGREED: [
            (ws.BROAD, "Housing comes first"),
            (ws.MOST_AGREED, "Tax land, not homes"),
            (ws.REJECTED, "Ban cars from the centre"),
        ],
        ws.DIVIDED: [(ws.SPLIT, "Build on the green belt")],
        ws.OPEN: [(ws.UNSURE, "Rent caps would work")],
        ws.UNTESTED: [(ws.RAISED, "Move the station")],
    }


def test_markdown_html_and_pdf_say_it_with_the_counts(database: Database) -> None:
    outputs = every_format(room_digest(database))
    for fmt in ("md", "html", "pdf-text"):
        text = outputs[fmt]
        for heading in (ws.AGREED, ws.DIVIDED, ws.OPEN, ws.UNTESTED, ws.GROUPS):
            assert heading in text, (fmt, heading)
        assert "There was broad agreement that" in text
        assert "9 agree · 1 disagree · 0 pass (10 views)" in text
        assert "too few votes to identify opinion groups" in text
        assert "1 answer taken out as off topic" in text


def test_json_statements_and_opinion_groups_have_the_pinned_shape(database: Database) -> None:
    data = json.loads(render(room_digest(database), "json"))
    (question,) = data["questions"]
    first = question["statements"][0]
    assert list(first) == [
        "text",
        "seen",
        "agree",
        "disagree",
        "pass",
        "majority",
        "uncertain",
        "divided",
        "excluded",
    ]
    assert first == {
        "text": "Housing comes first",
        "seen": 10,
        "agree": 9,
        "disagree": 1,
        "pass": 0,
        "majority": "agree",
        "uncertain": False,
        "divided": False,
        "excluded": False,
    }
    assert [s["majority"] for s in question["statements"]] == [
        "agree",
        "agree",
        "disagree",
        None,
        None,
        None,
        None,
    ]
    assert data["opinion_groups"] == {
        "shown": False,
        "reason": "too few votes to identify opinion groups",
        "voters": 3,  # voted on min(7, 6 statements in the deck) = 6: only the first three keys
        "groups": [],
    }


def test_json_of_a_workshop_nobody_weighed_in_on_has_empty_statements(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s, "quiet")
        q = add_question(s, w, 1, "Anything?")
        add_response(s, q, AUTHORS[0], "Something", T0)
    digest = compile_digest(database, "quiet", audience=Audience.ORGANISERS)
    data = json.loads(render(digest, "json"))
    assert data["questions"][0]["statements"] == []
    assert data["opinion_groups"]["shown"] is False
    assert ws.GROUPS not in render(digest, "md").decode()


def test_csv_statements_table_has_one_row_per_statement_and_guards_formulas(database: Database) -> None:
    seed_room(database)
    with database.transaction() as s:
        w = add_workshop(s, "formula")
        q = add_question(s, w, 1, "Sums?")
        answer = add_response(s, q, AUTHORS[0], '=HYPERLINK("http://x")', T0)
        weighin_votes(s, answer, tally(1))
    rows = list(
        csv.reader(
            io.StringIO(
                render(room_digest_of(database, "room"), "csv", table="statements").decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == [
        "question_number", "statement_number", "text", "seen", "agree", "disagree", "pass",
        "majority", "uncertain", "divided", "excluded", "tested",
    ]  # fmt: skip
    assert rows[1] == ["1", "1", "Housing comes first", "10", "9", "1", "0", "agree", "no", "no", "no", "yes"]
    assert len(rows) == 1 + len(ROOM)
    formula = render(room_digest_of(database, "formula"), "csv", table="statements").decode("utf-8-sig")
    assert "'=HYPERLINK" in formula


def room_digest_of(database: Database, slug: str) -> Digest:
    return compile_digest(database, slug, audience=Audience.ORGANISERS)


def test_the_channel_sees_the_same_statements_and_counts_as_organisers(database: Database) -> None:
    seed_room(database)
    organisers = room_digest_of(database, "room")
    channel = compile_digest(database, "room", audience=Audience.CHANNEL)
    assert channel.questions[0].statements == organisers.questions[0].statements
    assert "PRIVATE-ANSWER-TEXT" not in render(channel, "md").decode()


def test_slack_summary_names_the_top_agreed_and_the_most_divided_statement(database: Database) -> None:
    text = json.dumps(summary_blocks(room_digest(database)), ensure_ascii=False)
    assert "Most agreed: “Housing comes first”" in text
    assert "Most divided: “Build on the green belt”" in text


# Opinion groups -------------------------------------------------------------------------------------

CAMP_STATEMENTS = [f"Camp statement {n}" for n in range(8)]


def seed_camps(database: Database, *, big: int, small: int, min_group: int) -> None:
    """Two camps that vote opposite ways on every statement: `big` agree with all, `small` disagree."""
    with database.transaction() as s:
        w = add_workshop(s, "camps", sector_min_group=min_group)
        q = add_question(s, w, 1, "Where next?")
        for index, text in enumerate(CAMP_STATEMENTS):
            answer = add_response(s, q, AUTHORS[index], text, T0 + timedelta(minutes=index))
            views = {f"big{n:02d}": 1 for n in range(big)} | {f"small{n:02d}": -1 for n in range(small)}
            weighin_votes(s, answer, views)


def test_two_camps_come_out_as_two_groups_of_their_sizes(database: Database) -> None:
    seed_camps(database, big=10, small=8, min_group=3)
    digest = room_digest_of(database, "camps")
    groups = digest.opinion_groups
    assert groups.shown
    assert groups.voters == 18
    assert [(g.label, g.size) for g in groups.groups] == [("A", 10), ("B", 8)]
    assert all(g.statements for g in groups.groups)
    assert {s.direction for s in groups.groups[1].statements} == {"disagree"}
    assert len(groups.points) == 18
    assert {label for *_, label in groups.points} == {"A", "B"}
    html = render(digest, "html").decode()
    assert 'class="chart opinion-map"' in html
    assert html.count("<circle") == 18 + 2


def test_a_group_smaller_than_the_minimum_shows_no_distinguishing_statements(database: Database) -> None:
    seed_camps(database, big=14, small=4, min_group=5)
    digest = room_digest_of(database, "camps")
    small = digest.opinion_groups.groups[1]
    assert (small.size, small.below_min_group, small.statements) == (4, True, ())
    data = json.loads(render(digest, "json"))
    assert data["opinion_groups"]["groups"][1] == {"label": "B", "size": 4, "statements": []}
    md = render(digest, "md").decode()
    assert "Fewer than 5 people: what distinguishes this group is not shown." in md


def test_fewer_than_fifteen_voters_get_the_reason_instead_of_groups(database: Database) -> None:
    seed_camps(database, big=8, small=6, min_group=3)
    digest = room_digest_of(database, "camps")
    assert not digest.opinion_groups.shown
    assert digest.opinion_groups.voters == 14
    assert (
        "No opinion groups: too few votes to identify opinion groups (14 people"
        in render(digest, "md").decode()
    )


@pytest.mark.parametrize("fmt", ["md", "html", "json", "blocks", "pdf-text", "csv-statements"])
def test_no_voter_key_or_author_appears_in_any_weighin_output(database: Database, fmt: str) -> None:
    seed_camps(database, big=10, small=8, min_group=3)
    outputs = every_format(room_digest_of(database, "camps"))
    for needle in ("big0", "small0", *AUTHORS):
        assert needle.lower() not in outputs[fmt].lower()
