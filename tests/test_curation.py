"""Curating themes in Slack, end to end: the "Add to theme…" shortcut, the App Home's themes modal, the
refusals for participants (at the click and at the submission), bad input, and the one function the digest
reads (`effective_themes`), which gives the same report for the same edits."""

import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeslack import FakeSlack
from slack_requests import (
    SlackSender,
    app_home_opened_event,
    block_actions,
    message_action,
    plain_text_input,
    static_select,
    submission_of,
    view_block_actions,
)
from sqlmodel import select

from bot.curation import blocks
from bot.curation import themes as rules
from bot.curation.suggestions import SuggestedTheme, SuggestedThemes, ThemeInput
from bot.home.blocks import THEMES_ACTION
from storage.db import Database
from storage.models import Response, Theme, ThemeCuration
from tests.botserver import RunningBot
from tests.factories import CHAIR, CHANNEL, ORGANISER, add_answer, add_question, add_workshop

QUESTION_TS = "1900000000.000100"
PARTICIPANT = "U0PARTIC001"
ANSWERER = "U0ANSWER001"
TEXTS = (
    "The city deal gave the region money and a say.",
    "Research funding made the difference here.",
    "Transport links to the wider region are poor.",
    "Place-based policy beats sector-based policy.",
)


def fixed_suggester(answers: Sequence[ThemeInput], unquotable: Collection[int] = ()) -> SuggestedThemes:
    """Stands in for bot.themes: the first two answers are "favourable conditions", the rest other points."""
    ids = tuple(a.id for a in answers)
    quotable = tuple(i for i in ids[:2] if i not in unquotable)
    return SuggestedThemes((SuggestedTheme("favourable conditions", ids[:2], quotable[:1]),), ids[2:])


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"organisers": ["U0GLOBALORG"]}


@pytest.fixture
def seeded(database: Database) -> dict[str, Any]:
    workshop = add_workshop(database)
    question = add_question(
        database, workshop, post_at=datetime.now(UTC) - timedelta(hours=1), posted_ts=QUESTION_TS
    )
    start = datetime(2030, 5, 15, 13, 30, tzinfo=UTC)
    answers = [
        add_answer(
            database,
            question,
            ANSWERER,
            text,
            ts=f"1900000001.{i:06d}",
            created_at=start + timedelta(minutes=i),
        )
        for i, text in enumerate(TEXTS)
    ]
    return {"workshop": workshop, "question": question, "answers": answers}


@pytest.fixture
def curating(bot: RunningBot) -> RunningBot:
    bot.deps.suggest_themes = fixed_suggester
    return bot


# ----- helpers ------------------------------------------------------------------------------------
def answer_message(index: int) -> dict[str, Any]:
    ts = f"1900000001.{index:06d}"
    return {
        "type": "message",
        "user": "U0ANSWER001",
        "ts": ts,
        "thread_ts": QUESTION_TS,
        "text": TEXTS[index],
    }


def shortcut(sender: SlackSender, fake: FakeSlack, user: str, message: dict[str, Any]) -> str:
    url = fake.response_url()
    payload = message_action(
        blocks.ADD_TO_THEME_SHORTCUT, message=message, user_id=user, channel_id=CHANNEL, response_url=url
    )
    assert sender.send_interaction(payload).status_code == 200
    return url.rsplit("/", 1)[1]


def submit(sender: SlackSender, view: dict[str, Any], values: dict[str, Any], user: str) -> dict[str, Any]:
    response = sender.send_interaction(submission_of(view, values, user_id=user))
    assert response.status_code == 200, response.text
    return response.json() if response.text.strip() not in ("", "null") else {}


def effective(
    bot: RunningBot, question: int
) -> tuple[list[tuple[str, list[str], str | None]], list[str], bool]:
    """effective_themes in words: (label, answer texts, quote text), other points' texts, curated."""
    with bot.deps.db.reading() as session:
        found = rules.effective_themes(session, question, fixed_suggester)
        text = {r.id: r.text for r in session.exec(select(Response)).all()}
    return (
        [(t.label, [text[a] for a in t.answer_ids], text.get(t.quote_id or 0)) for t in found.themes],
        [text[a] for a in found.other_ids],
        found.curated,
    )


def options(view: dict[str, Any], block_id: str) -> list[str]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element = block["element"]
    listed = element.get("options") or [o for g in element["option_groups"] for o in g["options"]]
    return [o["text"]["text"] for o in listed]


def value_of(view: dict[str, Any], block_id: str, text: str) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element = block["element"]
    listed = element.get("options") or [o for g in element["option_groups"] for o in g["options"]]
    return next(o["value"] for o in listed if o["text"]["text"].startswith(text))


