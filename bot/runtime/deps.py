"""The app-lifetime objects every part of the bot shares, built once from Settings."""

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import httpx
from slack_sdk import WebClient

from bot.curation import suggestions
from bot.runtime.followups import ResponseUrlSender
from bot.runtime.metrics import Metrics
from bot.runtime.settings import Settings
from bot.runtime.slack_client import build_web_client
from storage.batch import WriteBatcher
from storage.db import Database
from storage.models import utc_now

logger = logging.getLogger(__name__)


@dataclass
class Deps:
    settings: Settings
    db: Database
    slack: WebClient  # retries everything; for idempotent calls
    posting: WebClient  # no blind retry after a dropped connection; for chat.postMessage
    http: httpx.Client  # response_url follow-ups from threads (no running loop)
    background: ThreadPoolExecutor
    writes: WriteBatcher  # group commit for the deliveries acked on the request path
    metrics: Metrics = field(default_factory=Metrics)  # this process's; served on GET /metrics
    clock: Callable[[], datetime] = utc_now  # the one clock (storage.models); tests pass their own
    # How curation gets suggested themes (bot.curation.suggestions; tests pass their own).
    suggest_themes: suggestions.Suggester = suggestions.suggest_themes
    # response_url follow-ups from the event loop (handlers' replies after the ack): no thread per reply
    followups: ResponseUrlSender = field(default_factory=ResponseUrlSender)
    channel_ids: dict[str, str] = field(default_factory=dict)  # "#name" -> id, looked up once per process
    _identity: dict[str, str] | None = field(default=None, repr=False)

    def later(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Run slow work (Slack calls) after the ack, logging instead of losing its failure."""
        future = self.background.submit(function, *args, **kwargs)
        future.add_done_callback(_log_failure)
        return future

    def identity(self) -> dict[str, str]:
        """auth.test, once per process: the bot's user id and the workspace URL (empty until it succeeds)."""
        if self._identity is None:
            try:
                answer = self.slack.auth_test()
                self._identity = {"user_id": str(answer["user_id"]), "url": str(answer.get("url") or "")}
            except Exception:
                logger.warning("auth.test failed; the bot's identity is unknown for now", exc_info=True)
                return {}
        return self._identity

    def bot_user_id(self) -> str | None:
        """The bot's own user id, so it never counts itself as a participant."""
        return self.identity().get("user_id")

    def team_url(self) -> str | None:
        return self.identity().get("url") or None

    @cached_property
    def organisers(self) -> frozenset[str]:
        return frozenset(self.settings.organisers)

    @cached_property
    def voter_secret(self) -> bytes:
        return self.settings.voter_secret()

    def close(self) -> None:
        self.background.shutdown(wait=True, cancel_futures=False)
        self.writes.close()
        self.http.close()
        self.db.dispose()


def _log_failure(future: Future[Any]) -> None:
    error = future.exception()
    if error is not None:
        logger.error("background task failed", exc_info=error)


def build_deps(settings: Settings, *, db: Database | None = None, workers: int = 8) -> Deps:
    database = db or Database.from_url(settings.database_url)
    metrics = Metrics()
    return Deps(
        settings=settings,
        db=database,
        writes=WriteBatcher(database, on_batch=metrics.writer_batch),
        slack=build_web_client(settings, metrics=metrics),
        posting=build_web_client(settings, retry_connection_errors=False, metrics=metrics),
        metrics=metrics,
        http=httpx.Client(timeout=10),
        background=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="roundtable-bg"),
    )
