"""The App Home view for one person: a pure function of HomeData, always within 100 blocks."""

from typing import Any

from bot.home.service import HomeData, ManagedWorkshop, OpenPoll, ThemedQuestion
from bot.text import escape, parse_id, truncate
from bot.weighin.blocks import weigh_in_button
from bot.weighin.deck import Scope

Block = dict[str, Any]

MAX_BLOCKS = 100
POST_NEXT_ACTION = "home.post_next"
DIGEST_ACTION = "home.digest"
THEMES_ACTION = "home.themes"  # the per-workshop "Themes…" picker: opens a question's curation modal
MAX_OPTIONS = 100
CLOSE_POLL_ACTION = "poll.close"  # the poll message's own Close button: one handler, one role check
PHASES = {"before": "Before the event", "live": "Live now", "after": "After the event"}


def parse_workshop_value(value: str) -> int | None:
    """The workshop id a Home button ("Post next question now", "Compile digest") carries."""
    return parse_id(value)


def _section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
    if accessory:
        block["accessory"] = accessory
    return block


def _button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _organised(workshop: ManagedWorkshop) -> list[Block]:
    participation = (
        f"{workshop.replied} of {workshop.invited} invited have replied"
        if workshop.invited
        else "no invitee list"
    )
    upcoming = (
        "\n".join(
            f"• {when} — {kind}: {truncate(escape(text), 120)}" for kind, when, text in workshop.upcoming
        )
        or "• nothing left to post"
    )
    blocks = [
        _section(
            f"*{escape(workshop.title)}* · `{escape(workshop.slug)}`\n"
            f"{PHASES[workshop.phase]} · {participation}\n*Next* (times in {workshop.timezone}):\n{upcoming}"
        ),
    ]
    buttons = [_button("Compile digest", DIGEST_ACTION, str(workshop.workshop_id))]
    if workshop.has_next_question:
        buttons.insert(0, _button("Post next question now", POST_NEXT_ACTION, str(workshop.workshop_id)))
    if workshop.themed_questions:
        buttons.append(_themes_picker(workshop.themed_questions))
    blocks.append(
        {"type": "actions", "block_id": f"home.workshop.{workshop.workshop_id}", "elements": buttons}
    )
    blocks += [_poll_line(poll) for poll in workshop.open_polls[:5]]
    if len(workshop.open_polls) > 5:
        blocks.append(context(f"…and {len(workshop.open_polls) - 5} more open polls."))
    return blocks


def _themes_picker(questions: list[ThemedQuestion]) -> Block:
    """One select per workshop, not a block per question: the view stays within 100 blocks."""
    options = []
    for q in questions[:MAX_OPTIONS]:
        state = "curated" if q.curated else "suggested"
        label = f"Q{q.position + 1} · {q.answers} answers · {state} · {' '.join(q.text.split())}"
        options.append(
            {"text": {"type": "plain_text", "text": truncate(label, 75)}, "value": str(q.question_id)}
        )
    return {
        "type": "static_select",
        "action_id": THEMES_ACTION,
        "placeholder": {"type": "plain_text", "text": "Themes…"},
        "options": options,
    }


def _poll_line(poll: OpenPoll) -> Block:
    close = _button("Close poll", CLOSE_POLL_ACTION, str(poll.poll_id), style="danger")
    return _section(f"Open poll #{poll.poll_id}: {truncate(escape(poll.question), 200)}", close)


def _waiting(answers: int) -> str:
    return f"{answers} answer{'' if answers == 1 else 's'} waiting for your view"


def home_view(data: HomeData) -> dict[str, Any]:
    sections: list[list[Block]] = []
    if data.organised:
        sections.append([_header("Workshops you organise")])
        sections += [[*_organised(w), {"type": "divider"}] for w in data.organised]
    if data.chaired_workshops:
        polls = [_poll_line(p) for p in data.chaired_polls] or [context("No poll is open.")]
        sections.append(
            [
                _header("Polls you can run"),
                context(
                    "Start one in the workshop channel with `/roundtable poll Question? | Option | Option`."
                ),
                *polls,
            ]
        )
    waiting = [
        _section(
            f"{truncate(escape(item.text), 300)}\n_{escape(item.workshop)}_"
            + (f" · <{item.permalink}|Reply in the thread>" if item.permalink else "")
        )
        for item in data.waiting
    ] or [context("Nothing is waiting for your answer. Thank you!")]
    sections.append([_header("Waiting for your answer"), *waiting])
    if data.to_weigh_in:
        sections.append(
            [
                _header("Weigh in"),
                *[
                    _section(
                        f"{_waiting(item.answers)} · _{escape(item.workshop)}_",
                        weigh_in_button(Scope(workshop_id=item.workshop_id)),
                    )
                    for item in data.to_weigh_in
                ],
            ]
        )
    if data.polls_to_vote:
        sections.append(
            [
                _header("Polls open to you"),
                *[
                    _section(f"#{p.poll_id}: {truncate(escape(p.question), 300)} · _{escape(p.workshop)}_")
                    for p in data.polls_to_vote
                ],
            ]
        )
    return {"type": "home", "blocks": _fit(sections)}


def _fit(sections: list[list[Block]]) -> list[Block]:
    """Keep whole sections while they fit in 100 blocks; then say how much was left out."""
    blocks: list[Block] = []
    for index, section in enumerate(sections):
        if len(blocks) + len(section) > MAX_BLOCKS - 1:
            room = MAX_BLOCKS - 1 - len(blocks)
            blocks += section[:room]
            left = sum(len(s) for s in sections[index:]) - room
            blocks.append(
                context(
                    f"…and more ({left} items not shown). `/roundtable status` in a workshop channel has the rest."
                )
            )
            return blocks
        blocks += section
    return blocks
