"""A reply is what a digest reader can use: its text, else "[shared a file: NAME]", else nothing at all."""

from datetime import UTC, datetime, timedelta

from fakeslack import FakeSlack
from slack_requests import (
    SlackSender,
    file_share_event,
    message_changed_event,
    thread_reply_event,
)
from test_backfill import deps, posted_question  # noqa: F401
from test_http_runtime import QUESTION_TS, question_id, responses  # noqa: F401

from bot.questions.backfill import run_backfill
from bot.runtime.deps import Deps
from storage import responses as stored_responses
from storage.db import Database
from tests.factories import CHANNEL

REPORT = {"id": "F0REPORT01", "name": "R&D <plan>.pdf", "title": "R&D plan", "mimetype": "application/pdf"}
CHART = {"id": "F0CHART001", "name": "chart.png", "title": "chart", "mimetype": "image/png"}


def counted(database: Database, question_id: int) -> tuple[int, int]:  # noqa: F811
    with database.reading() as session:
        return stored_responses.count_by_question(session, [question_id]).get(question_id, (0, 0))


def test_a_file_shared_without_a_comment_is_stored_as_the_escaped_file_name_and_counted(
    sender: SlackSender,
    database: Database,
    question_id: int,  # noqa: F811
) -> None:
    one = file_share_event("", files=[REPORT], thread_ts=QUESTION_TS, channel=CHANNEL, user="U0ALICE0001")
    two = file_share_event(
        "", files=[REPORT, CHART], thread_ts=QUESTION_TS, channel=CHANNEL, user="U0BOB00001"
    )
    commented = file_share_event("See the chart.", files=[CHART], thread_ts=QUESTION_TS, channel=CHANNEL)
    for event in (one, two, commented):
        assert sender.send_event(event).status_code == 200
    assert [r.text for r in responses(database)] == [
        "[shared a file: R&amp;D &lt;plan&gt;.pdf]",
        "[shared 2 files: R&amp;D &lt;plan&gt;.pdf, chart.png]",
        "See the chart.",
    ]
    assert counted(database, question_id) == (3, 2)


def test_a_reply_with_neither_text_nor_files_is_acked_but_not_stored_or_counted(
    sender: SlackSender,
    database: Database,
    question_id: int,  # noqa: F811
) -> None:
    empty = thread_reply_event("", thread_ts=QUESTION_TS, channel=CHANNEL)
    blank = thread_reply_event("  \n", thread_ts=QUESTION_TS, channel=CHANNEL)
    deleted_file = file_share_event(
        "", files=[{"id": "F0GONE0001", "mode": "tombstone"}], thread_ts=QUESTION_TS, channel=CHANNEL
    )
    for event in (empty, blank, deleted_file):
        assert sender.send_event(event).status_code == 200
    assert responses(database) == []
    assert counted(database, question_id) == (0, 0)


def test_an_edit_that_removes_a_file_replys_comment_keeps_the_file_and_one_that_empties_a_reply_withdraws_it(
    sender: SlackSender,
    database: Database,
    question_id: int,  # noqa: F811
) -> None:
    with_file = file_share_event("Draft attached", files=[CHART], thread_ts=QUESTION_TS, channel=CHANNEL)
    words = thread_reply_event("Talent matters", thread_ts=QUESTION_TS, channel=CHANNEL, user="U0BOB00001")
    sender.send_event(with_file)
    sender.send_event(words)
    comment_removed = message_changed_event(
        ts=with_file["ts"], text="", previous_text="Draft attached", channel=CHANNEL, thread_ts=QUESTION_TS
    )
    comment_removed["message"]["files"] = [CHART]
    emptied = message_changed_event(
        ts=words["ts"],
        text="",
        previous_text="Talent matters",
        channel=CHANNEL,
        thread_ts=QUESTION_TS,
        user="U0BOB00001",
    )
    assert sender.send_event(comment_removed).status_code == 200
    assert sender.send_event(emptied).status_code == 200
    file_reply, withdrawn = responses(database)
    assert (file_reply.text, file_reply.deleted_at) == ("[shared a file: chart.png]", None)
    assert (withdrawn.text, withdrawn.deleted_at is not None) == ("", True)
    assert counted(database, question_id) == (1, 1)


def test_backfill_stores_a_file_without_a_comment_by_its_name_and_skips_an_empty_reply(
    database: Database,
    deps: Deps,  # noqa: F811
    fake_slack: FakeSlack,
) -> None:
    question, thread_ts = posted_question(database, fake_slack, "Q?", datetime.now(UTC) - timedelta(hours=1))
    fake_slack.add_message(CHANNEL, "", thread_ts=thread_ts, files=[REPORT], subtype="file_share")
    fake_slack.add_message(CHANNEL, "", thread_ts=thread_ts)
    fake_slack.add_message(CHANNEL, "In words", thread_ts=thread_ts)
    run_backfill(deps)
    assert sorted(r.text for r in responses(database)) == [
        "In words",
        "[shared a file: R&amp;D &lt;plan&gt;.pdf]",
    ]
    assert counted(database, question) == (2, 1)
