"""Group commit: concurrent writes share transactions, each resolves only after its commit, failures stay alone."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from storage.batch import WriteBatcher
from storage.db import Database
from storage.models import ProcessedEvent, utc_now


def add_key(key: str):  # type: ignore[no-untyped-def]
    def write(session: Session) -> str:
        session.add(ProcessedEvent(key=key, received_at=utc_now()))
        session.flush()
        return key

    return write


def failing(session: Session) -> None:
    raise ValueError("this write is broken")


def stored(database: Database) -> list[str]:
    with database.reading() as session:
        return sorted(session.exec(select(ProcessedEvent.key)).all())


def test_concurrent_writes_are_all_committed_in_fewer_transactions(database: Database) -> None:
    batcher = WriteBatcher(database)
    with ThreadPoolExecutor(max_workers=32) as pool:
        futures = list(pool.map(lambda n: batcher.submit(add_key(f"k{n:04d}")), range(500)))
    assert [f.result(timeout=30) for f in futures] == [f"k{n:04d}" for n in range(500)]
    batcher.close()
    assert stored(database) == [f"k{n:04d}" for n in range(500)]
    assert batcher.writes == 500
    assert batcher.batches <= 500


def test_writes_waiting_behind_a_commit_share_the_next_transaction(database: Database) -> None:
    batcher = WriteBatcher(database)
    inside, release = threading.Event(), threading.Event()

    def slow(session: Session) -> str:
        inside.set()
        assert release.wait(10)
        return add_key("first")(session)

    first = batcher.submit(slow)
    assert inside.wait(10)  # the writer is busy with the first write: the next ones queue up
    waiting = [batcher.submit(add_key(f"k{n:02d}")) for n in range(20)]
    release.set()
    assert [f.result(timeout=10) for f in waiting] == [f"k{n:02d}" for n in range(20)]
    assert first.result(timeout=10) == "first"
    batcher.close()
    assert (batcher.writes, batcher.batches) == (21, 2)
    assert len(stored(database)) == 21


def test_a_failing_write_fails_alone_and_the_others_commit(database: Database) -> None:
    batcher = WriteBatcher(database)
    futures = [batcher.submit(add_key("before")), batcher.submit(failing), batcher.submit(add_key("after"))]
    assert futures[0].result(timeout=10) == "before"
    with pytest.raises(ValueError, match="this write is broken"):
        futures[1].result(timeout=10)
    assert futures[2].result(timeout=10) == "after"
    batcher.close()
    assert stored(database) == ["after", "before"]


def test_a_result_is_only_visible_after_its_commit(database: Database) -> None:
    batcher = WriteBatcher(database)
    future = batcher.submit(add_key("durable"))
    future.result(timeout=10)
    assert stored(database) == ["durable"]  # a fresh connection sees it: it was committed
    batcher.close()


# ----- awaited from an event loop (the request handlers' path) -------------------------------------
def keys_group(session: Session, keys: list[str]) -> list[str]:
    """A group write: every waiting key in one flush; a key named "broken" fails the whole batch."""
    if "broken" in keys:
        raise ValueError("this write is broken")
    session.add_all([ProcessedEvent(key=key, received_at=utc_now()) for key in keys])
    session.flush()
    return [f"stored {key}" for key in keys]


def test_awaited_writes_resolve_in_their_loop_after_their_commit(database: Database) -> None:
    batcher = WriteBatcher(database)
    committed_when_resolved: list[bool] = []

    async def one(key: str) -> str:
        result = await batcher.write(keys_group, key)
        committed_when_resolved.append(key in stored(database))  # a fresh connection: it was committed
        return result

    async def burst() -> list[str]:
        return await asyncio.gather(*(one(f"k{n:03d}") for n in range(200)))

    assert asyncio.run(burst()) == [f"stored k{n:03d}" for n in range(200)]
    batcher.close()
    assert committed_when_resolved == [True] * 200
    assert batcher.writes == 200
    assert batcher.batches < 200  # shared transactions, settled a batch at a time


def test_an_awaited_write_that_fails_raises_in_its_coroutine_and_the_others_commit(
    database: Database,
) -> None:
    batcher = WriteBatcher(database)

    async def burst() -> list[str | BaseException]:
        return await asyncio.gather(
            *(batcher.write(keys_group, key) for key in ("before", "broken", "after")),
            return_exceptions=True,
        )

    before, broken, after = asyncio.run(burst())
    batcher.close()
    assert (before, after) == ("stored before", "stored after")
    assert isinstance(broken, ValueError)
    assert stored(database) == ["after", "before"]


def test_a_cancelled_waiter_does_not_stop_the_others_from_hearing_of_their_commit(
    database: Database,
) -> None:
    batcher = WriteBatcher(database)
    inside, release = threading.Event(), threading.Event()

    def hold(session: Session) -> str:
        inside.set()
        assert release.wait(10)
        return "held"

    async def scenario() -> tuple[str, str]:
        first = batcher.submit(hold)  # keeps the writer busy while the next two queue up
        assert await asyncio.to_thread(inside.wait, 10)
        gone = asyncio.ensure_future(batcher.write(keys_group, "gone"))
        kept = asyncio.ensure_future(batcher.write(keys_group, "kept"))
        await asyncio.sleep(0)
        gone.cancel()  # its request went away; the write itself is already queued and still commits
        release.set()
        return await asyncio.wrap_future(first), await asyncio.wait_for(kept, 10)

    assert asyncio.run(scenario()) == ("held", "stored kept")
    batcher.close()
    assert stored(database) == ["gone", "kept"]
