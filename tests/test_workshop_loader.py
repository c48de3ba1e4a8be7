"""Parsing and validating workshop TOML files: the example loads, and every mistake gets one precise line."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.polls.grammar import PollInputError, PollRequest, build_request
from bot.workshops.catalog import (
    AGREEMENT_SCALE,
    WorkshopFileError,
    WorkshopSpec,
    parse_workshop_file,
    parse_workshop_text,
)
from storage.models import Phase, PollKind

EXAMPLE = Path(__file__).parent.parent / "examples" / "industrial-strategy.toml"
NOW = datetime(2030, 1, 1, tzinfo=UTC)

BASE = """
[workshop]
slug = "test-roundtable"
title = "Test roundtable"
channel = "C0123ABCD"
timezone = "Europe/London"
starts = 2030-05-15T14:00:00
ends = 2030-05-15T17:00:00
organisers = ["U0123ABCD"]
chairs = ["U0456EFGH"]

[[questions]]
text = "First question?"
phase = "pre"
post_at = "3 days before at 09:00"

[[questions]]
text = "Second question?"
phase = "live"
post_at = 2030-05-15T14:30:00
close_at = "at end"

[[questions]]
text = "Third question?"
phase = "post"
post_at = "1 day after at 09:00"

[[polls]]
question = "Agree?"
options = ["Yes", "Partly", "No"]
open_at = "3 days before at 09:00"
pair = "agree"
phase = "pre"

[[polls]]
question = "Agree?"
options = ["Yes", "Partly", "No"]
open_at = "1 day after at 09:00"
pair = "agree"
phase = "post"
"""


def edited(old: str, new: str, text: str = BASE) -> str:
    assert old in text, f"test setup: {old!r} not in the file"
    return text.replace(old, new, 1)


def problems(text: str) -> list[str]:
    with pytest.raises(WorkshopFileError) as caught:
        parse_workshop_text(text, source="x.toml")
    lines: list[str] = caught.value.lines
    assert str(caught.value) == "\n".join(lines)
    return lines


def test_the_example_is_accepted() -> None:
    spec = parse_workshop_file(EXAMPLE)
    assert spec.slug == "industrial-strategy"
    assert spec.channel == "#industrial-strategy"
    assert spec.chatham_house
    assert spec.starts_at == datetime(2017, 5, 15, 13, 0, tzinfo=UTC)
    assert [q.phase for q in spec.questions] == [Phase.PRE, Phase.LIVE, Phase.POST]
    assert spec.questions[0].post_at == datetime(2017, 5, 12, 8, 0, tzinfo=UTC)
    assert [(p.pair, p.phase) for p in spec.polls] == [("replicable", Phase.PRE), ("replicable", Phase.POST)]
    assert spec.polls[0].options == ("Yes", "Partly", "No", "Unsure")
    assert spec.invitees["U0BBB2222"] == "academia"


def test_the_report_table_and_redact_list_are_read_reflowed_and_tidied() -> None:
    text = 'redact = ["Org  A", "Fenland Robotics"]\n' + edited(
        "[[questions]]",
        '[report]\nintro = """\nWhy we met:\nthe cluster.\n\n'
        'Second paragraph.\n"""\npurpose = "To inform policy."\nreported_by = "  The   Policy Unit "\n\n[[questions]]',
    )
    spec = parse_workshop_text(text)
    assert spec.report_intro == "Why we met: the cluster.\n\nSecond paragraph."
    assert (spec.report_purpose, spec.report_reported_by) == ("To inform policy.", "The Policy Unit")
    assert spec.redact == ("Org A", "Fenland Robotics")
    assert spec.digest != parse_workshop_text(BASE).digest


