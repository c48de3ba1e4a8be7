"""A fake Slack Web API on 127.0.0.1 that records calls, keeps messages and injects faults, for tests.

Also a pytest plugin (fixtures `fake_slack`, `fake_slack_client`); PYTEST_DONT_REWRITE keeps pytest from
warning when a test module imports it before `pytest_plugins` registers it.
"""

import base64
import contextlib
import copy
import email.parser
import email.policy
import hashlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient

DEFAULT_TOKEN = "xoxb-test-token"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"
APP_ID = "A0ROUNDTBL"
TEAM_DOMAIN = "roundtable-test"
MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
_JSON_FIELDS = ("blocks", "attachments", "metadata", "view", "files")

Params = dict[str, Any]
Predicate = Callable[[Params], bool]


class SlackError(Exception):
    """A Slack error answered as HTTP 200 `{"ok": false, "error": ...}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True, slots=True)
class Call:
    """One request the fake received: an API call, an upload, or a response_url post."""

    method: str  # "chat.postMessage", "upload" (files upload URL) or "response_url"
    params: Params  # query + body params; JSON-encoded form fields (blocks, metadata, view, files) decoded
    token: str | None
    time: float  # time.time() when received
    status: int  # HTTP status answered; 0 when the connection was dropped
    response: Params | None  # the JSON answered (None when dropped)
    path: str = ""

    @property
    def ok(self) -> bool:
        """Whether Slack answered ok (HTTP 200 with "ok": true)."""
        return bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The Slack error answered, if any."""
        return None if self.response is None else self.response.get("error")


@dataclass(slots=True)
class Fault:
    """A queued failure for the next matching call(s) of a method ("*" matches any method)."""

    method: str
    error: str
    status: int
    retry_after: int | None
    remaining: int
    drop: bool = False  # close the socket without answering
    perform: bool = False  # with drop: carry the call out first (message stored, answer lost)
    when: Predicate | None = None


@dataclass(slots=True)
class Hold:
    """A call carried out at once whose answer waits for `release()` (see FakeSlack.hold_next)."""

    method: str
    when: Predicate | None = None
    call: Call | None = None  # the call, once received and carried out
    _reached: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)

    def wait_reached(self, timeout: float = 5.0) -> Call:
        """Block until the held call was carried out; returns it (its `response` is what will be answered)."""
        if not self._reached.wait(timeout) or self.call is None:
            raise AssertionError(f"no {self.method} call was held within {timeout}s")
        return self.call

    def release(self) -> None:
        """Let the answer go."""
        self._released.set()


@dataclass(slots=True)
class Channel:
    """A conversation in the fake workspace."""

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    bot_member: bool = True
    members: list[str] = field(default_factory=list)
    im_user: str | None = None
    messages: list[Params] = field(default_factory=list)

    def info(self) -> Params:
        """The channel object as conversations.info returns it."""
        if self.im_user:
            return {
                "id": self.id,
                "is_im": True,
                "user": self.im_user,
                "is_open": True,
                "created": 1700000000,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_member": self.bot_member,
            "created": 1700000000,
            "creator": "U0ADMIN0001",
            "num_members": len(self.member_ids()),
        }

    def member_ids(self) -> list[str]:
        """Declared members plus the bot when it is a member."""
        ids = list(self.members)
        if self.bot_member and BOT_USER_ID not in ids:
            ids.append(BOT_USER_ID)
        return ids


@dataclass(slots=True)
class User:
    """A workspace user as users.info shows it."""

    id: str
    name: str
    real_name: str
    display_name: str
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"

    def info(self) -> Params:
        """The user object as users.info returns it."""
        profile = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "image_72": f"https://avatars.example/{self.id}_72.png",
            "team": TEAM_ID,
        }
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": self.tz,
            "profile": profile,
        }


def _ts_key(ts: Any) -> Decimal:
    try:
        return Decimal(str(ts))
    except InvalidOperation:
        return Decimal(0)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return int(number)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc


def _limit(params: Params, default: int, cap: int | None = None) -> int:
    try:
        limit = int(params.get("limit") or default)
    except ValueError as exc:
        raise SlackError("invalid_limit") from exc
    limit = default if limit <= 0 else limit
    return min(limit, cap) if cap else limit


