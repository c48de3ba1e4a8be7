"""After a load run: was every request the server may have received stored exactly once?

`sent` are the requests that may have reached the server, `acked` how many got a 2xx. The check passes when
everything acked is stored (stored ≥ acked), nothing unsent is stored, and each stored request left exactly
one row: one dedupe key per click or event, one vote row per voter, one response per reply.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, func, select

from bench.payloads import Click, DeckClick, Reply
from bench.servers import VOTER_SECRET
from bot.polls.rules import delivery_key, voter_key
from bot.weighin import keys as deck_keys
from storage.db import Database
from storage.models import Poll, ProcessedEvent, Response, Vote, WeighinVote


@dataclass(frozen=True, slots=True)
class Check:
    sent: int
    acked: int
    stored: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        return f"{self.stored}/{self.sent} stored, {self.acked} acked, {verdict}"


def settle(db: Database, *, quiet_seconds: float = 0.5, limit_seconds: float = 20.0) -> None:
    """Wait until the server has finished what was in flight when the driver stopped: no new dedupe key for
    `quiet_seconds`. A check that read the keys while clicks were still committing would find rows whose
    keys it had read as absent (a server that is behind commits both between the check's two reads)."""
    deadline = time.monotonic() + limit_seconds
    last = -1
    while time.monotonic() < deadline:
        with db.reading() as session:
            count = int(session.exec(select(func.count()).select_from(ProcessedEvent)).one())
        if count == last:
            return
        last = count
        time.sleep(quiet_seconds)


def _keys_present(db: Database, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    with db.reading() as session:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found.update(
                session.exec(select(ProcessedEvent.key).where(col(ProcessedEvent.key).in_(chunk))).all()
            )
    return found


def votes(db: Database, poll_id: int, clicks: Sequence[Click], sent: Sequence[int], acked: int) -> Check:
    settle(db)
    with db.reading() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
    secret = VOTER_SECRET.encode()
    keys = [delivery_key(secret, poll, click.user_id, "click", click.action_ts) for click in clicks]
    present = _keys_present(db, keys)
    stored = [i for i, key in enumerate(keys) if key in present]
    problems = []
    sent_set = set(sent)
    if unsent := [i for i in stored if i not in sent_set]:
        problems.append(f"{len(unsent)} stored but never sent")
    if len(stored) < acked:
        problems.append(f"{acked - len(stored)} acked but not stored")
    with db.reading() as session:
        voters = {voter_key(secret, poll, clicks[i].user_id) for i in stored}
        rows = 0
        voter_list = sorted(voters)
        for start in range(0, len(voter_list), 500):
            chunk = voter_list[start : start + 500]
            statement = select(func.count()).where(Vote.poll_id == poll_id, col(Vote.voter_key).in_(chunk))
            rows += int(session.exec(statement).one())
    if rows != len(voters):
        problems.append(f"{rows} vote rows for {len(voters)} distinct voters")
    return Check(len(sent), acked, len(stored), tuple(problems))


def deck_votes(
    db: Database, workshop_id: int, clicks: Sequence[DeckClick], sent: Sequence[int], acked: int
) -> Check:
    """Every acked deck click left its dedupe key and exactly one `weighinvote` row for its (answer,
    voter key), holding its choice; each click of a run is a distinct (person, answer)."""
    settle(db)
    secret = VOTER_SECRET.encode()
    voters = [deck_keys.voter_key(secret, workshop_id, click.user_id) for click in clicks]
    keys = [
        deck_keys.delivery_key(secret, voter, click.action_ts)
        for voter, click in zip(voters, clicks, strict=True)
    ]
    present = _keys_present(db, keys)
    stored = [i for i, key in enumerate(keys) if key in present]
    problems = []
    sent_set = set(sent)
    if unsent := [i for i in stored if i not in sent_set]:
        problems.append(f"{len(unsent)} stored but never sent")
    if len(stored) < acked:
        problems.append(f"{acked - len(stored)} acked but not stored")
    wanted = {(clicks[i].response_id, voters[i]): clicks[i].choice for i in stored}
    found: list[tuple[int, str, int]] = []
    voter_list = sorted({voter for _, voter in wanted})
    with db.reading() as session:
        for start in range(0, len(voter_list), 500):
            statement = select(WeighinVote.response_id, WeighinVote.voter_key, WeighinVote.choice).where(
                WeighinVote.workshop_id == workshop_id,
                col(WeighinVote.voter_key).in_(voter_list[start : start + 500]),
            )
            found.extend(session.exec(statement).all())
    if len(found) != len(wanted):
        problems.append(f"{len(found)} weighinvote rows for {len(wanted)} (answer, voter) pairs")
    if wrong := sum(1 for response_id, voter, choice in found if wanted.get((response_id, voter)) != choice):
        problems.append(f"{wrong} weighinvote rows without their click's choice")
    return Check(len(sent), acked, len(stored), tuple(problems))


def replies(
    db: Database, question_id: int, channel: str, items: Sequence[Reply], sent: Sequence[int], acked: int
) -> Check:
    settle(db)
    keys = [f"event:{reply.event_id}" for reply in items]
    present = _keys_present(db, keys)
    stored_events = [i for i, key in enumerate(keys) if key in present]
    by_ts = {reply.ts: i for i, reply in enumerate(items)}
    rows: list[int] = []
    with db.reading() as session:
        tss = list(by_ts)
        for start in range(0, len(tss), 500):
            # Only (channel, ts) in SQL: with question_id there too, PostgreSQL's planner (statistics still
            # from an empty table right after the load) walked the question index, taking minutes.
            statement = select(Response.message_ts, Response.question_id).where(
                Response.channel_id == channel, col(Response.message_ts).in_(tss[start : start + 500])
            )
            rows.extend(
                by_ts[ts]
                for ts, qid in session.exec(statement).all()
                if ts is not None and qid == question_id
            )
    problems = []
    sent_set = set(sent)
    if unsent := [i for i in rows if i not in sent_set]:
        problems.append(f"{len(unsent)} stored but never sent")
    if len(rows) < acked:
        problems.append(f"{acked - len(rows)} acked but not stored")
    if len(rows) != len(set(rows)):
        problems.append(f"{len(rows) - len(set(rows))} replies stored twice")
    if sorted(rows) != stored_events:
        problems.append(f"{len(rows)} responses but {len(stored_events)} event keys")
    return Check(len(sent), acked, len(rows), tuple(problems))
