"""Escaping user text for Slack mrkdwn, so `<!channel>` or `<@U123>` typed by a user pings nobody."""

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Slack's rule: only &, < and > are control characters; escape exactly those."""
    return text.translate(_ESCAPES)


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, for Block Kit fields with hard limits."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