def theme_count(database: Database) -> int:
    with database.reading() as session:
        return len(session.exec(select(Theme)).all())


# ----- the message shortcut -----------------------------------------------------------------------
def test_add_to_theme_opens_a_form_of_the_questions_themes_and_stores_the_choice(
    curating: RunningBot, sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, Any]
) -> None:
    shortcut(sender, fake_slack, CHAIR, answer_message(2))
    [opened] = fake_slack.calls("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == blocks.ADD_CALLBACK
    assert options(view, "theme") == ["favourable conditions"]  # a suggestion: accepted on submit
    stored = fake_slack.views[fake_slack.calls("views.open")[0].response["view"]["id"]]
    assert submit(sender, stored, {"theme": {"theme": static_select("s0")}}, CHAIR) == {}
    themes, other, curated = effective(curating, seeded["question"])
    assert curated
    assert themes == [("favourable conditions", list(TEXTS[:3]), TEXTS[0])]
    assert other == [TEXTS[3]]

    shortcut(sender, fake_slack, ORGANISER, answer_message(3))
    stored = fake_slack.views[fake_slack.calls("views.open")[1].response["view"]["id"]]
    values = {"new_label": {"new_label": plain_text_input("  place  versus   sector ")}}
    assert submit(sender, stored, values, ORGANISER) == {}
    themes, other, _ = effective(curating, seeded["question"])
    assert [label for label, _, _ in themes] == ["favourable conditions", "place versus sector"]
    assert other == []


def test_add_to_theme_is_refused_to_participants_at_the_shortcut_and_at_submission(
    curating: RunningBot,
    sender: SlackSender,
    fake_slack: FakeSlack,
    database: Database,
    seeded: dict[str, Any],
) -> None:
    note = shortcut(sender, fake_slack, PARTICIPANT, answer_message(0))
    [refusal] = fake_slack.wait_for("response_url", predicate=lambda c: c.path.endswith(note))
    assert refusal.params["response_type"] == "ephemeral"
    assert (
        "Only the chairs and organisers of *Workshop test-workshop* can curate its themes"
        in refusal.params["text"]
    )
    assert fake_slack.calls("views.open") == []
    # A crafted submission (the form never opened for them) is refused on the server too.
    crafted = {"id": "V0CRAFTED1", "hash": "1.a", "callback_id": blocks.ADD_CALLBACK}
    crafted["private_metadata"] = json.dumps({"response": seeded["answers"][0], "suggested": []})
    body = submit(sender, crafted, {"new_label": {"new_label": plain_text_input("Mine")}}, PARTICIPANT)
    assert body["response_action"] == "errors"
    assert "can curate its themes" in body["errors"]["new_label"]
    assert theme_count(database) == 0


def test_add_to_theme_on_a_message_that_is_not_a_stored_answer_says_so(
    curating: RunningBot, sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, Any]
) -> None:
    question_message = {"type": "message", "user": "U0ROUNDTBOT", "ts": QUESTION_TS, "text": "Q?"}
    note = shortcut(sender, fake_slack, CHAIR, question_message)
    [refusal] = fake_slack.wait_for("response_url", predicate=lambda c: c.path.endswith(note))
    assert (
        refusal.params["text"]
        == "That message is not a stored answer to a Roundtable question: only replies in a question's thread can be added to a theme."
    )
    assert fake_slack.calls("views.open") == []


def test_add_to_theme_asks_for_exactly_one_of_a_theme_or_a_new_name(
    curating: RunningBot,
    sender: SlackSender,
    fake_slack: FakeSlack,
    database: Database,
    seeded: dict[str, Any],
) -> None:
    shortcut(sender, fake_slack, CHAIR, answer_message(2))
    stored = fake_slack.views[fake_slack.calls("views.open")[0].response["view"]["id"]]
    body = submit(sender, stored, {"new_label": {"new_label": plain_text_input("   ")}}, CHAIR)
    assert body == {"response_action": "errors", "errors": {"new_label": "Pick a theme or name a new one."}}
    both = {"theme": {"theme": static_select("s0")}, "new_label": {"new_label": plain_text_input("Extra")}}
    assert submit(sender, stored, both, CHAIR)["errors"] == {
        "new_label": "Pick a theme or name a new one, not both."
    }
    long = {"new_label": {"new_label": plain_text_input("x" * 76)}}
    assert submit(sender, stored, long, CHAIR)["errors"] == {
        "new_label": "A theme's name can be at most 75 characters (this one has 76)."
    }
    assert theme_count(database) == 0  # a refused edit also undoes the accept it started with


