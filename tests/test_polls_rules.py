"""The poll rules without Slack: the `/roundtable poll` grammar, validation, voter keys and Block Kit limits."""

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.polls import blocks as poll_blocks
from bot.polls.grammar import (
    AGREEMENT_SCALE,
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_REASON_LENGTH,
    PollInputError,
    PollRequest,
    clean_reason,
    parse_command,
    split_parts,
)
from bot.polls.rules import OptionCount, PollView, ReasonPrompt, voter_key
from storage.models import Poll, PollKind, PollState

NOW = datetime(2030, 5, 15, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def parse(text: str) -> PollRequest:
    return parse_command(text, now=NOW, tz=LONDON)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list('ab |"“”„<>@!-—=:0123456789\n')) | st.characters(), max_size=120)
)
def test_any_input_gives_a_valid_poll_or_a_clear_error(text: str) -> None:
    problem: PollInputError | None = None
    try:
        request = parse(text)
    except PollInputError as error:
        problem = error
    if problem is not None:
        assert str(problem)
        assert "\n" not in str(problem)
        assert problem.field in ("question", "options", "close_at")
        return
    assert request.question
    assert 2 <= len(request.options) <= MAX_OPTIONS
    assert all(0 < len(option) <= MAX_OPTION_LENGTH for option in request.options)
    assert len({option.casefold() for option in request.options}) == len(request.options)
    assert request.close_at is None or request.close_at > NOW


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters='|"“”„<\n\r'), min_size=1, max_size=30).filter(
            lambda s: s.strip()
        ),
        min_size=3,
        max_size=8,
        unique_by=lambda s: " ".join(s.split()).casefold(),
    )
)
def test_pipe_separated_parts_round_trip(parts: list[str]) -> None:
    if any(part.strip().startswith(("-", "—", "–")) for part in parts[:1]):
        return  # a leading dash reads as a flag
    request = parse(" | ".join(parts))
    assert request.question == " ".join(parts[0].split())
    assert request.options == tuple(" ".join(part.split()) for part in parts[1:])


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Q? | Yes | No", ["Q?", "Yes", "No"]),
        ('"Q | with pipe?" "Yes" "No"', ["Q | with pipe?", "Yes", "No"]),
        ("“Curly?” | “A | B” | C", ["Curly?", "A | B", "C"]),
        ('Is "levelling up" working? | Yes | No', ['Is "levelling up" working?', "Yes", "No"]),
        ("See <https://a.example|label> | Yes | No", ["See <https://a.example|label>", "Yes", "No"]),
        ('"Just a question"', ["Just a question"]),
    ],
)
def test_split_parts(text: str, parts: list[str]) -> None:
    assert split_parts(text) == parts


def test_flags_set_kind_anonymity_results_and_close_time() -> None:
    request = parse("--multi --named --live --close=90m Which levers? | Skills | Finance")
    assert (request.kind, request.anonymous, request.results_hidden) == (PollKind.MULTIPLE, False, False)
    assert request.close_at == NOW + timedelta(minutes=90)
    assert parse("—scale Agree?").options == AGREEMENT_SCALE
    assert parse("--close=17:30 Q?").close_at == datetime(2030, 5, 15, 16, 30, tzinfo=UTC)  # BST
    assert parse("--close=2030-05-16T09:00 Q?").close_at == datetime(2030, 5, 16, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("--close=11:00 Q?", "The close time 11:00 today (Europe/London) is in the past"),
        ("--close=25:00 Q?", "`25:00` is not a time of day"),
        ("--close=0m Q?", "is not in the future"),
        ("--close=9999d Q?", "at most a year"),
        ("--close=99999-01-01 Q?", "Cannot read the close time"),
    ],
)
def test_bad_close_times(text: str, message: str) -> None:
    with pytest.raises(PollInputError, match=re.escape(message)) as raised:
        parse(text)
    assert raised.value.field == "close_at"


def test_voter_key_is_keyed_scoped_and_shared_across_a_pair() -> None:
    secret = b"k" * 32
    lone = Poll(id=1, question="q", anonymous=True)
    pre = Poll(id=2, question="q", anonymous=True, workshop_id=7, pair_key="p", phase="pre")
    post = Poll(id=3, question="q", anonymous=True, workshop_id=7, pair_key="p", phase="post")
    assert voter_key(secret, lone, "U1") != voter_key(secret, Poll(id=9, question="q"), "U1")
    assert voter_key(secret, pre, "U1") == voter_key(secret, post, "U1") != voter_key(secret, pre, "U2")
    assert voter_key(b"other" * 8, pre, "U1") != voter_key(secret, pre, "U1")
    assert len(voter_key(secret, lone, "U1")) == 64
    assert voter_key(secret, Poll(id=4, question="q", anonymous=False), "U1") == "U1"


def view(options: int, *, state: PollState = PollState.OPEN, label: str = "x" * 75) -> PollView:
    return PollView(
        poll_id=123456,
        version=3,
        question="<!channel> " + "q" * (2000 - 11),
        kind=PollKind.SINGLE,
        anonymous=True,
        results_hidden=False,
        state=state,
        close_at=NOW,
        workshop_title="W" * 300,
        voters=7,
        options=[OptionCount(i, f"{i}{label}"[:75], i) for i in range(options)],
    )


