"""Chatham House and anonymous polls: no name, user id or voter key in any format's bytes."""

import json

import pytest
from digest_seed import INVITED, USERS, VOTER_KEYS, every_format, leaks, seed_sample, seed_sample_weighin

from bot.digest import Audience, compile_digest, poll_chart_png, render
from bot.digest.charts import opinion_map_png
from storage.db import Database

USER_IDS = sorted(set(INVITED) | set(USERS))
NAMES = [*sorted(USERS.values()), "cordelia"]  # "cordelia" is Slack's own label inside a mention
HMAC_KEYS = sorted(VOTER_KEYS.values())


def test_chatham_house_digest_has_no_name_user_id_or_voter_key_in_any_format(database: Database) -> None:
    seed_sample(database, chatham=True)
    digest = compile_digest(
        database, "grid", audience=Audience.ORGANISERS, display_names=USERS
    )  # names offered, must be ignored
    outputs = every_format(digest)
    assert leaks(outputs, USER_IDS + NAMES + HMAC_KEYS) == []
    assert "a participant" in outputs["pdf-text"]
    assert "Chatham House Rule" in outputs["md"]


def test_chatham_house_json_and_csv_carry_no_per_person_fields(database: Database) -> None:
    seed_sample(database, chatham=True)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    data = json.loads(render(digest, "json"))
    assert {r["author"] for q in data["questions"] for r in q["responses"]} == {None}
    assert {tuple(o["voters"]) for p in data["polls"] for o in p["options"]} == {()}


def test_attributed_digest_shows_display_names_in_every_format(database: Database) -> None:
    seed_sample(database, chatham=False)
    outputs = every_format(
        compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    )
    for fmt in ("md", "html", "json", "csv-responses", "pdf-text", "docx"):
        for name in ("Adaline", "Bartholomew", "Desmond"):
            assert name in outputs[fmt], (fmt, name)
    # The attributed poll lists its voters; ids never show when a display name is known.
    assert "Cordelia" in outputs["md"]
    assert leaks(outputs, list(USERS)) == []


@pytest.mark.parametrize("chatham", [True, False])
def test_anonymous_polls_never_reveal_voters(database: Database, chatham: bool) -> None:
    seed_sample(database, chatham=chatham)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    anonymous = [poll for poll in digest.polls if poll.anonymous]
    assert len(anonymous) == 3
    assert all(option.voters == () for poll in anonymous for option in poll.options)
    assert leaks(every_format(digest), HMAC_KEYS) == []
    for poll in anonymous:
        chart = poll_chart_png(poll)
        assert not any(key.encode() in chart for key in HMAC_KEYS)


@pytest.mark.parametrize(
    ("chatham", "audience"),
    [(True, Audience.ORGANISERS), (False, Audience.CHANNEL), (True, Audience.CHANNEL)],
)
def test_weighin_sections_name_nobody_and_show_no_voter_key_in_any_format(
    database: Database, chatham: bool, audience: Audience
) -> None:
    seed_sample(database, chatham=chatham)
    seed_sample_weighin(database)
    digest = compile_digest(database, "grid", audience=audience, display_names=USERS)
    assert digest.weighin_votes > 0
    assert all(q.statements for q in digest.questions if q.responses)
    outputs = every_format(digest)
    assert "Weigh-in" in outputs["md"]
    assert leaks(outputs, USER_IDS + NAMES + HMAC_KEYS) == []
    assert "DELETED-RESPONSE-TEXT" not in outputs["json"]  # a deleted answer leaves the deck with its views


def test_attributed_organiser_digest_words_statements_exactly_as_the_transcript_and_shows_no_voter(
    database: Database,
) -> None:
    seed_sample(database, chatham=False)
    seed_sample_weighin(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    for question in digest.questions:
        assert [s.text for s in question.statements] == [r.text for r in question.responses]
    assert leaks(every_format(digest), HMAC_KEYS) == []


def test_the_opinion_map_png_carries_no_voter_key() -> None:
    from bot.digest.model import OpinionGroupItem, OpinionGroupsSection

    groups = OpinionGroupsSection(
        shown=True,
        reason=None,
        voters=2,
        groups=(OpinionGroupItem("A", 1, (), True, False), OpinionGroupItem("B", 1, (), True, False)),
        points=((0.0, 1.0, "A"), (1.0, 0.0, "B")),
    )
    png = opinion_map_png(groups)
    assert png.startswith(b"\x89PNG")
    assert not any(key.encode() in png for key in HMAC_KEYS)
