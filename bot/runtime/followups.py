"""Ephemeral replies through an interaction's response_url, sent from the worker's event loop.

A vote click owes its voter a "You voted…" confirmation. Sending it from `Deps.later`'s thread pool on a
synchronous client cost every click a thread hand-off and a blocking exchange whose Python competed with
the event loop for the GIL (38 % of a vote worker's CPU in bench/RESULTS.md, round 1). Here it is a task on
the running loop with one aiohttp session per process, created lazily inside that loop (a session belongs
to the loop it was made in) and closed when the app shuts down. aiohttp rather than httpx.AsyncClient
(already a dependency, for Socket Mode): measured in bench/RESULTS.md round 2, httpx's async stack cost the
event loop more per POST than the thread pool it replaced, and clicks timed out. Fire-and-forget, after the ack:
a failure is logged (through the scrubbing formatter, like every other line) and never reaches the click.
"""

import asyncio
import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
CONNECTIONS = 32  # per process; more replies queue for a connection instead of crowding the loop
SHUTDOWN_GRACE_SECONDS = 5.0


def ephemeral_payload(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What Slack expects on a response_url for a reply only the clicker sees, leaving the message alone."""
    payload: dict[str, Any] = {"response_type": "ephemeral", "replace_original": False, "text": text}
    if blocks:
        payload["blocks"] = blocks
    return payload


class ResponseUrlSender:
    """One per process: an async client bound to the serving loop, and the replies still in flight."""

    def __init__(self) -> None:
        self._client: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones

    def send_soon(
        self, loop: asyncio.AbstractEventLoop, url: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Schedule the reply on `loop` (the running one) and return at once."""
        task = loop.create_task(self._send(loop, url, ephemeral_payload(text, blocks)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, loop: asyncio.AbstractEventLoop, url: str, payload: dict[str, Any]) -> None:
        try:
            async with self._client_for(loop).post(url, json=payload) as response:
                response.raise_for_status()  # a refusal is logged like a dropped connection
        except Exception:
            logger.exception("could not answer through response_url")

    def _client_for(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        if self._client is None or self._loop is not loop:
            # Lazily, in the running loop (a session made elsewhere would belong to no loop or the wrong one).
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
            )
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        """On shutdown, in the serving loop: let replies in flight finish (briefly), then close the client."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=SHUTDOWN_GRACE_SECONDS)
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            await client.close()