def _page(items: list[Any], params: Params, default: int, cap: int | None = None) -> tuple[list[Any], str]:
    """Slice one cursor page; returns the page and the next cursor ("" at the end)."""
    start = _decode_cursor(params.get("cursor"))
    end = start + _limit(params, default, cap)
    return items[start:end], _encode_cursor(end) if end < len(items) else ""


class FakeSlack:
    """A threaded HTTP server that plays Slack's Web API; every public method is thread-safe."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.strict_channels = False  # unknown channel ids answer channel_not_found
        self.app_token = "xapp-1-test-app-token"  # Socket Mode's app-level token
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out
        self.replies_limit_cap: int | None = None  # e.g. 15 for non-Marketplace apps (R3)
        self.replies_parent_on_every_page = False  # continuation pages omit the parent by default
        self.clock: Callable[[], float] = time.time
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self.reset()

    # ----- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeSlack":
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakeslack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (answering any call still held)."""
        with self._lock:
            for hold in self._holds:
                hold.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:54321 (no trailing slash)."""
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The WebClient base_url / SLACK_API_URL, with its trailing slash."""
        return f"{self.url}/api/"

    def env(self) -> dict[str, str]:
        """Environment variables pointing a bot subprocess at this fake."""
        return {"SLACK_API_URL": self.api_url, "SLACK_BOT_TOKEN": self.token}

    def client(self, **kwargs: Any) -> WebClient:
        """A slack_sdk WebClient aimed at this fake with the valid token."""
        return WebClient(base_url=self.api_url, token=kwargs.pop("token", self.token), **kwargs)

    def response_url(self, response_id: str | None = None) -> str:
        """A response_url served by this fake; posts to it are recorded as "response_url" calls."""
        return f"{self.url}/respond/{response_id or f'R{next(self._ids):08d}'}"

    # ----- state -----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget calls, messages, channels, users, views, files and faults (keeps the server running)."""
        with self._lock:
            self._calls: list[Call] = []
            self._channels: dict[str, Channel] = {}
            self._users: dict[str, User] = {}
            self._faults: list[Fault] = []
            self._holds: list[Hold] = []
            self._latency: dict[str, float] = {}
            self._last_ts_us = 0
            self._post_rate: int | None = None
            self._post_retry_after = 1
            self._post_times: dict[str, deque[float]] = {}
            self.rate_limit_rejections = 0
            self.views: dict[str, Params] = {}
            self.home_views: dict[str, Params] = {}
            self.used_trigger_ids: set[str] = set()
            self.files: dict[str, Params] = {}
            self.uploads: dict[str, bytes] = {}
            self.file_shares: list[Params] = []
            self.ephemerals: list[Params] = []

    def set_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_archived: bool = False,
        bot_member: bool = True,
        members: list[str] | None = None,
    ) -> Channel:
        """Declare a channel (replacing any earlier declaration, keeping its messages)."""
        with self._lock:
            old = self._channels.get(channel_id)
            channel = Channel(
                id=channel_id,
                name=name or channel_id.lower(),
                is_private=is_private,
                is_archived=is_archived,
                bot_member=bot_member,
                members=list(members or []),
                messages=old.messages if old else [],
            )
            self._channels[channel_id] = channel
            return channel

    def set_user(
        self,
        user_id: str,
        *,
        display_name: str = "",
        real_name: str | None = None,
        name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Europe/London",
    ) -> User:
        """Declare the profile users.info returns for a user."""
        with self._lock:
            user = User(
                id=user_id,
                name=name or user_id.lower(),
                real_name=real_name if real_name is not None else f"User {user_id}",
                display_name=display_name,
                is_bot=is_bot,
                deleted=deleted,
                tz=tz,
            )
            self._users[user_id] = user
            return user

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U0ALICE0001",
        thread_ts: str | None = None,
        **extra: Any,
    ) -> Params:
        """Seed a message written by a user (for history/replies); returns a copy of the stored message."""
        with self._lock:
            target = self._channel(channel, create=True)
            message = {"type": "message", "user": user, "text": text, "team": TEAM_ID, **extra}
            message.setdefault("ts", self._new_ts())
            self._store(target, message, thread_ts)
            return copy.deepcopy(message)

    def messages(self, channel: str) -> list[Params]:
        """Every stored message of a channel (top level and replies), oldest first."""
        with self._lock:
            target = self._channels.get(channel)
            return copy.deepcopy(target.messages) if target else []

    def message(self, channel: str, ts: str) -> Params | None:
        """One stored message, or None."""
        with self._lock:
            target = self._channels.get(channel)
            found = self._find(target, ts) if target else None
            return copy.deepcopy(found)

    def thread(self, channel: str, thread_ts: str) -> list[Params]:
        """The replies of a thread (parent excluded), oldest first."""
        return [m for m in self.messages(channel) if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]

    def im_channel(self, user_id: str) -> str:
        """The D… id conversations.open gives for a user."""
        return "D" + user_id[1:]

    # ----- calls -----------------------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally of one method."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def responses(self, response_id: str | None = None) -> list[Call]:
        """Posts received on response_url values, optionally for one id."""
        return [
            c for c in self.calls("response_url") if response_id is None or c.path.endswith(f"/{response_id}")
        ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Poll until `count` matching calls were recorded; returns them all, or raises AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [c for c in self.calls(method) if predicate is None or predicate(c)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} {method} call(s){' matching the predicate' if predicate else ''} "
                    f"within {timeout}s, got {len(matching)}. Recorded calls:\n{self.dump()}"
                )
            time.sleep(0.01)

    def dump(self) -> str:
        """A readable list of the recorded calls, for assertion messages."""
        lines = []
        for call in self.calls():
            params = json.dumps(call.params, default=repr)
            params = params if len(params) <= 300 else params[:300] + "…"
            lines.append(f"  {call.time:.3f} {call.method} -> {call.status} {call.error or ''} {params}")
        return "\n".join(lines) or "  (none)"

    # ----- fault injection -------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error: str | None = None,
        status: int | None = None,
        retry_after: int | None = 1,
        times: int = 1,
        when: Predicate | None = None,
    ) -> None:
        """Fail the next `times` calls of `method` (or "*") whose params satisfy `when`, without performing them.

        fail_next(m) → HTTP 429 ratelimited + Retry-After; fail_next(m, error="channel_not_found") → HTTP 200 Slack
        error; fail_next(m, status=500) → HTTP 500 {"ok": false, "error": "internal_error"}.
        """
        status = status if status is not None else (429 if error in (None, "ratelimited") else 200)
        default = {429: "ratelimited"}.get(status, "internal_error" if status >= 500 else "fatal_error")
        fault = Fault(method, error or default, status, retry_after, times, when=when)
        with self._lock:
            self._faults.append(fault)

    def drop_next(
        self, method: str, times: int = 1, perform: bool = True, when: Predicate | None = None
    ) -> None:
        """Close the connection without answering the next calls; with `perform`, carry the call out first."""
        with self._lock:
            self._faults.append(Fault(method, "", 0, None, times, drop=True, perform=perform, when=when))

    def hold_next(self, method: str, when: Predicate | None = None) -> Hold:
        """Carry out the next matching call at once but hold its answer until `release()`.

        What Slack looks like to a caller whose answer is slow: the message already exists (its ts is in
        `wait_reached().response`) while the caller still waits for it.
        """
        hold = Hold(method, when)
        with self._lock:
            self._holds.append(hold)
        return hold

    def set_latency(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` (or "*") by `seconds`."""
        with self._lock:
            self._latency[method] = seconds

    def enforce_post_rate(self, per_channel_per_second: int | None = 1, retry_after: int = 1) -> None:
        """Answer 429 to chat.postMessage over the per-channel rate (None turns it off); see rate_limit_rejections."""
        with self._lock:
            self._post_rate = per_channel_per_second
            self._post_retry_after = retry_after
            self._post_times.clear()

    # ----- request handling (called from server threads) -------------------------------------------
    def handle(
        self, method: str, params: Params, token: str | None, path: str
    ) -> tuple[int, Params, dict[str, str], Fault | None]:
        """Answer one API call: returns (status, body, extra headers, drop fault or None)."""
        received = self.clock()
        delay = self._latency.get(method, self._latency.get("*", 0.0))
        if delay:
            time.sleep(delay)
        with self._lock:
            recorded = copy.deepcopy(params)
            status, body, headers, drop = self._answer(method, params, token)
            call = Call(
                method, recorded, token, received, 0 if drop else status, None if drop else body, path
            )
            self._calls.append(call)
            hold = self._take_hold(method, params)
            if hold is not None:
                hold.call = call
        if hold is not None:
            hold._reached.set()
            hold._released.wait(timeout=60)
        return status, body, headers, drop

    def _answer(
        self, method: str, params: Params, token: str | None
    ) -> tuple[int, Params, dict[str, str], Fault | None]:
        fault = self._take_fault(method, params)
        if fault and fault.drop and not fault.perform:
            return 0, {}, {}, fault
        if fault and not fault.drop:
            headers = (
                {"Retry-After": str(fault.retry_after)}
                if fault.status in (429, 503) and fault.retry_after is not None
                else {}
            )
            return fault.status, {"ok": False, "error": fault.error}, headers, None
        if method == "apps.connections.open":
            if token != self.app_token or not self.socket_mode_url:
                return 200, {"ok": False, "error": "invalid_auth"}, {}, fault
            return 200, {"ok": True, "url": self.socket_mode_url}, {}, fault
        handler = _API.get(method)
        if method in ("upload", "response_url"):
            return 200, _API[method](self, params), {}, fault
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}, fault
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}, fault
        if token != self.token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}, fault
        if method == "chat.postMessage" and self._over_post_rate(params):
            return (
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(self._post_retry_after)},
                fault,
            )
        try:
            return 200, {"ok": True, **handler(self, params)}, {}, fault
        except SlackError as exc:
            return 200, {"ok": False, "error": exc.error}, {}, fault

    def _take_fault(self, method: str, params: Params) -> Fault | None:
        for fault in self._faults:
            if fault.method in (method, "*") and (fault.when is None or fault.when(params)):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _take_hold(self, method: str, params: Params) -> Hold | None:
        for hold in self._holds:  # kept after use, so that stop() can release one still holding
            if (
                hold.call is None
                and hold.method in (method, "*")
                and (hold.when is None or hold.when(params))
            ):
                return hold
        return None

    def _over_post_rate(self, params: Params) -> bool:
        if not self._post_rate:
            return False
        now = time.monotonic()
        window = self._post_times.setdefault(str(params.get("channel")), deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self._post_rate:
            self.rate_limit_rejections += 1
            return True
        window.append(now)
        return False

    # ----- helpers ---------------------------------------------------------------------------------
    def _new_ts(self) -> str:
        us = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _channel(self, channel_id: Any, *, create: bool = False) -> Channel:
        if not channel_id:
            raise SlackError("channel_not_found")
        channel_id = str(channel_id)
        if channel_id[0] in "UW":
            return self._open_im(channel_id)
        channel = self._channels.get(channel_id)
        if channel is None:
            if self.strict_channels and not create:
                raise SlackError("channel_not_found")
            channel = self.set_channel(channel_id)
        return channel

    def _readable(self, channel_id: Any) -> Channel:
        channel = self._channel(channel_id)
        if not channel.bot_member:
            raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
        return channel

    def _postable(self, channel_id: Any) -> Channel:
        channel = self._readable(channel_id)
        if channel.is_archived:
            raise SlackError("is_archived")
        return channel

    def _open_im(self, user_id: str) -> Channel:
        im_id = self.im_channel(user_id)
        if im_id not in self._channels:
            self._channels[im_id] = Channel(id=im_id, name="", members=[user_id], im_user=user_id)
        return self._channels[im_id]

    @staticmethod
    def _find(channel: Channel, ts: Any) -> Params | None:
        return next((m for m in channel.messages if m["ts"] == str(ts)), None)

    def _store(self, channel: Channel, message: Params, thread_ts: Any) -> None:
        if thread_ts and str(thread_ts) != message["ts"]:
            message["thread_ts"] = str(thread_ts)
            parent = self._find(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if message.get("user") not in users:
                    users.append(message.get("user"))
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
        channel.messages.append(message)
        channel.messages.sort(key=lambda m: _ts_key(m["ts"]))

    @staticmethod
    def _render(message: Params, include_metadata: bool = True) -> Params:
        rendered = copy.deepcopy(message)
        if not include_metadata:
            rendered.pop("metadata", None)
        return rendered


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: robust with urllib, aiohttp and httpx
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the fake records calls instead."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        body = self._read_body()
        params = _parse_params(parts.query, body, self.headers.get("Content-Type", ""))
        token = _token(self.headers.get("Authorization"), params)
        segments = parts.path.strip("/").split("/")
        if parts.path.startswith("/upload/") and segments[-1]:
            method, params = "upload", {"file_id": segments[-1], "content": body}
        elif parts.path.startswith("/respond/"):
            method, params = "response_url", {**params, "response_id": segments[-1]}
        elif parts.path.startswith("/api/") and len(segments) == 2:
            method = segments[1]
        else:
            method = f"unknown_path:{parts.path}"
        try:
            status, answer, headers, drop = fake.handle(method, params, token, parts.path)
        except Exception as exc:  # a bug in the fake or in a `when` predicate: say so instead of hanging up
            status, answer, headers, drop = 500, {"ok": False, "error": f"fakeslack_bug: {exc!r}"}, {}, None
        if drop is not None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(status, answer, headers, plain=method == "upload")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _write(self, status: int, answer: Params, headers: dict[str, str], *, plain: bool) -> None:
        if plain:
            payload, content_type = f"OK - {answer.get('size', 0)}".encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(answer).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(payload)


def _token(authorization: str | None, params: Params) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    token = params.pop("token", None)
    return str(token) if token else None


def _parse_params(query: str, body: bytes, content_type: str) -> Params:
    """Merge query-string and body params (form, JSON or multipart) and decode JSON-encoded fields."""
    params: Params = _flatten(parse_qs(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if body and kind == "application/json":
        with contextlib.suppress(ValueError):
            loaded = json.loads(body)
            params.update(loaded if isinstance(loaded, dict) else {"_json": loaded})
    elif body and kind == "application/x-www-form-urlencoded":
        params.update(_flatten(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)))
    elif body and kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            params[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _flatten(parsed: dict[str, list[str]]) -> Params:
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}


def _digest(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, default=repr).encode()).hexdigest()[:16]


# ----- Web API methods: each takes (fake, params) with fake's lock held and returns the ok body ----------
def _auth_test(fake: FakeSlack, p: Params) -> Params:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "Roundtable Test",
        "user": "roundtable",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _bot_message(fake: FakeSlack, p: Params) -> Params:
    text = str(p.get("text") or "")[:MAX_TEXT]
    blocks, attachments = p.get("blocks"), p.get("attachments")
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_MESSAGE_BLOCKS):
        raise SlackError("invalid_blocks")
    message: Params = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "text": text,
        "ts": fake._new_ts(),
        "team": TEAM_ID,
        "bot_profile": {"id": BOT_ID, "app_id": APP_ID, "name": "Roundtable", "team_id": TEAM_ID},
    }
    if blocks:
        message["blocks"] = blocks
    if attachments:
        message["attachments"] = attachments
    metadata = p.get("metadata")
    if metadata:
        if not isinstance(metadata, dict) or "event_type" not in metadata:
            raise SlackError("invalid_metadata_format")
        message["metadata"] = {
            "event_type": metadata["event_type"],
            "event_payload": metadata.get("event_payload", {}),
        }
    return message


def _chat_post_message(fake: FakeSlack, p: Params) -> Params:
    channel = fake._postable(p.get("channel"))
    message = _bot_message(fake, p)
    thread_ts = p.get("thread_ts")
    if thread_ts and _truthy(p.get("reply_broadcast")):
        message["subtype"] = "thread_broadcast"
        message["root"] = {"ts": str(thread_ts), "thread_ts": str(thread_ts)}
    fake._store(channel, message, thread_ts)
    return {"channel": channel.id, "ts": message["ts"], "message": fake._render(message)}


def _chat_update(fake: FakeSlack, p: Params) -> Params:
    channel = fake._channel(p.get("channel"))
    message = fake._find(channel, p.get("ts")) if p.get("ts") else None
    if message is None:
        raise SlackError("message_not_found")
    if message.get("bot_id") != BOT_ID:
        raise SlackError("cant_update_message")
    if channel.is_archived:
        raise SlackError("is_archived")
    text = str(p["text"]) if "text" in p else message.get("text", "")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    updated = {**message, "text": text, "edited": {"user": BOT_USER_ID, "ts": fake._new_ts()}}
    for key in ("blocks", "attachments"):
        if key in p:
            value = p[key]
            if key == "blocks" and (not isinstance(value, list) or len(value) > MAX_MESSAGE_BLOCKS):
                raise SlackError("invalid_blocks")
            updated[key] = value
            if not value:
                updated.pop(key)
    if p.get("metadata"):
        updated["metadata"] = p["metadata"]
    if not updated.get("text") and not updated.get("blocks") and not updated.get("attachments"):
        raise SlackError("no_text")
    message.clear()
    message.update(updated)
    return {"channel": channel.id, "ts": message["ts"], "text": text, "message": fake._render(message)}


def _chat_delete(fake: FakeSlack, p: Params) -> Params:
    channel = fake._channel(p.get("channel"))
    message = fake._find(channel, p.get("ts"))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("bot_id") != BOT_ID:
        raise SlackError("cant_delete_message")
    channel.messages.remove(message)
    return {"channel": channel.id, "ts": message["ts"]}


def _chat_post_ephemeral(fake: FakeSlack, p: Params) -> Params:
    channel = fake._postable(p.get("channel"))
    if not p.get("user"):
        raise SlackError("user_not_found")
    message = _bot_message(fake, p)
    fake.ephemerals.append({"channel": channel.id, "user": p["user"], **message})
    return {"message_ts": message["ts"]}


def _chat_get_permalink(fake: FakeSlack, p: Params) -> Params:
    channel = fake._channel(p.get("channel"))
    message = fake._find(channel, p.get("message_ts"))
    if message is None:
        raise SlackError("message_not_found")
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{message['ts'].replace('.', '')}"
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def _conversations_join(fake: FakeSlack, p: Params) -> Params:
    channel = fake._channel(p.get("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    if channel.is_private or channel.im_user:
        raise SlackError("method_not_supported_for_channel_type")
    answer: Params = {}
    if channel.bot_member:
        answer = {"warning": "already_in_channel", "response_metadata": {"warnings": ["already_in_channel"]}}
    channel.bot_member = True
    return {"channel": channel.info(), **answer}


def _conversations_info(fake: FakeSlack, p: Params) -> Params:
    channel = fake._channel(p.get("channel"))
    if channel.is_private and not channel.bot_member:
        raise SlackError("channel_not_found")
    return {"channel": channel.info()}


def _conversations_members(fake: FakeSlack, p: Params) -> Params:
    channel = fake._channel(p.get("channel"))
    if channel.is_private and not channel.bot_member:
        raise SlackError("channel_not_found")
    page, cursor = _page(channel.member_ids(), p, default=100)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def _conversations_list(fake: FakeSlack, p: Params) -> Params:
    types = set(str(p.get("types") or "public_channel").split(","))
    exclude_archived = _truthy(p.get("exclude_archived"))
    listed = []
    for channel in fake._channels.values():
        kind = "im" if channel.im_user else "private_channel" if channel.is_private else "public_channel"
        visible = kind == "public_channel" or channel.bot_member
        if kind in types and visible and not (exclude_archived and channel.is_archived):
            listed.append(channel.info())
    page, cursor = _page(listed, p, default=100)
    return {"channels": page, "response_metadata": {"next_cursor": cursor}}


def _in_window(ts: str, p: Params) -> bool:
    inclusive = _truthy(p.get("inclusive"))
    key, oldest = _ts_key(ts), _ts_key(p.get("oldest") or 0)
    latest = _ts_key(p["latest"]) if p.get("latest") else None
    after = key >= oldest if inclusive else key > oldest
    before = latest is None or (key <= latest if inclusive else key < latest)
    return after and before


def _conversations_history(fake: FakeSlack, p: Params) -> Params:
    channel = fake._readable(p.get("channel"))
    top = [
        m
        for m in reversed(channel.messages)
        if m.get("thread_ts", m["ts"]) == m["ts"] or m.get("subtype") == "thread_broadcast"
    ]
    top = [m for m in top if _in_window(m["ts"], p)]
    page, cursor = _page(top, p, default=100)
    metadata = _truthy(p.get("include_all_metadata"))
    return {
        "messages": [fake._render(m, metadata) for m in page],
        "has_more": bool(cursor),
        "pin_count": 0,
        "response_metadata": {"next_cursor": cursor},
    }


def _conversations_replies(fake: FakeSlack, p: Params) -> Params:
    channel = fake._readable(p.get("channel"))
    parent = fake._find(channel, p.get("ts")) if p.get("ts") else None
    if parent is None:
        raise SlackError("thread_not_found")
    metadata = _truthy(p.get("include_all_metadata"))
    if parent.get("thread_ts", parent["ts"]) != parent["ts"]:  # the ts of a reply: Slack returns just it
        return {"messages": [fake._render(parent, metadata)], "has_more": False}
    replies = [m for m in channel.messages if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"]]
    sequence = [parent, *[m for m in replies if _in_window(m["ts"], p)]]
    page, cursor = _page(
        sequence, p, default=15 if fake.replies_limit_cap else 1000, cap=fake.replies_limit_cap
    )
    if page and page[0] is not parent and fake.replies_parent_on_every_page:
        page = [parent, *page]
    return {
        "messages": [fake._render(m, metadata) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def _conversations_open(fake: FakeSlack, p: Params) -> Params:
    if p.get("channel"):
        return {"channel": {"id": fake._channel(p["channel"]).id}}
    users = [u for u in str(p.get("users") or "").split(",") if u]
    if len(users) != 1:
        raise SlackError("users_list_not_supplied" if not users else "not_enough_users")
    existed = fake.im_channel(users[0]) in fake._channels
    channel = fake._open_im(users[0])
    answer: Params = {"channel": {"id": channel.id}}
    return {**answer, "no_op": True, "already_open": True} if existed else answer


def _users_info(fake: FakeSlack, p: Params) -> Params:
    user_id = str(p.get("user") or "")
    user = fake._users.get(user_id)
    if user is None:
        if user_id == BOT_USER_ID:
            user = User(BOT_USER_ID, "roundtable", "Roundtable", "Roundtable", is_bot=True)
        elif user_id[:1] in ("U", "W"):
            user = User(user_id, user_id.lower(), f"User {user_id}", "")
        else:
            raise SlackError("user_not_found")
    return {"user": user.info()}


def _new_view(fake: FakeSlack, p: Params, view_id: str | None = None) -> Params:
    view = p.get("view")
    if not isinstance(view, dict) or "type" not in view:
        raise SlackError("invalid_arguments")
    stored = {
        "id": view_id or f"V{next(fake._ids):010d}",
        "team_id": TEAM_ID,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "state": {"values": {}},
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "root_view_id": None,
        "previous_view_id": None,
        **view,
    }
    stored["hash"] = f"{int(fake.clock())}.{_digest(stored)}"
    return stored


def _views_open(fake: FakeSlack, p: Params) -> Params:
    trigger = str(p.get("trigger_id") or "")
    if not trigger:
        raise SlackError("invalid_trigger_id")
    if trigger in fake.used_trigger_ids:
        raise SlackError("exchanged_trigger_id")
    view = _new_view(fake, p)
    view["root_view_id"] = view["id"]
    fake.used_trigger_ids.add(trigger)
    fake.views[view["id"]] = view
    return {"view": copy.deepcopy(view)}


def _views_update(fake: FakeSlack, p: Params) -> Params:
    old = fake.views.get(str(p.get("view_id") or ""))
    if old is None and p.get("external_id"):
        old = next((v for v in fake.views.values() if v.get("external_id") == p["external_id"]), None)
    if old is None:
        raise SlackError("not_found")
    if p.get("hash") and p["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    view = _new_view(fake, p, view_id=old["id"])
    view["root_view_id"] = old.get("root_view_id")
    fake.views[view["id"]] = view
    return {"view": copy.deepcopy(view)}


def _views_publish(fake: FakeSlack, p: Params) -> Params:
    user_id = str(p.get("user_id") or "")
    if not user_id:
        raise SlackError("invalid_arguments")
    old = fake.home_views.get(user_id)
    if old and p.get("hash") and p["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    view = _new_view(fake, p, view_id=old["id"] if old else None)
    fake.home_views[user_id] = view
    return {"view": copy.deepcopy(view)}


def _files_get_upload_url(fake: FakeSlack, p: Params) -> Params:
    if not p.get("filename") or not str(p.get("length") or "").isdigit():
        raise SlackError("invalid_arguments")
    file_id = f"F{next(fake._ids):010d}"
    fake.files[file_id] = {
        "id": file_id,
        "name": p["filename"],
        "length": int(p["length"]),
        "completed": False,
    }
    return {"upload_url": f"{fake.url}/upload/v1/{file_id}", "file_id": file_id}


def _upload(fake: FakeSlack, p: Params) -> Params:
    content = p["content"]
    fake.uploads[p["file_id"]] = content
    return {"ok": True, "size": len(content)}


def _files_complete_upload(fake: FakeSlack, p: Params) -> Params:
    items = p.get("files")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments")
    if any(item.get("id") not in fake.uploads for item in items):
        raise SlackError("file_not_found")
    channel_id = p.get("channel_id") or (str(p.get("channels") or "").split(",")[0] or None)
    channel = fake._postable(channel_id) if channel_id else None
    shared = []
    for item in items:
        record = fake.files[item["id"]]
        record.update(completed=True, title=item.get("title") or record["name"])
        shared.append(
            {
                "id": record["id"],
                "name": record["name"],
                "title": record["title"],
                "size": len(fake.uploads[item["id"]]),
                "user": BOT_USER_ID,
                "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{record['id']}/{record['name']}",
                "shares": {},
            }
        )
    share = {
        "channel_id": channel_id,
        "initial_comment": p.get("initial_comment"),
        "thread_ts": p.get("thread_ts"),
    }
    fake.file_shares.append({**share, "files": copy.deepcopy(shared)})
    if channel is not None:
        text = str(p.get("initial_comment") or "")
        message = {**_bot_message(fake, {"text": text or " "}), "text": text, "files": copy.deepcopy(shared)}
        message["upload"] = True
        fake._store(channel, message, p.get("thread_ts"))
    return {"files": shared}


def _response_url(fake: FakeSlack, p: Params) -> Params:
    return {"ok": True}


_API: dict[str, Callable[[FakeSlack, Params], Params]] = {
    "auth.test": _auth_test,
    "chat.postMessage": _chat_post_message,
    "chat.update": _chat_update,
    "chat.delete": _chat_delete,
    "chat.postEphemeral": _chat_post_ephemeral,
    "chat.getPermalink": _chat_get_permalink,
    "conversations.join": _conversations_join,
    "conversations.info": _conversations_info,
    "conversations.members": _conversations_members,
    "conversations.list": _conversations_list,
    "conversations.history": _conversations_history,
    "conversations.replies": _conversations_replies,
    "conversations.open": _conversations_open,
    "users.info": _users_info,
    "views.open": _views_open,
    "views.update": _views_update,
    "views.publish": _views_publish,
    "files.getUploadURLExternal": _files_get_upload_url,
    "files.completeUploadExternal": _files_complete_upload,
    "upload": _upload,
    "response_url": _response_url,
}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started FakeSlack (fresh per test); point the bot at `fake_slack.api_url`."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake_slack_client(fake_slack: FakeSlack) -> WebClient:
    """A WebClient talking to `fake_slack` with the valid token and no retry handlers."""
    return fake_slack.client(retry_handlers=[])
