"""The weigh-in parts of the JSON digest and the CSV `statements` table (docs/digest-json-schema.md)."""

from collections.abc import Iterable
from typing import Any

from bot.digest.model import Digest, OpinionGroupsSection, QuestionSection

STATEMENT_COLUMNS = (
    "question_number",
    "statement_number",
    "text",
    "seen",
    "agree",
    "disagree",
    "pass",
    "majority",
    "uncertain",
    "divided",
    "excluded",
    "tested",
)


def statements_list(question: QuestionSection) -> list[dict[str, Any]]:
    return [
        {
            "text": s.text,
            "seen": s.seen,
            "agree": s.agree,
            "disagree": s.disagree,
            "pass": s.passed,
            "majority": s.majority,
            "uncertain": s.uncertain,
            "divided": s.divided or s.split_by_group is not None,
            "excluded": s.excluded,
        }
        for s in question.statements
    ]


def opinion_groups_dict(groups: OpinionGroupsSection) -> dict[str, Any]:
    return {
        "shown": groups.shown,
        "reason": groups.reason,
        "voters": groups.voters,
        "groups": [
            {
                "label": group.label,
                "size": group.size,
                "statements": [{"text": s.text, "direction": s.direction} for s in group.statements],
            }
            for group in groups.groups
        ],
    }


def statement_rows(digest: Digest) -> Iterable[tuple[object, ...]]:
    for q in digest.questions:
        for index, s in enumerate(q.statements, start=1):
            yield (
                q.number,
                index,
                s.text,
                s.seen,
                s.agree,
                s.disagree,
                s.passed,
                s.majority or "",
                "yes" if s.uncertain else "no",
                "yes" if (s.divided or s.split_by_group is not None) else "no",
                "yes" if s.excluded else "no",
                "yes" if s.tested else "no",
            )
