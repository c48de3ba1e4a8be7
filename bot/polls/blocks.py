"""Block Kit for polls: the poll message, voters' confirmations, the creation and reason modals. Pure functions.

User text is mrkdwn-escaped wherever it lands in mrkdwn (and in the fallback `text`); button and option
labels are `plain_text`, which Slack does not parse for mentions or links.
"""

import json
import re
from datetime import datetime
from typing import Any

from bot.polls.grammar import AGREEMENT_SCALE, MAX_QUESTION_LENGTH, MAX_REASON_LENGTH
from bot.polls.rules import OptionCount, PollView, ReasonPrompt
from bot.text import escape, parse_id, truncate
from bot.workshops.limits import MAX_OPTIONS, MIN_OPTIONS
from storage.models import PollKind

Block = dict[str, Any]

POLL_EVENT_TYPE = "roundtable_poll"
VOTE_ACTION_PREFIX = "poll.vote."  # + option position: action_ids must be unique within a block
VOTE_ACTION = re.compile(r"^poll\.vote\.\d{1,2}$")
CHOOSE_ACTION = "poll.choose"  # the select menu used when the options do not fit as buttons
UNVOTE_ACTION = "poll.unvote"
CLOSE_ACTION = "poll.close"
CREATE_CALLBACK = "poll.create"
ADD_REASON_ACTION = "poll.add_reason"  # the button on a voter's confirmation; value: the poll id
REASON_CALLBACK = "poll.reason"  # the reason modal; private_metadata: the poll id
REASON_FIELD = "reason"  # block_id and action_id of the reason input
MAX_BUTTONS = 5
BAR_WIDTH = 10
SECTION_LIMIT = 3000

KIND_HINTS = {
    PollKind.SINGLE: "Choose one; click another option to change your vote.",
    PollKind.MULTIPLE: "Choose any number; click an option again to un-choose it.",
    PollKind.SCALE: "Choose one point on the scale; click another to change your vote.",
}


def vote_value(poll_id: int, position: int) -> str:
    return f"{poll_id}:{position}"


def parse_vote_value(value: str) -> tuple[int, int] | None:
    poll, _, position = value.partition(":")
    poll_id = parse_poll_value(poll)
    if poll_id is None or not (position.isascii() and position.isdigit()) or len(position) > 2:
        return None
    return poll_id, int(position)


def parse_poll_value(value: str) -> int | None:
    """The poll id a Remove, Close or Add-reason button carries, or the reason modal's private_metadata."""
    return parse_id(value)


def _plain(text: str, limit: int = 75) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}


