"""Socket Mode: the Bolt app over Slack's WebSocket, reconnecting with bounded backoff, health on PORT.

slack_sdk's client, when `apps.connections.open` fails (a revoked app token, no network), logs a
traceback and tries again every ping interval for ever, and nothing listens on PORT, so a platform that
health-checks the process never sees it come up. Here each failure is one log line naming the cause,
retries back off exponentially (1 s, 2 s, 4 s … capped at ROUNDTABLE_SOCKET_RETRY_MAX_SECONDS), and
`GET /healthz` answers on PORT from the start: 503 with `"socket": "connecting"` (and the last error)
until the WebSocket is up, 200 once it is connected and the database answers.
"""

import asyncio
import logging
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import uvicorn
from slack_bolt.adapter.socket_mode.async_base_handler import AsyncBaseSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.runtime.deps import Deps
from bot.runtime.logs import logging_config

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0


class Backoff:
    """1 s, 2 s, 4 s … up to `cap`; back to the start after a success."""

    def __init__(self, cap: float, first: float = FIRST_RETRY_SECONDS) -> None:
        self.first, self.cap = first, max(cap, first)
        self._next = first

    def delay(self) -> float:
        current = self._next
        self._next = min(self.cap, current * 2)
        return current

    def reset(self) -> None:
        self._next = self.first


class ReconnectingClient(SocketModeClient):
    """slack_sdk's aiohttp Socket Mode client, asking for its WebSocket URL with bounded backoff."""

    def __init__(self, *args: Any, backoff: Backoff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backoff = backoff
        self.last_error: str | None = None

    async def issue_new_wss_url(self) -> str:
        # Called by the SDK for the first connection and for every reconnection; never raises.
        while True:
            retry_after = 0.0
            try:
                response = await self.web_client.apps_connections_open(app_token=self.app_token)
                self.last_error = None
                self.backoff.reset()
                return str(response["url"])
            except SlackApiError as error:
                cause = str(error.response.get("error") or f"HTTP {error.response.status_code}")
                if error.response.status_code == 429:
                    retry_after = float(error.response.headers.get("Retry-After", 0) or 0)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                cause = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            delay = max(self.backoff.delay(), retry_after)
            self.last_error = cause
            logger.warning(
                "Socket Mode cannot connect: apps.connections.open failed (%s); retrying in %g s",
                cause,
                delay,
            )
            await asyncio.sleep(delay)


class BoltSocketHandler(AsyncBaseSocketModeHandler):
    """Bolt's AsyncSocketModeHandler, on a client built here."""

    app: AsyncApp  # the base allows a sync App too; this handler serves the AsyncApp only

    def __init__(self, app: AsyncApp, client: ReconnectingClient) -> None:
        self.app = app
        self.client = client
        client.socket_mode_request_listeners.append(self.handle)

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.time()
        await send_async_response(client, req, await run_async_bolt_app(self.app, req), started)


def create_health_asgi(deps: Deps, client: ReconnectingClient) -> Starlette:
    """Socket Mode's only HTTP route: /healthz, with the WebSocket's state next to the database's."""
    from bot.runtime.server import health_report

    async def healthz(_request: Request) -> Response:
        report: dict[str, Any] = await asyncio.to_thread(health_report, deps)
        connected = await client.is_connected()
        report["socket"] = "connected" if connected else "connecting"
        if not connected and client.last_error:
            report["socket_error"] = client.last_error
        healthy = connected and report["database"] == "ok"
        report["status"] = "ok" if healthy else "unavailable"
        return JSONResponse(report, status_code=200 if healthy else 503)

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"])])


class _HealthServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # run() handles SIGTERM/SIGINT itself, so that the scheduler and the socket shut down cleanly.
        yield


async def run(deps: Deps, app: AsyncApp) -> None:
    """Serve until SIGTERM or SIGINT: connect in the background, /healthz on PORT from the start."""
    settings = deps.settings
    assert settings.slack_app_token is not None
    # The client's own logger, never at DEBUG: there it logs every payload it receives, and a vote's
    # payload names the voter beside their choice.
    quiet = logging.getLogger("roundtable.socket")
    quiet.setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
    client = ReconnectingClient(
        app_token=settings.slack_app_token.get_secret_value(),
        logger=quiet,
        web_client=app.client,
        ping_interval=10,
        backoff=Backoff(settings.socket_retry_max_seconds),
    )
    BoltSocketHandler(app, client)
    config = uvicorn.Config(
        create_health_asgi(deps, client),
        host="0.0.0.0",
        port=settings.port,
        log_config=logging_config(settings.log_level),
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="off",
    )
    health = _HealthServer(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    serving = asyncio.ensure_future(health.serve())
    connecting = asyncio.ensure_future(client.connect())  # type: ignore[no-untyped-call]  # slack_sdk: unannotated
    try:
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
    finally:
        connecting.cancel()
        health.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        await client.close()  # type: ignore[no-untyped-call]  # slack_sdk leaves close() unannotated
