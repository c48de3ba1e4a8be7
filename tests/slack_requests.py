"""Builders for what Slack sends to the bot (events, commands, interactivity), signed exactly as Slack signs."""

import hashlib
import hmac
import json
import random
import string
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from fakeslack import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

Payload = dict[str, Any]

DEFAULT_CHANNEL_ID = "C0GENERAL01"
DEFAULT_USER_ID = "U0ALICE0001"
OTHER_BOT_ID = "B0OTHERBOT1"
VERIFICATION_TOKEN = "verification-token-deprecated"
# A response_url that fails fast on loopback (discard port) so a forgotten override never reaches the internet;
# tests that exercise respond() pass `response_url=fake_slack.response_url()`.
UNROUTABLE_RESPONSE_URL = "http://127.0.0.1:9/respond/unset"

_ALPHABET = string.ascii_uppercase + string.digits
_ts_lock = threading.Lock()
_state = {"last_us": 0}


def slack_id(prefix: str, length: int = 10) -> str:
    """A realistic Slack id such as C0AB12CD34E (prefix + upper-case alphanumerics)."""
    return prefix + "".join(random.choices(_ALPHABET, k=length))


def new_event_id() -> str:
    """A fresh Events API event_id (Ev…)."""
    return slack_id("Ev", 10)


def new_trigger_id() -> str:
    """A fresh trigger_id in Slack's `digits.digits.hex` shape."""
    return f"{random.randrange(10**12, 10**13)}.{random.randrange(10**12, 10**13)}.{uuid.uuid4().hex}"


def new_ts() -> str:
    """A Slack ts ("1700000000.000100" style) strictly greater than any returned before in this process."""
    with _ts_lock:
        us = max(int(time.time() * 1_000_000), _state["last_us"] + 1)
        _state["last_us"] = us
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def rich_text(text: str) -> list[Payload]:
    """The rich_text blocks Slack attaches to a user's message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": slack_id("", 5).lower(), "elements": [section]}]


# ----- Events API --------------------------------------------------------------------------------------
def event_callback(
    event: Payload,
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
    authorizations: list[Payload] | None = None,
) -> Payload:
    """Wrap an event in Slack's event_callback envelope (a fresh event_id unless one is given)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": authorizations
        or [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def url_verification(challenge: str | None = None) -> Payload:
    """The url_verification handshake body (not wrapped in event_callback)."""
    return {
        "token": VERIFICATION_TOKEN,
        "challenge": challenge or uuid.uuid4().hex,
        "type": "url_verification",
    }


def message_event(
    text: str,
    *,
    channel: str = DEFAULT_CHANNEL_ID,
    user: str = DEFAULT_USER_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    channel_type: str = "channel",
    **extra: Any,
) -> Payload:
    """A user's `message` event: top level, or a thread reply when `thread_ts` is given."""
    ts = ts or new_ts()
    event: Payload = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": TEAM_ID,
        "client_msg_id": str(uuid.uuid4()),
        "blocks": rich_text(text),
    }
    if thread_ts:
        event.update(thread_ts=thread_ts, parent_user_id=parent_user_id or BOT_USER_ID)
    return {**event, **extra}


def thread_reply_event(
    text: str, *, thread_ts: str, parent_user_id: str = BOT_USER_ID, **kwargs: Any
) -> Payload:
    """A reply in the thread under `thread_ts`."""
    return message_event(text, thread_ts=thread_ts, parent_user_id=parent_user_id, **kwargs)


def thread_broadcast_event(
    text: str, *, thread_ts: str, parent_user_id: str = BOT_USER_ID, reply_count: int = 1, **kwargs: Any
) -> Payload:
    """A thread reply also sent to the channel (subtype thread_broadcast, with `root`)."""
    event = message_event(text, **kwargs)
    root = {
        "type": "message",
        "user": parent_user_id,
        "text": "",
        "ts": thread_ts,
        "thread_ts": thread_ts,
        "reply_count": reply_count,
        "reply_users": [event["user"]],
        "reply_users_count": 1,
        "latest_reply": event["ts"],
    }
    return {**event, "subtype": "thread_broadcast", "thread_ts": thread_ts, "root": root}


