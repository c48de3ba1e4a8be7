"""The scenarios: (a) vote clicks, (b) thread replies and (g) weigh-in deck clicks against Roundtable,
the bare-Bolt baseline and the naive peer, (c) a 200-vote burst on one poll, (e) the scheduler's fan-out
to 100 rate-limited channels."""

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, func, select

from bench import drivers, payloads, seed, servers, verify
from bench.fakes import FakeSlack, ResponseSink
from storage.models import PostState, Question


@dataclass(frozen=True, slots=True)
class Options:
    duration: float = 20.0  # measured seconds per run
    warmup: float = 3.0  # seconds of load before each measured run, not reported
    connections: tuple[int, ...] = (50, 200)
    driver: str = "wrk"  # or "python"
    rate_cap: int = 12000  # requests/s a Roundtable run is provisioned for (wrk never repeats a request)
    baseline_requests: int = 30000  # the baseline stores nothing, so wrk cycles through these
    max_requests: int | None = None  # a fixed count instead (smoke runs)
    burst_votes: int = 200
    burst_seconds: float = 2.0
    fan_channels: int = 100
    fan_per_channel: int = 10
    deck_answers: int = 40  # thread answers in (g)'s deck: each simulated person clicks through them all
    fan_lead_seconds: float = 8.0  # the questions fall due this long after seeding (server start included)
    metrics: bool = True  # Roundtable's GET /metrics and its counters (ROUNDTABLE_METRICS)


@dataclass
class LoadRow:
    scenario: str
    backend: str
    connections: int
    server: str  # "bare Bolt", "naive peer" or "Roundtable"
    result: drivers.LoadResult
    check: verify.Check | None = None
    ratio: float | None = None  # this server's rate / the baseline's in the same run
    p99_ratio: float | None = None
    naive_ratio: float | None = None  # Roundtable's rate / the naive peer's in the same run


@dataclass
class Stage:
    backend: str
    options: Options
    fake: FakeSlack
    sink: ResponseSink
    workdir: Path
    log: Callable[[str], None] = print
    rows: list[LoadRow] = field(default_factory=list)


def _drive(
    stage: Stage, url: str, requests: Sequence[payloads.Signed], connections: int, seconds: float, wrap: bool
) -> drivers.LoadResult:
    if stage.options.driver == "wrk":
        return drivers.run_wrk(url, requests, connections=connections, seconds=seconds, wrap=wrap)
    limit = None if stage.options.max_requests else seconds
    return drivers.run_python(url, requests, connections=connections, seconds=limit)


def load_scenarios(stage: Stage, scenarios: str) -> list[LoadRow]:
    """(b), (a) then (g), each at every concurrency, baseline, naive peer and Roundtable back to back."""
    fake = stage.fake
    with (
        servers.database(stage.backend, stage.workdir) as url,
        servers.database(stage.backend, stage.workdir) as naive_url,
    ):
        db = servers.open_database(url)
        workshop_id = seed.workshop(db)
        question_ts = payloads.fresh_ts()
        question_id = seed.posted_question(db, workshop_id, question_ts)
        poll_id = seed.poll(db, workshop_id)
        # (g)'s deck is a question of its own: (b) floods the first one with tens of thousands of replies,
        # and every one of them would be a card in the deck.
        deck_question_id = seed.posted_question(db, workshop_id, payloads.fresh_ts(), position=2)
        answers = (
            seed.deck_answers(db, deck_question_id, stage.options.deck_answers) if "g" in scenarios else []
        )
        with (
            servers.baseline(fake.api_url, fake.token, stage.workdir) as bare,
            servers.baseline(fake.api_url, fake.token, stage.workdir, naive_database_url=naive_url) as naive,
            servers.roundtable(
                url, fake.api_url, fake.token, stage.workdir, metrics=stage.options.metrics
            ) as bot,
        ):
            poll_ts = seed.wait_poll_open(db, poll_id)

            def replies(n: int) -> tuple[list[payloads.Reply], list[payloads.Signed]]:
                built = payloads.thread_replies(n, channel=seed.CHANNEL, thread_ts=question_ts)
                return [item for item, _ in built], [signed for _, signed in built]

            def clicks(n: int) -> tuple[list[payloads.Click], list[payloads.Signed]]:
                built = payloads.vote_clicks(
                    n,
                    poll_id=poll_id,
                    channel=seed.CHANNEL,
                    message_ts=poll_ts,
                    options=len(seed.OPTIONS),
                    response_url=stage.sink.url("vote"),
                )
                return [item for item, _ in built], [signed for _, signed in built]

            def deck_clicks(n: int) -> tuple[list[payloads.DeckClick], list[payloads.Signed]]:
                built = payloads.deck_clicks(n, question_id=deck_question_id, answers=answers)
                for view_id in {click.view_id for click, _ in built}:
                    # The modal each simulated person has open, so the bot's views.update redraws it.
                    fake.views[view_id] = {
                        "id": view_id,
                        "type": "modal",
                        "hash": "",
                        "root_view_id": view_id,
                    }
                return [item for item, _ in built], [signed for _, signed in built]

            def check_replies(items: list[payloads.Reply], sent: list[int], acked: int) -> verify.Check:
                return verify.replies(db, question_id, seed.CHANNEL, items, sent, acked)

            def check_votes(items: list[payloads.Click], sent: list[int], acked: int) -> verify.Check:
                return verify.votes(db, poll_id, items, sent, acked)

            def check_deck(items: list[payloads.DeckClick], sent: list[int], acked: int) -> verify.Check:
                return verify.deck_votes(db, workshop_id, items, sent, acked)

            plans = {
                "b": ("(b) thread replies", replies, check_replies),
                "a": ("(a) vote clicks", clicks, check_votes),
                "g": ("(g) weigh-in deck clicks", deck_clicks, check_deck),
            }
            for key in "bag":
                if key not in scenarios:
                    continue
                name, build, check = plans[key]
                for connections in stage.options.connections:
                    _compare(stage, name, (bare, naive, bot), connections, build, check)  # type: ignore[arg-type]
        db.dispose()
    return stage.rows


