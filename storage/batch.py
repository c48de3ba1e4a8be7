"""Group commit: many small writes from concurrent requests share one transaction and one fsync.

Each Slack delivery must be on disk before it is acknowledged. Committing each one separately costs an
fsync per request (~0.75 ms on SQLite with synchronous=FULL) and, on SQLite, one writer at a time. The
batcher's thread takes whatever writes are waiting, runs them in one transaction, commits once, and only
then resolves each caller's future — so every ack still follows a durable commit of its own write.

Writes of the same kind can also be applied together (`submit_to`): a group function receives every
waiting item of its kind and answers one result per item, so N replies cost a few multi-row statements
instead of N times a few statements. A write that raises fails alone: the batch is retried item by item,
each in its own transaction.

A coroutine awaits its write with `write` instead of wrapping a `submit` future: the writer hands a
whole batch's results to each waiting event loop in one call (`call_soon_threadsafe` once per batch, not
once per write), so a burst of clicks costs the loop one wake-up per commit instead of one per click and
no `threading.Condition` per request.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlmodel import Session

from storage.db import Database

logger = logging.getLogger(__name__)

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741  (an item of a group)
Group = Callable[[Session, list[Any]], list[Any]]
_STOP = object()


class _LoopWaiter:
    """A coroutine waiting in `loop` for its write: the future is settled in that loop, never here."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: "asyncio.Future[Any]") -> None:
        self.loop = loop
        self.future = future


Waiter = Future[Any] | _LoopWaiter
Outcome = tuple[Waiter, Any, BaseException | None]  # the waiter, its result, or the error it failed with


def _single(session: Session, writes: list[Callable[[Session], Any]]) -> list[Any]:
    return [write(session) for write in writes]


class WriteBatcher:
    def __init__(
        self, db: Database, *, max_batch: int = 256, on_batch: Callable[[int, int], None] | None = None
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self.on_batch = on_batch  # (writes in the batch, writes left waiting), after each batch is settled
        self._queue: queue.SimpleQueue[tuple[Group, Any, Waiter] | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="roundtable-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self.batches = 0
        self.writes = 0

    def submit(self, write: Callable[[Session], T]) -> "Future[T]":
        """Queue `write(session)`; the future resolves with its result once its transaction has committed."""
        return self.submit_to(_single, write)

    def submit_to(self, group: Callable[[Session, list[I]], list[T]], item: I) -> "Future[T]":
        """Queue `item` for `group(session, items)`, which handles all waiting items of its kind at once."""
        future: Future[T] = Future()
        self._enqueue(group, item, future)
        return future

    async def write(self, group: Callable[[Session, list[I]], list[T]], item: I) -> T:
        """`submit_to` for a coroutine: the result of `item` once the transaction holding it has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._enqueue(group, item, _LoopWaiter(loop, future))
        return await future

    def _enqueue(self, group: Group, item: Any, waiter: Waiter) -> None:
        with self._lock:
            if not self._started:
                self._thread.start()
                self._started = True
        self._queue.put((group, item, waiter))

    def close(self) -> None:
        with self._lock:
            if not self._started:
                return
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            writes = [entry for entry in batch if isinstance(entry, tuple)]
            self._commit(writes)
            if self.on_batch is not None:
                self.on_batch(len(writes), self._queue.qsize())
            if stop:
                return

    def _commit(self, batch: list[tuple[Group, Any, Waiter]]) -> None:
        groups: dict[Group, list[tuple[Any, Waiter]]] = {}
        for group, item, waiter in batch:
            groups.setdefault(group, []).append((item, waiter))
        settled: list[Outcome] = []
        try:
            with self.db.transaction() as session:
                for group, entries in groups.items():
                    results = group(session, [item for item, _ in entries])
                    if len(results) != len(entries):
                        raise RuntimeError(
                            f"{group.__name__} answered {len(results)} results for {len(entries)}"
                        )
                    settled += [
                        (waiter, result, None) for (_, waiter), result in zip(entries, results, strict=True)
                    ]
        except Exception as error:
            if len(batch) == 1:
                _settle([(batch[0][2], None, error)])
                return
            # Someone's write failed and took the batch down with it: commit each on its own.
            for entry in batch:
                self._commit([entry])
            return
        self.batches += 1
        self.writes += len(batch)
        _settle(settled)


def _settle(outcomes: list[Outcome]) -> None:
    """Resolve thread futures here; hand each event loop all of its waiters' outcomes in one call."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
    for waiter, result, error in outcomes:
        if isinstance(waiter, _LoopWaiter):
            by_loop.setdefault(waiter.loop, []).append((waiter.future, result, error))
        elif error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(result)
    for loop, waiting in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, waiting)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            logger.info("%d committed writes had no event loop left to hear of it", len(waiting))


def _resolve(waiting: list[tuple["asyncio.Future[Any]", Any, BaseException | None]]) -> None:
    """In the waiters' loop. A waiter whose request was cancelled (the client went away) is skipped."""
    for future, result, error in waiting:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
