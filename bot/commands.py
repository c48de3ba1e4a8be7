"""The `/roundtable` argument grammar: a subcommand word, then its arguments. Slack-free."""

from dataclasses import dataclass

from bot.polls.grammar import parse_poll_reference
from bot.text import escape

HELP_TEXT = """*Roundtable* — structured deliberation in Slack
• `/roundtable status` — this channel's workshops: next posts and reply counts
• `/roundtable poll Question? | Option | Option` — post a quick poll now (options default to Yes / No; \
flags before the question: `--multi`, `--scale`, `--named`, `--live`, `--close=30m`). Chairs and organisers only
• `/roundtable poll` — the same through a form
• `/roundtable close POLL` — close a poll (its number is on the poll message)
• `/roundtable weigh-in [QUESTION]` — invite everyone, in the question's thread, to weigh in on its answers \
(the latest question unless you give its number). Chairs and organisers only
• `/roundtable digest [WORKSHOP] [dm|channel|thread]` — compile the digest (organisers)
• `/roundtable nudges off` — no private reminders about unanswered questions (`on` to undo)
• `/roundtable my-data` — a copy of everything Roundtable stores about you, by DM
• `/roundtable forget-me` — delete everything stored under your id (answers, votes in named polls, …)
• `/roundtable help` — this message
Answer a question by replying in its thread; vote in a poll by clicking an option; *Weigh in* on a question \
to agree or disagree with the other answers, anonymously."""


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


class ArgumentError(ValueError):
    """A subcommand's arguments cannot be read; the message (mrkdwn-escaped) is shown as it is."""


def poll_to_close(arguments: str) -> int:
    """`/roundtable close N` (or `#N`): the poll id, or ArgumentError saying what was given instead."""
    poll_id = parse_poll_reference(arguments)
    if poll_id is None:
        shown = escape(arguments.strip()) or "nothing"
        raise ArgumentError(
            f"`/roundtable close POLL` needs a poll id (the number shown on the poll), not {shown}."
        )
    return poll_id
