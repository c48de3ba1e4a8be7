"""The `/roundtable` argument grammar: a subcommand word, then its arguments. Slack-free."""

from dataclasses import dataclass

HELP_TEXT = """*Roundtable* — structured deliberation in Slack
• `/roundtable status` — this channel's workshops: next posts and reply counts
• `/roundtable poll Question? | Option | Option` — post a quick poll now (options default to Yes / No; \
flags before the question: `--multi`, `--scale`, `--named`, `--live`, `--close=30m`). Chairs and organisers only
• `/roundtable poll` — the same through a form
• `/roundtable close POLL` — close a poll (its number is on the poll message)
• `/roundtable digest [WORKSHOP] [dm|channel|thread]` — compile the digest (organisers)
• `/roundtable nudges off` — no private reminders about unanswered questions (`on` to undo)
• `/roundtable my-data` — a copy of everything Roundtable stores about you, by DM
• `/roundtable forget-me` — delete everything stored under your id (answers, votes in named polls, …)
• `/roundtable help` — this message
Answer a question by replying in its thread; vote in a poll by clicking an option."""


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
