"""CSV digest tables: `responses` (one row per response), `polls` (one row per poll option), `reasons`
(one row per poll reason), `sectors` (one row per poll, sector and option) or `statements` (one row per
weigh-in statement, with its anonymous counts).

UTF-8 with a byte-order mark so spreadsheet programs detect the encoding. A text cell in which a formula
could start gets a leading apostrophe (OWASP's advice): a trigger (= + - @, tab, CR, or their full-width
forms) at the start of the cell after optional whitespace, or after a separator some spreadsheet
programs or locales split cells on (; , tab, CR, LF).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable

from bot.digest.model import Digest
from bot.digest.render_weighin_json import STATEMENT_COLUMNS, statement_rows

RESPONSE_COLUMNS = (
    "question_number",
    "question_phase",
    "question_text",
    "response_number",
    "created_at",
    "edited",
    "author",
    "text",
    "sector",
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
REASON_COLUMNS = (
    "poll_number",
    "poll_question",
    "reason_number",
    "option_label",
    "chose_several",
    "author",
    "text",
)
SECTOR_COLUMNS = (
    "poll_number",
    "poll_question",
    "sector",
    "sector_voters",
    "option_position",
    "option_label",
    "votes",
    "percent",
)
TABLES = ("responses", "polls", "reasons", "sectors", "statements")
_FORMULA = re.compile(r"(?:^|[;,\t\r\n])\s*[=+\-@\t\r＝＋－＠]")


def _safe(value: object) -> object:
    if isinstance(value, str) and _FORMULA.search(value):
        return "'" + value
    return value


def render_csv(digest: Digest, table: str = "responses") -> str:
    if table not in _TABLES:
        raise ValueError(f"unknown CSV table {table!r} (use {', '.join(TABLES[:-1])} or {TABLES[-1]})")
    columns, rows = _TABLES[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_safe(cell) for cell in row] for row in rows(digest))
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
                r.sector or "",
            )


def _polls(digest: Digest) -> Iterable[tuple[object, ...]]:
    for p in digest.polls:
        for o in p.options:
            withheld = p.results_withheld  # blank counts, rather than zeros that look like results
            yield (
                p.number,
                p.question,
                p.kind,
                "yes" if p.anonymous else "no",
                p.phase or "",
                p.pair_key or "",
                "" if withheld else p.total_voters,
                o.position,
                o.label,
                "" if withheld else o.votes,
                "" if withheld else f"{o.percent:.1f}",
            )


def _reasons(digest: Digest) -> Iterable[tuple[object, ...]]:
    for p in digest.polls:
        for index, r in enumerate(p.reasons, start=1):
            yield (
                p.number,
                p.question,
                index,
                r.option or "",
                "yes" if r.several else "no",
                r.author or "",
                r.text,
            )


def _sectors(digest: Digest) -> Iterable[tuple[object, ...]]:
    for p in digest.polls:
        for s in p.by_sector:
            for o in s.options:
                yield (
                    p.number,
                    p.question,
                    s.sector,
                    s.voters,
                    o.position,
                    o.label,
                    o.votes,
                    f"{o.percent:.1f}",
                )


_TABLES: dict[str, tuple[tuple[str, ...], Callable[[Digest], Iterable[tuple[object, ...]]]]] = {
    "responses": (RESPONSE_COLUMNS, _responses),
    "polls": (POLL_COLUMNS, _polls),
    "reasons": (REASON_COLUMNS, _reasons),
    "sectors": (SECTOR_COLUMNS, _sectors),
    "statements": (STATEMENT_COLUMNS, statement_rows),
}
