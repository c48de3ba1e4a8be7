"""The `/roundtable` subcommand grammar: any text parses to a subcommand, never an exception."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import ArgumentError, parse, poll_to_close


def test_empty_text_means_help() -> None:
    assert parse("   ").name == "help"


def test_subcommand_is_case_insensitive_and_arguments_are_kept() -> None:
    invocation = parse("  POLL Is it? | Yes |  No  ")
    assert (invocation.name, invocation.arguments) == ("poll", "Is it? | Yes |  No")


@given(st.text())
def test_any_text_parses_to_a_name_without_spaces_and_its_arguments(text: str) -> None:
    invocation = parse(text)
    assert invocation.name == invocation.name.lower()
    assert " " not in invocation.name
    assert invocation.arguments == invocation.arguments.strip()


def test_close_takes_a_poll_id_with_or_without_its_hash() -> None:
    assert poll_to_close(" 12 ") == poll_to_close("#12") == 12


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [("", "nothing"), ("0", "0"), ("²", "²"), ("12 13", "12 13"), ("<!here>", "&lt;!here&gt;")],
)
def test_close_without_a_readable_poll_id_says_what_was_given(arguments: str, shown: str) -> None:
    with pytest.raises(ArgumentError) as refused:
        poll_to_close(arguments)
    assert str(refused.value) == (
        f"`/roundtable close POLL` needs a poll id (the number shown on the poll), not {shown}."
    )
