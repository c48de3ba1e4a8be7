"""HTTP mode (uvicorn, Starlette, the signature-checking front door, Bolt) and Socket Mode runners, plus /healthz."""

import asyncio
import logging
import threading
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.questions import backfill
from bot.runtime.app import create_app
from bot.runtime.deps import Deps, build_deps
from bot.runtime.front_door import SlackEndpoint
from bot.runtime.metrics import CONTENT_TYPE
from bot.runtime.scheduler import HEARTBEAT, Scheduler
from bot.runtime.settings import Settings, load_settings
from storage import heartbeats

logger = logging.getLogger(__name__)


def create_asgi(deps: Deps) -> Starlette:
    """HTTP mode: every request to /slack/events is verified by the front door, whatever else is set."""
    deps.settings.require("SLACK_SIGNING_SECRET")
    assert deps.settings.slack_signing_secret is not None
    metrics = deps.metrics if deps.settings.metrics else None
    slack_events = SlackEndpoint(
        create_app(deps), deps.settings.slack_signing_secret.get_secret_value(), metrics=metrics
    )

    async def healthz(_request: Request) -> Response:
        report = await asyncio.to_thread(health_report, deps)
        return JSONResponse(report, status_code=200 if report["database"] == "ok" else 503)

    async def metrics_page(_request: Request) -> Response:
        if metrics is None:
            return JSONResponse({"error": "metrics are off (ROUNDTABLE_METRICS=false)"}, status_code=404)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        yield
        await deps.followups.aclose()  # in the loop its client belongs to
        await asyncio.to_thread(deps.close)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events.handle, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_page, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def health_report(deps: Deps) -> dict[str, Any]:
    if not deps.db.ping():
        return {"status": "unavailable", "database": "unreachable"}
    with deps.db.reading() as session:
        beat = heartbeats.last_beat(session, HEARTBEAT)
    limit = timedelta(seconds=max(30.0, deps.settings.schedule_poll_seconds * 10))
    scheduler = "ok" if beat and deps.clock() - beat < limit else "stale" if beat else "not started"
    return {"status": "ok", "database": "ok", "scheduler": scheduler}


def asgi_from_environment() -> Starlette:
    """Factory for uvicorn workers: each worker process builds its own Deps from the environment."""
    from bot.runtime.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, secrets=settings.secret_values())
    return create_asgi(build_deps(settings))


def run_http(settings: Settings) -> None:
    import uvicorn

    from bot.runtime.logs import logging_config

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    scheduler, stop_backfill = _start_background(build_deps(settings, workers=4))
    try:
        uvicorn.run(
            "bot.runtime.server:asgi_from_environment",
            factory=True,
            host="0.0.0.0",
            port=settings.port,
            workers=settings.web_concurrency,
            log_level=settings.log_level.lower(),
            log_config=logging_config(settings.log_level),  # uvicorn's lines scrubbed like every other
            access_log=False,
            proxy_headers=True,
        )
    finally:
        stop_backfill.set()
        scheduler.shutdown()
        scheduler.deps.close()


def _start_background(deps: Deps) -> tuple[Scheduler, threading.Event]:
    """One scheduler and one backfill per deployment: in the supervising process, not in each worker."""
    since = backfill.last_alive(deps)  # before the new scheduler's first heartbeat overwrites it
    scheduler = Scheduler(deps)
    scheduler.start()
    stop = threading.Event()
    backfill.start_backfill(deps, stop, since)
    return scheduler, stop


def run_socket_mode(settings: Settings) -> None:
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    asyncio.run(_socket_mode(settings))


async def _socket_mode(settings: Settings) -> None:
    from bot.runtime import socket_mode

    deps = build_deps(settings)
    app = create_app(deps)
    scheduler, stop_backfill = _start_background(deps)
    try:
        await socket_mode.run(deps, app)
    finally:
        stop_backfill.set()
        scheduler.shutdown()
        await deps.followups.aclose()
        deps.close()
