"""CPU per reply and per click of the writer's group functions, in process (SQLite file, no server).

    python bench/micro_writer.py b   # thread replies: replies.apply_deliveries, batches of 16
    python bench/micro_writer.py a   # vote clicks: polls.apply_clicks, batches of 16

What the writer thread costs per item, apart from HTTP, Bolt and the event loop: the number that moves
when statements are built once or a path goes set-based. See RESULTS.md for readings.
"""

import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]
# ruff: noqa: E402  (the repository on sys.path first, as bench/run.py does)
from sqlmodel import SQLModel

from bench import seed
from bot.polls import rules
from bot.questions import replies
from storage.db import Database


def main(kind: str, batches: int = 300, size: int = 16) -> None:
    tmp = tempfile.mkdtemp()
    db = Database.from_url(f"sqlite:///{tmp}/m.db")
    SQLModel.metadata.create_all(db.engine)
    w = seed.workshop(db)
    qts = f"{int(time.time())}.000100"
    seed.posted_question(db, w, qts)
    poll_id = seed.poll(db, w)
    from storage.models import Poll, PollState

    with db.transaction() as s:
        p = s.get(Poll, poll_id)
        p.state = PollState.OPEN
        s.add(p)
    now = datetime.now(UTC)
    n = 0
    cpu = time.process_time()
    wall = time.perf_counter()
    for _batch in range(batches):
        with db.transaction() as s:
            if kind == "b":
                ds = []
                for _ in range(size):
                    n += 1
                    m = replies.ThreadMessage(
                        replies.MessageKind.POSTED,
                        f"Ev{uuid.uuid4().hex}",
                        seed.CHANNEL,
                        f"{int(time.time())}.{n:06d}",
                        qts,
                        f"U{n:08d}",
                        "an answer",
                    )
                    ds.append(replies.Delivery(m, now))
                replies.apply_deliveries(s, ds)
            else:
                cs = []
                for _ in range(size):
                    n += 1
                    cs.append(rules.Click(poll_id, n % 3, f"U{n:08d}", f"{n}.0001", b"s" * 32, now))
                rules.apply_clicks(s, cs)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    print(
        f"{kind}: {n} items in {batches} batches of {size}: {cpu / n * 1e6:.0f} µs CPU/item, {wall / n * 1e6:.0f} µs wall/item"
    )


main(sys.argv[1])
