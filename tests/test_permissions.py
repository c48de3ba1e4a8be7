"""Who may do what (bot.permissions): every role × every action, with and without a workshop, on both
databases; and the privileged endpoints that no other test drives as a participant.

Each privileged endpoint refuses a participant; where that is proved:
  /roundtable poll Q | A | B, /roundtable poll (the form)  test_polls_http: participant_cannot_create_inline…
  the poll form's submission                               here: crafted_poll_form_…
  Close poll button, /roundtable close N                   test_polls_http: participant_cannot_close_…
  the question's "Close with a conclusion" menu            test_question_actions: participant_is_told_who…
  the conclusion form's submission                         test_question_actions: crafted_conclusion_…
  /roundtable digest                                       test_people_commands: non_organiser_asking…
  App Home: Post next question now                         test_people_commands: participants_crafted_home…
  App Home: Digest                                         here: participants_crafted_home_digest_…
  /roundtable status (texts still to come)                 test_lifecycle: status_shows_upcoming_…
  Add to theme… (message shortcut) and its form            test_curation: add_to_theme_is_refused_to_…
  App Home: Themes… picker, the themes modal's buttons
  and edit forms                                           test_curation: participants_home_clicks_and_…
"""

import json
from collections.abc import Iterator

import pytest
from fakeslack import FakeSlack
from slack_requests import SlackSender, block_actions, plain_text_input, static_select, view_submission
from sqlmodel import select

from bot.home.blocks import DIGEST_ACTION
from bot.permissions import Action, Allowed, Refused, authorise, workshops_where
from bot.polls.blocks import CREATE_CALLBACK
from storage.db import Database
from storage.models import Poll, Workshop
from tests.botserver import SIGNING_SECRET, running_bot
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_workshop

GLOBAL_ORGANISER = "U0GLOBALORG"
PARTICIPANT = "U0PARTIC001"
ROLES = (GLOBAL_ORGANISER, ORGANISER, CHAIR, PARTICIPANT)
ORGANISERS = frozenset({GLOBAL_ORGANISER})

# The specification: who may act in a workshop, as (global organiser, organiser, chair, participant).
IN_A_WORKSHOP = {
    Action.OPEN_POLL_FORM: (True, True, True, False),
    Action.CREATE_POLL: (True, True, True, False),
    Action.CLOSE_POLL: (True, True, True, False),
    Action.OPEN_CONCLUSION_FORM: (True, True, True, False),
    Action.CONCLUDE_QUESTION: (True, True, True, False),
    Action.READ_UPCOMING: (True, True, True, False),
    Action.START_WEIGH_IN: (True, True, True, False),
    Action.EXCLUDE_FROM_WEIGH_IN: (True, True, True, False),
    Action.CURATE_THEMES: (True, True, True, False),
    Action.POST_NEXT_QUESTION: (True, True, False, False),
    Action.COMPILE_DIGEST: (True, True, False, False),
}
# Where there is no workshop (a channel without one, a poll made there), only Roundtable's organisers act.
WITHOUT_A_WORKSHOP = (True, False, False, False)


def test_the_table_names_every_action() -> None:
    assert set(IN_A_WORKSHOP) == set(Action)


def decide(database: Database, user: str, action: Action, workshop_id: int | None) -> Allowed | Refused:
    with database.reading() as session:
        workshop = session.get(Workshop, workshop_id) if workshop_id is not None else None
        return authorise(session, user, action, workshop, ORGANISERS)


@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_do_exactly_what_the_table_says(database: Database, action: Action) -> None:
    workshop = add_workshop(database)
    other = add_workshop(database, slug="elsewhere", channel="C0ELSEWHER", organisers=(), chairs=())
    for user, allowed in zip(ROLES, IN_A_WORKSHOP[action], strict=True):
        decision = decide(database, user, action, workshop)
        assert isinstance(decision, Allowed) is allowed, (user, action)
        if not allowed:
            assert isinstance(decision, Refused)
            assert decision.message
    for user, allowed in zip(ROLES, WITHOUT_A_WORKSHOP, strict=True):
        assert isinstance(decide(database, user, action, None), Allowed) is allowed, (user, action, None)
    # A workshop's roles stop at its edge: its organiser and chair are participants in another one.
    for user, allowed in zip(ROLES, WITHOUT_A_WORKSHOP, strict=True):
        assert isinstance(decide(database, user, action, other), Allowed) is allowed, (user, action, other)