def message_changed_event(
    *,
    ts: str,
    text: str,
    previous_text: str,
    channel: str = DEFAULT_CHANNEL_ID,
    user: str = DEFAULT_USER_ID,
    thread_ts: str | None = None,
    edited_ts: str | None = None,
    channel_type: str = "channel",
) -> Payload:
    """An edit of the message `ts`: hidden, no top-level user, author in `message.user`."""
    event_ts = new_ts()
    edited_ts = edited_ts or event_ts
    base = {"type": "message", "user": user, "ts": ts, "team": TEAM_ID, "client_msg_id": str(uuid.uuid4())}
    if thread_ts:
        base["thread_ts"] = thread_ts
    message = {**base, "text": text, "blocks": rich_text(text), "edited": {"user": user, "ts": edited_ts}}
    previous = {**base, "text": previous_text, "blocks": rich_text(previous_text)}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type,
        "message": message,
        "previous_message": previous,
    }


def message_deleted_event(
    *,
    deleted_ts: str,
    previous_text: str,
    channel: str = DEFAULT_CHANNEL_ID,
    user: str = DEFAULT_USER_ID,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> Payload:
    """A deletion of the message `deleted_ts` (hidden, with `previous_message`)."""
    event_ts = new_ts()
    previous: Payload = {
        "type": "message",
        "user": user,
        "text": previous_text,
        "ts": deleted_ts,
        "team": TEAM_ID,
    }
    if thread_ts:
        previous["thread_ts"] = thread_ts
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "deleted_ts": deleted_ts,
        "channel_type": channel_type,
        "previous_message": previous,
    }


def bot_message_event(
    text: str,
    *,
    bot_id: str = OTHER_BOT_ID,
    user: str | None = "U0OTHERBOT1",
    subtype: str | None = None,
    **kwargs: Any,
) -> Payload:
    """A message from a bot (`bot_id` set; no subtype unless given, as most bot messages since 2021)."""
    event = message_event(text, **kwargs)
    event.pop("client_msg_id")
    event.update(bot_id=bot_id, app_id=slack_id("A"), bot_profile={"id": bot_id, "name": "otherbot"})
    if user is None:
        event.pop("user")
    else:
        event["user"] = user
    if subtype:
        event["subtype"] = subtype
    return event


def file_share_event(text: str, *, files: list[Payload] | None = None, **kwargs: Any) -> Payload:
    """A message with an attachment (subtype file_share)."""
    files = files or [
        {"id": slack_id("F"), "name": "notes.txt", "title": "notes.txt", "mimetype": "text/plain"}
    ]
    return {**message_event(text, **kwargs), "subtype": "file_share", "files": files, "upload": True}


def app_home_opened_event(
    user: str = DEFAULT_USER_ID, *, tab: str = "home", view: Payload | None = None
) -> Payload:
    """The App Home opened event; `view` is present only once a Home view was published."""
    event: Payload = {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab}
    event["event_ts"] = new_ts()
    if view is not None:
        event["view"] = view
    return event


