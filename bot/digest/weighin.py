"""The weigh-in part of the compiler: the room's agree / disagree / pass views on each other's answers.

Statements are a question's thread answers (live, broadcast or backfilled, never private ones: the one
rule is `storage.weighin.is_deck_source`; deleted answers are already gone from the loaded rows), with their latest text rendered exactly like the answer in the transcript, so a channel
digest shows a statement only where it already shows the answer. Votes are anonymous (a keyed voter hash,
no user id); the digest keeps only counts, group sizes and an unlabelled map, so nothing here can name or
single out anyone. The measures are `bot.weighin`'s, over one workshop-wide matrix (opinion groups need
the whole room); numpy is imported only when there are votes to measure.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.digest.model import (
    NO_WEIGHIN,
    GroupStatement,
    OpinionGroupItem,
    OpinionGroupsSection,
    StatementItem,
)
from storage.digest import ResponseRow, WeighinVoteRow
from storage.weighin import is_deck_source


@dataclass(frozen=True, slots=True)
class Weighin:
    statements: Mapping[int, tuple[StatementItem, ...]]  # by question id, in answer order
    opinion_groups: OpinionGroupsSection
    votes: int


def in_deck(response: ResponseRow) -> bool:
    return is_deck_source(response.source)


def compile_weighin(
    responses: Sequence[ResponseRow],
    votes: Sequence[WeighinVoteRow],
    render_text: Callable[[str], str],
    min_group: int,
) -> Weighin:
    """The statements of every question and the workshop's opinion groups, from the visible rows."""
    deck = [response for response in responses if in_deck(response)]
    ids = {response.id for response in deck}
    kept = [vote for vote in votes if vote.response_id in ids]
    if not kept:  # nobody has weighed in: no weigh-in sections at all
        return Weighin(statements={}, opinion_groups=NO_WEIGHIN, votes=0)

    from bot.weighin.measures import VoteMatrix, compute_measures

    keys = [str(response.id) for response in deck]
    matrix = VoteMatrix.from_votes(((v.voter_key, str(v.response_id), v.choice) for v in kept), keys)
    measures = compute_measures(matrix, {str(r.id) for r in deck if r.excluded_from_deck})
    texts = {str(response.id): render_text(response.text) for response in deck}
    groups = measures.opinion_groups

    # A statement that distinguishes exactly one (large enough) group splits the room along group lines.
    splits: dict[str, list[str]] = {}
    items: list[OpinionGroupItem] = []
    for group in groups.groups if groups.shown else ():
        small = group.size < min_group
        if not small and not group.low_confidence:
            for chosen in group.statements:
                splits.setdefault(chosen.statement, []).append(chosen.direction)
        items.append(
            OpinionGroupItem(
                label=group.label,
                size=group.size,
                statements=()
                if small
                else tuple(
                    GroupStatement(
                        text=texts[chosen.statement],
                        direction=chosen.direction,
                        agree=chosen.agree,
                        disagree=chosen.disagree,
                        seen=chosen.seen,
                    )
                    for chosen in group.statements
                ),
                below_min_group=small,
                low_confidence=group.low_confidence and not small,
            )
        )
    points = sorted(
        (round(x, 6), round(y, 6), group.label)
        for group in (groups.groups if groups.shown else ())
        for x, y in group.points
    )
    section = OpinionGroupsSection(
        shown=groups.shown,
        reason=groups.reason,
        voters=groups.voters,
        groups=tuple(items),
        points=tuple(points),
    )

    by_question: dict[int, list[StatementItem]] = {}
    for response, measured in zip(deck, measures.statements, strict=True):
        split = splits.get(measured.statement, [])
        by_question.setdefault(response.question_id, []).append(
            StatementItem(
                text=texts[measured.statement],
                seen=measured.seen,
                agree=measured.agree,
                disagree=measured.disagree,
                passed=measured.passed,
                majority=measured.majority,
                uncertain=measured.uncertain,
                divided=measured.divided,
                excluded=measured.excluded,
                tested=measured.tested,
                split_by_group=split[0] if len(split) == 1 and measured.tested else None,
            )
        )
    return Weighin(
        statements={question: tuple(items) for question, items in by_question.items()},
        opinion_groups=section,
        votes=len(kept),
    )
