"""A workshop's life, driven as Slack does: uninstall and reinstall, questions closing, reminders at start,
and who sees what of the questions still to come."""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import (
    SlackSender,
    event_callback,
    message_changed_event,
    message_deleted_event,
    slash_command,
    thread_reply_event,
)
from sqlmodel import select

from bot.digest.audience import Audience
from bot.digest.compile import compile_digest
from bot.home import service as home
from bot.questions import blocks, nudges
from bot.runtime.scheduler import Scheduler
from storage.db import Database
from storage.models import Invitee, Question, Response, Workshop
from tests.botserver import RunningBot, running_bot
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_question, add_workshop
from tests.test_polls_http import reply_to
from tests.test_question_actions import answer_privately, submit

PARTICIPANT = "U0PARTIC001"
GLOBAL_ORGANISER = "U0GLOBALORG"


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"organisers": [GLOBAL_ORGANISER]}


def ts_at(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def post_question(
    database: Database, fake: FakeSlack, workshop_id: int, *, close_at: datetime | None = None
) -> tuple[int, str]:
    """A question posted (for real, in the fake Slack) an hour ago; its id and ts."""
    question_id = add_question(database, workshop_id, post_at=datetime.now(UTC) - timedelta(hours=1))
    message = blocks.question_message(
        question_id=question_id, workshop_title="Workshop test-workshop", text="Can it be replicated?"
    )
    ts = str(fake.client().chat_postMessage(channel=CHANNEL, **message)["ts"])
    with database.transaction() as session:
        row = session.get(Question, question_id)
        assert row is not None
        row.state, row.channel_id, row.message_ts, row.posted_at = "posted", CHANNEL, ts, row.post_at
        row.close_at = close_at
        session.add(row)
    return question_id, ts


def set_question(database: Database, question_id: int, **values: Any) -> None:
    with database.transaction() as session:
        row = session.get(Question, question_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


def workshops(database: Database) -> dict[str, tuple[bool, str | None]]:
    with database.reading() as session:
        return {w.slug: (w.active, w.inactive_reason) for w in session.exec(select(Workshop)).all()}


def stored(database: Database) -> list[tuple[str, str, bool]]:
    """(user, text, deleted) of every stored response, oldest first."""
    with database.reading() as session:
        rows = session.exec(select(Response).order_by(Response.id)).all()
        return [(r.user_id, r.text, r.deleted_at is not None) for r in rows]


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# ----- uninstalling, revoking, and coming back (item 11) -------------------------------------------
def test_revoking_only_user_tokens_keeps_every_schedule_running(
    sender: SlackSender, database: Database
) -> None:
    add_workshop(database)
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE01", "U0SOMEONE02"], "bot": []}}
    assert sender.send_event(event).status_code == 200
    assert (
        sender.send_event({"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE03"]}}).status_code == 200
    )
    assert workshops(database) == {"test-workshop": (True, None)}


def test_revoking_the_bot_token_stops_schedules_until_auth_test_succeeds_again(
    sender: SlackSender, database: Database, database_url: str, fake_slack: FakeSlack, bot: RunningBot
) -> None:
    add_workshop(database)
    add_workshop(database, slug="archived", channel="C0OTHER0001")
    with database.transaction() as session:  # inactive for a reason of its own: an uninstall is not it
        archived = session.exec(select(Workshop).where(Workshop.slug == "archived")).one()
        archived.active = False
        session.add(archived)
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert sender.send_event(event).status_code == 200
    assert sender.send_event({"type": "app_uninstalled"}).status_code == 200  # in either order
    assert workshops(database) == {"test-workshop": (False, "tokens_revoked"), "archived": (False, None)}

    scheduler = Scheduler(bot.deps)
    fake_slack.fail_next("auth.test", error="token_revoked")
    scheduler.check_token()  # the periodic check, while the token is still revoked
    assert workshops(database)["test-workshop"] == (False, "tokens_revoked")
    scheduler.check_token()  # reinstalled: the next check succeeds
    assert workshops(database) == {"test-workshop": (True, None), "archived": (False, None)}
    assert [call.ok for call in fake_slack.calls("auth.test")] == [False, True]


