"""The HTTP front door to `POST /slack/events`: signature first, then a strict parse, then Bolt.

Every request is checked against Slack's v0 signature (HMAC-SHA256 over the raw bytes, constant-time
comparison, 5-minute window) before anything parses its body, so an unsigned or forged request gets 401
whatever it contains; a body over `MAX_BODY_BYTES` (declared, or found while reading) gets 413 before it is
read whole. A signed body that Slack would never send (not UTF-8, not JSON, JSON that is not an
object, a `payload=` field that is not JSON, fields of the wrong type where Bolt or the listeners index
into them) gets 400 with one log line. Only then does Bolt see the request, already parsed: Bolt itself
never re-verifies (once is enough) and never re-parses (its parser mistakes any form body containing the
word "payload" for an interactivity payload).
"""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.runtime.metrics import Metrics, request_kind

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 300  # Slack's replay window for X-Slack-Request-Timestamp
MAX_FORM_FIELDS = 64  # a slash command has about 15; interactivity has one (`payload`)
# Slack's largest deliveries (a modal's whole view and state, a 40,000-character message) are a few
# hundred KB at most; past this the body is refused before it is read, so no one can fill the memory.
MAX_BODY_BYTES = 2 * 1024 * 1024
NO_RETRY = {"X-Slack-No-Retry": "1"}  # a malformed body stays malformed: ask Slack not to retry it


class Malformed(Exception):
    """A signed body Slack would never send; the message names what is wrong, never the content."""


class SignatureCheck:
    """Slack's v0 request signature, on the raw bytes."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._key = signing_secret.encode()
        self._clock = clock

    def valid(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        if not timestamp or not signature or not (timestamp.isascii() and timestamp.isdigit()):
            return False
        if len(timestamp) > 12 or abs(self._clock() - int(timestamp)) > WINDOW_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = b"v0=" + hmac.new(self._key, base, hashlib.sha256).hexdigest().encode()
        # Header values arrive as latin-1 text, so any byte string an attacker sends round-trips.
        return hmac.compare_digest(expected, signature.encode("latin-1"))


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Slack means it: JSON (Events API), `payload=<JSON>` (interactivity) or form fields."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or (not media_type and text.startswith("{")):
        return _json_object(text, "the body")
    try:
        fields = dict(
            parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS)
        )
    except ValueError:  # too many fields, or a %-escape that is not UTF-8
        raise Malformed("the form body cannot be decoded") from None
    if "payload" in fields:
        return _json_object(fields["payload"], "the payload field")
    return fields


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise Malformed(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Malformed(f"{what} is JSON {type(value).__name__}, not an object")
    return value


# Top-level fields Bolt's context builder or the listeners call .get() on when present.
_OBJECTS = ("event", "view", "container", "message", "state")
_EVENT_STRINGS = ("type", "subtype", "channel", "user", "ts", "thread_ts", "text", "event_ts", "deleted_ts")
# Events the listeners read fields of; in others (say channel_created) `channel` may be an object.
_READ_EVENTS = frozenset({"message", "app_home_opened", "member_joined_channel"})
_VIEW_STRINGS = ("id", "hash", "private_metadata", "callback_id")
_COMMAND_STRINGS = ("command", "text", "user_id", "channel_id", "channel_name", "trigger_id", "response_url")


def shape_problem(body: dict[str, Any]) -> str | None:
    """What about `body`'s shape would make Bolt or a listener raise, or None when it is fine."""
    for name in _OBJECTS:
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    if "event" in body and body["event"] is None:
        return "event is null"
    for name in ("authorizations", "response_urls"):
        if body.get(name) is not None and not _objects(body[name]):
            return f"{name} is not a list of objects"
    if "command" in body:
        return _strings(body, _COMMAND_STRINGS, "")
    if "ssl_check" in body:
        return None
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        return "type is missing"
    if kind == "event_callback":
        return _event_problem(body.get("event"))
    if kind == "block_actions":
        problem = _user_problem(body) or _actions_problem(body.get("actions"))
        # A click inside a modal (the weigh-in deck) is answered by redrawing that view.
        return problem or (_strings(body["view"], _VIEW_STRINGS, "view.") if body.get("view") else None)
    if kind in ("view_submission", "view_closed"):
        return _user_problem(body) or _view_problem(body.get("view"))
    if kind in ("message_action", "shortcut"):  # weigh-in exclusion, Add to theme…
        return _user_problem(body) or _shortcut_problem(body)
    return None


_SHORTCUT_STRINGS = ("callback_id", "trigger_id", "response_url", "message_ts", "action_ts")