def test_the_report_table_and_redact_list_are_optional() -> None:
    spec = parse_workshop_text(BASE)
    assert (spec.report_intro, spec.report_purpose, spec.report_reported_by, spec.redact) == ("", "", "", ())


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        ('report = "intro"', "x.toml: report: expected a table ([report]), got a string"),
        ("[report]\nintro = 3", "x.toml: report.intro: expected a string, got an integer"),
        ('[report]\nauthor = "me"', "x.toml: report.author: unknown key"),
        ('[report]\nreported = "me"', 'x.toml: report.reported: unknown key (did you mean "reported_by"?)'),
        (
            '[report]\npurpose = "' + "p" * 5001 + '"',
            "x.toml: report.purpose: is 5001 characters; at most 5000 allowed",
        ),
        (
            '[report]\nreported_by = "' + "r" * 301 + '"',
            "x.toml: report.reported_by: is 301 characters; at most 300 allowed",
        ),
        ('redact = "Org A"', "x.toml: redact: expected an array of strings, got a string"),
        ('redact = ["Org A", 7]', "x.toml: redact[1]: expected a string, got an integer"),
        ('redact = ["Org A", " "]', "x.toml: redact[1]: an organisation name must be 1 to 100 characters"),
        ('redact = ["Org A", "org  a"]', 'x.toml: redact[1]: "org a" is already listed (redact[0])'),
        (
            '[workshop.redact]\nname = "Org A"',
            "x.toml: workshop.redact: unknown key (redact is a top-level key: put it above [workshop])",
        ),
    ],
)
def test_report_and_redact_mistakes_get_one_precise_line(addition: str, expected: str) -> None:
    # Top-level keys must come before the first table, so `redact` and `report = …` go first.
    text = addition + "\n" + BASE if not addition.startswith("[") else BASE + "\n" + addition + "\n"
    assert problems(text) == [expected]


def test_a_minimal_file_gets_the_documented_defaults() -> None:
    spec = parse_workshop_text(BASE)
    assert (spec.chatham_house, spec.nudges, spec.description, spec.invite_channel) == (True, True, "", False)
    poll = spec.polls[0]
    assert (poll.kind, poll.anonymous, poll.results_hidden, poll.invite_reason) == (
        PollKind.SINGLE,
        True,
        True,
        False,
    )


def test_poll_options_default_to_yes_no_and_scale_to_agreement() -> None:
    text = edited('options = ["Yes", "Partly", "No"]\nopen_at = "1 day', 'open_at = "1 day')
    text = edited('options = ["Yes", "Partly", "No"]\n', 'kind = "scale"\n', text)
    text = edited('pair = "agree"\nphase = "pre"', 'phase = "pre"', text)
    text = edited('pair = "agree"\nphase = "post"', 'phase = "post"', text)
    spec = parse_workshop_text(text)
    assert spec.polls[0].options == AGREEMENT_SCALE
    assert spec.polls[1].options == ("Yes", "No")


def test_participants_may_be_the_whole_channel() -> None:
    spec = parse_workshop_text(edited('chairs = ["U0456EFGH"]', 'chairs = []\nparticipants = "channel"'))
    assert spec.invite_channel
    assert spec.invitees == {}


