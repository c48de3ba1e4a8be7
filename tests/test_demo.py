"""`roundtable demo [DIR]`: the example workshop's digest in every format, without Slack."""

import json
from pathlib import Path

import pytest
from report_sample import docx_outline

from bot.demo import MARKER, answers
from bot.runtime.cli import main

SLUG = "industrial-strategy"
ANSWERED = sum(len(texts) for texts in answers.ANSWERS)  # every seeded answer is a thread answer


def test_demo_builds_a_throwaway_database_and_writes_the_seeded_digest_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "demo"
    assert main(["demo", str(directory)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert (
        printed[0]
        == f"built {directory / 'demo.sqlite3'} with the example workshop and {ANSWERED} answers; the digest:"
    )
    names = [Path(line.strip()).name for line in printed[1:]]
    assert names == [
        f"{SLUG}-digest.md",
        f"{SLUG}-digest.html",
        f"{SLUG}-digest.pdf",
        f"{SLUG}-digest.docx",
        f"{SLUG}-digest.json",
        *(
            f"{SLUG}-digest-{table}.csv"
            for table in ("responses", "polls", "reasons", "sectors", "statements")
        ),
        f"{SLUG}-poll-1.png",
        f"{SLUG}-poll-2.png",
    ]
    assert all((directory / name).stat().st_size > 0 for name in names)

    data = json.loads((directory / f"{SLUG}-digest.json").read_text())
    assert [[r["text"] for r in q["responses"]] for q in data["questions"]] == [
        list(a) for a in answers.ANSWERS
    ]
    assert [p["total_voters"] for p in data["polls"]] == [12, 12]
    assert data["report"]["reported_by"] == "the roundtable's rapporteur"
    assert data["report"]["participants_line"].startswith("12 participants from academia, industry and")
    markdown = (directory / f"{SLUG}-digest.md").read_text()
    assert "## Appendix: the answers in full" in markdown
    assert "“Partly” rose from" in markdown  # the headline shift of the pre/post pair
    headings = [
        text
        for style, text in docx_outline((directory / f"{SLUG}-digest.docx").read_bytes())
        if style == "Heading 1"
    ]
    assert headings[:3] == ["Introduction", "Purpose", "Participants"]

    # Run again: the demo database is rebuilt, not added to.
    assert main(["demo", str(directory)]) == 0
    again = json.loads((directory / f"{SLUG}-digest.json").read_text())
    assert again["summary"]["responses"] == ANSWERED


def test_demo_refuses_a_directory_holding_a_database_it_did_not_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "roundtable.sqlite3").write_bytes(b"SQLite format 3\x00" + bytes(100))
    assert main(["demo", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"roundtable: refusing to build the demo in {tmp_path}: roundtable.sqlite3 is a SQLite database "
        "that `roundtable demo` did not create\n"
    )
    assert not (tmp_path / MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roundtable.sqlite3"]


def test_demo_refuses_a_file_given_as_its_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["demo", str(target)]) == 2
    assert (
        capsys.readouterr().err == f"roundtable: cannot build the demo in {target}: it is not a directory\n"
    )
    assert target.read_text() == "keep me"
