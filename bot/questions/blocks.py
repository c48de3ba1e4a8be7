"""Block Kit for the messages Roundtable posts on its own (questions, notices). Pure functions of data."""

from typing import Any

from bot.questions.answers import MAX_ANSWER, MAX_CONCLUSION
from bot.text import escape, parse_id, truncate
from bot.weighin import blocks as weighin_blocks
from bot.weighin.deck import Scope

Block = dict[str, Any]

QUESTION_EVENT_TYPE = "roundtable_question"
ANSWER_PRIVATELY_ACTION = "question.answer_privately"
QUESTION_MENU_ACTION = "question.menu"
CONCLUDE_OPTION = "conclude"
PRIVATE_ANSWER_CALLBACK = "question.private_answer"
CONCLUSION_CALLBACK = "question.conclusion"


CLOSED_NOTICE = ":lock: This question is closed; answers are no longer collected."
WEIGH_IN_ACTION = weighin_blocks.OPEN_ACTION
WEIGH_IN_HINT = ":ballot_box_with_check: *Weigh in* to agree or disagree with the other answers, anonymously."


def _weigh_in_button(question_id: int) -> Block:
    return weighin_blocks.weigh_in_button(Scope(question_id=question_id))


def _question_head(workshop_title: str, question: str) -> list[Block]:
    return [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": truncate(f"*{escape(workshop_title)}*", 3000)}],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(question, 3000)}},
    ]


def parse_question_value(value: str) -> int | None:
    """The question id the "Answer privately" button carries, or a question modal's private_metadata."""
    return parse_id(value)


def parse_conclude_value(value: str) -> int | None:
    """The question id in the overflow menu's "Close with a conclusion" option, or None for anything else."""
    option, _, question_id = value.partition(":")
    return parse_question_value(question_id) if option == CONCLUDE_OPTION else None


def _metadata(question_id: int) -> dict[str, Any]:
    return {"event_type": QUESTION_EVENT_TYPE, "event_payload": {"question_id": question_id}}


def question_message(*, question_id: int, workshop_title: str, text: str) -> dict[str, Any]:
    """Arguments for chat.postMessage: the question, its workshop, and where to answer.

    The metadata carries the question id so a post whose response was lost can be found again instead
    of being posted twice.
    """
    question = escape(text)
    blocks: list[Block] = [
        *_question_head(workshop_title, question),
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": ":speech_balloon: Reply in this thread."}],
        },
        {
            "type": "actions",
            "block_id": f"question.{question_id}",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Answer privately"},
                    "action_id": ANSWER_PRIVATELY_ACTION,
                    "value": str(question_id),
                },
                _weigh_in_button(question_id),
                {
                    "type": "overflow",
                    "action_id": QUESTION_MENU_ACTION,
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "Close with a conclusion (chairs)"},
                            "value": f"{CONCLUDE_OPTION}:{question_id}",
                        }
                    ],
                },
            ],
        },
    ]
    return {
        "text": truncate(f"{escape(workshop_title)}: {question}", 3000),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": _metadata(question_id),
    }


def closed_question_message(*, question_id: int, workshop_title: str, text: str) -> dict[str, Any]:
    """Arguments for chat.update once a question closes: the same question, marked closed, no controls."""
    question = escape(text)
    blocks: list[Block] = [
        *_question_head(workshop_title, question),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": CLOSED_NOTICE}]},
        # Answers are closed, but weighing in on them is what comes next: the one control kept.
        {"type": "context", "elements": [{"type": "mrkdwn", "text": WEIGH_IN_HINT}]},
        {
            "type": "actions",
            "block_id": f"question.{question_id}",
            "elements": [_weigh_in_button(question_id)],
        },
    ]
    return {
        "text": truncate(f"{escape(workshop_title)} (closed): {question}", 3000),
        "blocks": blocks,
        "metadata": _metadata(question_id),
    }


def organiser_notice(text: str) -> dict[str, Any]:
    """A DM to organisers. `text` is already escaped where it carries user input."""
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
    }


def _text_modal(
    callback_id: str, title: str, question_id: int, question: str, label: str, limit: int
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": str(question_id),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(escape(question), 3000)}},
            {
                "type": "input",
                "block_id": "text",
                "label": {"type": "plain_text", "text": label},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": limit,
                },
            },
        ],
    }


def private_answer_modal(question_id: int, question: str) -> dict[str, Any]:
    """Only the organisers' digest will show this answer; it is never posted in the channel."""
    modal = _text_modal(
        PRIVATE_ANSWER_CALLBACK, "Answer privately", question_id, question, "Your answer", MAX_ANSWER
    )
    modal["blocks"].append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Goes into the workshop's digest, never into the channel."}
            ],
        }
    )
    return modal


def conclusion_modal(question_id: int, question: str) -> dict[str, Any]:
    return _text_modal(
        CONCLUSION_CALLBACK, "Close with conclusion", question_id, question, "Conclusion", MAX_CONCLUSION
    )