def test_digest_ignores_comments_and_path_but_not_content() -> None:
    first = parse_workshop_text(BASE, source="a.toml")
    assert parse_workshop_text("# a comment\n" + BASE, source="b.toml").digest == first.digest
    assert parse_workshop_text(edited("First question?", "First question, reworded?")).digest != first.digest


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('slug = "test-roundtable"\n', "", "x.toml: workshop.slug: missing required key"),
        (
            "post_at = 2030-05-15T14:30:00",
            "post_time = 2030-05-15T14:30:00",
            'x.toml: questions[1].post_time: unknown key (did you mean "post_at"?)',
        ),
        (
            'slug = "test-roundtable"',
            'slug = "Test Roundtable"',
            'x.toml: workshop.slug: "Test Roundtable" is not a valid slug (lowercase letters, digits and single hyphens, at most 64)',
        ),
        (
            'timezone = "Europe/London"',
            'timezone = "Europe/Cambridge"',
            'x.toml: workshop.timezone: unknown timezone "Europe/Cambridge" (use an IANA name such as "Europe/London")',
        ),
        (
            "ends = 2030-05-15T17:00:00",
            "ends = 2030-05-15T13:00:00",
            "x.toml: workshop.ends: Wed 15 May 2030 13:00 BST is not after starts (Wed 15 May 2030 14:00 BST)",
        ),
        (
            "starts = 2030-05-15T14:00:00",
            'starts = "tomorrow"',
            "x.toml: workshop.starts: expected a local date-time like 2017-05-15T14:00:00, got a string",
        ),
        (
            'phase = "post"\npost_at',
            'phase = "during"\npost_at',
            'x.toml: questions[2].phase: unknown phase "during" (use pre, live or post)',
        ),
        ('"Third question?"', '"first   QUESTION?"', "x.toml: questions[2].text: same text as questions[0]"),
        ('"Second question?"', '"  "', "x.toml: questions[1].text: must not be empty"),
        (
            'post_at = "3 days before at 09:00"',
            'post_at = "3 dayz before"',
            'x.toml: questions[0].post_at: cannot read "3 dayz before": use a local date-time or an offset such as '
            '"3 days before at 09:00", "2 hours before", "30 minutes after start" or "at end"',
        ),
        (
            'close_at = "at end"',
            'close_at = "2 hours before"',
            "x.toml: questions[1].close_at: Wed 15 May 2030 12:00 BST is not after post_at (Wed 15 May 2030 14:30 BST)",
        ),
        (
            'options = ["Yes", "Partly", "No"]',
            'options = ["Yes"]',
            "x.toml: polls[0].options: 1 given; a poll needs 2 to 10 options",
        ),
        (
            'options = ["Yes", "Partly", "No"]',
            f"options = {[str(n) for n in range(11)]}",
            "x.toml: polls[0].options: 11 given; a poll needs 2 to 10 options",
        ),
        (
            'options = ["Yes", "Partly", "No"]',
            'options = ["Yes", "Partly", "yes"]',
            'x.toml: polls[0].options[2]: duplicate option "yes"',
        ),
        (
            'options = ["Yes", "Partly", "No"]',
            f'options = ["Yes", "{"x" * 76}"]',
            "x.toml: polls[0].options[1]: is 76 characters; Slack buttons allow at most 75",
        ),
        (
            'organisers = ["U0123ABCD"]',
            'organisers = ["u0123abcd"]',
            'x.toml: workshop.organisers[0]: "u0123abcd" is not a Slack user id (U or W then capitals and digits, e.g. "U0123ABCD")',
        ),
        (
            'channel = "C0123ABCD"',
            'channel = "industrial strategy"',
            'x.toml: workshop.channel: "industrial strategy" is not a channel (a Slack id like "C0123ABCD" or a name like "#my-channel")',
        ),
        (
            'pair = "agree"\nphase = "post"',
            'pair = "agree"\nphase = "pre"',
            'x.toml: polls[1].pair: pair "agree" already has a pre poll (polls[0])',
        ),
        (
            'options = ["Yes", "Partly", "No"]\nopen_at = "1 day',
            'options = ["Yes", "No"]\nopen_at = "1 day',
            'x.toml: polls[1].options: must match polls[0] in pair "agree" (Yes, Partly, No)',
        ),
        (
            'pair = "agree"\nphase = "post"',
            'pair = "agree"',
            "x.toml: polls[1].phase: missing required key (a poll with a pair needs a phase)",
        ),
        (
            'pair = "agree"\nphase = "post"',
            'pair = "agree"\nphase = "post"\nresults = "secret"',
            'x.toml: polls[1].results: unknown results setting "secret" (use hidden or live)',
        ),
        (
            'chairs = ["U0456EFGH"]',
            'chairs = ["U0456EFGH"]\nchatham_house = "yes"',
            "x.toml: workshop.chatham_house: expected true or false, got a string",
        ),
        (
            'chairs = ["U0456EFGH"]',
            'chairs = ["U0456EFGH"]\nparticipants = "everyone"',
            'x.toml: workshop.participants: expected an array of user ids or "channel", got "everyone"',
        ),
        (
            'chairs = ["U0456EFGH"]',
            'chairs = ["U0456EFGH"]\nsectors = { academia = ["U0AAA1111"], industry = ["U0AAA1111"] }',
            'x.toml: workshop.sectors.industry[0]: "U0AAA1111" is already in sector "academia"',
        ),
        ("[workshop]\n", "[workshop]\nfoo = 1\n", "x.toml: workshop.foo: unknown key"),
        (
            '[[questions]]\ntext = "First',
            '[[questions]]\nid = "First One"\ntext = "First',
            'x.toml: questions[0].id: "First One" is not a valid id (lowercase letters, digits and hyphens, at most 64)',
        ),
        (
            '[[polls]]\nquestion = "Agree?"',
            '[[polls]]\nid = ""\nquestion = "Agree?"',
            'x.toml: polls[0].id: "" is not a valid id (lowercase letters, digits and hyphens, at most 64)',
        ),
        (
            '[[polls]]\nquestion = "Agree?"',
            '[[polls]]\nid = 7\nquestion = "Agree?"',
            "x.toml: polls[0].id: expected a string, got an integer",
        ),
        (
            '[[polls]]\nquestion = "Agree?"',
            f'[[polls]]\nid = "{"a" * 65}"\nquestion = "Agree?"',
            "x.toml: polls[0].id: is 65 characters; at most 64 allowed",
        ),
    ],
)
def test_each_mistake_is_reported_on_one_precise_line(old: str, new: str, expected: str) -> None:
    assert expected in problems(edited(old, new))