def test_after_an_uninstall_a_restarted_bot_resumes_schedules_at_start(
    sender: SlackSender, database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    add_workshop(database)
    assert sender.send_event({"type": "app_uninstalled"}).status_code == 200
    assert workshops(database) == {"test-workshop": (False, "app_uninstalled")}
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, with_scheduler=True):
        wait_until(lambda: workshops(database)["test-workshop"] == (True, None))
    assert fake_slack.calls("auth.test")[0].ok


# ----- one rule for answering a closed question (item 13) ------------------------------------------
def test_a_thread_reply_first_posted_after_close_at_is_not_recorded_and_its_author_is_told(
    sender: SlackSender, database: Database, fake_slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    _, ts = post_question(database, fake_slack, add_workshop(database), close_at=now - timedelta(minutes=5))
    in_time = ts_at(now - timedelta(minutes=10))
    sender.send_event(
        thread_reply_event("Before the close", thread_ts=ts, channel=CHANNEL, user="U0EARLY0001", ts=in_time)
    )
    late = thread_reply_event("After the close", thread_ts=ts, channel=CHANNEL, user=PARTICIPANT)
    delivery = event_callback(late)
    assert sender.send_event(delivery).status_code == 200
    assert sender.send_event(delivery, retry_num=1).status_code == 200  # Slack's retry: no second note
    # An edit of an answer given in time is honoured after the close; a late reply's edit is not recorded.
    sender.send_event(
        message_changed_event(
            ts=in_time,
            text="Before the close, edited",
            previous_text="Before the close",
            channel=CHANNEL,
            user="U0EARLY0001",
            thread_ts=ts,
        )
    )
    sender.send_event(
        message_changed_event(
            ts=late["ts"],
            text="After, edited",
            previous_text="After the close",
            channel=CHANNEL,
            user=PARTICIPANT,
            thread_ts=ts,
        )
    )
    assert stored(database) == [("U0EARLY0001", "Before the close, edited", False)]
    [note] = fake_slack.wait_for("chat.postEphemeral")
    assert note.params["user"] == PARTICIPANT
    assert (note.params["channel"], note.params["thread_ts"]) == (CHANNEL, ts)
    assert "That question has closed; answers are no longer collected." in note.params["text"]
    # The deletion of an answer given in time is always honoured.
    sender.send_event(
        message_deleted_event(
            deleted_ts=in_time, previous_text="x", channel=CHANNEL, user="U0EARLY0001", thread_ts=ts
        )
    )
    assert stored(database) == [("U0EARLY0001", "", True)]
    # Someone else's late reply, sent last: once they are told, a second note to PARTICIPANT would be out.
    other = thread_reply_event("Me too, late", thread_ts=ts, channel=CHANNEL, user="U0LATER0001")
    assert sender.send_event(other).status_code == 200
    fake_slack.wait_for("chat.postEphemeral", predicate=lambda c: c.params["user"] == "U0LATER0001")
    assert [c.params["user"] for c in fake_slack.calls("chat.postEphemeral")] == [PARTICIPANT, "U0LATER0001"]


def test_after_a_conclusion_thread_replies_and_private_answers_are_refused_alike(
    sender: SlackSender, database: Database, fake_slack: FakeSlack
) -> None:
    question_id, ts = post_question(database, fake_slack, add_workshop(database))
    assert submit(sender, blocks.CONCLUSION_CALLBACK, question_id, "Settled.", user=CHAIR) == {}
    sender.send_event(thread_reply_event("One more thing", thread_ts=ts, channel=CHANNEL, user=PARTICIPANT))
    late = submit(sender, blocks.PRIVATE_ANSWER_CALLBACK, question_id, "And privately?", user=PARTICIPANT)
    assert late["errors"] == {"text": "That question has closed; answers are no longer collected."}
    assert stored(database) == []
    [note] = fake_slack.wait_for("chat.postEphemeral")
    assert "That question has closed" in note.params["text"]


def test_past_its_close_at_a_question_refuses_a_private_answer_as_it_refuses_a_thread_reply(
    sender: SlackSender, database: Database, fake_slack: FakeSlack
) -> None:
    close_at = datetime.now(UTC) - timedelta(seconds=1)
    question_id, ts = post_question(database, fake_slack, add_workshop(database), close_at=close_at)
    note = answer_privately(sender, fake_slack, question_id)
    assert reply_to(fake_slack, note) == "That question has closed; answers are no longer collected."
    late = submit(sender, blocks.PRIVATE_ANSWER_CALLBACK, question_id, "Late?", user=PARTICIPANT)
    assert late["errors"] == {"text": "That question has closed; answers are no longer collected."}
    sender.send_event(thread_reply_event("Late too", thread_ts=ts, channel=CHANNEL, user=PARTICIPANT))
    assert stored(database) == []


# ----- one rule for "has answered" (item 17) --------------------------------------------------------
def test_deleting_your_answer_makes_you_waiting_and_nudgeable_again_and_leaves_n_of_m(
    sender: SlackSender, database: Database, fake_slack: FakeSlack, bot: RunningBot
) -> None:
    workshop_id = add_workshop(database, starts=datetime.now(UTC) - timedelta(hours=2))
    question_id, ts = post_question(
        database, fake_slack, workshop_id, close_at=datetime.now(UTC) + timedelta(hours=1)
    )
    with database.transaction() as session:
        session.add_all(
            Invitee(workshop_id=workshop_id, user_id=user) for user in (PARTICIPANT, "U0OTHER0001")
        )

    def seen() -> tuple[bool, bool, int | None, int]:
        waiting = [w.question_id for w in home.gather(bot.deps, PARTICIPANT, None).waiting]
        due = [n.user_id for n in nudges.pending(bot.deps)]
        participation = compile_digest(database, "test-workshop", audience=Audience.ORGANISERS).participation
        organiser = home.gather(bot.deps, ORGANISER, None).organised[0]
        assert organiser.replied == participation.invited_participants
        return (
            question_id in waiting,
            PARTICIPANT in due,
            participation.invited_participants,
            organiser.replied,
        )

    assert seen() == (True, True, 0, 0)
    reply = thread_reply_event("My view", thread_ts=ts, channel=CHANNEL, user=PARTICIPANT)
    sender.send_event(reply)
    assert seen() == (False, False, 1, 1)
    sender.send_event(
        message_deleted_event(
            deleted_ts=reply["ts"], previous_text="My view", channel=CHANNEL, user=PARTICIPANT, thread_ts=ts
        )
    )
    assert seen() == (True, True, 0, 0)
    assert nudges.send_due(bot.deps) == 2
    dms = [
        c.params["channel"] for c in fake_slack.calls("chat.postMessage") if c.params["channel"] != CHANNEL
    ]
    assert sorted(dms) == sorted([PARTICIPANT, "U0OTHER0001"])


# ----- a closed question's message loses its controls (item 18) ------------------------------------
def assert_shown_closed(fake: FakeSlack, ts: str, question_id: int) -> None:
    [update] = [c for c in fake.calls("chat.update") if c.ok]
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, ts)
    kinds = [block["type"] for block in update.params["blocks"]]
    assert kinds == ["context", "section", "context", "context", "actions"]
    assert update.params["blocks"][2]["elements"][0]["text"] == blocks.CLOSED_NOTICE
    # The one control left is Weigh in: no "Answer privately", no ⋯ menu.
    [weigh_in] = update.params["blocks"][-1]["elements"]
    assert (weigh_in["action_id"], weigh_in["value"]) == (blocks.WEIGH_IN_ACTION, f"q:{question_id}")
    message = fake.message(CHANNEL, ts)
    assert message is not None
    assert message["blocks"] == update.params["blocks"]
    assert message["metadata"]["event_payload"] == {"question_id": question_id}  # still findable