# ----- slash commands and interactivity ---------------------------------------------------------------
def slash_command(
    command: str = "/roundtable",
    text: str = "",
    *,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str = "general",
    response_url: str = UNROUTABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, str]:
    """The form fields of a slash command invocation."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def _user(user_id: str, team_id: str) -> Payload:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def block_actions(
    action_id: str,
    *,
    value: str | None = None,
    block_id: str | None = None,
    action_type: str = "button",
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    message_ts: str | None = None,
    message: Payload | None = None,
    response_url: str = UNROUTABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    action: Payload | None = None,
) -> Payload:
    """A block_actions payload for a click on a message (`action` overrides the action dict wholesale)."""
    message_ts = message_ts or (message or {}).get("ts") or new_ts()
    clicked = action or {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id or slack_id("", 5).lower(),
        "action_ts": new_ts(),
        **({"value": value} if value is not None else {}),
        **({"text": {"type": "plain_text", "text": value or action_id}} if action_type == "button" else {}),
    }
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": message or {"type": "message", "user": BOT_USER_ID, "ts": message_ts, "text": ""},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [clicked],
    }


def view_block_actions(
    action_id: str,
    view: Payload,
    *,
    value: str | None = None,
    block_id: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    action_ts: str | None = None,
    action: Payload | None = None,
) -> Payload:
    """A block_actions payload for a click inside an open modal `view` (as views.open or views.update
    returned it: its id, hash and private_metadata travel with the click); `action` replaces the default
    button (a select, say). Slack sends no channel, message or response_url with such a click."""
    clicked = action or {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id or slack_id("", 5).lower(),
        "action_ts": action_ts or new_ts(),
        "text": {"type": "plain_text", "text": action_id},
        **({"value": value} if value is not None else {}),
    }
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "state": view.get("state") or {"values": {}}},
        "actions": [clicked],
    }


def message_action(
    callback_id: str,
    message: Payload,
    *,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    response_url: str = UNROUTABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> Payload:
    """A message shortcut (`message_action`) chosen on `message` (a message event's fields: ts, user, …)."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": new_ts(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": {"type": "message", "team": team_id, **message},
    }