def test_an_id_names_one_item_of_the_whole_file() -> None:
    text = edited('[[questions]]\ntext = "Third', '[[questions]]\nid = "agree"\ntext = "Third')
    text = edited('[[polls]]\nquestion = "Agree?"', '[[polls]]\nid = "agree"\nquestion = "Agree?"', text)
    text = edited('[[questions]]\ntext = "First', '[[questions]]\nid = "agree"\ntext = "First', text)
    assert problems(text) == [
        'x.toml: questions[2].id: "agree" is already the id of questions[0]',
        'x.toml: polls[0].id: "agree" is already the id of questions[0]',
    ]
    spec = parse_workshop_text(
        edited('[[questions]]\ntext = "First', '[[questions]]\nid = "q-1"\ntext = "First')
    )
    assert [q.file_key for q in spec.questions] == ["q-1", None, None]


def test_a_toml_syntax_error_names_the_line() -> None:
    assert problems(edited('title = "Test roundtable"', "title = Test roundtable")) == [
        "x.toml: line 4, column 9: invalid TOML: Invalid value"
    ]


def test_all_problems_are_reported_together() -> None:
    text = edited(
        'phase = "pre"\npost_at', 'phase = "during"\npost_at', edited('slug = "test-roundtable"\n', "")
    )
    assert problems(text) == [
        "x.toml: workshop.slug: missing required key",
        'x.toml: questions[0].phase: unknown phase "during" (use pre, live or post)',
    ]


def test_a_missing_workshop_table_is_reported() -> None:
    assert problems('[[questions]]\ntext = "Q?"\nphase = "pre"\npost_at = "at start"\n') == [
        "x.toml: workshop: missing required key"
    ]


def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(WorkshopFileError) as caught:
        parse_workshop_file(missing)
    assert caught.value.lines == [f"{missing}: cannot read file: No such file or directory"]


TOML_FRAGMENTS = st.sampled_from(
    [
        "[workshop]\n", "[[questions]]\n", "[[polls]]\n", 'slug = "a"\n', "starts = 2030-01-01T10:00:00\n",
        'timezone = "Europe/London"\n', 'post_at = "at start"\n', "options = [1, 2]\n", "sectors = { a = 1 }\n",
        'phase = "pre"\n', "ends = 2030-01-01T09:00:00\n", 'pair = "p"\n', "= = =\n", "x = [\n",
        "organisers = []\n", 'participants = "channel"\n', "close_at = 10:00:00\n", "text = true\n",
        'timezone = "Asia/Tokyo"\n', "starts = 0001-01-01T00:00:00\n", "ends = 9999-12-31T23:59:59\n",
        'close_at = "9999 weeks after"\n', 'open_at = "9 hours after"\n', 'channel = "#c"\n',
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(TOML_FRAGMENTS, max_size=25).map("".join)))
def test_any_text_either_parses_or_raises_workshop_file_error(text: str) -> None:
    outcome: WorkshopSpec | WorkshopFileError
    try:
        outcome = parse_workshop_text(text)
    except WorkshopFileError as error:
        outcome = error
    if isinstance(outcome, WorkshopFileError):
        assert outcome.lines
        assert all(line.startswith("<workshop>: ") for line in outcome.lines)
    else:
        assert isinstance(outcome, WorkshopSpec)


