"""CSV digest tables: `responses` (one row per response) or `polls` (one row per poll option).

UTF-8 with a byte-order mark so spreadsheet programs detect the encoding. Cells that a spreadsheet would
run as a formula (starting with = + - @ or a control character) get a leading apostrophe.
"""

import csv
import io
from collections.abc import Iterable

from bot.digest.model import Digest

RESPONSE_COLUMNS = (
    "question_number",
    "question_phase",
    "question_text",
    "response_number",
    "created_at",
    "edited",
    "author",
    "text",
)
POLL_COLUMNS = (
    "poll_number",
    "poll_question",
    "kind",
    "anonymous",
    "phase",
    "pair_key",
    "total_voters",
    "option_position",
    "option_label",
    "votes",
    "percent",
)
TABLES = ("responses", "polls")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render_csv(digest: Digest, table: str = "responses") -> str:
    if table not in TABLES:
        raise ValueError(f"unknown CSV table {table!r} (use responses or polls)")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = _responses(digest) if table == "responses" else _polls(digest)
    writer.writerow(RESPONSE_COLUMNS if table == "responses" else POLL_COLUMNS)
    writer.writerows([_safe(cell) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def _responses(digest: Digest) -> Iterable[tuple[object, ...]]:
    for q in digest.questions:
        for index, r in enumerate(q.responses, start=1):
            created = r.created_at.isoformat(timespec="seconds")
            yield (
                q.number,
                q.phase,
                q.text,
                index,
                created,
                "yes" if r.edited else "no",
                r.author or "",
                r.text,
            )


def _polls(digest: Digest) -> Iterable[tuple[object, ...]]:
    for p in digest.polls:
        for o in p.options:
            yield (
                p.number,
                p.question,
                p.kind,
                "yes" if p.anonymous else "no",
                p.phase or "",
                p.pair_key or "",
                p.total_voters,
                o.position,
                o.label,
                o.votes,
                f"{o.percent:.1f}",
            )