def _compare(
    stage: Stage,
    name: str,
    contenders: tuple[servers.Server, servers.Server, servers.Server],  # bare Bolt, naive peer, Roundtable
    connections: int,
    build: Callable[[int], tuple[list[object], list[payloads.Signed]]],
    check: Callable[[list[object], list[int], int], verify.Check],
) -> None:
    options = stage.options
    measured: dict[str, LoadRow] = {}
    rate_cap = float(options.rate_cap)
    bare, naive, bot = contenders
    for server, label in ((bare, "bare Bolt"), (naive, "naive peer"), (bot, "Roundtable")):
        checks = []
        # Neither the baseline nor the naive peer deduplicates, so wrk may cycle through their requests.
        wrap = server is not bot and options.driver == "wrk"

        if options.warmup:
            items, requests = build(_provision(options, options.warmup, rate_cap, wrap))
            warm = _drive(stage, server.url, requests, connections, options.warmup, wrap)
            if server is bot and options.driver == "wrk":
                rate_cap = min(rate_cap, max(warm.rate, 200.0) * 3)  # the measured run's provision
            if server is bot:
                time.sleep(1)  # let requests still in flight when the driver stopped finish
                checks.append(check(items, warm.sent, warm.statuses_2xx))
        items, requests = build(_provision(options, options.duration, rate_cap, wrap))
        result = _drive(stage, server.url, requests, connections, options.duration, wrap)
        row = LoadRow(name, stage.backend, connections, label, result)
        if server is bot:
            time.sleep(1)
            checks.append(check(items, result.sent, result.statuses_2xx))
            row.check = _merge(checks)
        measured[label] = row
        if server is bare and options.driver == "wrk":
            # Roundtable is not faster than bare Bolt: its warm-up is provisioned at 1.5× the baseline's
            # rate, its measured run at 3× its own warm-up rate (a run that runs out says so).
            rate_cap = min(rate_cap, max(result.rate, 200.0) * 1.5)
        stage.log(
            f"  {name} {stage.backend} c={connections} {label}: {result.rate:,.0f}/s p50 {result.p50_ms:.1f} ms "
            f"p99 {result.p99_ms:.1f} ms max {result.max_ms:.0f} ms errors {result.errors} "
            f"[{_error_detail(result)}]{' (ran out of requests)' if result.exhausted else ''}"
            + (f"; db {row.check}" if row.check else "")
        )
    base, peer, ours = measured["bare Bolt"], measured["naive peer"], measured["Roundtable"]
    for row in (peer, ours):
        if base.result.rate:
            row.ratio = row.result.rate / base.result.rate
        if base.result.p99_ms:
            row.p99_ratio = row.result.p99_ms / base.result.p99_ms
    if peer.result.rate:
        ours.naive_ratio = ours.result.rate / peer.result.rate
    stage.rows.extend([base, peer, ours])


def _error_detail(result: drivers.LoadResult) -> str:
    statuses = ", ".join(
        f"HTTP {status}: {n}" for status, n in sorted(result.statuses.items()) if status >= 300
    )
    return "; ".join(part for part in (statuses, result.socket_detail) if part) or "none"


def _provision(options: Options, seconds: float, rate: float, wrap: bool) -> int:
    """How many distinct requests to build for a run of `seconds` at up to `rate` per second."""
    if options.max_requests:
        return options.max_requests
    if wrap:
        return min(math.ceil(rate * seconds), options.baseline_requests)
    return math.ceil(rate * seconds)


def _merge(checks: list[verify.Check]) -> verify.Check:
    return verify.Check(
        sum(c.sent for c in checks),
        sum(c.acked for c in checks),
        sum(c.stored for c in checks),
        tuple(p for c in checks for p in c.problems),
    )


# ----- (c) a burst of votes on one poll ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BurstResult:
    votes: int
    acked: int
    burst_seconds: float
    updates: int  # chat.update calls for the poll's message
    max_updates_per_second: int  # most updates in any 1-second window
    final_after: float | None  # seconds from the last vote's ack until the message showed the final totals
    exact: bool
    check: verify.Check


