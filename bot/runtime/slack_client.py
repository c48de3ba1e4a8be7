"""Slack Web API clients built from Settings, with slack_sdk's retry handlers.

Two sync clients: `client` retries rate limits, server errors and dropped connections, for calls that are
safe to repeat; `posting_client` does not retry dropped connections, because a connection lost after
chat.postMessage may already have posted — the poster checks the channel for the message instead.
Retries sleep in the calling thread, so these clients are only used off the request path.
"""

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.metrics import Metrics, api_method
from bot.runtime.settings import Settings

TIMEOUT_SECONDS = 15


def _token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


class CountedWebClient(WebClient):
    """A WebClient that counts its calls, and the 429s that end a call, by method (`Metrics`)."""

    def __init__(self, metrics: Metrics | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        if self.metrics is None:
            return super().api_call(api_method, **kwargs)
        self.metrics.slack_call(api_method)
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            if error.response.status_code == 429:
                self.metrics.slack_rate_limited(api_method)
            raise


class CountedRateLimitRetry(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, counting each 429 it sleeps out (the last one, not retried, is counted by
    `CountedWebClient`)."""

    def __init__(self, metrics: Metrics | None, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.metrics = metrics

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        limited = super()._can_retry(state=state, request=request, response=response, error=error)
        if limited and self.metrics is not None:
            self.metrics.slack_rate_limited(api_method(request.url))
        return limited


def build_web_client(
    settings: Settings, *, retry_connection_errors: bool = True, metrics: Metrics | None = None
) -> WebClient:
    handlers: list[RetryHandler] = [
        CountedRateLimitRetry(metrics, max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=3),
    ]
    if retry_connection_errors:
        handlers.append(ConnectionErrorRetryHandler(max_retry_count=3))
    return CountedWebClient(
        metrics,
        token=_token(settings),
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )


def build_async_client(settings: Settings) -> AsyncWebClient:
    """The client Bolt itself uses (auth.test on first request); listeners never call Slack with it."""
    return AsyncWebClient(token=_token(settings), base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS)
