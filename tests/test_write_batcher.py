"""Group commit: concurrent writes share transactions, each resolves only after its commit, failures stay alone."""

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
