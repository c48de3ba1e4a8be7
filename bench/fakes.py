"""The Slack the benchmark plays: the test suite's FakeSlack, plus a fast sink for response_url posts.

Every vote click makes the bot post an ephemeral confirmation to the click's response_url. At thousands
of clicks a second the recording FakeSlack (one thread and one connection per call) would cost more CPU
than the bot itself on a two-core machine, so those posts go to `ResponseSink`: keep-alive HTTP/1.1 on an
asyncio loop in a thread, answering `{"ok": true}` and counting. Everything else (auth.test,
chat.postMessage, chat.update) goes to FakeSlack, which records it.
"""

import asyncio
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fakeslack import FakeSlack  # noqa: E402

__all__ = ["ROOT", "FakeSlack", "ResponseSink"]

_ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


class ResponseSink:
    """Counts POSTs to /respond/… and answers 200; `url(id)` gives a response_url."""

    def __init__(self) -> None:
        self.count = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="response-sink", daemon=True)
        self.port = 0

    def start(self) -> "ResponseSink":
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self._server = future.result(timeout=5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self) -> asyncio.Server:
        return await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                self.count += 1
                writer.write(_ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def url(self, response_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{response_id}"

    def stop(self) -> None:
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> "ResponseSink":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
