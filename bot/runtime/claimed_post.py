"""Posting a scheduled question or poll exactly once: claim, post, record (one routine for both).

The row is claimed in the database (`storage.claims`, a conditional UPDATE) before it is posted, so two
schedulers, a restart or a retry never post it twice; a claim abandoned by a crash goes stale and is taken
over. When an earlier attempt may have reached Slack (the connection dropped after chat.postMessage, or
the poster died), the channel is first searched for a message whose metadata carries the row's id. A row
due longer ago than the grace period is marked missed and its organisers are told. A permanent Slack
error fails the row; a transient one gives the claim back for the next attempt.
What differs between questions and polls (which row, its message, what the recording transaction also
does) is the subclass's part of `ClaimedPost`.
"""

import logging
import threading
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.runtime import notify
from bot.runtime.deps import Deps
from storage import claims, roles
from storage.models import PostState, RoleName

logger = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
    }
)
CONNECTION_LOST = "connection_lost"  # what a dropped connection notes when giving the claim back


class ChannelPacer:
    """At most one post per channel per `interval` seconds (Slack's chat.postMessage guidance).

    A channel's next slot counts from when its previous post was *answered* (`sent`), not from when it
    was sent: two posts sent exactly a second apart can arrive less than a second apart (one was slow on
    the way) and the second is refused with a 429, which the SDK retries a second later.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)

    def sent(self, channel: str) -> None:
        """The post that `wait` let through has been answered: the next one waits a full interval from now."""
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), time.monotonic() + self.interval)


@dataclass(frozen=True, slots=True)
class Due:
    """What the claim transaction read about a row that is due."""

    due_at: datetime  # also where the search for an earlier post starts (minus a margin)
    state: str
    workshop_id: int | None  # whose organisers hear about a missed or failed post
    channel: str  # a channel id, or a "#name" still to resolve
    look_first: bool  # an earlier attempt may have reached Slack


class ClaimedPost(ABC):
    """One row on its way into Slack. `run()` is the state machine; subclasses say what the row is."""

    model: ClassVar[claims.Claimable]
    label: ClassVar[str]  # "question", "poll": for log lines
    event_type: ClassVar[str]  # the metadata every such message carries, to find a post whose answer was lost
    metadata_key: ClassVar[str]
    posted_state: ClassVar[str]

    def __init__(self, deps: Deps, row_id: int, pacer: ChannelPacer | None = None) -> None:
        self.deps = deps
        self.row_id = row_id
        self.pacer = pacer
        self.organisers: list[str] = []

    @abstractmethod
    def read(self, session: Session, now: datetime) -> Due | str:
        """In the claim transaction: the row's `Due`, or why it is not posted ("not-due", "inactive")."""

    @abstractmethod
    def message(self) -> dict[str, Any]:
        """The message to post (after the claim, just before posting)."""

    @abstractmethod
    def missed_notice(self) -> str:
        """What organisers are told when the row was due while the bot was down, beyond the grace period."""

    def claim_values(self) -> dict[str, Any]:
        """Columns set together with the claim."""
        return {}

    @abstractmethod
    def posted_values(self, now: datetime) -> dict[str, Any]:
        """Columns set together with the posted message."""

    @abstractmethod
    def release_values(self, note: str) -> dict[str, Any]:
        """Columns set when the claim is given back after a transient failure (`note`: what happened)."""

    @abstractmethod
    def recorded(self, session: Session, channel_id: str, ts: str, now: datetime, *, won: bool) -> str:
        """More work in the transaction that records the message (`won`: this claim recorded it); a log note."""

    @abstractmethod
    def failure_notice(self, code: str) -> str | None:
        """What organisers are told when Slack refuses the post for good, if anything."""

    # ----- the state machine ----------------------------------------------------------------------
    def run(self) -> str:
        """Claim, post and record. What happened: posted, taken, missed, failed:CODE, retry, not-due…"""
        deps = self.deps
        now = deps.clock()
        token = uuid.uuid4().hex
        stale_before = now - timedelta(seconds=deps.settings.claim_timeout_seconds)
        grace = timedelta(minutes=deps.settings.post_grace_minutes)
        with deps.db.transaction() as session:
            due = self.read(session, now)
            if isinstance(due, str):
                return due
            missed = due.state == PostState.SCHEDULED and now - due.due_at > grace
            if missed:
                claims.mark_missed(session, self.model, self.row_id)
            elif not claims.claim(
                session,
                self.model,
                self.row_id,
                token=token,
                now=now,
                stale_before=stale_before,
                **self.claim_values(),
            ):
                return "taken"
            workshop_organisers = (
                roles.users_with_role(session, due.workshop_id, RoleName.ORGANISER) if due.workshop_id else ()
            )
            self.organisers = sorted(set(workshop_organisers) | deps.organisers)
        if missed:
            logger.warning(
                "%s %s missed its time (%s) beyond the grace period", self.label, self.row_id, due.due_at
            )
            notify.organisers(deps, self.organisers, self.missed_notice())
            return "missed"
        return self._post_claimed(token, due)

    def _post_claimed(self, token: str, due: Due) -> str:
        deps = self.deps
        try:
            channel_id = notify.resolve_channel(deps, due.channel)
            found = (
                notify.find_posted(
                    deps, channel_id, self.event_type, self.metadata_key, self.row_id, due.due_at
                )
                if due.look_first
                else None
            )
            if found is not None:
                return self._record_posted(token, channel_id, found)
            if self.pacer is not None:
                self.pacer.wait(channel_id)
            try:
                posted_channel, posted_ts = notify.post_joining_if_needed(deps, channel_id, self.message())
            finally:
                if self.pacer is not None:
                    self.pacer.sent(channel_id)
            return self._record_posted(token, posted_channel, posted_ts)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            if code in PERMANENT_ERRORS:
                return self._record_failure(token, code)
            logger.warning("posting %s %s failed transiently (%s); will retry", self.label, self.row_id, code)
            note = code
        except notify.ChannelNotFound:
            return self._record_failure(token, "channel_not_found")
        except OSError as error:  # connection dropped: it may have posted; the next attempt looks first
            logger.warning(
                "posting %s %s lost its connection (%s); will check and retry", self.label, self.row_id, error
            )
            note = CONNECTION_LOST
        with deps.db.transaction() as session:
            claims.release(session, self.model, self.row_id, token=token, **self.release_values(note))
        return "retry"

    def _record_posted(self, token: str, channel_id: str, ts: str) -> str:
        with self.deps.db.transaction() as session:
            now = self.deps.clock()
            won = claims.finish(
                session,
                self.model,
                self.row_id,
                token=token,
                state=self.posted_state,
                channel_id=channel_id,
                message_ts=ts,
                **self.posted_values(now),
            )
            note = self.recorded(session, channel_id, ts, now, won=won)
        logger.info("posted %s %s in %s at %s%s", self.label, self.row_id, channel_id, ts, note)
        return "posted"

    def _record_failure(self, token: str, code: str) -> str:
        with self.deps.db.transaction() as session:
            claims.finish(session, self.model, self.row_id, token=token, state=PostState.FAILED, error=code)
        logger.error("%s %s could not be posted: %s", self.label, self.row_id, code)
        notice = self.failure_notice(code)
        if notice is not None:
            notify.organisers(self.deps, self.organisers, notice)
        return f"failed:{code}"
