"""The `/roundtable` subcommand grammar: any text parses to a subcommand, never an exception."""

from hypothesis import given
from hypothesis import strategies as st

from bot.commands import parse


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