@pytest.mark.parametrize("options", [2, 5, 6, 10])
@pytest.mark.parametrize("state", [PollState.OPEN, PollState.CLOSED])
def test_poll_message_stays_inside_block_kit_limits(options: int, state: PollState) -> None:
    message = poll_blocks.poll_message(view(options, state=state, label="&" * 75))
    blocks = message["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        texts = [block.get("text")] if block.get("text") else block.get("elements", [])
        for text in texts:
            if text.get("type") in ("mrkdwn", "plain_text"):
                assert len(text["text"]) <= 3000
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert len({e["action_id"] for e in block["elements"]}) == len(block["elements"])
            for element in block["elements"]:
                assert len(element.get("text", {}).get("text", "")) <= 75
                assert len(element.get("options", [])) <= 100
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]
    selects = [
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "static_select"
    ]
    if state == PollState.CLOSED:
        assert not buttons
        assert not selects
    elif options <= poll_blocks.MAX_BUTTONS:
        assert len(buttons) == options + 2
        assert not selects
    else:
        assert len(selects) == 1
        assert len(buttons) == 2
    assert "<!channel>" not in message["text"]


def test_create_modal_fits_view_limits() -> None:
    modal = poll_blocks.create_modal("C1", "general", [(i, f"Workshop {i}") for i in range(150)])
    assert len(modal["blocks"]) <= 100
    assert all(len(modal[key]["text"]) <= 24 for key in ("title", "submit", "close"))
    [workshops] = [b for b in modal["blocks"] if b["block_id"] == "workshop"]
    assert len(workshops["element"]["options"]) == 100


def test_result_line_draws_a_bar() -> None:
    assert poll_blocks.result_line(OptionCount(0, "Yes <b>", 3), 4) == "`████████░░` 75% (3) Yes &lt;b&gt;"
    assert poll_blocks.result_line(OptionCount(0, "No", 0), 0) == "`░░░░░░░░░░` 0% (0) No"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Finance  first,\tthen skills ", "Finance first, then skills"),
        ("x" * MAX_REASON_LENGTH, "x" * MAX_REASON_LENGTH),
    ],
)
def test_reason_is_one_clean_line(text: str, expected: str) -> None:
    assert clean_reason(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "Write a reason before sending it"),
        (" \n ", "Write a reason before sending it"),
        ("x" * (MAX_REASON_LENGTH + 1), "A reason is limited to 200 characters; this one has 201."),
    ],
)
def test_bad_reasons_name_the_reason_field(text: str | None, message: str) -> None:
    with pytest.raises(PollInputError, match=re.escape(message)) as raised:
        clean_reason(text)
    assert raised.value.field == "reason"


def test_vote_reply_offers_a_reason_button_only_when_asked() -> None:
    assert poll_blocks.vote_reply("You voted *Yes*.", 7, offer_reason=False) == {"text": "You voted *Yes*."}
    offered = poll_blocks.vote_reply("You voted *Yes*.", 7, offer_reason=True)
    [button] = offered["blocks"][1]["elements"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        poll_blocks.ADD_REASON_ACTION,
        "7",
        "Add a reason",
    )


def test_reason_modal_is_one_line_of_200_prefilled_and_escaped() -> None:
    prompt = ReasonPrompt(7, "Ping <!channel>?" + "?" * 3000, anonymous=True, current="Because.")
    modal = poll_blocks.reason_modal(prompt)
    assert (modal["callback_id"], modal["private_metadata"]) == (poll_blocks.REASON_CALLBACK, "7")
    assert all(len(modal[key]["text"]) <= 24 for key in ("title", "submit", "close"))
    section, field = modal["blocks"]
    assert "&lt;!channel&gt;" in section["text"]["text"]
    assert len(section["text"]["text"]) <= 3000
    assert field["block_id"] == field["element"]["action_id"] == "reason"
    assert (field["element"]["multiline"], field["element"]["max_length"]) == (False, MAX_REASON_LENGTH)
    assert field["element"]["initial_value"] == "Because."
    assert "without your name" in field["hint"]["text"]


@pytest.mark.parametrize(
    ("text", "message", "field"),
    [
        ("Q? | Yes | " + "x" * 76, "Option 2 is 76 characters; Slack buttons allow at most 75.", "options"),
        ("Q? | Yes | Maybe |  yes ", "Option 3 (“yes”) repeats option 1.", "options"),
        ("--scale Q? | Cold | Hot", "An agreement-scale poll has fixed options", "options"),
        ("Q? | Yes", "A poll needs at least 2 options; only “Yes” was given.", "options"),
        ("x" * 2001, "The question is 2001 characters; the limit is 2000.", "question"),
        (
            "&" * 700 + "?",
            "The question is 3501 characters once &, < and > are escaped for Slack; the limit is 2998.",
            "question",
        ),
    ],
)
def test_inline_polls_are_refused_by_the_limits_files_obey_with_their_own_messages(
    text: str, message: str, field: str
) -> None:
    with pytest.raises(PollInputError, match=re.escape(message)) as raised:
        parse(text)
    assert raised.value.field == field


def test_the_longest_question_accepted_is_posted_whole() -> None:
    question = "&" * 599 + "xyz"  # 2,998 characters once escaped, 3,000 in bold
    request = parse(f"{question} | Yes | No")
    message = poll_blocks.poll_message(dataclasses.replace(view(2), question=request.question))
    assert f"*{'&amp;' * 599}xyz*" in [
        block["text"]["text"] for block in message["blocks"] if "text" in block
    ]
    with pytest.raises(PollInputError, match="once &, < and > are escaped"):
        parse(f"{question}! | Yes | No")
