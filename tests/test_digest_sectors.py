"""Sector tags instead of names: labels and per-sector poll results, never for a group below the minimum."""

import csv
import io
import json

import pytest
from digest_seed import T0, add_poll, add_question, add_response, add_workshop, every_format, leaks, vote
from sqlmodel import select

from bot.digest import Audience, compile_digest, render
from bot.digest.model import OptionResult, SectorResult
from storage.db import Database
from storage.models import Invitee, Workshop

# Sector names of one and two members are distinctive so that showing either is easy to spot.
SECTORS = {
    "academia": ["U0ACAD001", "U0ACAD002", "U0ACAD003"],
    "industry": ["U0INDU001", "U0INDU002", "U0INDU003", "U0INDU004"],
    "Nongovernmental": ["U0NGOV001"],
    "Tradeunionists": ["U0UNIO001", "U0UNIO002"],
}
NO_SECTOR = "U0NOSEC01"  # invited, no sector
OUTSIDER = "U0OUTSD01"  # not invited at all
USER_IDS = sorted({user for users in SECTORS.values() for user in users} | {NO_SECTOR, OUTSIDER})
NAMES = {user: f"Person-{user[2:]}" for user in USER_IDS}
SMALL_SECTORS = ["Nongovernmental", "Tradeunionists"]
# One response each, in this order: the sector label each one may carry.
RESPONDENTS = [
    ("U0ACAD001", "academia"),
    ("U0INDU001", "industry"),
    ("U0NGOV001", "other"),
    ("U0UNIO001", "other"),
    (NO_SECTOR, None),
    (OUTSIDER, None),
]


def seed_sectors(
    database: Database,
    *,
    chatham: bool = True,
    min_group: int = 3,
    sectors: dict[str, list[str]] = SECTORS,
    tagging: bool = True,
) -> None:
    """One question answered by RESPONDENTS, an attributed poll, an anonymous poll and a "guard" poll."""
    with database.transaction() as s:
        w = add_workshop(s, chatham=chatham, sector_tagging=tagging, sector_min_group=min_group)
        s.add_all(
            Invitee(workshop_id=w.id, user_id=u, sector=name) for name, us in sectors.items() for u in us
        )
        s.add(Invitee(workshop_id=w.id, user_id=NO_SECTOR, sector=None))
        q = add_question(s, w, 1, "Where should investment go?")
        for minute, (user, _sector) in enumerate(RESPONDENTS):
            add_response(s, q, user, f"Answer from respondent {minute + 1}", T0.replace(minute=minute))

        poll, (store, grid, demand) = add_poll(
            s, w, 1, "Which first?", ["Storage", "Grid", "Demand"], anonymous=False
        )
        ballots = {
            "U0ACAD001": store,
            "U0ACAD002": store,
            "U0ACAD003": grid,
            "U0INDU001": store,
            "U0INDU002": grid,
            "U0INDU003": grid,
            "U0INDU004": grid,
            "U0NGOV001": demand,
            "U0UNIO001": store,
        }
        for user, option in ballots.items():
            vote(s, poll, option, user, user_id=user)
        anonymous, (yes, no) = add_poll(s, w, 2, "Agreed?", ["Yes", "No"])
        for n, user in enumerate(ballots):
            vote(s, anonymous, (yes, no)[n % 2], f"hmac-{user}")
        guard, (a, b) = add_poll(s, w, 3, "Guarded?", ["A", "B"], anonymous=False)
        for user in ("U0ACAD001", "U0ACAD002", "U0ACAD003", NO_SECTOR):  # one voter outside the sectors
            vote(s, guard, a if user != NO_SECTOR else b, user, user_id=user)


def _results(*rows: tuple[str, int, list[int]]) -> tuple[SectorResult, ...]:
    labels = ["Storage", "Grid", "Demand"]
    return tuple(
        SectorResult(
            sector,
            voters,
            tuple(
                OptionResult(n + 1, label, count, round(100 * count / voters, 1))
                for n, (label, count) in enumerate(zip(labels, counts, strict=True))
            ),
        )
        for sector, voters, counts in rows
    )