def view_submission(
    callback_id: str,
    *,
    values: Payload | None = None,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER_ID,
    view_id: str | None = None,
    team_id: str = TEAM_ID,
    blocks: list[Payload] | None = None,
    view_hash: str | None = None,
) -> Payload:
    """A view_submission payload; `values` is state.values: {block_id: {action_id: {"type": …, "value": …}}}."""
    view = {
        "id": view_id or slack_id("V"),
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values or {}},
        "hash": view_hash or f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "title": {"type": "plain_text", "text": "Roundtable"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": None,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    view["root_view_id"] = view["id"]
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def submission_of(view: Payload, values: Payload, *, user_id: str = DEFAULT_USER_ID) -> Payload:
    """The view_submission Slack sends for `view` (as views.open/update stored it in the fake Slack)."""
    return view_submission(
        str(view["callback_id"]),
        values=values,
        private_metadata=str(view.get("private_metadata") or ""),
        user_id=user_id,
        view_id=str(view["id"]),
        blocks=list(view.get("blocks") or []),
        view_hash=str(view.get("hash") or "") or None,
    )


def plain_text_input(value: str) -> Payload:
    """A plain_text_input state value for view_submission `values`."""
    return {"type": "plain_text_input", "value": value}


def static_select(value: str, text: str | None = None) -> Payload:
    """A static_select state value for view_submission `values`."""
    option = {"text": {"type": "plain_text", "text": text or value}, "value": value}
    return {"type": "static_select", "selected_option": option}


# ----- encoding and signing ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SlackRequest:
    """A raw body and its content type, as Slack would send it."""

    body: bytes
    content_type: str

    @classmethod
    def json(cls, payload: Payload) -> "SlackRequest":
        """Events API / url_verification body."""
        return cls(json.dumps(payload).encode(), "application/json")

    @classmethod
    def form(cls, fields: dict[str, str]) -> "SlackRequest":
        """Slash command body."""
        return cls(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    @classmethod
    def interactive(cls, payload: Payload) -> "SlackRequest":
        """Interactivity body: form-encoded `payload=<JSON>`."""
        return cls.form({"payload": json.dumps(payload)})


def sign(signing_secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's v0 signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    request: SlackRequest, signing_secret: str, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with `request`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": request.content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(signing_secret, timestamp, request.body),
    }


def _tamper(body: bytes) -> bytes:
    """Swap the case of the last ASCII letter: the body still parses but no longer matches its signature."""
    for index in range(len(body) - 1, -1, -1):
        if chr(body[index]).isalpha() and body[index] < 128:
            return body[:index] + bytes([body[index] ^ 0x20]) + body[index + 1 :]
    return body + b" "


def prepare(
    request: SlackRequest,
    signing_secret: str,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    tamper_body: bool = False,
    omit_headers: Iterable[str] = (),
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    headers: dict[str, str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """Sign (or forge) a request; returns the body to send and its headers.

    Forgeries: `secret` signs with another secret, `timestamp` sets X-Slack-Request-Timestamp (stale/future),
    `signature` replaces the signature, `tamper_body` alters one byte after signing, `omit_headers` drops headers.
    """
    final = signed_headers(request, secret or signing_secret, timestamp)
    if signature is not None:
        final["X-Slack-Signature"] = signature
    if retry_num is not None:
        final.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason})
    final.update(headers or {})
    omitted = {name.lower() for name in omit_headers}
    final = {name: value for name, value in final.items() if name.lower() not in omitted}
    return (_tamper(request.body) if tamper_body else request.body), final


def _as_request(kind: str, payload: Payload) -> SlackRequest:
    if kind == "event":
        envelope = (
            payload
            if payload.get("type") in ("event_callback", "url_verification")
            else event_callback(payload)
        )
        return SlackRequest.json(envelope)
    if kind == "command":
        return SlackRequest.form(payload)
    return SlackRequest.interactive(payload)


class SlackSender:
    """Posts signed Slack requests to the bot's `/slack/events` with httpx; returns the httpx.Response."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, request: SlackRequest, **options: Any) -> httpx.Response:
        """Send a request; `options` are prepare()'s forgery and retry options."""
        body, headers = prepare(request, self.signing_secret, **options)
        return self._client.post(self.url, content=body, headers=headers)

    def send_event(self, event: Payload, **options: Any) -> httpx.Response:
        """Send an event, wrapped in event_callback unless it already is an envelope."""
        return self.send(_as_request("event", event), **options)

    def send_command(self, fields: dict[str, str], **options: Any) -> httpx.Response:
        """Send slash command fields (see slash_command())."""
        return self.send(_as_request("command", fields), **options)

    def send_interaction(self, payload: Payload, **options: Any) -> httpx.Response:
        """Send a block_actions / view_submission payload as `payload=` form data."""
        return self.send(_as_request("interaction", payload), **options)

    def send_url_verification(self, challenge: str | None = None, **options: Any) -> httpx.Response:
        """Send the url_verification handshake."""
        return self.send(SlackRequest.json(url_verification(challenge)), **options)

    def close(self) -> None:
        """Close the underlying httpx client."""
        self._client.close()

    def __enter__(self) -> "SlackSender":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncSlackSender:
    """SlackSender for httpx.AsyncClient, e.g. with `httpx.ASGITransport(app=asgi_app)` in-process."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def send(self, request: SlackRequest, **options: Any) -> httpx.Response:
        """Send a request; `options` are prepare()'s forgery and retry options."""
        body, headers = prepare(request, self.signing_secret, **options)
        return await self._client.post(self.url, content=body, headers=headers)

    async def send_event(self, event: Payload, **options: Any) -> httpx.Response:
        """Send an event, wrapped in event_callback unless it already is an envelope."""
        return await self.send(_as_request("event", event), **options)

    async def send_command(self, fields: dict[str, str], **options: Any) -> httpx.Response:
        """Send slash command fields."""
        return await self.send(_as_request("command", fields), **options)

    async def send_interaction(self, payload: Payload, **options: Any) -> httpx.Response:
        """Send a block_actions / view_submission payload."""
        return await self.send(_as_request("interaction", payload), **options)

    async def aclose(self) -> None:
        """Close the underlying httpx client."""
        await self._client.aclose()


def submit_text_view(
    sender: SlackSender,
    callback_id: str,
    private_metadata: str,
    field: str,
    text: str,
    *,
    user_id: str,
    view_id: str | None = None,
) -> Payload:
    """Submit a one-input modal (block and action both `field`); Slack's answer: {} when it closes, else the errors."""
    payload = view_submission(
        callback_id,
        values={field: {field: plain_text_input(text)}},
        private_metadata=private_metadata,
        user_id=user_id,
        view_id=view_id,
    )
    response = sender.send_interaction(payload)
    assert response.status_code == 200, response.text
    return response.json() if response.text.strip() not in ("", "null") else {}
