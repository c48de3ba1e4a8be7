"""The `/roundtable` argument grammar: a subcommand word, then its arguments. Slack-free."""

from dataclasses import dataclass

HELP_TEXT = """*Roundtable* — structured deliberation in Slack
• `/roundtable status` — this channel's workshops: next posts and reply counts
• `/roundtable help` — this message
Answer a question by replying in its thread."""


@dataclass(frozen=True, slots=True)
class Invocation:
    name: str
    arguments: str


def parse(text: str) -> Invocation:
    """Split off the subcommand (case-insensitive); an empty command means help."""
    stripped = (text or "").strip()
    if not stripped:
        return Invocation("help", "")
    name, _, rest = stripped.partition(" ")
    return Invocation(name.lower(), rest.strip())