def _shortcut_problem(body: dict[str, Any]) -> str | None:
    """A shortcut names its callback; a message shortcut also its channel and message (Bolt and
    handlers/curation.py read channel.id and message.ts)."""
    if not isinstance(body.get("callback_id"), str):
        return "callback_id is missing"
    problem = _strings(body, _SHORTCUT_STRINGS, "")
    if problem is not None or body["type"] != "message_action":
        return problem
    channel, message = body.get("channel"), body.get("message")
    if not isinstance(channel, dict) or not isinstance(channel.get("id"), str):
        return "channel.id is missing"
    if not isinstance(message, dict) or not isinstance(message.get("ts"), str):
        return "message.ts is missing"
    return _strings(message, ("user", "text", "thread_ts"), "message.")


def _event_problem(event: object) -> str | None:
    if not isinstance(event, dict):
        return "event is missing"
    if not isinstance(event.get("type"), str):
        return "event.type is missing"
    if event["type"] not in _READ_EVENTS:
        return None
    problem = _strings(event, _EVENT_STRINGS, "event.")
    for name in ("message", "previous_message", "edited"):
        if problem is None and event.get(name) is not None:
            nested = event[name]
            if not isinstance(nested, dict):
                return f"event.{name} is not an object"
            problem = _strings(nested, _EVENT_STRINGS, f"event.{name}.")
    if problem is None and event.get("files") is not None and not _objects(event["files"]):
        return "event.files is not a list of objects"
    return problem


def _user_problem(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return "user.id is missing"
    for name in ("channel", "team"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    return None


def _actions_problem(actions: object) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "actions is empty"
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            return "an action has no action_id"
        selected = action.get("selected_option")
        if selected is not None and not isinstance(selected, dict):
            return "an action's selected_option is not an object"
    return None


def _view_problem(view: object) -> str | None:
    if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
        return "view.callback_id is missing"
    problem = _strings(view, ("id", "private_metadata"), "view.")
    state = view.get("state")
    if problem is None and state is not None:
        values = state.get("values") if isinstance(state, dict) else None
        blocks = values.values() if isinstance(values, dict) else None
        if not isinstance(state, dict) or (values is not None and blocks is None):
            return "view.state is not an object"
        for elements in blocks or ():
            if elements is not None and not (
                isinstance(elements, dict) and all(isinstance(e, dict) for e in elements.values())
            ):
                return "view.state.values is not a map of inputs"
    return problem


def _strings(payload: dict[str, Any], names: tuple[str, ...], prefix: str) -> str | None:
    for name in names:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            return f"{prefix}{name} is not a string"
    return None


def _objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


class SlackEndpoint:
    """The Starlette endpoint for `POST /slack/events`."""

    def __init__(
        self,
        app: AsyncApp,
        signing_secret: str,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self.signature = SignatureCheck(signing_secret, clock)
        self.metrics = metrics

    async def handle(self, request: Request) -> Response:
        if self.metrics is None:
            return await self._handle(request, {})
        started = time.perf_counter()
        seen: dict[str, Any] = {}
        response = await self._handle(request, seen)
        kind = request_kind(seen.get("body") or {})
        self.metrics.request(kind, time.perf_counter() - started, response.status_code)
        return response

    async def _handle(self, request: Request, seen: dict[str, Any]) -> Response:
        raw = await _bounded_body(request)
        if raw is None:
            logger.warning("refused a request body over %d bytes (413)", MAX_BODY_BYTES)
            return JSONResponse({"error": "request too large"}, status_code=413, headers=NO_RETRY)
        headers = request.headers
        if not self.signature.valid(
            raw, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        ):
            logger.info("refused a request without a valid Slack signature (401)")
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            body = parse_body(raw, headers.get("content-type"))
            seen["body"] = body
            problem = shape_problem(body)
            if problem is not None:
                raise Malformed(problem)
            # Bolt accepts an already-parsed body only under its Socket Mode label; the label only tells
            # Bolt's own signature middleware to skip, and that middleware is off (verified above).
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_params,  # type: ignore[arg-type]  # Bolt takes any mapping; hints say dict
                headers=headers,  # type: ignore[arg-type]  # as for query
                mode="socket_mode",
            )
        except Malformed as malformed:
            return _bad_request(str(malformed))
        except (TypeError, AttributeError, LookupError, ValueError) as error:
            # Bolt's context builder indexes into fields not covered by shape_problem.
            return _bad_request(f"a field has the wrong type ({type(error).__name__})")
        return to_starlette_response(await self.app.async_dispatch(bolt_request))


async def _bounded_body(request: Request) -> bytes | None:
    """The raw body, or None once it is declared or found to be over MAX_BODY_BYTES (chunked bodies too)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _bad_request(problem: str) -> Response:
    logger.warning("refused a signed request Slack would never send (400): %s", problem)
    return JSONResponse({"error": "malformed request"}, status_code=400, headers=NO_RETRY)