# ----- the App Home -------------------------------------------------------------------------------
def open_themes(sender: SlackSender, fake: FakeSlack, user: str, question: int) -> None:
    action = {
        "type": "static_select",
        "action_id": THEMES_ACTION,
        "block_id": "home.workshop.1",
        "selected_option": {"text": {"type": "plain_text", "text": "Q1"}, "value": str(question)},
        "action_ts": "1.2",
    }
    payload = block_actions(THEMES_ACTION, user_id=user, action=action)
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    assert sender.send_interaction(payload).status_code == 200


def click(
    sender: SlackSender, fake: FakeSlack, view: dict[str, Any], action_id: str, user: str
) -> dict[str, Any]:
    """Click a button of the modal `view`; the view the fake Slack holds after the click's views.update."""
    updates = len(fake.calls("views.update"))
    value = str(view["private_metadata"]) if action_id != "unused" else ""
    assert (
        sender.send_interaction(
            view_block_actions(action_id, view=view, value=value, user_id=user)
        ).status_code
        == 200
    )
    fake.wait_for("views.update", count=updates + 1, timeout=10)
    return fake.views[view["id"]]


def test_organisers_home_offers_a_themes_picker_per_workshop(
    curating: RunningBot, sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, Any]
) -> None:
    assert sender.send_event(app_home_opened_event(ORGANISER)).status_code == 200
    [published] = fake_slack.wait_for("views.publish", timeout=10)
    view = published.params["view"]
    pickers = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == THEMES_ACTION
    ]
    [picker] = pickers
    assert [o["value"] for o in picker["options"]] == [str(seeded["question"])]
    assert "· 4 answers · suggested · What characterises" in picker["options"][0]["text"]["text"]
    assert len(view["blocks"]) <= 100


def test_the_home_themes_modal_accepts_renames_merges_moves_quotes_and_marks_end_to_end(
    curating: RunningBot, sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, Any]
) -> None:
    question, (first, second, third, fourth) = seeded["question"], seeded["answers"]
    open_themes(sender, fake_slack, ORGANISER, question)
    [opened] = fake_slack.calls("views.open")
    overview = fake_slack.views[opened.response["view"]["id"]]
    assert "*Suggested themes*" in json.dumps(overview, ensure_ascii=False)
    overview = click(sender, fake_slack, overview, blocks.ACCEPT_ACTION, ORGANISER)
    assert "The suggested themes are accepted." in json.dumps(overview, ensure_ascii=False)
    assert effective(curating, question)[0] == [("favourable conditions", list(TEXTS[:2]), TEXTS[0])]

    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "rename", ORGANISER)
    theme = value_of(form, "theme", "favourable")
    answer = submit(
        sender,
        form,
        {
            "theme": {"theme": static_select(theme)},
            "label": {"label": plain_text_input("Favourable conditions")},
        },
        ORGANISER,
    )
    assert answer["response_action"] == "update"
    assert "*Favourable conditions* · 2 answers" in json.dumps(answer["view"], ensure_ascii=False)

    # A second theme (from the shortcut), then merged into the first.
    shortcut(sender, fake_slack, CHAIR, answer_message(2))
    add_form = fake_slack.views[fake_slack.calls("views.open")[-1].response["view"]["id"]]
    assert submit(sender, add_form, {"new_label": {"new_label": plain_text_input("Transport")}}, CHAIR) == {}
    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "merge", ORGANISER)
    values = {
        "theme": {"theme": static_select(value_of(form, "theme", "Transport"))},
        "into": {"into": static_select(theme)},
    }
    assert submit(sender, form, values, ORGANISER)["response_action"] == "update"
    assert effective(curating, question)[0] == [("Favourable conditions", list(TEXTS[:3]), TEXTS[0])]

    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "move", ORGANISER)
    values = {"answer": {"answer": static_select(str(first))}, "target": {"target": static_select("other")}}
    assert submit(sender, form, values, ORGANISER)["response_action"] == "update"
    themes, other, _ = effective(curating, question)
    assert themes == [("Favourable conditions", [TEXTS[1], TEXTS[2]], None)]  # its quote left with it
    assert other == [TEXTS[0], TEXTS[3]]
    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "move", ORGANISER)
    values = {
        "answer": {"answer": static_select(str(fourth))},
        "new_label": {"new_label": plain_text_input("Place")},
    }
    assert submit(sender, form, values, ORGANISER)["response_action"] == "update"
    assert effective(curating, question)[0][1] == ("Place", [TEXTS[3]], None)
    values["target"] = {"target": static_select("other")}
    assert submit(sender, form, values, ORGANISER)["errors"] == {
        "new_label": "Pick a theme or name a new one, not both."
    }

    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "quote", ORGANISER)
    assert options(form, "quote") == [TEXTS[1], TEXTS[2], TEXTS[3]]  # grouped by theme
    values = {"quote": {"quote": static_select(value_of(form, "quote", TEXTS[2]))}}
    assert submit(sender, form, values, ORGANISER)["response_action"] == "update"
    assert effective(curating, question)[0][0][2] == TEXTS[2]

    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "quotable", ORGANISER)
    values = {"answer": {"answer": static_select(str(third))}, "mark": {"mark": static_select("not")}}
    assert submit(sender, form, values, ORGANISER)["response_action"] == "update"
    assert effective(curating, question)[0] == [
        ("Favourable conditions", [TEXTS[1], TEXTS[2]], None),
        ("Place", [TEXTS[3]], None),
    ]
    with curating.deps.db.reading() as session:
        assert [r.id for r in session.exec(select(Response).where(Response.not_for_quotation)).all()] == [
            third
        ]
    del second