def test_refusals_say_who_to_ask(database: Database) -> None:
    workshop = add_workshop(database)
    refused = decide(database, PARTICIPANT, Action.CLOSE_POLL, workshop)
    assert refused == Refused(
        f"Only the chairs and organisers of *Workshop test-workshop* can close this poll: "
        f"<@{GLOBAL_ORGANISER}>, <@{CHAIR}>, <@{ORGANISER}>."
    )
    assert decide(database, CHAIR, Action.CREATE_POLL, None) == Refused(
        f"This channel has no workshop, so only Roundtable's organisers can create polls here: <@{GLOBAL_ORGANISER}>."
    )
    assert decide(database, CHAIR, Action.COMPILE_DIGEST, workshop) == Refused(
        f"Only organisers of *Workshop test-workshop* can compile its digest (<@{ORGANISER}>)."
    )


def test_workshops_where_lists_each_workshop_once_and_all_of_them_for_global_organisers(
    database: Database,
) -> None:
    first = add_workshop(database, organisers=(ORGANISER,), chairs=(CHAIR, ORGANISER))
    second = add_workshop(database, slug="second", channel="C0SECOND01", organisers=(), chairs=(CHAIR,))

    def where(user: str, action: Action) -> list[int | None]:
        with database.reading() as session:
            return [w.id for w in workshops_where(session, user, action, ORGANISERS)]

    assert where(ORGANISER, Action.CLOSE_POLL) == [first]  # chair and organiser there: listed once
    assert where(CHAIR, Action.CLOSE_POLL) == [second, first]  # by start, then slug
    assert where(CHAIR, Action.COMPILE_DIGEST) == []
    assert where(GLOBAL_ORGANISER, Action.COMPILE_DIGEST) == [second, first]
    assert where(PARTICIPANT, Action.CLOSE_POLL) == []


# ----- the privileged endpoints no other test drives as a participant -----------------------------
@pytest.fixture
def sender(database: Database, database_url: str, fake_slack: FakeSlack) -> Iterator[SlackSender]:
    with (
        running_bot(database_url, fake_slack.api_url, fake_slack.token, organisers=[GLOBAL_ORGANISER]) as bot,
        SlackSender(bot.url, SIGNING_SECRET, timeout=30) as client,
    ):
        yield client


def poll_form(user: str, workshop: int | None = None) -> dict[str, object]:
    values = {
        "question": {"question": plain_text_input("Whose poll?")},
        "options": {"options": plain_text_input("")},
        "kind": {"kind": static_select("single")},
    }
    if workshop is not None:
        values["workshop"] = {"workshop": static_select(str(workshop))}
    metadata = json.dumps({"channel_id": CHANNEL, "channel_name": "general"})
    return view_submission(CREATE_CALLBACK, values=values, private_metadata=metadata, user_id=user)


def stored_polls(database: Database) -> list[Poll]:
    with database.reading() as session:
        return list(session.exec(select(Poll)).all())


def test_crafted_poll_form_from_a_participant_is_refused_and_stores_nothing(
    sender: SlackSender, database: Database
) -> None:
    add_workshop(database)
    body = sender.send_interaction(poll_form(PARTICIPANT)).json()
    assert body["response_action"] == "errors"
    assert body["errors"]["question"].startswith(
        "Only the chairs and organisers of *Workshop test-workshop* can create polls here:"
    )
    assert stored_polls(database) == []


def test_poll_form_files_the_poll_under_the_workshop_chosen_if_bound_here_and_the_user_may(
    sender: SlackSender, database: Database
) -> None:
    add_workshop(database)
    second = add_workshop(database, slug="second", organisers=(), chairs=("U0SECONDCH",))
    unbound = add_workshop(database, slug="unbound", channel="C0ELSEWHER")
    body = sender.send_interaction(poll_form(CHAIR, unbound)).json()
    assert body == {
        "response_action": "errors",
        "errors": {"workshop": "That workshop is not bound to this channel."},
    }
    body = sender.send_interaction(poll_form(CHAIR, second)).json()
    assert body["errors"]["question"].startswith("Only the chairs and organisers of *Workshop second* can")
    assert stored_polls(database) == []
    assert sender.send_interaction(poll_form("U0SECONDCH", second)).status_code == 200
    [poll] = stored_polls(database)
    assert poll.workshop_id == second


def test_participants_crafted_home_digest_click_is_refused_and_sends_nothing(
    sender: SlackSender, fake_slack: FakeSlack, database: Database
) -> None:
    workshop = add_workshop(database)
    click = block_actions(DIGEST_ACTION, value=str(workshop), user_id=PARTICIPANT)
    assert sender.send_interaction(click).status_code == 200
    [publish] = fake_slack.wait_for("views.publish", timeout=10)
    assert publish.params["user_id"] == PARTICIPANT
    assert (
        f"Only organisers of *Workshop test-workshop* can compile its digest (<@{ORGANISER}>)."
        in json.dumps(publish.params["view"])
    )
    # The refusal is the last thing the click does (it runs after the ack), so nothing can follow it.
    assert fake_slack.calls("conversations.open") == []
    assert fake_slack.calls("files.completeUploadExternal") == []