def poll_message(view: PollView) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.update: question, controls, results or the hidden note."""
    question = escape(view.question)
    heading = f"*Poll #{view.poll_id}*"
    if view.workshop_title:
        heading += f" · {escape(view.workshop_title)}"
    privacy = (
        ":lock: Anonymous: nobody can see who voted for what."
        if view.anonymous
        else ":bust_in_silhouette: Attributed: organisers can see who voted for what."
    )
    blocks: list[Block] = [
        {"type": "context", "elements": [_mrkdwn(heading), _mrkdwn(privacy)]},
        {"type": "section", "text": _mrkdwn(f"*{question}*")},
    ]
    if not view.closed:
        blocks.append({"type": "context", "elements": [_mrkdwn(KIND_HINTS[view.kind])]})
        blocks.append(_choice_block(view))
    blocks.extend(_results_blocks(view))
    if not view.closed:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"poll.{view.poll_id}.controls",
                "elements": [
                    {
                        "type": "button",
                        "action_id": UNVOTE_ACTION,
                        "text": _plain("Remove my vote"),
                        "value": str(view.poll_id),
                    },
                    {
                        "type": "button",
                        "action_id": CLOSE_ACTION,
                        "text": _plain("Close poll"),
                        "value": str(view.poll_id),
                        "confirm": {
                            "title": _plain("Close this poll?"),
                            "text": _plain("Voting stops and everyone sees the final results.", 300),
                            "confirm": _plain("Close poll"),
                            "deny": _plain("Keep open"),
                        },
                    },
                ],
            }
        )
    blocks.append({"type": "context", "elements": [_mrkdwn(_footer(view))]})
    summary = "closed" if view.closed else "open"
    return {
        "text": truncate(f"Poll #{view.poll_id} ({summary}): {question}", 3000),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {"event_type": POLL_EVENT_TYPE, "event_payload": {"poll_id": view.poll_id}},
    }


def _choice_block(view: PollView) -> Block:
    block_id = f"poll.{view.poll_id}.options"
    if len(view.options) <= MAX_BUTTONS:
        return {
            "type": "actions",
            "block_id": block_id,
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{VOTE_ACTION_PREFIX}{option.position}",
                    "text": _plain(option.label),
                    "value": vote_value(view.poll_id, option.position),
                }
                for option in view.options
            ],
        }
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [
            {
                "type": "static_select",
                "action_id": CHOOSE_ACTION,
                "placeholder": _plain("Choose an option", 150),
                "options": [
                    {"text": _plain(option.label), "value": vote_value(view.poll_id, option.position)}
                    for option in view.options
                ],
            }
        ],
    }


def _results_blocks(view: PollView) -> list[Block]:
    people = f"{view.voters} {'person has' if view.voters == 1 else 'people have'} voted"
    if not view.show_results:
        return [_section(f":see_no_evil: _Results are hidden until the poll closes._ {people}.")]
    lines = [result_line(option, view.voters) for option in view.options]
    title = "*Final results*" if view.closed else "*Results so far*"
    chunks, current = [], f"{title} · {people}"
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current += "\n" + line
    chunks.append(current)
    return [_section(chunk) for chunk in chunks]


def result_line(option: OptionCount, voters: int) -> str:
    """`▓▓▓▓░░░░░░ 40% (4)  Label`: a text bar per option, relative to the number of voters."""
    share = option.votes / voters if voters else 0.0
    filled = round(share * BAR_WIDTH)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    return f"`{bar}` {round(share * 100)}% ({option.votes}) {escape(option.label)}"


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _footer(view: PollView) -> str:
    if view.closed:
        return f":checkered_flag: Closed. Poll id {view.poll_id}."
    close = f"Closes {_when(view.close_at)}. " if view.close_at else ""
    return f"{close}Chairs and organisers close it with *Close poll* or `/roundtable close {view.poll_id}`."


def _when(moment: datetime) -> str:
    fallback = f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


# ----- what the voter sees ------------------------------------------------------------------------
def vote_confirmation(
    poll_id: int, question: str, kind: PollKind, chosen: tuple[str, ...], off: str | None
) -> str:
    subject = f"poll #{poll_id} (“{truncate(escape(question), 200)}”)"
    listed = ", ".join(f"*{escape(label)}*" for label in chosen)
    if kind == PollKind.MULTIPLE:
        undone = f"You un-chose *{escape(off)}*. " if off else ""
        now = f"Your choices in {subject}: {listed}." if chosen else f"You have no choices left in {subject}."
        return undone + now
    return f"You voted {listed} in {subject}. Click another option to change it."


def vote_reply(text: str, poll_id: int, *, offer_reason: bool) -> dict[str, Any]:
    """The voter's ephemeral reply: the confirmation, with an "Add a reason" button when the poll asks why."""
    if not offer_reason:
        return {"text": text}
    button = {
        "type": "button",
        "action_id": ADD_REASON_ACTION,
        "text": _plain("Add a reason"),
        "value": str(poll_id),
    }
    return {
        "text": text,
        "blocks": [
            _section(text),
            {"type": "actions", "block_id": f"poll.{poll_id}.reason", "elements": [button]},
        ],
    }


def removal_confirmation(poll_id: int, removed: bool) -> str:
    if removed:
        return f"Your vote in poll #{poll_id} is removed."
    return f"You had no vote in poll #{poll_id} to remove."