def test_responses_are_labelled_by_sector_with_small_sectors_folded_into_other(database: Database) -> None:
    seed_sectors(database)
    (question,) = compile_digest(
        database, "grid", audience=Audience.ORGANISERS, display_names=NAMES
    ).questions
    assert [(r.sector, r.author) for r in question.responses] == [(s, None) for _, s in RESPONDENTS]


def test_a_sector_of_one_or_two_members_is_never_named_in_any_format(database: Database) -> None:
    seed_sectors(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=NAMES)
    outputs = every_format(digest)
    assert leaks(outputs, SMALL_SECTORS) == []
    assert "a participant from another sector" in outputs["md"]
    assert [r["sector"] for r in json.loads(outputs["json"])["questions"][0]["responses"]][2:4] == [
        "other",
        "other",
    ]


def test_other_below_the_minimum_leaves_its_members_unlabelled(database: Database) -> None:
    sectors = {"academia": SECTORS["academia"], "Nongovernmental": SECTORS["Nongovernmental"]}
    seed_sectors(database, sectors=sectors)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=NAMES)
    labels = {r.text: r.sector for r in digest.questions[0].responses}
    assert labels["Answer from respondent 1"] == "academia"
    assert labels["Answer from respondent 3"] is None  # the only "other": reads like a person with no sector
    outputs = every_format(digest)
    assert leaks(outputs, ["Nongovernmental", "another sector"]) == []
    md = outputs["md"]
    # Industry and the unionists are not invited here: they, the sectorless and the outsider read alike.
    assert md.count("**a participant**") == 5
    assert md.count("**a participant from academia**") == 1


def test_the_workshops_minimum_group_decides_which_sectors_are_named(database: Database) -> None:
    seed_sectors(database, min_group=4)
    (question,) = compile_digest(database, "grid", audience=Audience.ORGANISERS).questions
    # academia (3) now folds into "other" (3 + 1 + 2 = 6 members); industry (4) keeps its name.
    assert [r.sector for r in question.responses] == ["other", "industry", "other", "other", None, None]


def test_attributed_polls_report_results_per_sector(database: Database) -> None:
    seed_sectors(database)
    attributed, _anonymous, _guard = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls
    assert attributed.by_sector == _results(
        ("academia", 3, [2, 1, 0]),
        ("industry", 4, [1, 3, 0]),
        ("other", 2, [1, 0, 1]),  # Nongovernmental and Tradeunionists, folded together
    )


def test_anonymous_polls_have_no_per_sector_results(database: Database) -> None:
    seed_sectors(database)
    anonymous = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls[1]
    assert anonymous.anonymous
    assert anonymous.by_sector == ()
    assert (
        json.loads(
            render(
                compile_digest(database, "grid", audience=Audience.ORGANISERS),
                "json",
            )
        )["polls"][1]["by_sector"]
        == []
    )


def test_per_sector_results_are_withheld_when_few_voters_are_outside_the_sectors(database: Database) -> None:
    seed_sectors(database)
    guard = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls[2]
    # Totals minus academia's counts would show how the one sectorless voter voted.
    assert guard.total_voters == 4
    assert guard.by_sector == ()


def test_per_sector_results_are_withheld_when_other_is_below_the_minimum(database: Database) -> None:
    sectors = {**SECTORS, "Tradeunionists": ["U0UNIO001"]}  # other: 1 + 1 members, below the minimum
    seed_sectors(database, sectors=sectors)
    attributed = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls[0]
    # The two unlabelled voters are fewer than the minimum group: nothing per sector at all.
    assert attributed.by_sector == ()


