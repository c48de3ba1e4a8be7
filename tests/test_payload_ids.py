"""Row ids carried in Slack payloads and typed by people: each kind has its own parser, which reads back
exactly what Roundtable wrote and refuses anything that cannot name a row."""

from typing import Any

import pytest

from bot.home.blocks import parse_workshop_value
from bot.polls.blocks import parse_poll_value, parse_vote_value, vote_value
from bot.polls.grammar import parse_poll_reference, parse_workshop_choice
from bot.questions.blocks import (
    ANSWER_PRIVATELY_ACTION,
    CONCLUDE_OPTION,
    QUESTION_MENU_ACTION,
    conclusion_modal,
    parse_conclude_value,
    parse_question_value,
    private_answer_modal,
    question_message,
)

NOT_AN_ID = ["", "²", "١٢", "0", "-1", "2147483648", "99999999999", "12a", "1 2"]


def _element(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        element
        for block in message["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    )


def test_a_question_message_s_controls_and_modals_carry_ids_the_question_parsers_read_back() -> None:
    message = question_message(question_id=42, workshop_title="Grid", text="Why?")
    assert parse_question_value(_element(message, ANSWER_PRIVATELY_ACTION)["value"]) == 42
    (option,) = _element(message, QUESTION_MENU_ACTION)["options"]
    assert parse_conclude_value(option["value"]) == 42
    assert parse_question_value(private_answer_modal(42, "Why?")["private_metadata"]) == 42
    assert parse_question_value(conclusion_modal(42, "Why?")["private_metadata"]) == 42


def test_a_menu_option_other_than_conclude_names_no_question() -> None:
    assert parse_conclude_value(f"{CONCLUDE_OPTION}:7") == 7
    assert parse_conclude_value("reopen:7") is None
    assert parse_conclude_value("7") is None
    assert parse_conclude_value(f"{CONCLUDE_OPTION}:²") is None


def test_a_vote_value_reads_back_as_its_poll_and_position() -> None:
    assert parse_vote_value(vote_value(9, 3)) == (9, 3)
    assert parse_vote_value("9:") is None
    assert parse_vote_value("9:123") is None


def test_a_poll_is_named_in_the_close_command_with_or_without_its_hash() -> None:
    assert parse_poll_reference("12") == 12
    assert parse_poll_reference("  #12 ") == 12
    assert parse_poll_reference("#") is None
    assert parse_poll_reference("12 13") is None


@pytest.mark.parametrize("text", NOT_AN_ID)
def test_no_parser_accepts_text_that_cannot_name_a_row(text: str) -> None:
    assert parse_poll_value(text) is None
    assert parse_question_value(text) is None
    assert parse_workshop_value(text) is None
    assert parse_workshop_choice(text) is None
    assert parse_poll_reference(text) is None


def test_a_payload_value_is_read_exactly_as_written_without_trimming() -> None:
    assert [parse_poll_value(" 12"), parse_question_value("12 "), parse_workshop_value(" 12")] == [None] * 3


def test_an_empty_workshop_choice_means_no_workshop() -> None:
    assert parse_workshop_choice(None) is None
    assert parse_workshop_choice("3") == 3