# ----- the creation modal -------------------------------------------------------------------------
def create_modal(channel_id: str, channel_name: str | None, workshops: list[tuple[int, str]]) -> Block:
    """The `/roundtable poll` form. The channel travels in private_metadata."""
    metadata = json.dumps({"channel_id": channel_id, "channel_name": channel_name})
    blocks: list[Block] = [
        _input(
            "question", "Question", _text_input("question", multiline=True, max_length=MAX_QUESTION_LENGTH)
        ),
        _input(
            "options",
            "Options, one per line",
            _text_input("options", multiline=True, placeholder="Yes\nPartly\nNo"),
            optional=True,
            hint=f"{MIN_OPTIONS} to {MAX_OPTIONS} options. Leave empty for Yes / No. The agreement scale uses {AGREEMENT_SCALE[0]} … {AGREEMENT_SCALE[-1]}.",
        ),
        _input(
            "kind",
            "Kind",
            _select(
                "kind",
                [("single", "Single choice"), ("multiple", "Multiple choice"), ("scale", "Agreement scale")],
            ),
        ),
        _input(
            "anonymous",
            "Voters",
            _select(
                "anonymous", [("anonymous", "Anonymous"), ("attributed", "Attributed (organisers see votes)")]
            ),
        ),
        _input(
            "results",
            "Results",
            _select("results", [("hidden", "Hidden until the poll closes"), ("live", "Live")]),
        ),
        _input("close_at", "Close at", {"type": "datetimepicker", "action_id": "close_at"}, optional=True),
    ]
    if workshops:
        choices = [(str(workshop_id), title) for workshop_id, title in workshops[:100]]
        blocks.append(_input("workshop", "Workshop", _select("workshop", choices)))
    return {
        "type": "modal",
        "callback_id": CREATE_CALLBACK,
        "title": _plain("New poll", 24),
        "submit": _plain("Post poll", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": truncate(metadata, 3000),
        "blocks": blocks,
    }


def reason_modal(prompt: ReasonPrompt) -> Block:
    """One line of "why", pre-filled with the voter's current reason; the poll id in private_metadata."""
    element = _text_input(REASON_FIELD, multiline=False, max_length=MAX_REASON_LENGTH)
    if prompt.current:
        element["initial_value"] = truncate(prompt.current, MAX_REASON_LENGTH)
    who = "without your name" if prompt.anonymous else "with your name"
    hint = (
        f"One line, up to {MAX_REASON_LENGTH} characters. It is stored {who} and shown only in the "
        "organisers' digest, never in the channel. Sending again replaces it."
    )
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "title": _plain("Add a reason", 24),
        "submit": _plain("Save reason", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": str(prompt.poll_id),
        "blocks": [
            _section(f"*Poll #{prompt.poll_id}:* {escape(prompt.question)}"),
            _input(REASON_FIELD, "Why did you vote this way?", element, hint=hint),
        ],
    }


def _input(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _text_input(
    action_id: str, *, multiline: bool, max_length: int = 3000, placeholder: str | None = None
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = _plain(placeholder, 150)
    return element


def _select(action_id: str, choices: list[tuple[str, str]]) -> Block:
    options = [{"text": _plain(text), "value": value} for value, text in choices]
    return {"type": "static_select", "action_id": action_id, "options": options, "initial_option": options[0]}


def form_values(state: dict[str, Any]) -> dict[str, str | None]:
    """The modal's submitted values by field name (block_id), whatever element each one is."""
    values: dict[str, str | None] = {}
    for block_id, actions in (state.get("values") or {}).items():
        for element in (actions or {}).values():
            element = element or {}
            if "selected_option" in element:
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif "selected_date_time" in element:
                stamp = element.get("selected_date_time")
                values[block_id] = str(stamp) if stamp is not None else None
            else:
                values[block_id] = element.get("value")
    return values
