"""The naive peer: bare Bolt plus the obvious durable write, doing the same Slack work as Roundtable.

Every vote click and message event is one INSERT in its own transaction, committed before the ack (no
group commit, no dedupe, no rules), and each click's ephemeral confirmation is POSTed to its
`response_url` after the ack, as Roundtable does; each weigh-in deck click (Agree / Disagree / Pass inside
the modal) is one INSERT too, and its modal is redrawn with one views.update after the ack, as Roundtable
does (with a fixed view: it does not read the deck for the next answer). Same database settings as Roundtable (`storage.db`:
SQLite WAL with synchronous=FULL and a busy timeout, or PostgreSQL), same uvicorn settings:

    DATABASE_URL=… SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… \
        uvicorn bench.naive_app:create --factory --workers 2 --port 3002
"""

import asyncio
import os
from typing import Any

import httpx
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from bench.baseline_app import DECK_ACTION, VOTE_ACTION, served
from storage.db import make_engine

DECK_VIEW = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Weigh in"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Thanks: your view is recorded."}}],
}
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS naive_delivery (id {serial} PRIMARY KEY, kind VARCHAR(8) NOT NULL,"
    " user_id VARCHAR(32), delivery VARCHAR(64), detail TEXT)"
)
INSERT = text("INSERT INTO naive_delivery (kind, user_id, delivery, detail) VALUES (:k, :u, :d, :t)")


def _store(engine: Engine, kind: str, user_id: str, delivery: str, detail: str) -> None:
    with engine.begin() as connection:  # one transaction and one commit (fsync) per delivery
        connection.execute(INSERT, {"k": kind, "u": user_id, "d": delivery, "t": detail})


def create() -> Starlette:
    """ASGI factory: one app, one engine and one HTTP client per uvicorn worker."""
    token = os.environ["SLACK_BOT_TOKEN"]
    engine = make_engine(os.environ["DATABASE_URL"], pool_size=10)
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:
        connection.execute(text(SCHEMA.format(serial=serial)))
    client = AsyncWebClient(token=token, base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"))
    app = AsyncApp(
        token=token,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        client=client,
    )
    http = httpx.AsyncClient(timeout=10)
    pending: set[asyncio.Task[Any]] = set()

    async def vote(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id", ""))
        value = str(action.get("value") or "")
        await asyncio.to_thread(_store, engine, "vote", user_id, str(action.get("action_ts")), value)
        await ack()
        if url := body.get("response_url"):
            payload = {"response_type": "ephemeral", "replace_original": False, "text": f"You voted {value}."}
            task = asyncio.get_running_loop().create_task(http.post(url, json=payload))
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def deck(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id", ""))
        detail = f"{action.get('action_id')}:{action.get('value')}"
        await asyncio.to_thread(_store, engine, "deck", user_id, str(action.get("action_ts")), detail)
        await ack()
        if view_id := (body.get("view") or {}).get("id"):
            task = asyncio.get_running_loop().create_task(
                client.views_update(view_id=view_id, view=DECK_VIEW)
            )
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def message(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any]) -> None:
        await asyncio.to_thread(
            _store,
            engine,
            "reply",
            str(event.get("user") or ""),
            str(body.get("event_id") or ""),
            str(event.get("text") or ""),
        )
        await ack()

    app.action(VOTE_ACTION)(vote)
    app.action(DECK_ACTION)(deck)
    app.event("message")(message)
    return served(app)
