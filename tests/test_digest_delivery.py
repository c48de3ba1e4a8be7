"""The digest in Slack: only organisers, the summary by DM (or channel, or thread) and the full text as files.

What goes to the channel or a thread there is the channel's version: no private answers, no reasons, no
names, no results of polls still open with hidden results (driven through the signed slash command).
"""

import html
import json
from collections.abc import Iterator
from typing import Any

import pytest
from digest_seed import (
    REASON_TEXTS,
    USERS,
    add_poll,
    add_reason,
    add_response,
    seed_sample,
    vote,
    weighin_votes,
)
from fakeslack import FakeSlack
from report_sample import docx_text
from slack_requests import SlackSender, slash_command
from sqlmodel import col, select

from bot.digest.delivery import Destination, DigestRefused, deliver, request_digest
from bot.runtime.deps import Deps, build_deps
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.models import PollState, Question, Response, ResponseSource, Role, RoleName, Workshop
from tests.botserver import bot_settings

ORGANISER = "U0ORGAN001"
CHANNEL = "C0GRID0001"
PRIVATE_ANSWER = "Off the record, the budget is gone"
OPEN_POLL_REASON = "Alpha because it is cheap"


def _bind_to_channel(database: Database) -> None:
    """The sample workshop, posted in CHANNEL, with ORGANISER as its organiser."""
    with database.transaction() as session:
        workshop = session.exec(select(Workshop)).one()
        workshop.channel_id = CHANNEL
        session.add(Role(workshop_id=workshop.id or 0, user_id=ORGANISER, role=RoleName.ORGANISER))
        for n, question in enumerate(session.exec(select(Question).order_by(Question.position)).all()):
            question.channel_id, question.message_ts = CHANNEL, f"1900000000.00010{n}"


