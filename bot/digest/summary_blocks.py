"""Block Kit blocks for the Slack summary of a digest: headline numbers and poll results.

A pure function of the digest, kept inside Slack's limits (50 blocks, 3000 characters per section,
150 per header). All user and organiser text is escaped for mrkdwn (& < >), so it can neither mention
anyone nor break a link.
"""

import re
from typing import Any

from bot.digest import formatting as fmt
from bot.digest.model import Digest, PairShift, PollSection
from bot.digest.render_weighin import summary_text
from bot.text import escape

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def fit(text: str, limit: int) -> str:
    """`text` (already escaped) cut to `limit` characters, never inside an entity."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, SECTION_LIMIT)}}


def summary_blocks(digest: Digest) -> list[dict[str, Any]]:
    title = fit(escape(fmt.one_line(digest.title)), HEADER_LIMIT)
    meta = f"{fmt.date_range(digest.starts_at, digest.ends_at)} · {escape(digest.channel)}"
    if audience := fmt.audience_notice(digest):
        meta += f"\n_{audience}_"
    if digest.chatham_house:
        meta += "\n_Chatham House Rule: nothing is attributed._"
    if note := fmt.window_note(digest):
        meta += f"\n_{note}_"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        _section(meta),
        _section(escape(" ".join(fmt.summary_sentences(digest)))),
    ]
    if weighin := summary_text(digest, escape):
        blocks.append(_section(weighin))
    items = [_poll(poll) for poll in digest.polls] + [_pair(pair) for pair in digest.pairs]
    if items:
        blocks.append({"type": "divider"})
    room = MAX_BLOCKS - len(blocks)
    if len(items) > room:
        shown = room - 1
        blocks += [_section(text) for text in items[:shown]]
        rest = len(items) - shown
        blocks.append(_context(f"…and {rest:,} more poll results in the full digest."))
    else:
        blocks += [_section(text) for text in items]
    return blocks


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text, SECTION_LIMIT)}]}


def _poll(poll: PollSection) -> str:
    head = f"*Poll {poll.number}:* {escape(fmt.one_line(poll.question))}\n_{escape(fmt.poll_caption(poll))}_"
    if poll.results_withheld:
        return _bounded(head, [f"• {escape(fmt.one_line(option.label))}" for option in poll.options])
    lines = [
        f"`{fmt.bar(option.percent, 12):<13}` {fmt.percent(option.percent)} ({option.votes:,}) "
        f"{escape(fmt.one_line(option.label))}"
        for option in poll.options
    ]
    return _bounded(head, lines)


def _pair(pair: PairShift) -> str:
    head = f"*Before → after:* {escape(fmt.one_line(pair.question))}\n_{pair.both:,} answered both; {pair.changed:,} changed_"
    lines = [
        f"{escape(fmt.one_line(s.label))}: {fmt.percent(s.pre_percent)} → {fmt.percent(s.post_percent)} "
        f"({fmt.change(s.change_points)})"
        for s in pair.options
    ]
    return _bounded(head, lines)


def _bounded(head: str, lines: list[str]) -> str:
    """Head plus as many whole lines as fit in a section, noting how many were left out."""
    head = fit(head, 600)
    text = head
    for index, line in enumerate(lines):
        line = fit(line, 300)
        if len(text) + len(line) + 60 > SECTION_LIMIT:
            return f"{text}\n_…and {len(lines) - index:,} more options_"
        text += "\n" + line
    return text
