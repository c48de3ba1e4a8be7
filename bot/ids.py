"""Row ids typed by people or carried in Slack payloads (`/roundtable close 12`, button values)."""

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id would fail in the database, not as "no such poll"


def parse_id(text: str) -> int | None:
    """The id in `text`, or None unless it is ASCII digits naming a possible row (1 … MAX_ID).

    `str.isdigit()` alone accepts '²' and other Unicode digits, which `int()` then refuses.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
