"""`roundtable digest SLUG --format polis -o DIR`: Pol.is open-data CSVs that re-read as the stored votes."""

import csv
import hashlib
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from digest_seed import T0, add_question, add_response, add_workshop, weighin_votes
from factories import migrated_database
from sqlmodel import select

from bot.digest import Audience, compile_digest
from bot.digest.polis_export import export_polis
from bot.runtime.cli import main
from storage.db import Database
from storage.models import Response, ResponseSource, WeighinVote

AUTHORS = [f"U0POLIS{n:02d}" for n in range(10)]
BIG = [f"bigkey{n:02d}9c1e" for n in range(10)]
SMALL = [f"smallkey{n:02d}4d7a" for n in range(8)]


def seed(db: Database, slug: str = "camps") -> None:
    """Two camps on six statements, plus a pass, a statement taken out and a private answer with views."""
    with db.transaction() as s:
        w = add_workshop(s, slug)
        q = add_question(s, w, 1, "Where next?")
        for index in range(6):
            answer = add_response(
                s,
                q,
                AUTHORS[index],
                "=SUM(A1)" if index == 5 else f"Statement {index}",
                T0 + timedelta(minutes=index),
                excluded_from_deck=index == 4,
            )
            views = dict.fromkeys(BIG, 1) | dict.fromkeys(SMALL, -1)
            if index == 3:
                views[BIG[0]] = 0  # a pass
            if index == 2:
                del views[SMALL[0]]  # not seen
            weighin_votes(s, answer, views)
        private = add_response(s, q, AUTHORS[9], "Private", T0, source=ResponseSource.PRIVATE)
        weighin_votes(s, private, {BIG[1]: 1})


def read(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    text = files[name].decode("utf-8")
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def header(files: dict[str, bytes], name: str) -> list[str]:
    return next(csv.reader(io.StringIO(files[name].decode("utf-8"))))


def test_the_three_files_have_the_column_layout_of_polis_open_data(database: Database) -> None:
    seed(database)
    files = export_polis(database, "camps")
    assert header(files, "comments.csv") == [
        "timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body",
    ]  # fmt: skip
    assert header(files, "votes.csv") == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert header(files, "participants-votes.csv") == [
        "participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree", "0", "1", "2", "3", "4", "5",
    ]  # fmt: skip


def test_the_export_re_reads_as_exactly_the_stored_votes(database: Database) -> None:
    seed(database)
    files = export_polis(database, "camps")
    with database.reading() as session:
        stored = session.exec(select(WeighinVote, Response).join(Response)).all()
    comments = read(files, "comments.csv")
    body_of = {row["comment-id"]: row["comment-body"] for row in comments}
    assert list(body_of.values()) == [f"Statement {n}" for n in range(5)] + ["'=SUM(A1)"]  # formula guarded
    participant = {
        key: str(index)
        for index, key in enumerate(sorted(BIG + SMALL, key=lambda k: hashlib.sha256(k.encode()).hexdigest()))
    }
    expected = {
        (body_of_text(vote_response.text), participant[vote.voter_key], str(vote.choice))
        for vote, vote_response in stored
        if vote_response.source != ResponseSource.PRIVATE
    }
    votes = read(files, "votes.csv")
    assert {(body_of[row["comment-id"]], row["voter-id"], row["vote"]) for row in votes} == expected
    assert len(votes) == len(expected)
    assert {(row["timestamp"], row["datetime"]) for row in votes} == {("", "")}  # no vote times are stored
    # Per comment: agrees and disagrees; the excluded one is moderated out.
    assert [(row["agrees"], row["disagrees"], row["moderated"]) for row in comments] == [
        ("10", "8", "1"),
        ("10", "8", "1"),
        ("10", "7", "1"),
        ("9", "8", "1"),
        ("10", "8", "-1"),
        ("10", "8", "1"),
    ]
    assert {row["author-id"] for row in comments} == {""}
    # The matrix agrees with the long list.
    matrix = read(files, "participants-votes.csv")
    cells = {(row["participant"], c): row[c] for row in matrix for c in map(str, range(6)) if row[c] != ""}
    assert {(c, p, v) for (p, c), v in cells.items()} == {
        (row["comment-id"], row["voter-id"], row["vote"]) for row in votes
    }
    for row in matrix:
        mine = [row[c] for c in map(str, range(6)) if row[c] != ""]
        assert (row["n-votes"], row["n-agree"], row["n-disagree"], row["n-comments"]) == (
            str(len(mine)),
            str(mine.count("1")),
            str(mine.count("-1")),
            "0",
        )


def body_of_text(text: str) -> str:
    return "'" + text if text.startswith("=") else text


def test_participants_carry_the_digest_opinion_groups(database: Database) -> None:
    seed(database)
    files = export_polis(database, "camps")
    digest = compile_digest(database, "camps", audience=Audience.ORGANISERS)
    sizes = {str(index): group.size for index, group in enumerate(digest.opinion_groups.groups)}
    matrix = read(files, "participants-votes.csv")
    by_group: dict[str, int] = {}
    for row in matrix:
        by_group[row["group-id"]] = by_group.get(row["group-id"], 0) + 1
    # The one who skipped a statement voted on too few to be placed: no group, as in Pol.is's exports.
    assert sizes == {"0": 10, "1": 7}
    assert by_group == sizes | {"": 1}
    number = {
        key: str(i)
        for i, key in enumerate(sorted(BIG + SMALL, key=lambda k: hashlib.sha256(k.encode()).hexdigest()))
    }
    big_groups = {row["group-id"] for row in matrix if row["participant"] in {number[k] for k in BIG}}
    assert big_groups == {"0"}


def test_nothing_in_the_export_names_a_person_or_shows_a_voter_key(database: Database) -> None:
    seed(database)
    blob = b"".join(export_polis(database, "camps").values()).decode().lower()
    for needle in (*AUTHORS, *BIG, *SMALL):
        assert needle.lower() not in blob


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [name for name in os.environ if name.startswith(("SLACK_", "ROUNDTABLE_", "DATABASE_URL"))]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    db = migrated_database("sqlite:///roundtable.db")
    seed(db)
    db.dispose()
    return tmp_path


def test_the_cli_writes_the_three_files_into_the_directory(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "camps", "--format", "polis", "-o", "export"]) == 0
    assert sorted(p.name for p in (workdir / "export").iterdir()) == [
        "comments.csv",
        "participants-votes.csv",
        "votes.csv",
    ]
    assert "wrote comments.csv, votes.csv, participants-votes.csv to export" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "roundtable: the Pol.is export is three files: give a directory with -o DIR\n"),
        (
            ["-o", "afile"],
            "roundtable: cannot write the Pol.is export to afile: it is a file, not a directory\n",
        ),
        (["-o", "no/such"], "roundtable: cannot write the Pol.is export to no/such: no such directory no\n"),
        (
            ["-o", "d", "--since", "2025-01-01"],
            "roundtable: --since and --until do not apply to the Pol.is export: weigh-in votes carry no time\n",
        ),
    ],
)
def test_cli_mistakes_get_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    (workdir / "afile").write_text("keep me")
    assert main(["digest", "camps", "--format", "polis", *arguments]) == 2
    assert capsys.readouterr().err == message
    assert (workdir / "afile").read_text() == "keep me"
    assert not (workdir / "d").exists()


def test_cli_names_an_unknown_workshop(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "nope", "--format", "polis", "-o", "out"]) == 2
    assert capsys.readouterr().err == "roundtable: no workshop with slug 'nope'\n"
    assert not (workdir / "out").exists()
