"""The whole-room measures of docs/deliberation-measures.md §1.4–1.5, implemented from the formulas
(Pol.is is AGPL; nothing here is translated from its code).

Sign convention: Roundtable's, which is that of Pol.is's exports: agree = +1, disagree = -1, pass = 0,
and NaN for "not voted". Pol.is's own math uses the opposite sign internally (agree = -1); nothing here
does, so a vote of +1 is always an agreement.

Opinion groups are in `bot.weighin.groups`; `compute_measures` is the one entry point for both.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

AGREE = 1
DISAGREE = -1
PASS = 0

Side = Literal["agree", "disagree"]

# One-sided 90 % significance (Pol.is `z-sig-90?`): z must exceed this.
Z_SIGNIFICANT = 1.2816
# A statement is a majority on one side only when more than half would be expected to vote that way.
MAJORITY_SHARE = 0.5
# "Areas of uncertainty": more than this share of the votes seen were passes.
UNCERTAIN_PASS_SHARE = 0.3
# Fewer votes than this and a statement is "raised but not tested": no majority, uncertainty or division
# is claimed for it (§5), even though the z test alone would pass on 1 agree out of 1.
MIN_TESTED_VOTES = 5
# "Divided": no majority either way, yet at least this share agreed AND at least this share disagreed
# (so each side lies between 35 % and 65 %, §5's "agree share 35–65 %"), over at least DIVIDED_MIN_VOTES.
DIVIDED_MIN_SHARE = 0.35
DIVIDED_MIN_VOTES = 8


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Participants (anonymous keys) × statements (ids); `cells[i, j]` is +1, -1, 0 or NaN (not voted)."""

    participants: tuple[str, ...]
    statements: tuple[str, ...]
    cells: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        cells = np.array(self.cells, dtype=np.float64)  # a private, read-only copy: the result stays pure
        cells.setflags(write=False)
        object.__setattr__(self, "cells", cells)
        if self.cells.shape != (len(self.participants), len(self.statements)):
            raise ValueError("cells must have one row per participant and one column per statement")
        if len(set(self.participants)) != len(self.participants):
            raise ValueError("participants must be distinct")
        if len(set(self.statements)) != len(self.statements):
            raise ValueError("statements must be distinct")
        cast = self.cells[~np.isnan(self.cells)]
        if not np.isin(cast, (AGREE, DISAGREE, PASS)).all():
            raise ValueError("a vote must be +1 (agree), -1 (disagree) or 0 (pass)")

    @classmethod
    def from_votes(cls, votes: Iterable[tuple[str, str, int]], statements: Sequence[str]) -> VoteMatrix:
        """From (participant, statement, vote) triples; a later triple for the same cell replaces an earlier."""
        column = {statement: j for j, statement in enumerate(statements)}
        rows: dict[str, dict[int, int]] = {}
        for participant, statement, vote in votes:
            if statement not in column:
                raise ValueError(f"a vote on a statement that is not in the list: {statement!r}")
            rows.setdefault(participant, {})[column[statement]] = vote
        participants = tuple(sorted(rows))
        cells = np.full((len(participants), len(statements)), np.nan)
        for i, participant in enumerate(participants):
            for j, vote in rows[participant].items():
                cells[i, j] = vote
        return cls(participants, tuple(statements), cells)


@dataclass(frozen=True)
class StatementMeasures:
    statement: str
    seen: int  # agree + disagree + pass
    agree: int
    disagree: int
    passed: int
    excluded: bool
    tested: bool  # False: "raised but not tested" (fewer than MIN_TESTED_VOTES votes)
    majority: Side | None
    uncertain: bool
    divided: bool
    # ∏ over opinion groups of (A_g+1)/(S_g+2); None without groups or for an excluded statement. It
    # shrinks as the number of groups grows: compare it only within one result.
    group_consensus: float | None


@dataclass(frozen=True)
class RepresentativeStatement:
    statement: str
    direction: Side
    agree: int  # the group's own counts
    disagree: int
    seen: int
    repness: float  # ra or rd: the group's smoothed share on that side over everyone else's
    test: float  # rat or rdt: the two-proportion z against everyone else


@dataclass(frozen=True)
class OpinionGroup:
    label: str  # "A", "B", …: largest group first
    members: tuple[str, ...]  # participant keys, sorted
    points: tuple[tuple[float, float], ...]  # each member's place on the opinion map, aligned with members
    statements: tuple[RepresentativeStatement, ...]
    # True when no statement passed the repness test and the single best one is shown instead (§6).
    low_confidence: bool

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class OpinionGroups:
    shown: bool
    reason: str | None  # why not shown; None when shown
    voters: int  # participants who voted on enough statements to be clustered
    groups: tuple[OpinionGroup, ...]


@dataclass(frozen=True)
class Measures:
    statements: tuple[StatementMeasures, ...]  # in the VoteMatrix's statement order
    opinion_groups: OpinionGroups


def z_test(successes: float, n: float) -> float:
    """Pol.is's one-proportion test: z(s, n) = 2·√(n+1)·((s+1)/(n+1) − ½)."""
    return 2 * math.sqrt(n + 1) * ((successes + 1) / (n + 1) - 0.5)


def majority_side(agree: int, disagree: int, seen: int) -> Side | None:
    """Pol.is's "Majority" test on one statement: pa = (1+na)/(2+ns) > ½ and z(na, ns) > 1.2816, likewise
    for disagree. Passes are in `seen`, so they count against both sides."""
    if (1 + agree) / (2 + seen) > MAJORITY_SHARE and z_test(agree, seen) > Z_SIGNIFICANT:
        return "agree"
    if (1 + disagree) / (2 + seen) > MAJORITY_SHARE and z_test(disagree, seen) > Z_SIGNIFICANT:
        return "disagree"
    return None


def min_agrees_for_majority(seen: int) -> int | None:
    """The fewest agrees out of `seen` votes that make an agree majority (the §1.5 table), or None."""
    return next((a for a in range(seen + 1) if majority_side(a, 0, seen) == "agree"), None)


def is_divided(agree: int, disagree: int, seen: int) -> bool:
    if seen < max(DIVIDED_MIN_VOTES, MIN_TESTED_VOTES) or majority_side(agree, disagree, seen) is not None:
        return False
    return agree / seen >= DIVIDED_MIN_SHARE and disagree / seen >= DIVIDED_MIN_SHARE


def compute_measures(votes: VoteMatrix, excluded: Collection[str] = ()) -> Measures:
    """Every measure for one workshop's votes. Excluded statements keep their counts but get no verdict,
    take no part in the opinion groups and are never representative."""
    from bot.weighin.groups import opinion_groups

    # Rows sorted by participant key, so the result cannot depend on the order rows came in.
    order = sorted(range(len(votes.participants)), key=votes.participants.__getitem__)
    participants = tuple(votes.participants[i] for i in order)
    cells = votes.cells[order]
    voted = ~np.isnan(cells)
    agrees = ((cells == AGREE) & voted).sum(axis=0)
    disagrees = ((cells == DISAGREE) & voted).sum(axis=0)
    seens = voted.sum(axis=0)
    is_excluded = [statement in excluded for statement in votes.statements]

    included = [j for j, out in enumerate(is_excluded) if not out]
    groups, consensus = opinion_groups(
        participants, [votes.statements[j] for j in included], cells[:, included]
    )
    consensus_of = dict(zip(included, consensus, strict=True))

    statements = []
    for j, statement in enumerate(votes.statements):
        agree, disagree, seen = int(agrees[j]), int(disagrees[j]), int(seens[j])
        judged = seen >= MIN_TESTED_VOTES and not is_excluded[j]
        statements.append(
            StatementMeasures(
                statement=statement,
                seen=seen,
                agree=agree,
                disagree=disagree,
                passed=seen - agree - disagree,
                excluded=is_excluded[j],
                tested=seen >= MIN_TESTED_VOTES,
                majority=majority_side(agree, disagree, seen) if judged else None,
                uncertain=judged and (seen - agree - disagree) / seen > UNCERTAIN_PASS_SHARE,
                divided=judged and is_divided(agree, disagree, seen),
                group_consensus=consensus_of.get(j) if groups.shown else None,
            )
        )
    return Measures(tuple(statements), groups)
