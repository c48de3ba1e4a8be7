"""APScheduler in the bot process: the database is the truth, the scheduler is the clock.

Jobs are rebuilt from the database at start and whenever the schedule fingerprint changes (a workshop
loaded from another process shows up within `ROUNDTABLE_SCHEDULE_POLL_SECONDS`). Each distinct due instant gets
a date job that posts everything due; the watcher also sweeps for anything due that a job missed (stale
claims, transient failures), so nothing depends on a single job firing.
"""

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from bot.people import data_rights, workspace
from bot.polls import rules as polls
from bot.polls import updates as poll_updates
from bot.questions import backfill, nudges, posting, replies
from bot.questions import controls as question_controls
from bot.runtime.claimed_post import ChannelPacer
from bot.runtime.deps import Deps
from storage import events, heartbeats, questions
from storage.models import PostState, utc_now

logger = logging.getLogger(__name__)

HEARTBEAT = heartbeats.SCHEDULER
# A longer gap between good heartbeats means the database (or this process) was unreachable and Slack may
# have given up on deliveries refused meanwhile (it retries about 1 and 5 minutes later): backfill.
OUTAGE_GAP = timedelta(seconds=60)
POLL_DUE_SECONDS = 0.5  # how often polls due to open or close are looked for
POLL_UPDATE_SECONDS = 0.25  # how often stale poll messages are looked for (each updated at most 1/s)
NUDGE_SECONDS = 60  # how often reminders are looked for; the first look is at start
TOKEN_CHECK_MINUTES = 5  # how often auth.test checks whether an uninstalled app's token works again
CLOSED_QUESTIONS_SECONDS = 5  # how often questions past their close time get their message updated


