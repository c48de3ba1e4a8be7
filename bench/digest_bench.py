"""Digest benchmark: seed N responses (and N votes) into a temporary SQLite database, then time
compile+HTML and compile+JSON and measure their peak Python memory, for N = 1,000 / 10,000 / 100,000.

    /tmp/venv/bin/python bench/digest_bench.py [N ...]

Times are the best of three untraced runs; peak memory comes from a separate run under tracemalloc.
"""

import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import SQLModel

from bot.digest import Audience, compile_digest, render
from storage.db import Database
from storage.models import Phase, Poll, PollOption, PollState, PostState, Question, Response, Vote, Workshop

QUESTIONS = 10
START = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
WORDS = [
    "grid",
    "storage",
    "planning",
    "skills",
    "interconnectors",
    "demand",
    "evidence",
    "reform",
    "investment",
]


def seed(db: Database, n: int) -> None:
    people = max(n // 20, 10)
    with db.transaction() as session:
        workshop = Workshop(
            slug="bench",
            title="Benchmark roundtable",
            channel_ref="#bench",
            timezone="Europe/London",
            starts_at=START,
            ends_at=START + timedelta(days=2),
        )
        session.add(workshop)
        session.flush()
        questions = [
            Question(
                workshop_id=workshop.id,
                position=i,
                text=f"Question {i}?",
                phase=Phase.LIVE,
                post_at=START,
                state=PostState.POSTED,
            )
            for i in range(QUESTIONS)
        ]
        session.add_all(questions)
        session.flush()
        rows = [
            {
                "question_id": questions[i % QUESTIONS].id,
                "user_id": f"U{i % people:08d}",
                "text": f"Answer {i}: "
                + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(25))
                + " <@U00000001>",
                "created_at": START + timedelta(seconds=i * 3),
                "edited_at": START if i % 7 == 0 else None,
            }
            for i in range(n)
        ]
        session.execute(insert(Response), rows)
        polls = []
        for position, (pair_key, phase) in enumerate(
            (("p", Phase.PRE), ("p", Phase.POST), (None, None), (None, None))
        ):
            poll = Poll(
                workshop_id=workshop.id,
                position=position,
                question=f"Poll {position}?",
                pair_key=pair_key,
                phase=phase,
                state=PollState.CLOSED,
            )
            session.add(poll)
            session.flush()
            options = [PollOption(poll_id=poll.id, position=k, label=f"Option {k}") for k in range(5)]
            session.add_all(options)
            session.flush()
            polls.append((poll, options))
        per_poll = n // len(polls)
        votes = [
            {
                "poll_id": poll.id,
                "option_id": options[(v * (p + 1) + v // 3) % 5].id,
                "voter_key": f"k{v:08d}",
                "created_at": START,
            }
            for p, (poll, options) in enumerate(polls)
            for v in range(per_poll)
        ]
        session.execute(insert(Vote), votes)


def measure(job: Callable[[], bytes]) -> tuple[float, float, int]:
    """(best seconds of three, peak MiB under tracemalloc, output bytes)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        size = len(job())
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    job()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, size


def main(sizes: list[int]) -> None:
    results: dict[str, list[tuple[int, float, float]]] = {"html": [], "json": []}
    print(
        f"{'N':>8} {'format':>6} {'seconds':>8} {'peak MiB':>9} {'output MiB':>10} {'time x':>7} {'mem x':>6}"
    )
    for n in sizes:
        with tempfile.TemporaryDirectory() as directory:
            db = Database.from_url(f"sqlite:///{Path(directory) / 'bench.db'}")
            SQLModel.metadata.create_all(db.engine)
            seed(db, n)
            for fmt in ("html", "json"):
                seconds, peak, size = measure(
                    lambda db=db, fmt=fmt: render(
                        compile_digest(db, "bench", audience=Audience.ORGANISERS),
                        fmt,
                    )
                )
                previous = results[fmt][-1] if results[fmt] else None
                growth = (
                    f"{seconds / previous[1]:7.1f} {peak / previous[2]:6.1f}"
                    if previous
                    else f"{'':>7} {'':>6}"
                )
                results[fmt].append((n, seconds, peak))
                print(f"{n:>8,} {fmt:>6} {seconds:8.3f} {peak:9.1f} {size / 2**20:10.2f} {growth}")
            db.dispose()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000, 100_000])
