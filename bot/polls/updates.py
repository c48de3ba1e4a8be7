"""Poll messages in Slack: opening polls exactly once, coalesced updates, closing at the deadline, replies.

Opening is the claimed post questions use too (bot.runtime.claimed_post): claim the row, post, record the
message; a claim abandoned by a crash goes stale and is taken over, looking for an earlier post first.

Updates are coalesced: a batch of votes leaves one `PollChange` marker per poll it changed (a close or an
erasure bumps `Poll.vote_version`); `MessageUpdater.run` (a scheduler job every ~0.25 s, in one process)
re-renders each poll with markers or an older version, at most once per `interval` per poll and within a
per-minute budget for chat.update (Tier 3), then deletes the markers it saw and stores the version it
drew. It reads the counts after the markers, so whatever it draws includes them, and a marker committed
meanwhile is drawn next time: the last update always shows the final count.
"""

import logging
import threading
import time
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session
from typing_extensions import override

from bot.polls import blocks as poll_blocks
from bot.polls import rules as polls
from bot.runtime import notify
from bot.runtime.claimed_post import CONNECTION_LOST, PERMANENT_ERRORS, ChannelPacer, ClaimedPost, Due
from bot.runtime.deps import Deps
from bot.runtime.followups import ephemeral_payload
from bot.text import escape, truncate
from storage import polls as store
from storage.models import Poll, PollState

logger = logging.getLogger(__name__)

UPDATE_GIVE_UP_ERRORS = PERMANENT_ERRORS | {"message_not_found", "cant_update_message", "edit_window_closed"}


# ----- opening ------------------------------------------------------------------------------------
def open_due(deps: Deps, pacer: ChannelPacer | None = None) -> int:
    """Open every scheduled poll whose time has come (and retake stale claims)."""
    now = deps.clock()
    stale_before = now - timedelta(seconds=deps.settings.claim_timeout_seconds)
    with deps.db.reading() as session:
        due = store.due_to_open(session, now, stale_before)
    opened = 0
    for poll_id in due:
        try:
            if post_poll(deps, poll_id, pacer=pacer) == "posted":
                opened += 1
        except Exception:
            logger.exception("opening poll %s failed", poll_id)
    return opened


def post_poll(deps: Deps, poll_id: int, *, pacer: ChannelPacer | None = None) -> str:
    """Claim, post and record one poll. Returns what happened: posted, taken, missed, failed:CODE, retry…"""
    return PollPost(deps, poll_id, pacer).run()


class PollPost(ClaimedPost):
    """A poll's part of the claimed post: its row and its message; a dropped connection is noted on the row
    (polls count no attempts), so the next attempt looks for the post first, as after a stale claim."""

    model = Poll
    label = "poll"
    event_type = poll_blocks.POLL_EVENT_TYPE
    metadata_key = "poll_id"
    posted_state = PollState.OPEN

    @override
    def read(self, session: Session, now: datetime) -> Due | str:
        poll = store.get(session, self.row_id)
        if poll is None or poll.open_at is None or poll.open_at > now:
            return "not-due"
        workshop = store.workshop_of(session, poll)
        if workshop is not None and not workshop.active:
            return "inactive"
        self.question, self.open_at = poll.question, poll.open_at
        return Due(
            due_at=poll.open_at,
            state=poll.state,
            workshop_id=workshop.id if workshop else None,
            channel=poll.channel_id or (workshop.channel_id or workshop.channel_ref if workshop else ""),
            look_first=poll.state == PollState.CLAIMED or poll.error == CONNECTION_LOST,
        )

    @override
    def message(self) -> dict[str, Any]:
        # Read now, just before posting: the message shows the poll as it is.
        with self.deps.db.reading() as session:
            view = polls.load_view(session, self.row_id)
        assert view is not None
        return poll_blocks.poll_message(view)

    @override
    def missed_notice(self) -> str:
        return (
            f":warning: Poll “{truncate(escape(self.question), 300)}” was due at "
            f"{self.open_at:%Y-%m-%d %H:%M} UTC while Roundtable was not running, so it was not opened."
        )

    @override
    def posted_values(self, now: datetime) -> dict[str, Any]:
        return {}

    @override
    def release_values(self, note: str) -> dict[str, Any]:
        return {"error": note[:200]}

    @override
    def recorded(self, session: Session, channel_id: str, ts: str, now: datetime, *, won: bool) -> str:
        return ""

    @override
    def failure_notice(self, code: str) -> str | None:
        return None  # as before: organisers are not DMed; `open_new_poll` tells the chair who created it


