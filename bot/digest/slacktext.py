"""Turn Slack message markup into readable plain text for the digest.

Slack stores mentions, links and channel references as `<...>` tokens and escapes only `&`, `<` and `>`.
Mentions become a display name, or "a participant" under the Chatham House Rule; everything else keeps
its visible label. Emoji codes (`:wave:`) and Slack's own emphasis marks are left as they are.
"""

import re
from collections.abc import Callable, Mapping

ANONYMOUS_MENTION = "a participant"

_TOKEN = re.compile(r"<([^<>\n]*)>")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def unescape(text: str) -> str:
    # &amp; last, so "&amp;lt;" becomes the literal "&lt;" Slack was asked to show.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mention_renderer(chatham_house: bool, display_names: Mapping[str, str]) -> Callable[[str, str], str]:
    """How a `<@U…>` mention reads: (user id, Slack's own label or "") -> text."""
    if chatham_house:
        return lambda _user_id, _label: ANONYMOUS_MENTION

    def named(user_id: str, label: str) -> str:
        return display_names.get(user_id) or label or user_id

    return named


def render_slack_text(text: str, mention: Callable[[str, str], str]) -> str:
    """Plain text for `text`; `mention` renders user mentions (see `mention_renderer`)."""
    if "<" not in text:  # the common case: skip the regex
        return unescape(text) if "&" in text else text
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(unescape(text[last : match.start()]))
        out.append(_token(match.group(1), mention))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def _token(body: str, mention: Callable[[str, str], str]) -> str:
    target, _, label = body.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        return mention(target[1:], label.removeprefix("@"))
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return _special(target[1:], label)
    url = unescape(target)
    if not label or label == url:
        return url
    if url.startswith("mailto:") and url.removeprefix("mailto:") == label:
        return label
    return f"{label} ({url})"


def _special(name: str, label: str) -> str:
    if name in _SPECIAL:
        return _SPECIAL[name]
    if label:  # <!subteam^S123|@team>, <!date^…|fallback>
        return label
    if name.startswith("subteam^"):
        return "@group"
    return "@" + name.split("^", 1)[0]
