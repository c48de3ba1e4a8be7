"""The weigh-in deck end to end: signed clicks on the Weigh in button and inside the modal, the modal
redrawn with views.update in the fake Slack, and the views stored under an anonymous key."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, app_home_opened_event, message_deleted_event
from sqlmodel import select

from bot.weighin import blocks, deck, keys
from storage.db import Database
from storage.models import ProcessedEvent, Question, Response, ResponseSource, WeighinVote
from tests.botserver import VOTER_SECRET, RunningBot
from tests.factories import CHANNEL, add_answer, add_question, add_workshop
from tests.weighin_helpers import AGREE, DISAGREE, PASS, OpenDeck

QUESTION_TS = "1900000000.000100"
READER = "U0READER001"
AUTHORS = ("U0AUTHOR001", "U0AUTHOR002", "U0AUTHOR003")


@pytest.fixture
def seeded(database: Database) -> dict[str, Any]:
    workshop = add_workshop(database)
    question = add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )
    answers = {
        user: add_answer(database, question, user, f"Answer number {n} & <co>", ts=f"1900000001.00010{n}")
        for n, user in enumerate(AUTHORS)
    }
    own = add_answer(database, question, READER, "The reader's own answer", ts="1900000001.000200")
    private = add_answer(database, question, AUTHORS[0], "whispered", ts=None, source=ResponseSource.PRIVATE)
    deleted = add_answer(database, question, AUTHORS[1], "gone", ts="1900000001.000300")
    with database.transaction() as session:
        row = session.get(Response, deleted)
        assert row is not None
        row.deleted_at, row.text = datetime.now(UTC), ""
        session.add(row)
    return {
        "workshop": workshop,
        "question": question,
        "answers": answers,
        "own": own,
        "private": private,
        "deleted": deleted,
    }


def views(database: Database) -> dict[int, int]:
    """{answer id: choice} of every stored view."""
    with database.reading() as session:
        return {v.response_id: v.choice for v in session.exec(select(WeighinVote)).all()}


def key_of(seeded: dict[str, Any], user: str) -> str:
    return keys.voter_key(VOTER_SECRET.encode(), seeded["workshop"], user)


def test_a_participant_is_shown_every_other_thread_answer_once_never_their_own_then_the_end(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}", message_ts=QUESTION_TS)
    shown = []
    while modal.shown is not None:
        shown.append(modal.shown)
        assert "Answer number" in modal.text
        assert "&amp; &lt;co&gt;" in modal.text
        assert not any(author in modal.text for author in AUTHORS)
        [labels] = [
            [e["text"]["text"] for e in b["elements"]]
            for b in modal.view["blocks"]
            if str(b.get("block_id", "")).startswith("weighin.card.")
        ]
        assert labels == ["Agree", "Disagree", "Pass", "Skip"]
        modal.click(AGREE)
    # Each of the others' thread answers once; never the reader's own, the private or the deleted one.
    assert sorted(shown) == sorted(seeded["answers"].values())
    assert "You have weighed in on all 3 answers" in modal.text
    assert views(database) == dict.fromkeys(seeded["answers"].values(), deck.AGREE)
    with database.reading() as session:
        assert {v.voter_key for v in session.exec(select(WeighinVote)).all()} == {key_of(seeded, READER)}


def test_skip_stores_nothing_and_brings_the_answer_back_after_the_others_while_pass_is_a_vote(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    first = modal.shown
    modal.click(blocks.SKIP_ACTION)
    assert views(database) == {}  # a skip is no vote
    second = modal.shown
    assert second not in (first, None)
    modal.click(PASS)
    third = modal.shown
    assert third not in (first, second, None)
    modal.click(DISAGREE)
    assert modal.shown == first  # the skipped answer comes back once the others are done
    modal.click(AGREE)
    assert modal.shown is None
    assert views(database) == {second: deck.PASS, third: deck.DISAGREE, first: deck.AGREE}


def test_skipping_every_remaining_answer_cycles_through_them_and_never_ends_the_deck(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    seen = []
    for _ in range(4):
        seen.append(modal.shown)
        modal.click(blocks.SKIP_ACTION)
    assert None not in seen
    assert seen[3] == seen[0]
    assert len(set(seen[:3])) == 3
    assert "You have weighed in" not in modal.text
    assert views(database) == {}


def test_a_view_can_be_reviewed_and_changed_after_the_end(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    for _ in range(3):
        modal.click(AGREE)
    modal.click(blocks.REVIEW_ACTION, "0")
    assert modal.text.count("your view: *Agree*") == 3
    changed = seeded["answers"][AUTHORS[1]]
    modal.click(DISAGREE, str(changed))
    assert views(database)[changed] == deck.DISAGREE
    assert modal.text.count("your view: *Agree*") == 2
    assert "your view: *Disagree*" in modal.text
    modal.click(PASS, str(changed))
    assert views(database)[changed] == deck.PASS
    assert len(views(database)) == 3  # changed, never doubled
    modal.click(blocks.BACK_ACTION, "0")
    assert "You have weighed in on all 3 answers" in modal.text


def test_a_click_on_an_answer_deleted_meanwhile_is_not_recorded_and_the_modal_says_so_and_moves_on(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    on_card = modal.shown
    author = next(user for user, answer in seeded["answers"].items() if answer == on_card)
    with database.reading() as session:
        row = session.get(Response, on_card)
        assert row is not None
    deletion = message_deleted_event(
        deleted_ts=str(row.message_ts),
        previous_text=row.text,
        channel=CHANNEL,
        user=author,
        thread_ts=QUESTION_TS,
    )
    assert sender.send_event(deletion).status_code == 200
    modal.click(AGREE)
    assert views(database) == {}
    assert deck.GONE in modal.text
    assert modal.shown not in (on_card, None)


def test_an_open_deck_whose_question_was_deleted_says_the_weigh_in_no_longer_exists(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    assert modal.shown is not None
    with database.transaction() as session:
        question = session.get(Question, seeded["question"])
        assert question is not None
        session.delete(question)  # its answers go with it (ON DELETE CASCADE)
    modal.click(blocks.SKIP_ACTION)
    assert deck.UNKNOWN in modal.text
    assert views(database) == {}


def test_an_answer_excluded_by_a_chair_leaves_the_deck_and_a_stale_click_on_it_gets_a_note(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    on_card = modal.shown
    with database.transaction() as session:
        row = session.get(Response, on_card)
        assert row is not None
        row.excluded_from_deck = True
        session.add(row)
    modal.click(AGREE)
    assert views(database) == {}
    assert deck.GONE in modal.text
    remaining = []
    while modal.shown is not None:
        remaining.append(modal.shown)
        modal.click(PASS)
    assert on_card not in remaining
    assert len(remaining) == 2
    assert "You have weighed in on all 2 answers" in modal.text


def test_the_same_answer_is_never_offered_to_its_author_even_by_a_crafted_click(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    modal.click(AGREE, str(seeded["own"]))
    assert views(database) == {}
    assert deck.OWN in modal.text


def test_the_app_home_counts_the_answers_waiting_for_a_participants_view_with_the_same_button(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    def home_section() -> dict[str, Any]:
        before = len(fake_slack.calls("views.publish"))
        assert sender.send_event(app_home_opened_event(READER)).status_code == 200
        [*_, call] = fake_slack.wait_for("views.publish", count=before + 1, timeout=10)
        [section] = [b for b in call.params["view"]["blocks"] if "waiting for your view" in str(b)]
        return section

    section = home_section()
    assert section["text"]["text"].startswith("3 answers waiting for your view")
    button = section["accessory"]
    assert (button["text"]["text"], button["action_id"]) == ("Weigh in", blocks.OPEN_ACTION)
    modal = OpenDeck(sender, fake_slack, READER).open(button["value"])
    modal.click(AGREE)
    assert home_section()["text"]["text"].startswith("2 answers waiting for your view")


def test_a_retried_click_counts_once_and_cannot_undo_a_later_change(
    sender: SlackSender, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    modal = OpenDeck(sender, fake_slack, READER).open(f"q:{seeded['question']}")
    answer = modal.shown
    first = modal.payload(AGREE)
    modal.send(first)
    modal.send(first, retry_num=1)  # Slack's retry of the same delivery
    changed = modal.payload(DISAGREE, str(answer))
    modal.send(changed)
    modal.send(first, retry_num=2)  # a late retry of the first click
    assert views(database) == {answer: deck.DISAGREE}
    with database.reading() as session:
        stored = [k.key for k in session.exec(select(ProcessedEvent)).all()]
    assert len([k for k in stored if k.startswith(keys.DELIVERY_KEY_PREFIX)]) == 2


def test_concurrent_clicks_by_many_people_are_each_counted_once(
    bot: RunningBot, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    voters = [f"U0CROWD{n:04d}" for n in range(12)]
    answer = seeded["answers"][AUTHORS[0]]
    with bot.sender() as opener:
        modals = [OpenDeck(opener, fake_slack, voter).open(f"q:{seeded['question']}") for voter in voters]
    clicks = [modal.payload(AGREE, str(answer)) for modal in modals]

    def send(payload: dict[str, Any]) -> int:
        with bot.sender() as client:
            return client.send_interaction(payload).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, clicks + clicks))  # every click delivered twice, all at once
    assert set(codes) == {200}
    with database.reading() as session:
        stored = session.exec(select(WeighinVote)).all()
    assert sorted(v.voter_key for v in stored) == sorted(key_of(seeded, voter) for voter in voters)
    assert {(v.response_id, v.choice) for v in stored} == {(answer, deck.AGREE)}


def test_a_persons_concurrent_clicks_on_one_answer_leave_one_view(
    bot: RunningBot, fake_slack: FakeSlack, database: Database, seeded: dict[str, Any]
) -> None:
    answer = seeded["answers"][AUTHORS[2]]
    with bot.sender() as opener:
        modal = OpenDeck(opener, fake_slack, READER).open(f"q:{seeded['question']}")
    clicks = [modal.payload(action, str(answer)) for action in (AGREE, DISAGREE, PASS, AGREE)]

    def send(payload: dict[str, Any]) -> int:
        with bot.sender() as client:
            return client.send_interaction(payload).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(send, clicks * 2)) == {200}
    with database.reading() as session:
        [stored] = session.exec(select(WeighinVote)).all()
    assert stored.voter_key == key_of(seeded, READER)
    assert stored.choice in (deck.AGREE, deck.DISAGREE, deck.PASS)


# ----- one batch of the group commit, and each person's order -------------------------------------
def test_one_batch_applies_many_clicks_together_counting_each_delivery_once_and_the_last_click_standing(
    database: Database, seeded: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    secret = VOTER_SECRET.encode()
    a, b = seeded["answers"][AUTHORS[0]], seeded["answers"][AUTHORS[1]]

    def click(answer: int, choice: int, ts: str, user: str = READER) -> deck.Click:
        return deck.Click(answer, choice, ts, now, user, secret)

    batch = [
        click(a, deck.AGREE, "1.1"),
        click(a, deck.AGREE, "1.1"),  # the same delivery twice in one batch
        click(b, deck.PASS, "1.2"),
        click(b, deck.DISAGREE, "1.3"),  # a later click on the same answer
        click(seeded["own"], deck.AGREE, "1.4"),
        click(seeded["deleted"], deck.AGREE, "1.5"),
        click(seeded["private"], deck.AGREE, "1.6"),
        click(a, deck.PASS, "2.1", user="U0SOMEONE01"),
    ]
    with database.transaction() as session:
        outcomes = [r.outcome for r in deck.apply_clicks(session, batch)]
    assert outcomes == ["recorded", "duplicate", "recorded", "recorded", "own", "gone", "gone", "recorded"]
    with database.transaction() as session:  # Slack's retries, in a later batch
        again = [r.outcome for r in deck.apply_clicks(session, batch[:1] + batch[2:4])]
    assert again == ["duplicate"] * 3
    reader, someone = key_of(seeded, READER), key_of(seeded, "U0SOMEONE01")
    with database.reading() as session:
        stored = {(v.response_id, v.voter_key): v.choice for v in session.exec(select(WeighinVote)).all()}
    assert stored == {(a, reader): deck.AGREE, (b, reader): deck.DISAGREE, (a, someone): deck.PASS}


def test_each_person_has_a_stable_order_of_their_own_so_late_answers_are_not_always_last() -> None:
    def order(user: str, answers: range) -> list[int]:
        key = keys.voter_key(b"secret", 1, user)
        return sorted(answers, key=lambda answer: keys.order_key(key, answer))

    people = [f"U0PERSON{n:03d}" for n in range(30)]
    assert order(people[0], range(1, 21)) == order(people[0], range(1, 21))  # stable
    assert len({tuple(order(p, range(1, 21))) for p in people}) == len(people)  # different for each
    # The latest answer (the highest id) is first for some people, not last for everyone.
    positions = [order(p, range(1, 21)).index(20) for p in people]
    assert min(positions) < 5
    assert max(positions) > 15
    # An answer added later keeps everyone's order of the earlier ones.
    assert [x for x in order(people[1], range(1, 22)) if x != 21] == order(people[1], range(1, 21))
