"""Block Kit for the messages Roundtable posts on its own (questions, notices). Pure functions of data."""

from typing import Any

from bot.mrkdwn import escape, truncate

Block = dict[str, Any]

QUESTION_EVENT_TYPE = "roundtable_question"


def question_message(*, question_id: int, workshop_title: str, text: str) -> dict[str, Any]:
    """Arguments for chat.postMessage: the question, its workshop, and where to answer.

    The metadata carries the question id so a post whose response was lost can be found again instead
    of being posted twice.
    """
    question = escape(text)
    blocks: list[Block] = [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": truncate(f"*{escape(workshop_title)}*", 3000)}],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(question, 3000)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": ":speech_balloon: Reply in this thread."}],
        },
    ]
    return {
        "text": truncate(f"{escape(workshop_title)}: {question}", 3000),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {"event_type": QUESTION_EVENT_TYPE, "event_payload": {"question_id": question_id}},
    }


def organiser_notice(text: str) -> dict[str, Any]:
    """A DM to organisers. `text` is already escaped where it carries user input."""
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
    }
