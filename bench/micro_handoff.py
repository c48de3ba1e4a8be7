"""What the event loop pays to hand a write to the group-commit writer and hear back, per write.

    python bench/micro_handoff.py

Bursts of 200 concurrent coroutines each queue a trivial group write and await its committed result, on
a throwaway SQLite file, two ways in the same run: `asyncio.wrap_future(submit_to(...))` (a
`concurrent.futures.Future` per write, one `call_soon_threadsafe` per write) and `WriteBatcher.write`
(one hand-off per batch and loop). The group itself does nothing, so the numbers are the hand-off and the
commit, not the database work. See RESULTS.md for readings.
"""

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sqlmodel import Session

from storage.batch import WriteBatcher
from storage.db import Database

BURSTS = 100
BURST = 200


def _echo(_session: Session, items: list[int]) -> list[int]:
    return items


async def _measure(name: str, batcher: WriteBatcher, one: Callable[[int], Awaitable[int]]) -> None:
    await asyncio.gather(*(one(i) for i in range(BURST)))  # warm-up: the writer thread is started
    batches = batcher.batches
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(BURSTS):
        await asyncio.gather(*(one(i) for i in range(BURST)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    writes = BURSTS * BURST
    print(
        f"{name:<28} {cpu / writes * 1e6:6.1f} µs CPU/write  {wall / writes * 1e6:6.1f} µs wall/write  "
        f"{batcher.batches - batches} batches"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite:///{tmp}/handoff.db")
        batcher = WriteBatcher(db)

        async def wrapped(item: int) -> int:
            return await asyncio.wrap_future(batcher.submit_to(_echo, item))

        async def awaited(item: int) -> int:
            return await batcher.write(_echo, item)

        for _ in range(2):  # interleaved, so a change in the machine's load shows in both
            await _measure("wrap_future(submit_to(...))", batcher, wrapped)
            await _measure("write(...)", batcher, awaited)
        batcher.close()
        db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