def test_sector_labels_and_results_show_in_every_format_without_ids_or_names(database: Database) -> None:
    seed_sectors(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=NAMES)
    outputs = every_format(digest)
    assert leaks(outputs, USER_IDS + sorted(NAMES.values())) == []
    for fmt in ("md", "html", "pdf-text"):
        assert "a participant from academia" in outputs[fmt], fmt
        assert "a participant from industry" in outputs[fmt], fmt
        assert "By sector" in outputs[fmt], fmt
    assert "| academia | 3 | 2 (66.7%) | 1 (33.3%) | 0 (0.0%) |" in outputs["md"]
    assert "academia (3 voters): Storage 2 (66.7%) · Grid 1 (33.3%) · Demand 0 (0.0%)" in outputs["pdf-text"]
    data = json.loads(outputs["json"])
    assert (data["workshop"]["sector_tagging"], data["workshop"]["sector_min_group"]) == (True, 3)
    assert data["polls"][0]["by_sector"][0] == {
        "sector": "academia",
        "voters": 3,
        "options": [
            {"position": 1, "label": "Storage", "votes": 2, "percent": 66.7},
            {"position": 2, "label": "Grid", "votes": 1, "percent": 33.3},
            {"position": 3, "label": "Demand", "votes": 0, "percent": 0.0},
        ],
    }
    responses = list(csv.DictReader(io.StringIO(outputs["csv-responses"].lstrip("\ufeff"))))
    assert [r["sector"] for r in responses] == ["academia", "industry", "other", "other", "", ""]
    sectors = list(csv.DictReader(io.StringIO(outputs["csv-sectors"].lstrip("\ufeff"))))
    assert [(r["sector"], r["option_label"], r["votes"]) for r in sectors][:3] == [
        ("academia", "Storage", "2"),
        ("academia", "Grid", "1"),
        ("academia", "Demand", "0"),
    ]
    assert {r["poll_number"] for r in sectors} == {"1"}


def test_attributed_workshop_shows_name_and_sector(database: Database) -> None:
    seed_sectors(database, chatham=False)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=NAMES)
    first = digest.questions[0].responses[0]
    assert (first.author, first.sector) == ("Person-ACAD001", "academia")
    assert "**Person-ACAD001, from academia**" in render(digest, "md").decode()


def test_sector_tagging_off_labels_nothing(database: Database) -> None:
    seed_sectors(database, tagging=False)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    assert {r.sector for r in digest.questions[0].responses} == {None}
    assert all(poll.by_sector == () for poll in digest.polls)
    outputs = every_format(digest)
    assert leaks(outputs, ["academia", "industry", "By sector", "a participant"]) == []


@pytest.mark.parametrize("chatham", [True, False])
def test_a_sector_digest_is_byte_identical_when_compiled_twice(database: Database, chatham: bool) -> None:
    seed_sectors(database, chatham=chatham)
    first = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=NAMES)
    second = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=NAMES)
    assert first == second
    assert every_format(first) == every_format(second)


def test_sectors_are_read_from_the_invitee_list_of_this_workshop_only(database: Database) -> None:
    seed_sectors(database)
    with database.transaction() as s:
        other = add_workshop(s, "elsewhere", sector_tagging=True)
        s.add_all(
            Invitee(workshop_id=other.id, user_id=f"U0ELSE{n:03}", sector="Nongovernmental") for n in range(5)
        )
    with database.reading() as s:
        assert len(s.exec(select(Workshop)).all()) == 2
    labels = [
        r.sector
        for r in compile_digest(database, "grid", audience=Audience.ORGANISERS).questions[0].responses
    ]
    assert labels == [s for _, s in RESPONDENTS]


def test_the_report_names_only_sectors_with_at_least_the_minimum_group_of_participants(
    database: Database,
) -> None:
    # Nongovernmental has three invitees, so its answers carry its label, but only one of them takes part.
    sectors = SECTORS | {"Nongovernmental": ["U0NGOV001", "U0NGOV002", "U0NGOV003"]}
    seed_sectors(database, sectors=sectors)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    assert (digest.participation.sectors, digest.participation.unnamed_sectors) == (
        ("academia", "industry"),
        True,
    )
    line = "participants from academia, industry and other sectors ("
    outputs = every_format(digest)
    for fmt in ("md", "html", "pdf-text", "docx", "json"):
        assert line in outputs[fmt], fmt


def test_the_report_names_no_sector_when_tagging_is_off(database: Database) -> None:
    seed_sectors(database, tagging=False)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    assert digest.participation.sectors == ()
    assert "participants took part (" in render(digest, "md").decode()