def test_participants_home_clicks_and_crafted_edits_are_refused_and_change_nothing(
    curating: RunningBot,
    sender: SlackSender,
    fake_slack: FakeSlack,
    database: Database,
    seeded: dict[str, Any],
) -> None:
    question = seeded["question"]
    open_themes(sender, fake_slack, PARTICIPANT, question)
    [published] = fake_slack.wait_for("views.publish", timeout=10)
    assert published.params["user_id"] == PARTICIPANT
    assert "can curate its themes" in json.dumps(published.params["view"], ensure_ascii=False)
    assert fake_slack.calls("views.open") == []
    # The organiser's modal, replayed by a participant: the button and the form are refused.
    open_themes(sender, fake_slack, ORGANISER, question)
    overview = fake_slack.views[fake_slack.calls("views.open")[0].response["view"]["id"]]
    refused = click(sender, fake_slack, overview, blocks.ACCEPT_ACTION, PARTICIPANT)
    assert "can curate its themes" in json.dumps(refused, ensure_ascii=False)
    form = {"id": "V0CRAFTED2", "hash": "1.b", "callback_id": blocks.EDIT_CALLBACK}
    form["private_metadata"] = blocks.edit_metadata(question, "quotable")
    values = {
        "answer": {"answer": static_select(str(seeded["answers"][0]))},
        "mark": {"mark": static_select("not")},
    }
    body = submit(sender, form, values, PARTICIPANT)
    assert body["response_action"] == "errors"
    assert "can curate its themes" in body["errors"]["answer"]
    with database.reading() as session:
        assert session.exec(select(ThemeCuration)).all() == []
        assert session.exec(select(Response).where(Response.not_for_quotation)).all() == []


def test_bad_edits_get_a_message_on_the_field_at_fault(
    curating: RunningBot, sender: SlackSender, database: Database, seeded: dict[str, Any]
) -> None:
    question, answers = seeded["question"], seeded["answers"]
    other_question = add_question(database, seeded["workshop"], text="Another?", post_at=datetime.now(UTC))
    foreign = add_answer(database, other_question, ANSWERER, "Elsewhere.", ts="1900000009.000001")
    deleted = add_answer(database, question, ANSWERER, "Gone.", ts="1900000009.000002", deleted=True)
    deps = curating.deps

    def edit(change: rules.Edit) -> rules.Refused | None:
        return rules.apply_edit(deps, CHAIR, question, change, fixed_suggester)

    assert edit(rules.Accept()) is None
    with database.reading() as session:
        [theme] = [t.id for t in session.exec(select(Theme)).all()]
    assert theme is not None
    assert edit(rules.AddToNewTheme(answers[3], "Second")) is None
    with database.reading() as session:
        second = next(t.id for t in session.exec(select(Theme)).all() if t.label == "Second")
    assert edit(rules.Rename(theme, "")) == rules.Refused("A theme needs a name.", "label")
    assert edit(rules.Rename(theme, "y" * 80)) == rules.Refused(
        "A theme's name can be at most 75 characters (this one has 80).", "label"
    )
    assert edit(rules.Rename(theme, "SECOND")) == rules.Refused(
        "This question already has a theme called “SECOND”; merge them instead.", "label"
    )
    assert edit(rules.Rename(999_999, "New")) == rules.Refused(rules.GONE_THEME, "theme")
    assert edit(rules.Merge(theme, theme)) == rules.Refused("Pick two different themes to merge.", "into")
    assert edit(rules.Move(foreign, theme)) == rules.Refused(rules.NOT_AN_ANSWER, "answer")
    assert edit(rules.Move(deleted, theme)) == rules.Refused(rules.NOT_AN_ANSWER, "answer")
    assert edit(rules.Move(answers[2], 999_999)) == rules.Refused(rules.GONE_THEME, "target")
    assert edit(rules.ChooseQuote(theme, answers[3])) == rules.Refused(
        "A theme's quote must be one of its own answers.", "quote"
    )
    assert edit(rules.MarkQuotable(answers[1], not_for_quotation=True)) is None
    assert edit(rules.ChooseQuote(theme, answers[1])) == rules.Refused(
        "That answer is marked not for quotation.", "quote"
    )
    assert edit(rules.ChooseQuote(second, answers[3])) is None
    # The same refusal reaches the modal as a field error.
    form = {"id": "V0BADNAME1", "hash": "1.c", "callback_id": blocks.EDIT_CALLBACK}
    form["private_metadata"] = blocks.edit_metadata(question, "rename")
    values = {"theme": {"theme": static_select(f"t{theme}")}, "label": {"label": plain_text_input(" ")}}
    assert submit(sender, form, values, CHAIR) == {
        "response_action": "errors",
        "errors": {"label": "A theme needs a name."},
    }


