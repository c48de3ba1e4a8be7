"""Text rules shared by every feature: escaping user text for Slack mrkdwn (so `<!channel>` or `<@U123>`
typed by a user pings nobody), cutting to Block Kit limits, and row ids typed by people or carried in Slack
payloads (`/roundtable close 12`, button values)."""

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Slack's rule: only &, < and > are control characters; escape exactly those."""
    return text.translate(_ESCAPES)


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, for Block Kit fields with hard limits."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id would fail in the database, not as "no such poll"


def parse_id(text: str) -> int | None:
    """The id in `text`, or None unless it is ASCII digits naming a possible row (1 … MAX_ID).

    `str.isdigit()` alone accepts '²' and other Unicode digits, which `int()` then refuses.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