@pytest.fixture
def deps(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[Deps]:
    seed_sample(database)
    _bind_to_channel(database)
    built = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    yield built
    built.close()


def test_organiser_gets_the_summary_by_dm_and_the_digest_as_files(deps: Deps, fake_slack: FakeSlack) -> None:
    request = request_digest(deps, ORGANISER, "grid", "C0ELSEWHERE", None)
    target = deliver(deps, request)
    assert target.startswith("D")
    [summary] = fake_slack.calls("chat.postMessage")
    assert summary.params["channel"] == target
    assert summary.params["blocks"][0]["type"] == "header"
    assert len(summary.params["blocks"]) <= 50
    [share] = fake_slack.file_shares
    assert share["channel_id"] == target
    names = sorted(record["name"] for record in fake_slack.files.values())
    assert names[:3] == ["grid-digest.docx", "grid-digest.html", "grid-digest.md"]
    assert {n for n in names if n.endswith(".png")} == {f"grid-poll-{n}.png" for n in range(1, 5)}
    html = next(fake_slack.uploads[i] for i, r in fake_slack.files.items() if r["name"].endswith(".html"))
    assert b"Interconnectors &amp; demand response" in html
    assert b"U0ADA001" not in html  # Chatham House: no ids, no names
    word = next(fake_slack.uploads[i] for i, r in fake_slack.files.items() if r["name"].endswith(".docx"))
    text = docx_text(word)
    assert "Interconnectors & demand response" in text
    assert [name for name in ("U0ADA001", "Adaline") if name in text] == []


def test_a_weighed_in_digest_sends_its_verdicts_in_the_summary_and_the_unlabelled_map_as_a_file(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    with deps.db.transaction() as session:
        answers = session.exec(select(Response).where(col(Response.deleted_at).is_(None))).all()
        for index, answer in enumerate(answers):
            camp_b = -1 if index % 2 else 1  # camp A agrees with everything, camp B only with the first
            views = {f"campa{n:02d}": 1 for n in range(10)} | {f"campb{n:02d}": camp_b for n in range(8)}
            weighin_votes(session, answer, views)
    deliver(deps, request_digest(deps, ORGANISER, "grid", "C0ELSEWHERE", None))
    [summary] = fake_slack.calls("chat.postMessage")
    blocks = json.dumps(summary.params["blocks"], ensure_ascii=False)
    assert "*Weigh-in*" in blocks
    assert "Most agreed: “Storage, as a participant said”" in blocks
    names = {record["name"] for record in fake_slack.files.values()}
    assert "grid-opinion-map.png" in names
    for file_id in fake_slack.files:
        assert b"campa0" not in fake_slack.uploads[file_id]


def test_the_workshop_defaults_to_the_one_bound_to_the_channel(deps: Deps) -> None:
    assert request_digest(deps, ORGANISER, "", "C0GRID0001", None).slug == "grid"


def test_an_unknown_workshop_lists_the_organisers_choices(deps: Deps) -> None:
    with pytest.raises(DigestRefused) as refused:
        request_digest(deps, ORGANISER, "nope", "C0GRID0001", None)
    assert "there is no workshop `nope`" in str(refused.value)
    assert "• `grid` — Net zero &amp; the grid" in str(refused.value)


def test_a_non_organiser_is_refused_and_told_who_can(deps: Deps) -> None:
    with pytest.raises(
        DigestRefused, match=rf"Only organisers of \*Net zero &amp; the grid\* .*<@{ORGANISER}>"
    ):
        request_digest(deps, "U0ADA001", "grid", "C0GRID0001", None)


def test_global_organisers_may_compile_any_workshop(
    database_url: str, fake_slack: FakeSlack, deps: Deps
) -> None:
    settings = load_settings(
        **bot_settings(database_url, fake_slack.api_url, fake_slack.token, organisers=["U0BOSS0001"])
    )
    boss = build_deps(settings)
    try:
        assert request_digest(boss, "U0BOSS0001", "grid", "C0X", None).slug == "grid"
    finally:
        boss.close()


def test_the_summary_can_go_under_the_first_question(deps: Deps, fake_slack: FakeSlack) -> None:
    request = request_digest(deps, ORGANISER, "thread grid", "C0X", None)
    assert request.destination is Destination.THREAD
    assert deliver(deps, request) == "C0GRID0001"
    [summary] = fake_slack.calls("chat.postMessage")
    assert summary.params["thread_ts"] == "1900000000.000100"
    assert fake_slack.file_shares[0]["thread_ts"] == "1900000000.000100"


@pytest.fixture
def seeded(database: Database, fake_slack: FakeSlack) -> None:
    """For the `bot`: an attributed workshop with a private answer, reasons, and an attributed poll still open with hidden results."""
    seed_sample(database, chatham=False)
    with database.transaction() as s:
        workshop = s.exec(select(Workshop)).one()
        first = s.exec(select(Question).order_by(Question.position)).first()
        assert first is not None
        add_response(s, first, "U0DESM04", PRIVATE_ANSWER, first.posted_at, source=ResponseSource.PRIVATE)
        poll, (alpha, _beta) = add_poll(
            s, workshop, 5, "Which option now?", ["Alpha", "Beta"], anonymous=False, state=PollState.OPEN
        )
        assert poll.results_hidden
        vote(s, poll, alpha, "U0ADA001", user_id="U0ADA001")
        vote(s, poll, alpha, "U0BART02", user_id="U0BART02")
        add_reason(s, poll, "U0ADA001", OPEN_POLL_REASON, user_id="U0ADA001")
    _bind_to_channel(database)
    for user_id, name in USERS.items():
        fake_slack.set_user(user_id, display_name=name)


def _ask(sender: SlackSender, fake_slack: FakeSlack, arguments: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Send `/roundtable digest ARGUMENTS` as the organiser; the summary posted and each uploaded file as text."""
    fields = slash_command(text=f"digest {arguments}", user_id=ORGANISER, channel_id=CHANNEL)
    response = sender.send_command(fields)
    assert response.status_code == 200
    assert response.json()["text"].startswith("Compiling the digest of `grid`")
    fake_slack.wait_for("files.completeUploadExternal", timeout=20)
    [summary] = fake_slack.calls("chat.postMessage")
    files = {
        record["name"]: (
            docx_text(fake_slack.uploads[file_id])
            if record["name"].endswith(".docx")
            else fake_slack.uploads[file_id].decode("utf-8", "replace")
        )
        for file_id, record in fake_slack.files.items()
    }
    return summary.params, files


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    end = markdown.find("\n#", start + 1)
    return markdown[start : end if end != -1 else None]


def test_the_organisers_dm_has_private_answers_reasons_names_and_open_poll_results(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    summary, files = _ask(sender, fake_slack, "grid dm")
    assert summary["channel"].startswith("D")
    markdown = files["grid-digest.md"]
    for text in (PRIVATE_ANSWER, OPEN_POLL_REASON, "Storage smooths the peaks", "Adaline", "Bartholomew"):
        assert text in markdown, text
    assert "| Alpha | 2 | 100.0% |" in _section(markdown, "### Poll 5")
    assert "grid-poll-5.png" in files
    assert "channel's version" not in markdown


@pytest.mark.parametrize("destination", ["channel", "thread"])
def test_the_channel_and_thread_digest_leaves_out_private_answers_reasons_names_and_hidden_results(
    sender: SlackSender, fake_slack: FakeSlack, destination: str
) -> None:
    summary, files = _ask(sender, fake_slack, f"{destination} grid")
    assert summary["channel"] == CHANNEL
    assert summary.get("thread_ts") == ("1900000000.000100" if destination == "thread" else None)
    blocks = json.dumps(summary["blocks"], ensure_ascii=False)
    markdown, page = files["grid-digest.md"], html.unescape(files["grid-digest.html"])
    private = [PRIVATE_ANSWER, OPEN_POLL_REASON, *REASON_TEXTS, *USERS, *USERS.values()]
    for output in (blocks, markdown, page, files["grid-digest.docx"]):
        assert [text for text in private if text.lower() in output.lower()] == []
        assert "results hidden until the poll closes" in output
    # Public answers are there, mentions unnamed; the open poll shows its options and not a single count.
    assert "Storage, as a participant said" in markdown
    poll = _section(markdown, "### Poll 5")
    assert "Options: Alpha · Beta" in poll
    for count in ("|", "voter", "2", "%"):
        assert count not in poll.replace("Poll 5", ""), count
    [poll_block] = [
        b["text"]["text"] for b in summary["blocks"] if "*Poll 5:*" in b.get("text", {}).get("text", "")
    ]
    assert "(2)" not in poll_block
    assert "%" not in poll_block
    assert "grid-poll-5.png" not in files
    assert sorted(name for name in files if name.endswith(".png")) == [
        f"grid-poll-{n}.png" for n in range(1, 5)
    ]
    assert "channel's version" in markdown