def test_a_conclusion_updates_the_question_message_once_to_show_it_closed_without_controls(
    sender: SlackSender, database: Database, fake_slack: FakeSlack, bot: RunningBot
) -> None:
    workshop = add_workshop(database)
    question_id, ts = post_question(database, fake_slack, workshop)
    assert (
        submit(sender, blocks.CONCLUSION_CALLBACK, question_id, "Settled.", user=CHAIR, view_id="V0ONE") == {}
    )
    assert (
        submit(sender, blocks.CONCLUSION_CALLBACK, question_id, "Settled.", user=CHAIR, view_id="V0ONE") == {}
    )
    fake_slack.wait_for("chat.update")
    Scheduler(bot.deps).closed_questions()  # the sweep finds nothing left to do
    assert_shown_closed(fake_slack, ts, question_id)
    # Another question concluded last: once its message shows it closed, a second update of ts would be out.
    other_id, other_ts = post_question(database, fake_slack, workshop)
    assert submit(sender, blocks.CONCLUSION_CALLBACK, other_id, "Also.", user=CHAIR, view_id="V0TWO") == {}
    fake_slack.wait_for("chat.update", predicate=lambda c: c.params["ts"] == other_ts)
    assert [c.params["ts"] for c in fake_slack.calls("chat.update")] == [ts, other_ts]


