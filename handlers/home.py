"""App Home: publish each person's view when they open it; the Home buttons (roles re-checked)."""

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.digest import delivery as digest_delivery
from bot.home import blocks as home_blocks
from bot.home import service as home
from bot.runtime.deps import Deps

logger = logging.getLogger(__name__)


class Home:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def opened(self, ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab") == "home" and event.get("user"):
            self.deps.later(publish, self.deps, event["user"])

    async def post_next(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        workshop_id = home_blocks.parse_workshop_value(str(action.get("value") or "")) or 0
        outcome = await asyncio.to_thread(home.post_next_now, self.deps, user_id, workshop_id)
        await ack()
        self.deps.later(publish, self.deps, user_id, outcome)

    async def digest(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        workshop_id = home_blocks.parse_workshop_value(str(action.get("value") or "")) or 0
        await ack()
        self.deps.later(compile_for_home, self.deps, user_id, workshop_id)


def compile_for_home(deps: Deps, user_id: str, workshop_id: int) -> None:
    try:
        request = digest_delivery.home_request(deps, user_id, workshop_id)
    except digest_delivery.DigestRefused as refused:
        publish(deps, user_id, str(refused))
        return
    publish(deps, user_id, "Compiling the digest; it will arrive by direct message.")
    digest_delivery.deliver_or_report(deps, request)


def publish(deps: Deps, user_id: str, notice: str | None = None) -> None:
    view = home_blocks.home_view(home.gather(deps, user_id, deps.team_url()))
    if notice:
        view["blocks"] = [home_blocks.context(f":information_source: {notice}"), *view["blocks"]][:100]
    try:
        deps.slack.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        logger.warning("views.publish for %s failed: %s", user_id, error.response.get("error"))


def register(app: AsyncApp, deps: Deps) -> None:
    handler = Home(deps)
    app.event("app_home_opened")(handler.opened)
    app.action(home_blocks.POST_NEXT_ACTION)(handler.post_next)
    app.action(home_blocks.DIGEST_ACTION)(handler.digest)
