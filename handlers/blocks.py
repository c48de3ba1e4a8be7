"""Block Kit for replies to commands. Pure functions; user text is always mrkdwn-escaped."""

from typing import Any

from bot.questions.status import UPCOMING_STATES, WorkshopStatus
from bot.text import escape, truncate

Block = dict[str, Any]
MAX_MESSAGE_BLOCKS = 50


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def status_blocks(statuses: list[WorkshopStatus]) -> list[Block]:
    if not statuses:
        return [
            section(
                "No workshop is bound to this channel. Organisers load one with `roundtable workshop load FILE`."
            )
        ]
    blocks: list[Block] = []
    for status in statuses:
        blocks.append(
            section(f"*{escape(status.title)}* (`{escape(status.slug)}`, times in {status.timezone})")
        )
        lines = []
        for line in status.questions:
            if line.state == "posted":
                detail = f"{line.replies} replies from {line.repliers} people"
            else:
                detail = f"{line.state} for {line.local_time}"
            lines.append(f"{line.position}. {truncate(escape(line.text), 150)} — {detail}")
        hidden = status.upcoming_count - sum(1 for line in status.questions if line.state in UPCOMING_STATES)
        if hidden > 0:  # not the person's to read yet: how many, and when the next one comes
            noun = "question" if hidden == 1 else "questions"
            lines.append(f"{hidden} more {noun} to come; the next {status.next_post}.")
        blocks.append(section("\n".join(lines) or "_No questions._"))
    return blocks[:MAX_MESSAGE_BLOCKS]


def status_text(statuses: list[WorkshopStatus]) -> str:
    if not statuses:
        return "No workshop is bound to this channel."
    return "; ".join(f"{escape(s.title)}: {s.upcoming_count} questions still to post" for s in statuses)
