"""The bare-Bolt baseline: an ack-only AsyncApp, signatures verified, behind Bolt's Starlette adapter.

Served exactly as Roundtable is (uvicorn, `WEB_CONCURRENCY` workers, `process_before_response=True`):

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… \
        uvicorn bench.baseline_app:create --factory --workers 2 --port 3001

It answers the same requests the benchmark sends Roundtable (poll vote clicks, weigh-in deck clicks, message
events) and does
nothing else, so the ratio between the two is what Roundtable's own work costs.
"""

import os
import re

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

VOTE_ACTION = re.compile(r"^poll\.vote\.\d{1,2}$")
DECK_ACTION = re.compile(r"^weighin\.(agree|disagree|pass)$")  # bot.weighin.blocks.CHOICE_ACTIONS


async def _ack(ack: AsyncAck) -> None:
    await ack()


def create() -> Starlette:
    """ASGI factory: one app per uvicorn worker, built from the environment like Roundtable's."""
    token = os.environ["SLACK_BOT_TOKEN"]
    client = AsyncWebClient(token=token, base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"))
    app = AsyncApp(
        token=token,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        client=client,
    )
    app.action(VOTE_ACTION)(_ack)
    app.action(DECK_ACTION)(_ack)
    app.event("message")(_ack)
    return served(app)


def served(app: AsyncApp) -> Starlette:
    """The Bolt app behind Bolt's Starlette adapter, with `/healthz`: how every bench server is served."""
    handler = AsyncSlackRequestHandler(app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