def test_at_its_close_time_the_scheduler_updates_the_message_once_despite_a_rate_limit(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    close_at = datetime.now(UTC) + timedelta(seconds=1)
    question_id, ts = post_question(database, fake_slack, add_workshop(database), close_at=close_at)
    fake_slack.fail_next("chat.update", retry_after=1)  # a 429 first
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, with_scheduler=True) as running:
        fake_slack.wait_for("chat.update", 2, timeout=20)
        assert running.scheduler is not None
        running.scheduler.closed_questions()
    assert [c.status for c in fake_slack.calls("chat.update")] == [429, 200]
    assert fake_slack.calls("chat.update")[0].time >= close_at.timestamp()
    assert_shown_closed(fake_slack, ts, question_id)


# ----- reminders at start (item 19) -------------------------------------------------------------------
def test_a_reminder_already_due_at_start_is_sent_at_start(
    database: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    workshop_id = add_workshop(database)
    post_question(database, fake_slack, workshop_id, close_at=datetime.now(UTC) + timedelta(hours=1))
    with database.transaction() as session:
        session.add(Invitee(workshop_id=workshop_id, user_id=PARTICIPANT))
    started = time.monotonic()
    with running_bot(database_url, fake_slack.api_url, fake_slack.token, with_scheduler=True):
        [dm] = fake_slack.wait_for(
            "chat.postMessage", timeout=15, predicate=lambda c: c.params["channel"] == PARTICIPANT
        )
    assert "closes soon" in dm.params["text"]
    assert time.monotonic() - started < 30  # the first check is at start, not 60 s later


# ----- /roundtable status by role (item 24) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("user", "sees_upcoming"),
    [(ORGANISER, True), (CHAIR, True), (GLOBAL_ORGANISER, True), (PARTICIPANT, False)],
)
def test_status_shows_upcoming_question_texts_only_to_organisers_and_chairs(
    sender: SlackSender, database: Database, user: str, sees_upcoming: bool
) -> None:
    now = datetime.now(UTC)
    workshop_id = add_workshop(database)
    add_question(
        database,
        workshop_id,
        text="Posted: what worked?",
        post_at=now - timedelta(hours=1),
        posted_ts="1900000000.000100",
    )
    add_question(
        database, workshop_id, text="Secret: what next?", post_at=datetime(2030, 5, 15, 9, 0, tzinfo=UTC)
    )
    add_question(
        database, workshop_id, text="Secret: and then?", post_at=datetime(2030, 5, 16, 9, 0, tzinfo=UTC)
    )
    body = sender.send_command(slash_command(text="status", channel_id=CHANNEL, user_id=user)).json()
    shown = str(body["blocks"]) + body["text"]
    assert "Posted: what worked?" in shown
    assert ("Secret: what next?" in shown) is sees_upcoming
    assert ("Secret: and then?" in shown) is sees_upcoming
    assert "2 questions still to post" in body["text"]
    if not sees_upcoming:
        assert "2 more questions to come; the next Wed 15 May 2030 10:00 BST." in shown