_COUNT = re.compile(r"\((\d+)\) (" + "|".join(seed.OPTIONS) + r")\b")


def _shown_totals(message: dict[str, object] | None) -> tuple[int | None, dict[str, int]]:
    text = " ".join(
        str((block.get("text") or {}).get("text", ""))
        for block in (message or {}).get("blocks", [])  # type: ignore[union-attr]
        if isinstance(block, dict)
    )
    voters = re.search(r"(\d+) (?:people have|person has) voted", text)
    return (int(voters.group(1)) if voters else None), {label: int(n) for n, label in _COUNT.findall(text)}


def burst(stage: Stage) -> BurstResult:
    options, fake = stage.options, stage.fake
    with servers.database(stage.backend, stage.workdir) as url:
        db = servers.open_database(url)
        poll_id = seed.poll(db, seed.workshop(db))
        with servers.roundtable(url, fake.api_url, fake.token, stage.workdir) as bot:
            poll_ts = seed.wait_poll_open(db, poll_id)
            built = payloads.vote_clicks(
                options.burst_votes,
                poll_id=poll_id,
                channel=seed.CHANNEL,
                message_ts=poll_ts,
                options=len(seed.OPTIONS),
                response_url=stage.sink.url("burst"),
                change_every=0,
            )
            started = time.time()
            result = drivers.run_python(
                bot.url,
                [s for _, s in built],
                connections=min(50, len(built)),
                spread_seconds=options.burst_seconds,
            )
            acked_at = time.time()
            expected = Counter(seed.OPTIONS[click.position] for click, _ in built)
            deadline, final_at = acked_at + 15, None
            while time.time() < deadline:
                voters, shown = _shown_totals(fake.message(seed.CHANNEL, poll_ts))
                if voters == len(built) and shown == dict(expected):
                    final_at = time.time()
                    break
                time.sleep(0.02)
            time.sleep(1.5)  # any update still to come would show up here
            updates = sorted(
                c.time
                for c in fake.calls("chat.update")
                if c.params.get("ts") == poll_ts and c.time >= started
            )
            voters, shown = _shown_totals(fake.message(seed.CHANNEL, poll_ts))
            check = verify.votes(db, poll_id, [c for c, _ in built], result.sent, result.statuses_2xx)
        db.dispose()
    window = max((sum(1 for u in updates if t <= u < t + 1) for t in updates), default=0)
    return BurstResult(
        votes=len(built),
        acked=result.statuses_2xx,
        burst_seconds=acked_at - started,
        updates=len(updates),
        max_updates_per_second=window,
        final_after=None if final_at is None else final_at - acked_at,
        exact=voters == len(built) and shown == dict(expected),
        check=check,
    )


# ----- (e) scheduler fan-out -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FanOutResult:
    questions: int
    channels: int
    bound_seconds: float  # the pacing lower bound: one post per channel per second
    first_post: float  # seconds after the due time
    total_seconds: float  # due time → last post answered
    posted: int
    duplicates: int
    failed: int
    rate_limited: int  # 429s from the fake (the SDK retries them)


def fan_out(stage: Stage) -> FanOutResult:
    options, fake = stage.options, stage.fake
    fake.reset()
    fake.enforce_post_rate(1)
    try:
        with servers.database(stage.backend, stage.workdir) as url:
            db = servers.open_database(url)
            due = (datetime.now(UTC) + timedelta(seconds=options.fan_lead_seconds)).replace(microsecond=0)
            ids = seed.fan_out(
                db, channels=options.fan_channels, per_channel=options.fan_per_channel, due=due
            )
            with servers.roundtable(url, fake.api_url, fake.token, stage.workdir):
                deadline = due.timestamp() + 30 + 2 * options.fan_per_channel
                while time.time() < deadline:
                    with db.reading() as session:
                        waiting = session.exec(
                            select(func.count()).where(
                                col(Question.id).in_(ids),
                                col(Question.state).in_([PostState.SCHEDULED, PostState.CLAIMED]),
                            )
                        ).one()
                    if not waiting:
                        break
                    time.sleep(0.1)
                time.sleep(1)
            with db.reading() as session:
                states = Counter(session.exec(select(Question.state).where(col(Question.id).in_(ids))).all())
            db.dispose()
    finally:
        fake.enforce_post_rate(None)
    posts = [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok and str(c.params.get("channel", "")).startswith("C0FAN")
    ]
    per_question = Counter(
        (c.params.get("metadata") or {}).get("event_payload", {}).get("question_id") for c in posts
    )
    times = sorted(c.time for c in posts)
    start = due.timestamp()
    return FanOutResult(
        questions=len(ids),
        channels=options.fan_channels,
        bound_seconds=float(options.fan_per_channel),
        first_post=(times[0] - start) if times else math.nan,
        total_seconds=(times[-1] - start) if times else math.nan,
        posted=states.get(PostState.POSTED, 0),
        duplicates=sum(n - 1 for n in per_question.values() if n > 1),
        failed=len(ids) - states.get(PostState.POSTED, 0),
        rate_limited=fake.rate_limit_rejections,
    )