def test_a_deeply_nested_file_is_refused_on_one_line() -> None:
    assert problems("x = " + "[" * 100_000) == [
        "x.toml: document: invalid TOML: arrays or tables nested too deeply"
    ]
    assert problems(BASE + "\nx = " + "{a = " * 100_000) == [
        "x.toml: document: invalid TOML: arrays or tables nested too deeply"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"Second question?"',
            f'"{"x" * 100_000}"',
            "x.toml: questions[1].text: is 100000 characters; at most 2000 allowed",
        ),
        (
            'question = "Agree?"\noptions = ["Yes", "Partly", "No"]\nopen_at = "3',
            f'question = "{"x" * 100_000}"\noptions = ["Yes", "Partly", "No"]\nopen_at = "3',
            "x.toml: polls[0].question: is 100000 characters; at most 2000 allowed",
        ),
        (
            '"Second question?"',
            f'"{"R&D <and> " * 199}"',
            "x.toml: questions[1].text: is 3979 characters once &, < and > are escaped for Slack; at most 2998 fit",
        ),
        (
            'options = ["Yes", "Partly", "No"]\nopen_at = "3',
            'kind = "scale"\noptions = ["Cold", "Warm", "Hot"]\nopen_at = "3',
            "x.toml: polls[0].options: a scale poll has fixed options (Strongly disagree … Strongly agree); "
            "leave options out",
        ),
        (
            'options = ["Yes", "Partly", "No"]\nopen_at = "3',
            'options = ["Yes", "Partly", "  yes  "]\nopen_at = "3',
            'x.toml: polls[0].options[2]: duplicate option "yes"',
        ),
        (
            'options = ["Yes", "Partly", "No"]\nopen_at = "3',
            'options = ["Yes", "Partly   good", "partly good"]\nopen_at = "3',
            'x.toml: polls[0].options[2]: duplicate option "partly good"',
        ),
    ],
)
def test_questions_and_polls_obey_the_limits_the_inline_grammar_obeys(
    old: str, new: str, expected: str
) -> None:
    assert expected in problems(edited(old, new))


WORDS = st.text(alphabet=st.sampled_from(list("ab&< ")), max_size=90).map(lambda s: " ".join(s.split()))


@settings(max_examples=300, deadline=None)
@given(
    question=st.one_of(WORDS, st.just("q&" * 1100), st.just("q" * 2001)).filter(bool),
    options=st.lists(WORDS, max_size=12),
    kind=st.sampled_from(PollKind),
)
def test_a_file_poll_is_accepted_exactly_when_the_inline_grammar_accepts_it(
    question: str, options: list[str], kind: PollKind
) -> None:
    try:
        inline: PollRequest | PollInputError = build_request(question, options, kind=kind, now=NOW)
    except PollInputError as error:
        inline = error
    file_poll = f"question = {json.dumps(question)}\nkind = {json.dumps(kind.value)}\n"
    if options:
        file_poll += f"options = {json.dumps(options)}\n"
    text = BASE[: BASE.index("[[polls]]")] + f'[[polls]]\n{file_poll}open_at = "at start"\n'
    outcome: WorkshopSpec | WorkshopFileError
    try:
        outcome = parse_workshop_text(text, source="x.toml")
    except WorkshopFileError as error:
        outcome = error
    if isinstance(inline, PollInputError):
        assert isinstance(outcome, WorkshopFileError), str(inline)
        assert outcome.lines[0].startswith(f"x.toml: polls[0].{inline.field}"), (outcome.lines, str(inline))
    else:
        assert isinstance(outcome, WorkshopSpec), outcome
        assert outcome.polls[0].options == inline.options
