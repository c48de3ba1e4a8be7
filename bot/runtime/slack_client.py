"""Slack Web API clients built from Settings, with slack_sdk's retry handlers.

Two sync clients: `client` retries rate limits, server errors and dropped connections, for calls that are
safe to repeat; `posting_client` does not retry dropped connections, because a connection lost after
chat.postMessage may already have posted — the poster checks the channel for the message instead.
Retries sleep in the calling thread, so these clients are only used off the request path.
"""

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.settings import Settings

TIMEOUT_SECONDS = 15


def _token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


def build_web_client(settings: Settings, *, retry_connection_errors: bool = True) -> WebClient:
    handlers: list[RetryHandler] = [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=3),
    ]
    if retry_connection_errors:
        handlers.append(ConnectionErrorRetryHandler(max_retry_count=3))
    return WebClient(
        token=_token(settings),
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )


def build_async_client(settings: Settings) -> AsyncWebClient:
    """The client Bolt itself uses (auth.test on first request); listeners never call Slack with it."""
    return AsyncWebClient(token=_token(settings), base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS)
