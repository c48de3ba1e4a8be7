"""The Bolt app, built from Deps: every listener registered, one error handler.

Bolt never checks signatures itself: in HTTP mode `bot.runtime.front_door` verifies every request before it is
parsed (whatever else is configured, SLACK_APP_TOKEN included), and Socket Mode is not signed at all.
"""

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

import handlers
from bot.runtime.deps import Deps
from bot.runtime.slack_client import build_async_client

logger = logging.getLogger(__name__)


def create_app(deps: Deps, **bolt_options: Any) -> AsyncApp:
    settings = deps.settings
    settings.require("SLACK_BOT_TOKEN")
    options: dict[str, Any] = {
        # Listeners store the delivery durably, then ack; slow Slack calls go to deps.later() after that.
        # This also avoids Bolt's default ack-polling path (~11 ms per request).
        "process_before_response": True,
        "signing_secret": "verified-by-the-front-door",  # unused: verification is off
        "request_verification_enabled": False,
        "client": build_async_client(settings),
        "logger": logging.getLogger("roundtable.bolt"),
    }
    options.update(bolt_options)
    app = AsyncApp(**options)
    handlers.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # A non-2xx makes Slack retry, which is right: nothing was stored, so the retry is not a duplicate.
        logger.error("unhandled error for %s", body.get("type") or body.get("command"), exc_info=error)

    return app
