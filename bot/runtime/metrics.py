"""Prometheus metrics on `GET /metrics`: request latency by kind, outcomes, the writer, Slack API calls.

Built per process when the app is (nothing at import time) and cheap on the hot path: each label's child
is resolved once, so a request costs one histogram observation and one counter increment.

Processes: uvicorn runs `WEB_CONCURRENCY` workers behind one port and the scheduler in the supervising
process, and by default each keeps its own registry, so a scrape of `/metrics` reads whichever worker
answered it (the `pid` in `roundtable_process_info` says which). For totals across processes, set
`PROMETHEUS_MULTIPROC_DIR` to an empty directory before starting: prometheus_client's multiprocess mode
then writes every process's values there and each `/metrics` adds them up (the queue depth per process,
as `pid`-labelled gauges).
"""

import os
from typing import Any

KINDS = ("event", "click", "command", "view", "other")
OUTCOMES = ("acked", "duplicate", "refused")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def request_kind(body: dict[str, Any]) -> str:
    """What a Slack delivery is, for the latency histogram: event, click, command, view or other."""
    kind = body.get("type")
    if kind == "event_callback":
        return "event"
    if kind in ("block_actions", "interactive_message", "block_suggestion"):
        return "click"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if "command" in body:
        return "command"
    return "other"


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode values live in files and the exposition reads them all, so the metrics
        # themselves are registered nowhere (a registry would show this process's copy a second time).
        self.registry = None if self.multiprocess else CollectorRegistry()
        registry = self.registry
        latency = Histogram(
            "roundtable_request_seconds",
            "Time from a Slack request's arrival to its answer, by kind",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        outcomes = Counter(
            "roundtable_deliveries",
            "Slack deliveries by kind and outcome (acked: 2xx; duplicate: a retry recognised; refused: 4xx)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.latency = {kind: latency.labels(kind) for kind in KINDS}
        self.outcomes = {(k, o): outcomes.labels(k, o) for k in KINDS for o in OUTCOMES}
        self.queue_depth = Gauge(
            "roundtable_writer_queue_depth",
            "Writes waiting for the group-commit writer when it took its last batch",
            registry=registry,
            multiprocess_mode="all",
        )
        self.batch_size = Histogram(
            "roundtable_writer_batch_size",
            "Writes committed together by the group-commit writer",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self._slack_calls = Counter(
            "roundtable_slack_api_calls", "Slack Web API calls by method", ["method"], registry=registry
        )
        self._slack_limited = Counter(
            "roundtable_slack_api_rate_limited",
            "Slack Web API answers of 429 (rate limited) by method",
            ["method"],
            registry=registry,
        )
        info = Gauge(
            "roundtable_process_info",
            "1 for this process; its pid says which worker answered",
            ["pid"],
            registry=registry,
            multiprocess_mode="all",
        )
        info.labels(str(os.getpid())).set(1)

    def request(self, kind: str, seconds: float, status: int) -> None:
        self.latency[kind].observe(seconds)
        outcome = "acked" if status < 300 else "refused" if status < 500 else None
        if outcome is not None:
            self.outcomes[(kind, outcome)].inc()

    def duplicate(self, kind: str) -> None:
        self.outcomes[(kind, "duplicate")].inc()

    def writer_batch(self, size: int, waiting: int) -> None:
        self.batch_size.observe(size)
        self.queue_depth.set(waiting)

    def slack_call(self, method: str) -> None:
        self._slack_calls.labels(method).inc()

    def slack_rate_limited(self, method: str) -> None:
        self._slack_limited.labels(method).inc()

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        if self.registry is not None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def api_method(url: str) -> str:
    """The Web API method of a request URL (`…/api/chat.update` → `chat.update`)."""
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
