"""Specifications of the test harness that plays Slack: the fake Web API and the signed request builders."""

import asyncio
import threading
import time
from urllib.error import URLError

import httpx
import pytest
from fakeslack import BOT_USER_ID, DEFAULT_TOKEN, FakeSlack
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_requests import (
    DEFAULT_CHANNEL_ID,
    AsyncSlackSender,
    SlackRequest,
    SlackSender,
    block_actions,
    event_callback,
    message_changed_event,
    message_deleted_event,
    message_event,
    prepare,
    slash_command,
    thread_broadcast_event,
    view_submission,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

pytest_plugins = ["fakeslack"]  # harmless when conftest.py also lists it

SECRET = "test-signing-secret"
CHANNEL = "C0QUESTIONS"
METADATA = {"event_type": "roundtable_question", "event_payload": {"question_id": 7}}


def test_post_update_and_paginated_replies_round_trip(fake_slack: FakeSlack, fake_slack_client: WebClient):
    posted = fake_slack_client.chat_postMessage(channel=CHANNEL, text="Question?", metadata=METADATA)
    assert posted["message"]["metadata"] == METADATA
    parent_ts = posted["ts"]
    fake_slack_client.chat_update(channel=CHANNEL, ts=parent_ts, text="Question (edited)?", parse="none")
    replies = [fake_slack.add_message(CHANNEL, f"answer {i}", thread_ts=parent_ts) for i in range(5)]

    pages, cursor = [], None
    while True:
        page = fake_slack_client.conversations_replies(channel=CHANNEL, ts=parent_ts, limit=2, cursor=cursor)
        pages.append([m["ts"] for m in page["messages"]])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert pages[0][0] == parent_ts
    assert [ts for page in pages for ts in page] == [parent_ts, *[r["ts"] for r in replies]]
    assert all(len(page) <= 2 for page in pages)
    stored = fake_slack.message(CHANNEL, parent_ts)
    assert stored is not None
    assert stored["text"] == "Question (edited)?"
    assert stored["reply_count"] == 5
    assert fake_slack.calls("chat.update")[0].params["parse"] == "none"


def test_replies_honour_oldest(fake_slack: FakeSlack, fake_slack_client: WebClient):
    parent_ts = fake_slack_client.chat_postMessage(channel=CHANNEL, text="Q")["ts"]
    first = fake_slack.add_message(CHANNEL, "early", thread_ts=parent_ts)
    late = fake_slack.add_message(CHANNEL, "late", thread_ts=parent_ts)

    page = fake_slack_client.conversations_replies(channel=CHANNEL, ts=parent_ts, oldest=first["ts"])

    assert [m["text"] for m in page["messages"]] == ["Q", "late"]
    assert page["messages"][1]["ts"] == late["ts"]


def test_history_echoes_metadata_only_when_asked(fake_slack_client: WebClient):
    ts = fake_slack_client.chat_postMessage(channel=CHANNEL, text="Q", metadata=METADATA)["ts"]

    with_metadata = fake_slack_client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    without = fake_slack_client.conversations_history(channel=CHANNEL)

    assert with_metadata["messages"][0]["ts"] == ts
    assert with_metadata["messages"][0]["metadata"] == METADATA
    assert "metadata" not in without["messages"][0]


def test_ts_strictly_increase_under_concurrent_posts(fake_slack: FakeSlack):
    def post_ten() -> None:
        client = fake_slack.client()
        for i in range(10):
            client.chat_postMessage(channel=CHANNEL, text=str(i))

    threads = [threading.Thread(target=post_ten) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stamps = [m["ts"] for m in fake_slack.messages(CHANNEL)]
    assert len(set(stamps)) == 80
    assert stamps == sorted(stamps, key=float)
    assert len(fake_slack.calls("chat.postMessage")) == 80


def test_injected_429_surfaces_as_slack_api_error_with_retry_after(fake_slack, fake_slack_client):
    fake_slack.fail_next("chat.postMessage", retry_after=3)

    with pytest.raises(SlackApiError) as caught:
        fake_slack_client.chat_postMessage(channel=CHANNEL, text="hi")

    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "3"
    assert caught.value.response["error"] == "ratelimited"
    assert fake_slack.messages(CHANNEL) == []
    assert fake_slack.calls("chat.postMessage")[0].status == 429


def test_rate_limit_retry_handler_retries_and_succeeds(fake_slack: FakeSlack):
    client = fake_slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    fake_slack.fail_next("chat.postMessage", retry_after=0)

    response = client.chat_postMessage(channel=CHANNEL, text="hi")

    assert response["ok"]
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 200]
    assert len(fake_slack.messages(CHANNEL)) == 1


def test_server_errors_and_slack_errors_can_be_injected(fake_slack, fake_slack_client):
    fake_slack.fail_next("chat.postMessage", status=500)
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")

    with pytest.raises(SlackApiError) as server_error:
        fake_slack_client.chat_postMessage(channel=CHANNEL, text="a")
    with pytest.raises(SlackApiError) as slack_error:
        fake_slack_client.chat_postMessage(channel=CHANNEL, text="b")

    assert server_error.value.response.status_code == 500
    assert slack_error.value.response.status_code == 200
    assert slack_error.value.response["error"] == "channel_not_found"
    assert fake_slack_client.chat_postMessage(channel=CHANNEL, text="c")["ok"]


def test_dropped_connection_after_post_still_stores_message(fake_slack, fake_slack_client):
    fake_slack.drop_next("chat.postMessage")

    with pytest.raises((ConnectionError, URLError)):
        fake_slack_client.chat_postMessage(channel=CHANNEL, text="lost answer")

    assert [m["text"] for m in fake_slack.messages(CHANNEL)] == ["lost answer"]
    assert fake_slack.calls("chat.postMessage")[0].status == 0


def test_default_client_retry_after_dropped_post_duplicates_the_message(fake_slack: FakeSlack):
    fake_slack.drop_next("chat.postMessage")

    fake_slack.client().chat_postMessage(channel=CHANNEL, text="posted twice")

    assert [m["text"] for m in fake_slack.messages(CHANNEL)] == ["posted twice", "posted twice"]


def test_held_post_exists_in_the_channel_before_its_answer_is_released(fake_slack, fake_slack_client):
    hold = fake_slack.hold_next("chat.postMessage")
    answers: list[str] = []
    poster = threading.Thread(
        target=lambda: answers.append(fake_slack_client.chat_postMessage(channel=CHANNEL, text="slow")["ts"])
    )
    poster.start()
    call = hold.wait_reached()
    assert call.response is not None
    assert [m["ts"] for m in fake_slack.messages(CHANNEL)] == [call.response["ts"]]
    assert answers == []
    hold.release()
    poster.join(timeout=5)
    assert answers == [call.response["ts"]]


def test_files_upload_v2_shares_uploaded_bytes_in_thread(fake_slack, fake_slack_client):
    parent_ts = fake_slack_client.chat_postMessage(channel=CHANNEL, text="Digest thread")["ts"]

    response = fake_slack_client.files_upload_v2(
        content="weekly digest", filename="digest.txt", title="Digest", channel=CHANNEL,
        initial_comment="This week's digest", thread_ts=parent_ts,
    )  # fmt: skip

    file_id = response["file"]["id"]
    assert fake_slack.uploads[file_id] == b"weekly digest"
    assert fake_slack.file_shares[0]["channel_id"] == CHANNEL
    assert fake_slack.file_shares[0]["initial_comment"] == "This week's digest"
    assert fake_slack.file_shares[0]["thread_ts"] == parent_ts
    assert fake_slack.thread(CHANNEL, parent_ts)[0]["files"][0]["id"] == file_id


def test_not_in_channel_then_join_then_post_succeeds(fake_slack, fake_slack_client):
    fake_slack.set_channel(CHANNEL, name="questions", bot_member=False)

    with pytest.raises(SlackApiError) as caught:
        fake_slack_client.chat_postMessage(channel=CHANNEL, text="hi")
    fake_slack_client.conversations_join(channel=CHANNEL)

    assert caught.value.response["error"] == "not_in_channel"
    assert fake_slack_client.chat_postMessage(channel=CHANNEL, text="hi")["ok"]


@pytest.mark.parametrize(
    ("declaration", "method", "error"),
    [
        (
            {"is_private": True, "bot_member": False},
            "conversations_join",
            "method_not_supported_for_channel_type",
        ),
        ({"is_private": True, "bot_member": False}, "chat_postMessage", "channel_not_found"),
        ({"is_archived": True}, "chat_postMessage", "is_archived"),
        (None, "chat_postMessage", "channel_not_found"),
    ],
)
def test_channel_rules_answer_slack_errors(fake_slack, fake_slack_client, declaration, method, error):
    fake_slack.strict_channels = True
    if declaration is not None:
        fake_slack.set_channel(CHANNEL, **declaration)

    with pytest.raises(SlackApiError) as caught:
        getattr(fake_slack_client, method)(channel=CHANNEL, text="hi")

    assert caught.value.response["error"] == error


def test_wrong_token_is_invalid_auth(fake_slack: FakeSlack):
    with pytest.raises(SlackApiError) as caught:
        fake_slack.client(token="xoxb-wrong").auth_test()

    assert caught.value.response["error"] == "invalid_auth"
    assert fake_slack.calls("auth.test")[0].token == "xoxb-wrong"


def test_unknown_method_is_answered_and_recorded(fake_slack, fake_slack_client):
    with pytest.raises(SlackApiError) as caught:
        fake_slack_client.api_call("reactions.add", params={"name": "eyes"})

    assert caught.value.response["error"] == "unknown_method"
    assert fake_slack.calls("reactions.add")[0].params == {"name": "eyes"}


def test_post_rate_enforcement_rejects_second_post_within_a_second(fake_slack, fake_slack_client):
    fake_slack.enforce_post_rate(per_channel_per_second=1)

    fake_slack_client.chat_postMessage(channel=CHANNEL, text="first")
    fake_slack_client.chat_postMessage(channel="C0OTHERCHAN", text="other channel")
    with pytest.raises(SlackApiError) as caught:
        fake_slack_client.chat_postMessage(channel=CHANNEL, text="too soon")

    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    assert fake_slack.rate_limit_rejections == 1


def test_wait_for_polls_and_dumps_calls_on_timeout(fake_slack: FakeSlack):
    timer = threading.Timer(0.05, lambda: fake_slack.client().chat_postMessage(channel=CHANNEL, text="later"))
    timer.start()

    calls = fake_slack.wait_for("chat.postMessage", predicate=lambda c: c.params["text"] == "later")
    with pytest.raises(AssertionError, match=r"(?s)expected 2 chat\.postMessage.*chat\.postMessage -> 200"):
        fake_slack.wait_for("chat.postMessage", count=2, timeout=0.05)

    assert calls[0].ok


def test_workspace_methods_answer_slack_shapes(fake_slack, fake_slack_client):
    fake_slack.set_channel(CHANNEL, name="questions", members=[f"U0MEMBER{i:03d}" for i in range(5)])
    fake_slack.set_user("U0ALICE0001", display_name="alice", real_name="Alice Liddell")
    ts = fake_slack_client.chat_postMessage(channel=CHANNEL, text="Q")["ts"]

    members = fake_slack_client.conversations_members(channel=CHANNEL, limit=4)
    rest = fake_slack_client.conversations_members(
        channel=CHANNEL, cursor=members["response_metadata"]["next_cursor"]
    )
    assert len(members["members"]) + len(rest["members"]) == 6
    assert rest["response_metadata"]["next_cursor"] == ""
    assert fake_slack_client.users_info(user="U0ALICE0001")["user"]["profile"]["display_name"] == "alice"
    assert fake_slack_client.conversations_open(users="U0ALICE0001")["channel"]["id"] == "D0ALICE0001"
    assert fake_slack_client.conversations_info(channel=CHANNEL)["channel"]["is_member"] is True
    assert fake_slack_client.chat_getPermalink(channel=CHANNEL, message_ts=ts)["permalink"].endswith(
        ts.replace(".", "")
    )
    assert fake_slack_client.chat_postEphemeral(channel=CHANNEL, user="U0ALICE0001", text="psst")[
        "message_ts"
    ]
    fake_slack_client.chat_delete(channel=CHANNEL, ts=ts)
    assert fake_slack.messages(CHANNEL) == []


def test_conversations_list_shows_public_and_joined_private_channels(fake_slack, fake_slack_client):
    fake_slack.set_channel("C0PUBLIC001", name="public")
    fake_slack.set_channel("C0SECRET001", name="secret", is_private=True, bot_member=False)
    fake_slack.set_channel("C0PRIVATE01", name="private", is_private=True)
    fake_slack.set_channel("C0ARCHIVED1", name="old", is_archived=True)

    listed = fake_slack_client.conversations_list(
        types="public_channel,private_channel", exclude_archived=True, limit=1000
    )

    assert sorted(c["name"] for c in listed["channels"]) == ["private", "public"]


def test_views_open_once_per_trigger_then_update_and_publish(fake_slack, fake_slack_client):
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Ask"}, "blocks": []}

    view = fake_slack_client.views_open(trigger_id="123.456.abc", view=modal)["view"]
    with pytest.raises(SlackApiError) as reused:
        fake_slack_client.views_open(trigger_id="123.456.abc", view=modal)
    updated = fake_slack_client.views_update(view_id=view["id"], hash=view["hash"], view=modal)["view"]
    home = fake_slack_client.views_publish(user_id="U0ALICE0001", view={"type": "home", "blocks": []})

    assert reused.value.response["error"] == "exchanged_trigger_id"
    assert updated["id"] == view["id"]
    assert fake_slack.home_views["U0ALICE0001"]["id"] == home["view"]["id"]


def test_response_url_posts_are_recorded(fake_slack: FakeSlack):
    url = fake_slack.response_url("cmd-1")

    WebhookClient(url).send(text="Only you can see this", response_type="ephemeral")

    assert fake_slack.responses("cmd-1")[0].params["text"] == "Only you can see this"


def test_sender_signature_verifies_with_slack_sdk_and_forgeries_do_not():
    request = SlackRequest.interactive(block_actions("poll.vote", value="2"))
    verifier = SignatureVerifier(SECRET)

    def verifies(**forgery: object) -> bool:
        body, headers = prepare(request, SECRET, **forgery)  # type: ignore[arg-type]
        return verifier.is_valid_request(body, headers)

    assert verifies()
    assert not verifies(secret="wrong-secret")
    assert not verifies(tamper_body=True)
    assert not verifies(timestamp=int(time.time()) - 301)
    assert not verifies(timestamp=int(time.time()) + 301)
    assert not verifies(omit_headers=["X-Slack-Signature"])


def test_sender_posts_to_slack_events_with_retry_headers():
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    sender = SlackSender("http://bot.test/", SECRET, client=httpx.Client(transport=transport))

    sender.send_event(message_event("hello"), retry_num=1, retry_reason="http_timeout")

    assert str(seen[0].url) == "http://bot.test/slack/events"
    assert seen[0].headers["X-Slack-Retry-Num"] == "1"
    assert seen[0].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert SignatureVerifier(SECRET).is_valid_request(seen[0].content, dict(seen[0].headers))


def test_event_builders_follow_slack_shapes():
    first, second = event_callback(message_event("a")), event_callback(message_event("a"))
    edit = message_changed_event(ts="1700000000.000100", text="new", previous_text="old")
    deletion = message_deleted_event(deleted_ts="1700000000.000100", previous_text="old")
    broadcast = thread_broadcast_event("also here", thread_ts="1700000000.000100")

    assert first["event_id"] != second["event_id"]
    assert first["event_id"].startswith("Ev")
    assert "user" not in edit
    assert edit["message"]["edited"]["user"] == edit["message"]["user"]
    assert deletion["deleted_ts"] == "1700000000.000100"
    assert broadcast["subtype"] == "thread_broadcast"
    assert broadcast["root"]["thread_ts"] == "1700000000.000100"


def test_bolt_app_accepts_signed_requests_and_reaches_the_fake(fake_slack: FakeSlack):
    """A real AsyncApp (aiohttp client → fake) behind Starlette, driven in-process by AsyncSlackSender."""
    app = AsyncApp(
        client=AsyncWebClient(base_url=fake_slack.api_url, token=DEFAULT_TOKEN),
        signing_secret=SECRET,
    )

    @app.command("/roundtable")
    async def ask(ack, respond, client, command):
        await ack()
        await respond(text="asked")
        await client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    @app.view("ask.submit")
    async def submitted(ack):
        await ack()

    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request):
        return await handler.handle(request)

    asgi = Starlette(routes=[Route("/slack/events", endpoint=endpoint, methods=["POST"])])

    async def scenario() -> list[int]:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi))
        sender = AsyncSlackSender("http://bot.test", SECRET, client=client)
        command = slash_command("/roundtable", "What went well?", response_url=fake_slack.response_url("r1"))
        statuses = [
            (await sender.send_command(command)).status_code,
            (await sender.send_interaction(view_submission("ask.submit"))).status_code,
            (await sender.send_command(command, secret="forged")).status_code,
        ]
        await sender.aclose()
        return statuses

    assert asyncio.run(scenario()) == [200, 200, 401]
    assert fake_slack.wait_for("chat.postMessage")[0].params["text"] == "What went well?"
    assert fake_slack.wait_for("response_url")[0].params["text"] == "asked"
    assert fake_slack.calls("auth.test")[0].token == DEFAULT_TOKEN
    assert fake_slack.messages(DEFAULT_CHANNEL_ID)[0]["user"] == BOT_USER_ID
