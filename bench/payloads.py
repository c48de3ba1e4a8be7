"""Signed Slack requests for the load scenarios, built with the test suite's builders and signed at once.

Each request is unique (fresh voter or event id, fresh ts), so the database check after a run can tell
exactly which requests were stored. Requests are signed when a run is prepared, so their timestamps stay
well inside Slack's five-minute window.
"""

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slack_requests import (
    SlackRequest,
    block_actions,
    event_callback,
    new_ts,
    signed_headers,
    thread_reply_event,
    view_block_actions,
)

from bench.servers import SIGNING_SECRET
from bot.weighin import blocks
from bot.weighin.deck import DeckState, Scope

ANSWERS = (
    "Talent, capital and the university, in that order; the rest follows from proximity.",
    "Planning: labs and housing near the station would matter more than any tax incentive.",
    "Patient capital that stays past the first round, and founders who have done it before.",
)
_serial = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Signed:
    """A request as Slack sends it: the body and its headers (content type, timestamp, v0 signature)."""

    body: bytes
    headers: dict[str, str]

    @property
    def timestamp(self) -> str:
        return self.headers["X-Slack-Request-Timestamp"]

    @property
    def signature(self) -> str:
        return self.headers["X-Slack-Signature"]

    @property
    def content_type(self) -> str:
        return self.headers["Content-Type"]


@dataclass(frozen=True, slots=True)
class Click:
    user_id: str
    position: int
    action_ts: str


@dataclass(frozen=True, slots=True)
class DeckClick:
    user_id: str
    view_id: str
    response_id: int
    choice: int  # +1 agree, -1 disagree, 0 pass
    action_ts: str


DECK_ACTIONS = tuple(blocks.CHOICE_ACTIONS.items())  # (action id, choice): Agree +1, Disagree -1, Pass 0


@dataclass(frozen=True, slots=True)
class Reply:
    event_id: str
    ts: str


def _signed(request: SlackRequest, timestamp: int) -> Signed:
    """Signed the way the test suite signs (`slack_requests.signed_headers`), at a fixed timestamp."""
    return Signed(request.body, signed_headers(request, SIGNING_SECRET, timestamp))


def vote_clicks(
    count: int,
    *,
    poll_id: int,
    channel: str,
    message_ts: str,
    options: int,
    response_url: str,
    change_every: int = 10,
) -> list[tuple[Click, Signed]]:
    """`count` clicks on a poll's buttons by distinct voters; every `change_every`-th click is an earlier
    voter of this batch changing their vote to the next option."""
    timestamp = int(time.time())
    clicks: list[tuple[Click, Signed]] = []
    for index in range(count):
        if change_every and index % change_every == change_every - 1 and index >= 5:
            earlier = clicks[index - 5][0]
            user, position = earlier.user_id, (earlier.position + 1) % options
        else:
            user, position = f"UV{next(_serial):09d}", index % options
        payload = block_actions(
            f"poll.vote.{position}",
            value=f"{poll_id}:{position}",
            user_id=user,
            channel_id=channel,
            message_ts=message_ts,
            response_url=response_url,
        )
        click = Click(user, position, payload["actions"][0]["action_ts"])
        clicks.append((click, _signed(SlackRequest.interactive(payload), timestamp)))
    return clicks


def deck_clicks(count: int, *, question_id: int, answers: Sequence[int]) -> list[tuple[DeckClick, Signed]]:
    """`count` Agree / Disagree / Pass clicks inside open weigh-in modals of one question's deck: each
    simulated person works through every answer once, so each click is a distinct (person, answer).

    The view is what views.open returned to that person (its id and the deck's private_metadata:
    `blocks.encode_state` of the question's scope); the button's value is the answer id on the card. No
    view hash: a click built in advance cannot carry the hash of the redraw before it, and with a stale
    one every redraw but the first would be a hash_conflict.
    """
    timestamp = int(time.time())
    metadata = blocks.encode_state(DeckState(Scope(question_id=question_id)))
    clicks: list[tuple[DeckClick, Signed]] = []
    user, view = "", dict[str, str]()
    for index in range(count):
        if index % len(answers) == 0:
            serial = next(_serial)
            user = f"UW{serial:09d}"
            view = {
                "id": f"VW{serial:09d}",
                "callback_id": blocks.DECK_CALLBACK,
                "private_metadata": metadata,
            }
        response_id = answers[index % len(answers)]
        action_id, choice = DECK_ACTIONS[(index // len(answers) + index) % len(DECK_ACTIONS)]
        payload = view_block_actions(action_id, view, value=str(response_id), user_id=user)
        click = DeckClick(user, view["id"], response_id, choice, payload["actions"][0]["action_ts"])
        clicks.append((click, _signed(SlackRequest.interactive(payload), timestamp)))
    return clicks


def thread_replies(count: int, *, channel: str, thread_ts: str) -> list[tuple[Reply, Signed]]:
    """`count` replies in a question's thread, from many participants, each a distinct event."""
    timestamp = int(time.time())
    replies = []
    for index in range(count):
        event = thread_reply_event(
            ANSWERS[index % len(ANSWERS)], thread_ts=thread_ts, channel=channel, user=f"UR{index % 500:09d}"
        )
        envelope = event_callback(event)
        reply = Reply(envelope["event_id"], event["ts"])
        replies.append((reply, _signed(SlackRequest.json(envelope), timestamp)))
    return replies


def write_wrk_file(path: Path, requests: Sequence[Signed]) -> None:
    """One request per line, `timestamp TAB signature TAB content-type TAB body`, for bench/replay.lua."""
    with path.open("wb") as out:
        for request in requests:
            assert b"\t" not in request.body
            assert b"\n" not in request.body
            out.write(
                f"{request.timestamp}\t{request.signature}\t{request.content_type}\t".encode()
                + request.body
                + b"\n"
            )


def fresh_ts() -> str:
    return new_ts()
