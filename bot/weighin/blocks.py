"""Block Kit for the weigh-in: the Weigh in button, the deck modal (one statement, the end, the review
list) and the invitation a chair posts. Pure functions of data; every answer and question escaped.
"""

import json
from typing import Any

from bot.text import escape, parse_id, truncate
from bot.weighin.deck import AGREE, CHOICE_NAMES, DISAGREE, PASS, DeckState, DeckView, Scope

Block = dict[str, Any]

OPEN_ACTION = "weighin.open"
CHOICE_ACTIONS = {"weighin.agree": AGREE, "weighin.disagree": DISAGREE, "weighin.pass": PASS}
SKIP_ACTION = "weighin.skip"
REVIEW_ACTION = "weighin.review"
BACK_ACTION = "weighin.back"
PAGE_ACTION = "weighin.page"
DECK_CALLBACK = "weighin.deck"
EXCLUDE_SHORTCUT = "weighin.exclude"
INCLUDE_SHORTCUT = "weighin.include"
REVIEW_PAGE = 20  # statements per review page: two blocks each, well inside a modal's 100
LABELS = {AGREE: "Agree", DISAGREE: "Disagree", PASS: "Pass"}
ACTION_OF = {choice: action for action, choice in CHOICE_ACTIONS.items()}
HOW = "*Pass* means you are unsure. *Skip* decides later: skipped answers come back after the others."


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def weigh_in_button(scope: Scope) -> Block:
    """The button that opens the deck: on question messages, invitations and the App Home."""
    return _button("Weigh in", OPEN_ACTION, scope.value)


def parse_scope(value: str) -> Scope | None:
    return Scope.parse(value)


def parse_page(value: str) -> int:
    """The review page a Next / Previous button carries (0 for anything unreadable)."""
    return parse_id(value) or 0


def parse_statement(value: str) -> int | None:
    """The answer id an Agree / Disagree / Pass / Skip button carries."""
    return parse_id(value)


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in truncate(escape(text), 2800).splitlines() or [""])


def encode_state(state: DeckState) -> str:
    document = {"s": state.scope.value, "m": state.mode, "k": list(state.skipped), "p": state.page}
    return json.dumps(document, separators=(",", ":"))


def decode_state(metadata: str) -> DeckState | None:
    """The modal's state from its private_metadata, or None if it cannot be read."""
    try:
        document = json.loads(metadata)
        scope = Scope.parse(str(document["s"]))
        mode = str(document.get("m") or "deck")
        skipped = tuple(r for r in document.get("k") or [] if isinstance(r, int))
        page = document.get("p") or 0
        page = page if isinstance(page, int) and 0 <= page < 10**6 else 0
    except (ValueError, KeyError, TypeError):
        return None
    if scope is None or mode not in ("deck", "review"):
        return None
    return DeckState(scope, mode, skipped, max(page, 0))


def deck_modal(deck: DeckView) -> dict[str, Any]:
    """The modal for what `deck` shows."""
    blocks: list[Block] = [_context(f"*{escape(deck.title)}* · weigh in")]
    if deck.note:
        blocks.append(_context(f":information_source: {escape(deck.note)}"))
    if deck.state.mode == "review":
        blocks += _review(deck)
    elif deck.current is not None:
        blocks += _statement(deck)
    else:
        blocks += _end(deck)
    return {
        "type": "modal",
        "callback_id": DECK_CALLBACK,
        "private_metadata": encode_state(deck.state),
        "title": {"type": "plain_text", "text": "Weigh in"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks[:100],
    }


def _statement(deck: DeckView) -> list[Block]:
    current = deck.current
    assert current is not None
    value = str(current.response_id)
    question = f"*Question {current.question_number}:* {truncate(escape(current.question_text), 600)}"
    return [
        _section(question),
        {"type": "divider"},
        _section(_quote(current.text)),
        _context(
            f"One of the answers, shown without its author · you have given a view on {deck.given} of {deck.total}"
        ),
        {
            "type": "actions",
            "block_id": f"weighin.card.{current.response_id}",
            "elements": [
                _button("Agree", ACTION_OF[AGREE], value, "primary"),
                _button("Disagree", ACTION_OF[DISAGREE], value),
                _button("Pass", ACTION_OF[PASS], value),
                _button("Skip", SKIP_ACTION, value),
            ],
        },
        _context(HOW),
        {
            "type": "actions",
            "block_id": "weighin.more",
            "elements": [_button("Review my views", REVIEW_ACTION, "0")],
        },
    ]


def _end(deck: DeckView) -> list[Block]:
    if deck.total == 0:
        return [_section("There are no answers from others to weigh in on yet. Come back later.")]
    noun = "answer" if deck.total == 1 else "answers"
    return [
        _section(f"You have weighed in on all {deck.total} {noun}. Thank you!"),
        _context("You can still change your mind: review your views and click another button."),
        {
            "type": "actions",
            "block_id": "weighin.more",
            "elements": [_button("Review and change my views", REVIEW_ACTION, "0")],
        },
    ]


def _review(deck: DeckView) -> list[Block]:
    page = min(deck.state.page, max(len(deck.reviewed) - 1, 0) // REVIEW_PAGE)
    shown = deck.reviewed[page * REVIEW_PAGE : (page + 1) * REVIEW_PAGE]
    blocks = [_section(f"*Your views* · {deck.given} of {deck.total} answers")]
    if not shown:
        blocks.append(_context("There are no answers from others to weigh in on yet."))
    for item in shown:
        statement = item.statement
        now = f"your view: *{CHOICE_NAMES[item.choice]}*" if item.choice is not None else "no view yet"
        blocks.append(
            _section(
                f"{_quote(truncate(statement.text, 600))}\n_Question {statement.question_number} · {now}_"
            )
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"weighin.review.{statement.response_id}",
                "elements": [
                    _button(
                        LABELS[choice],
                        ACTION_OF[choice],
                        str(statement.response_id),
                        "primary" if item.choice == choice else None,
                    )
                    for choice in (AGREE, DISAGREE, PASS)
                ],
            }
        )
    navigation = [_button("Back to the answers", BACK_ACTION, "0")]
    if page > 0:
        navigation.append(_button("Previous page", PAGE_ACTION, str(page - 1)))
    if (page + 1) * REVIEW_PAGE < len(deck.reviewed):
        navigation.append(_button("Next page", PAGE_ACTION, str(page + 1)))
    blocks.append({"type": "actions", "block_id": "weighin.nav", "elements": navigation})
    return blocks


def invitation_message(question_id: int, number: int) -> dict[str, Any]:
    """Arguments for chat.postMessage in a question's thread: the chair's call to weigh in."""
    text = (
        f":ballot_box_with_check: *Weigh in on question {number}.* Do you agree with the other answers in "
        "this thread? You see them one at a time, without their authors; nobody sees how you voted."
    )
    return {
        "text": f"Weigh in on the answers to question {number}.",
        "blocks": [
            _section(text),
            {
                "type": "actions",
                "block_id": f"weighin.invite.{question_id}",
                "elements": [weigh_in_button(Scope(question_id=question_id))],
            },
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }
