"""Scenario (f): the weigh-in measures on a seeded random vote matrix, timed in process.

Statements × participants with a fixed share of cells voted; votes are drawn so that the room has two
camps (half the statements split them), which gives the clustering real work. The same seed always
gives the same matrix, so runs are comparable. Timed: `compute_measures` alone (the digest's share).
"""

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.weighin.measures import VoteMatrix

COVERAGE = 0.75  # share of (participant, statement) cells with a vote
SEED = 20261202


@dataclass(frozen=True)
class WeighinRow:
    statements: int
    participants: int
    votes: int
    seconds: float
    groups: int


def matrix(statements: int, participants: int, coverage: float = COVERAGE, seed: int = SEED) -> "VoteMatrix":
    import numpy as np

    from bot.weighin.measures import VoteMatrix

    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 2, size=participants)
    split = rng.random(statements) < 0.5
    lean = np.where(split[None, :], np.where(camp[:, None] == 0, 0.8, 0.2), 0.7)
    draw = rng.random((participants, statements))
    cells = np.where(draw < lean, 1.0, np.where(draw < lean + 0.1, 0.0, -1.0))
    cells[rng.random((participants, statements)) >= coverage] = np.nan
    return VoteMatrix(
        tuple(f"p{index:06d}" for index in range(participants)),
        tuple(f"s{index:06d}" for index in range(statements)),
        cells,
    )


def run(sizes: list[tuple[int, int]]) -> list[WeighinRow]:
    import numpy as np

    from bot.weighin.measures import compute_measures

    rows = []
    for statements, participants in sizes:
        votes = matrix(statements, participants)
        compute_measures(matrix(20, 20))  # warm imports and numpy's first calls out of the timing
        started = time.perf_counter()
        measures = compute_measures(votes)
        seconds = time.perf_counter() - started
        cast = int((~np.isnan(votes.cells)).sum())
        rows.append(WeighinRow(statements, participants, cast, seconds, len(measures.opinion_groups.groups)))
    return rows