def open_new_poll(
    deps: Deps, poll_id: int, response_url: str | None = None, user_id: str | None = None
) -> str:
    """Post a poll just created by a chair, telling them if Slack refuses (the scheduler retries the rest)."""
    outcome = post_poll(deps, poll_id)
    if outcome.startswith("failed:"):
        code = outcome.partition(":")[2]
        text = f":x: Poll #{poll_id} could not be posted here (`{code}`). Invite the bot with `/invite @Roundtable`."
        if response_url:
            respond(deps, response_url, text)
        elif user_id:
            notify.organisers(deps, [user_id], text)  # a DM: the channel itself refused the bot
    return outcome


# ----- updating -----------------------------------------------------------------------------------
class MessageUpdater:
    """Coalesces vote changes into chat.update calls: one per poll per `interval`, `per_minute` overall."""

    def __init__(self, interval: float = 1.0, per_minute: int = 50) -> None:
        self.interval = interval
        self.per_minute = per_minute
        self._last: dict[int, float] = {}
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()

    def run(self, deps: Deps) -> int:
        if not self._lock.acquire(blocking=False):
            return 0  # a previous run is still updating; it will be picked up next time
        try:
            with deps.db.reading() as session:
                stale = store.stale_messages(session)
            updated = 0
            for message in stale:
                poll_id = message.poll_id
                now = time.monotonic()
                if now - self._last.get(poll_id, float("-inf")) < self.interval:
                    continue
                while self._recent and now - self._recent[0] >= 60:
                    self._recent.popleft()
                if len(self._recent) >= self.per_minute:
                    break
                self._recent.append(now)
                self._last[poll_id] = now
                updated += self._update(deps, message)
            return updated
        finally:
            self._lock.release()

    def _update(self, deps: Deps, stale: store.StaleMessage) -> int:
        # Read after the markers were: every vote of a marker in `stale.changes` is drawn.
        poll_id = stale.poll_id
        with deps.db.reading() as session:
            view = polls.load_view(session, poll_id)
        if view is None or not view.channel_id or not view.message_ts:
            return 0
        message = poll_blocks.poll_message(view)
        try:
            deps.slack.chat_update(channel=view.channel_id, ts=view.message_ts, parse="none", **message)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            if code not in UPDATE_GIVE_UP_ERRORS:
                logger.warning("updating poll %s failed (%s); will retry", poll_id, code)
                return 0
            logger.error("poll %s message can no longer be updated: %s", poll_id, code)
        except OSError as error:
            logger.warning("updating poll %s failed (%s); will retry", poll_id, error)
            return 0
        with deps.db.transaction() as session:
            store.mark_rendered(session, poll_id, view.version, stale.changes)
        return 1


# ----- replies to one person ----------------------------------------------------------------------
def respond(deps: Deps, response_url: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """An ephemeral reply through an interaction's response_url (Tier-free, 5 uses in 30 minutes)."""
    try:
        deps.http.post(response_url, json=ephemeral_payload(text, blocks)).raise_for_status()
    except Exception:
        logger.exception("could not answer through response_url")


def tell(
    deps: Deps, channel_id: str, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    """An ephemeral message in a channel, for replies that have no response_url (modal submissions)."""
    try:
        deps.slack.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
    except SlackApiError as error:
        logger.warning("could not tell %s in %s: %s", user_id, channel_id, error.response.get("error"))