# ----- what the digest reads ----------------------------------------------------------------------
def test_the_same_edits_always_give_the_same_effective_themes(
    curating: RunningBot, database: Database, seeded: dict[str, Any]
) -> None:
    """Two questions with the same answers, curated by the same edits, read back the same; reading twice
    changes nothing; a repeated delivery of a submission applies once."""
    start = datetime(2030, 5, 15, 13, 30, tzinfo=UTC)
    twin = add_question(database, seeded["workshop"], text="Twin?", post_at=datetime.now(UTC))
    # Stored in another order, with the same times: the report orders by time, then id.
    twin_answers = [
        add_answer(
            database,
            twin,
            ANSWERER,
            TEXTS[i],
            ts=f"1900000002.{i:06d}",
            created_at=start + timedelta(minutes=i),
        )
        for i in (3, 2, 1, 0)
    ][::-1]
    uncurated = effective(curating, seeded["question"])
    assert uncurated == effective(curating, seeded["question"])
    assert uncurated == ([("favourable conditions", list(TEXTS[:2]), TEXTS[0])], list(TEXTS[2:]), False)
    for question, answers in ((seeded["question"], seeded["answers"]), (twin, twin_answers)):
        for change in (
            rules.AddToNewTheme(answers[3], "Place or sector"),
            rules.AddToNewTheme(answers[2], "Transport"),
            rules.Move(answers[0], None),
            rules.MarkQuotable(answers[1], not_for_quotation=True),
        ):
            assert rules.apply_edit(curating.deps, CHAIR, question, change, fixed_suggester) is None
    curated = effective(curating, seeded["question"])
    assert curated == effective(curating, twin)
    assert curated == (
        [
            ("favourable conditions", [TEXTS[1]], None),
            ("Place or sector", [TEXTS[3]], None),
            ("Transport", [TEXTS[2]], None),
        ],
        [TEXTS[0]],
        True,
    )


def test_a_repeated_delivery_of_a_saved_form_applies_it_once(
    curating: RunningBot, sender: SlackSender, fake_slack: FakeSlack, seeded: dict[str, Any]
) -> None:
    question, answers = seeded["question"], seeded["answers"]
    assert (
        rules.apply_edit(
            curating.deps, CHAIR, question, rules.AddToNewTheme(answers[3], "Other"), fixed_suggester
        )
        is None
    )
    open_themes(sender, fake_slack, CHAIR, question)
    overview = fake_slack.views[fake_slack.calls("views.open")[0].response["view"]["id"]]
    form = click(sender, fake_slack, overview, blocks.FORM_ACTION_PREFIX + "merge", CHAIR)
    merge = {
        "theme": {"theme": static_select(value_of(form, "theme", "Other"))},
        "into": {"into": static_select(value_of(form, "theme", "favourable"))},
    }
    first, again = submit(sender, form, merge, CHAIR), submit(sender, form, merge, CHAIR)
    assert (
        first["response_action"] == again["response_action"] == "update"
    )  # not "that theme no longer exists"
    assert effective(curating, question)[0] == [
        ("favourable conditions", [TEXTS[0], TEXTS[1], TEXTS[3]], TEXTS[0])
    ]