class Scheduler:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.pacer = ChannelPacer()
        self.poll_updater = poll_updates.MessageUpdater()
        self._fingerprint: tuple[int, int, int] | None = None
        self._dispatch_lock = threading.Lock()
        # APScheduler's shutdown(wait=True) holds its job-store lock while it waits for running jobs, so a
        # job that adds or removes jobs (rebuild) at that moment would deadlock; this lock and flag stop that.
        self._jobs_lock = threading.Lock()
        self._stopping = False
        self.outage_gap = OUTAGE_GAP
        self._last_good_beat: datetime | None = None
        self._backfill: threading.Thread | None = None
        self._stop_backfill = threading.Event()
        # Completed sweeps by job ("watch", "polls"): a test waits for one more before asserting that
        # nothing (a second post, a second opening) happened.
        self.sweeps: Counter[str] = Counter()
        self._scheduler = BackgroundScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._scheduler.add_listener(self._log_job_error, EVENT_JOB_ERROR)

    def start(self) -> None:
        interval = self.deps.settings.schedule_poll_seconds
        now = utc_now()  # APScheduler's own clock, not deps.clock: these say "run at start"
        self._scheduler.add_job(self.watch, "interval", seconds=interval, id="watch-schedule")
        self._scheduler.add_job(self.housekeeping, "interval", minutes=10, id="housekeeping")
        # A reminder already due at start goes out at start, not one interval later.
        self._scheduler.add_job(self.nudge, "interval", seconds=NUDGE_SECONDS, id="nudges", next_run_time=now)
        self._scheduler.add_job(
            self.check_token, "interval", minutes=TOKEN_CHECK_MINUTES, id="token-check", next_run_time=now
        )
        self._scheduler.add_job(
            self.closed_questions,
            "interval",
            seconds=CLOSED_QUESTIONS_SECONDS,
            id="closed-questions",
            next_run_time=now,
        )
        self._scheduler.add_job(self.polls_due, "interval", seconds=POLL_DUE_SECONDS, id="polls-due")
        self._scheduler.add_job(
            self.poll_messages, "interval", seconds=POLL_UPDATE_SECONDS, id="poll-messages"
        )
        self._scheduler.start()
        self._scheduler.add_job(self.watch, id="watch-now")  # at once, not one interval from now

    def shutdown(self) -> None:
        with self._jobs_lock:
            self._stopping = True
        self._stop_backfill.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def watch(self) -> None:
        """Rebuild date jobs if the schedule changed; post whatever is due; stamp liveness."""
        deps = self.deps
        now = deps.clock()
        with deps.db.transaction() as session:
            heartbeats.beat(session, HEARTBEAT, now=now)
            fingerprint = heartbeats.schedule_fingerprint(session)
        self._after_good_beat(now)
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self.rebuild()
        if posting.due_questions(deps, now):
            self.dispatch()
        self.sweeps["watch"] += 1

    def _after_good_beat(self, now: datetime) -> None:
        """After a gap in this scheduler's good heartbeats, read the open threads again from before it."""
        previous, self._last_good_beat = self._last_good_beat, now
        if previous is None or now - previous <= self.outage_gap:
            return
        if self._backfill is not None and self._backfill.is_alive():
            return  # it reads the same threads; the next gap starts another
        logger.warning(
            "no heartbeat for %.0f s (database unreachable?); backfilling replies since %s",
            (now - previous).total_seconds(),
            previous.isoformat(timespec="seconds"),
        )
        self._backfill = backfill.start_backfill(self.deps, self._stop_backfill, previous)

    def rebuild(self) -> None:
        now = self.deps.clock()
        with self.deps.db.reading() as session:
            due_times = sorted(
                {
                    q.post_at
                    for q, _ in questions.scheduled(session)
                    if q.post_at > now and q.state == PostState.SCHEDULED
                }
            )
        with self._jobs_lock:
            if self._stopping:
                return
            for job in self._scheduler.get_jobs():
                if job.id.startswith("due-"):
                    job.remove()
            for due in due_times:
                # One job per distinct instant, named with its full precision: two times within the same second
                # are two jobs (a rounded name made the second one fail the whole rebuild).
                self._scheduler.add_job(self.dispatch, "date", run_date=due, id=f"due-{due.isoformat()}")
        logger.info("schedule rebuilt: %d upcoming post times", len(due_times))

    def dispatch(self) -> None:
        if not self._dispatch_lock.acquire(blocking=False):
            return  # another job is already posting; it will pick these up in its sweep
        try:
            posting.dispatch_due(self.deps, self.pacer)
        finally:
            self._dispatch_lock.release()

    def polls_due(self) -> None:
        """Open scheduled polls whose time has come (claim → post) and close those past their deadline."""
        polls.close_due(self.deps)
        poll_updates.open_due(self.deps, self.pacer)
        self.sweeps["polls"] += 1

    def poll_messages(self) -> None:
        """Re-render poll messages that show an older vote count (coalesced, about once a second)."""
        self.poll_updater.run(self.deps)

    def housekeeping(self) -> None:
        with self.deps.db.transaction() as session:
            events.forget_older_than(session, self.deps.clock() - timedelta(hours=2))
            replies.forget_early(session, self.deps.clock())
        if self.deps.settings.retention_days:
            deleted = data_rights.apply_retention(
                self.deps.db, self.deps.settings.retention_days, self.deps.clock()
            )
            if deleted:
                logger.info(
                    "retention: deleted %d responses of workshops ended over %d days ago",
                    deleted,
                    self.deps.settings.retention_days,
                )

    def nudge(self) -> None:
        sent = nudges.send_due(self.deps)
        if sent:
            logger.info("sent %d nudges", sent)

    def check_token(self) -> None:
        """Resume workshops an uninstall stopped once auth.test succeeds again (a reinstall, a new token)."""
        workspace.check_token(self.deps)

    def closed_questions(self) -> None:
        """Re-render questions past their close time (or concluded) as closed, without their controls."""
        question_controls.show_closed_questions(self.deps)

    def _log_job_error(self, event: Any) -> None:
        assert isinstance(event, JobExecutionEvent)
        logger.error("scheduled job %s failed", event.job_id, exc_info=event.exception)
