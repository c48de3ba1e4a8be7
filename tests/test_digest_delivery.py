"""The digest in Slack: only organisers, the summary by DM (or channel, or thread) and the full text as files."""

from collections.abc import Iterator

import pytest
from digest_seed import seed_sample
from fakeslack import FakeSlack
from sqlmodel import select

from bot.deps import Deps, build_deps
from bot.digest_delivery import Destination, DigestRefused, authorise, deliver
from bot.settings import load_settings
from storage.db import Database
from storage.models import Question, Role, RoleName, Workshop
from tests.botserver import bot_settings

ORGANISER = "U0ORGAN001"


@pytest.fixture
def deps(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[Deps]:
    seed_sample(database)
    with database.transaction() as session:
        workshop = session.exec(select(Workshop)).one()
        workshop.channel_id = "C0GRID0001"
        session.add(Role(workshop_id=workshop.id or 0, user_id=ORGANISER, role=RoleName.ORGANISER))
        for n, question in enumerate(session.exec(select(Question).order_by(Question.position)).all()):
            question.channel_id, question.message_ts = "C0GRID0001", f"1900000000.00010{n}"
    built = build_deps(load_settings(**bot_settings(database_url, fake_slack.api_url, fake_slack.token)))
    yield built
    built.close()


def test_organiser_gets_the_summary_by_dm_and_the_digest_as_files(deps: Deps, fake_slack: FakeSlack) -> None:
    request = authorise(deps, ORGANISER, "grid", "C0ELSEWHERE", None)
    target = deliver(deps, request)
    assert target.startswith("D")
    [summary] = fake_slack.calls("chat.postMessage")
    assert summary.params["channel"] == target
    assert summary.params["blocks"][0]["type"] == "header"
    assert len(summary.params["blocks"]) <= 50
    [share] = fake_slack.file_shares
    assert share["channel_id"] == target
    names = sorted(record["name"] for record in fake_slack.files.values())
    assert names[:2] == ["grid-digest.html", "grid-digest.md"]
    assert {n for n in names if n.endswith(".png")} == {f"grid-poll-{n}.png" for n in range(1, 5)}
    html = next(fake_slack.uploads[i] for i, r in fake_slack.files.items() if r["name"].endswith(".html"))
    assert b"Interconnectors &amp; demand response" in html
    assert b"U0ADA001" not in html  # Chatham House: no ids, no names


def test_the_workshop_defaults_to_the_one_bound_to_the_channel(deps: Deps) -> None:
    assert authorise(deps, ORGANISER, "", "C0GRID0001", None).slug == "grid"


def test_an_unknown_workshop_lists_the_organisers_choices(deps: Deps) -> None:
    with pytest.raises(DigestRefused) as refused:
        authorise(deps, ORGANISER, "nope", "C0GRID0001", None)
    assert "there is no workshop `nope`" in str(refused.value)
    assert "• `grid` — Net zero &amp; the grid" in str(refused.value)


def test_a_non_organiser_is_refused_and_told_who_can(deps: Deps) -> None:
    with pytest.raises(
        DigestRefused, match=rf"Only organisers of \*Net zero &amp; the grid\* .*<@{ORGANISER}>"
    ):
        authorise(deps, "U0ADA001", "grid", "C0GRID0001", None)


def test_global_organisers_may_compile_any_workshop(
    database_url: str, fake_slack: FakeSlack, deps: Deps
) -> None:
    settings = load_settings(
        **bot_settings(database_url, fake_slack.api_url, fake_slack.token, organisers=["U0BOSS0001"])
    )
    boss = build_deps(settings)
    try:
        assert authorise(boss, "U0BOSS0001", "grid", "C0X", None).slug == "grid"
    finally:
        boss.close()


def test_the_summary_can_go_under_the_first_question(deps: Deps, fake_slack: FakeSlack) -> None:
    request = authorise(deps, ORGANISER, "thread grid", "C0X", None)
    assert request.destination is Destination.THREAD
    assert deliver(deps, request) == "C0GRID0001"
    [summary] = fake_slack.calls("chat.postMessage")
    assert summary.params["thread_ts"] == "1900000000.000100"
    assert fake_slack.file_shares[0]["thread_ts"] == "1900000000.000100"
