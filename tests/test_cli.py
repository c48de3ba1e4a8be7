"""The `roundtable` command line, run as a user runs it: a real process, exit codes and output lines."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.cli import main
from storage import migrate

EXAMPLE = Path(__file__).parent.parent / "examples" / "industrial-strategy.toml"


def roundtable(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ROUNDTABLE_", "DATABASE_URL"))
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_run_refuses_an_out_of_date_schema_and_says_which_command_to_run(workdir: Path) -> None:
    result = roundtable("run", cwd=workdir, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s" * 20)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "roundtable: the database schema is out of date; run `roundtable db upgrade` first"
    )


def test_http_mode_refuses_to_start_without_a_signing_secret(workdir: Path) -> None:
    assert roundtable("db", "upgrade", cwd=workdir).returncode == 0
    result = roundtable("run", cwd=workdir, SLACK_BOT_TOKEN="xoxb-x")
    assert result.returncode == 2
    assert result.stderr.startswith("roundtable: missing setting SLACK_SIGNING_SECRET: ")


def test_db_upgrade_current_and_downgrade(workdir: Path) -> None:
    head = migrate.head_revision()
    assert roundtable("db", "upgrade", cwd=workdir).stdout.strip() == f"database at revision {head} (head)"
    assert "up to date" in roundtable("db", "current", cwd=workdir).stdout
    downgraded = roundtable("db", "downgrade", "base", "--yes", cwd=workdir)
    assert downgraded.stdout.strip() == "database at revision base"
    assert "run `roundtable db upgrade`" in roundtable("db", "current", cwd=workdir).stdout


def test_db_downgrade_says_what_it_would_drop_and_needs_yes(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    roundtable("workshop", "load", str(EXAMPLE), "--allow-past", cwd=workdir)
    head = migrate.head_revision()

    to_base = roundtable("db", "downgrade", "base", cwd=workdir)
    partly = roundtable("db", "downgrade", "0002", cwd=workdir)
    unknown = roundtable("db", "downgrade", "nope", cwd=workdir)

    assert to_base.returncode == 2
    assert to_base.stderr.startswith(f"roundtable: downgrading from {head} to base drops every table (")
    assert to_base.stderr.endswith(" with all their data; add --yes to confirm\n")
    assert ", workshop)" in to_base.stderr
    assert ", vote, " in to_base.stderr
    assert partly.returncode == 2
    # Every table made after 0002, in name order.
    assert partly.stderr.startswith(
        f"roundtable: downgrading from {head} to 0002 drops tables earlyreply, pollchange, theme, "
        "themeanswer, themecuration, weighinvote and columns "
    )
    assert "workshop.report_intro" in partly.stderr
    assert "poll.origin" in partly.stderr
    assert "question.file_key" in partly.stderr
    assert (unknown.returncode, unknown.stderr) == (
        2,
        "roundtable: cannot downgrade to nope: Can't locate revision identified by 'nope'\n",
    )
    assert "Traceback" not in to_base.stderr + partly.stderr + unknown.stderr
    assert "up to date" in roundtable("db", "current", cwd=workdir).stdout
    assert "industrial-strategy" in roundtable("workshop", "list", cwd=workdir).stdout
    assert roundtable("db", "downgrade", head, cwd=workdir).stdout.strip() == (
        f"database at revision {head} (nothing to downgrade)"
    )


def test_a_deeply_nested_workshop_file_is_refused_on_one_line(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    nested = workdir / "nested.toml"
    nested.write_text("x = " + "[" * 100_000)
    result = roundtable("workshop", "load", str(nested), cwd=workdir)
    assert (result.returncode, result.stderr) == (
        2,
        f"roundtable: {nested}: document: invalid TOML: arrays or tables nested too deeply\n",
    )


def test_example_loads_and_show_prints_the_schedule_in_london_time(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    loaded = roundtable("workshop", "load", str(EXAMPLE), "--allow-past", cwd=workdir)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("Created workshop industrial-strategy: 3 questions, 2 polls.")
    again = roundtable("workshop", "load", str(EXAMPLE), "--allow-past", cwd=workdir)
    assert "unchanged" in again.stdout.splitlines()[0].lower()
    shown = roundtable("workshop", "show", "industrial-strategy", cwd=workdir)
    assert shown.returncode == 0
    assert "Schedule (times in Europe/London):" in shown.stdout
    assert "Fri 12 May 2017 09:00 BST  question 1" in shown.stdout
    assert "industrial-strategy" in roundtable("workshop", "list", cwd=workdir).stdout


def test_malformed_workshop_file_gets_one_precise_line_per_problem_and_stores_nothing(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    bad = workdir / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('timezone = "Europe/London"', 'timezone = "Europe/Londn"'))
    result = roundtable("workshop", "load", str(bad), cwd=workdir)
    assert result.returncode == 2
    assert f"{bad}: workshop.timezone: " in result.stderr
    assert "Traceback" not in result.stderr
    assert "no workshops stored" in roundtable("workshop", "list", cwd=workdir).stdout


def test_unknown_slug_is_one_clear_line(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    result = roundtable("workshop", "show", "nope", cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.startswith('roundtable: no workshop with slug "nope"')


def test_digest_goes_to_stdout_or_a_file_and_pdf_needs_a_file(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    roundtable("workshop", "load", str(EXAMPLE), "--allow-past", cwd=workdir)
    markdown = roundtable("digest", "industrial-strategy", cwd=workdir)
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("# Industrial strategy and the role of place")
    written = roundtable(
        "digest", "industrial-strategy", "--format", "html", "-o", "digest.html", cwd=workdir
    )
    assert written.returncode == 0
    assert (workdir / "digest.html").read_text().startswith("<!DOCTYPE html>")
    pdf = roundtable("digest", "industrial-strategy", "--format", "pdf", cwd=workdir)
    assert (pdf.returncode, pdf.stderr.strip()) == (
        2,
        "roundtable: PDF is binary: give an output file with -o FILE",
    )
    assert (
        roundtable("digest", "industrial-strategy", "-f", "pdf", "-o", "d.pdf", cwd=workdir).returncode == 0
    )
    assert (workdir / "d.pdf").read_bytes().startswith(b"%PDF")
    bad_time = roundtable("digest", "industrial-strategy", "--since", "yesterday", cwd=workdir)
    assert bad_time.returncode == 2
    assert "not an ISO 8601 date or time: 'yesterday'" in bad_time.stderr


def test_purge_needs_confirmation_then_deletes(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    roundtable("workshop", "load", str(EXAMPLE), "--allow-past", cwd=workdir)
    refused = roundtable("workshop", "purge", "industrial-strategy", cwd=workdir)
    assert refused.returncode == 2
    assert "add --yes to confirm" in refused.stderr
    assert roundtable("workshop", "purge", "industrial-strategy", "--yes", cwd=workdir).returncode == 0
    assert "no workshops stored" in roundtable("workshop", "list", cwd=workdir).stdout


def test_db_backup_writes_a_copy(workdir: Path) -> None:
    roundtable("db", "upgrade", cwd=workdir)
    result = roundtable("db", "backup", "backup.db", cwd=workdir)
    assert result.returncode == 0
    assert result.stdout.startswith("backed up to backup.db (")
    assert (workdir / "backup.db").stat().st_size > 0


def _loaded(workdir: Path) -> Path:
    """A workdir with the example workshop stored; returns the database file."""
    assert roundtable("db", "upgrade", cwd=workdir).returncode == 0
    assert roundtable("workshop", "load", str(EXAMPLE), "--allow-past", cwd=workdir).returncode == 0
    return workdir / "roundtable.db"


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}


def test_digest_output_never_replaces_the_database_its_journals_the_secret_or_a_backup(workdir: Path) -> None:
    database = _loaded(workdir)
    (workdir / "roundtable.db-wal").write_bytes(b"wal")
    (workdir / "roundtable.db-shm").write_bytes(b"shm")
    (workdir / ".roundtable-secret").write_text("0123456789abcdef" * 4)
    assert roundtable("db", "backup", "backup.db", cwd=workdir).returncode == 0
    (workdir / "link.db").symlink_to(database)
    os.link(database, workdir / "hardlink.db")
    before = _snapshot(workdir)
    for target in (
        "roundtable.db",
        "./roundtable.db",
        str(database),
        "roundtable.db-wal",
        "roundtable.db-shm",
        "roundtable.db-journal",
        ".roundtable-secret",
        "link.db",
        "hardlink.db",
        "backup.db",
    ):
        line = _one_line(roundtable("digest", "industrial-strategy", "-o", target, cwd=workdir))
        assert line.startswith(f"roundtable: refusing to write the digest to {Path(target)}: it is "), line
    assert _snapshot(workdir) == before
    assert "industrial-strategy" in roundtable("workshop", "list", cwd=workdir).stdout


def test_digest_output_into_a_missing_folder_onto_a_directory_or_a_full_device_is_one_line(
    workdir: Path,
) -> None:
    _loaded(workdir)
    (workdir / "out").mkdir()
    before = _snapshot(workdir)
    assert _one_line(roundtable("digest", "industrial-strategy", "-o", "nowhere/d.md", cwd=workdir)) == (
        "roundtable: cannot write nowhere/d.md: no such directory nowhere"
    )
    assert _one_line(roundtable("digest", "industrial-strategy", "-o", "out", cwd=workdir)) == (
        "roundtable: cannot write out: it is a directory"
    )
    assert _one_line(
        roundtable("digest", "industrial-strategy", "-f", "pdf", "-o", "/dev/full", cwd=workdir)
    ) == ("roundtable: cannot write /dev/full: No space left on device")
    assert _snapshot(workdir) == before
    assert list((workdir / "out").iterdir()) == []


def test_a_digest_write_that_fails_midway_leaves_the_old_file_and_no_half_file(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _loaded(workdir)
    (workdir / "digest.md").write_text("the earlier digest")
    for name in [name for name in os.environ if name.startswith(("SLACK_", "ROUNDTABLE_", "DATABASE_URL"))]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(workdir)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    before = _snapshot(workdir)
    for target in ("digest.md", "new.md"):
        assert main(["digest", "industrial-strategy", "-o", target]) == 2
        assert capsys.readouterr().err == f"roundtable: cannot write {target}: No space left on device\n"
    assert _snapshot(workdir) == before
    monkeypatch.undo()
    monkeypatch.chdir(workdir)
    assert main(["digest", "industrial-strategy", "-o", "digest.md"]) == 0
    assert (workdir / "digest.md").read_text().startswith("# Industrial strategy")
    assert sorted(_snapshot(workdir)) == sorted(before)  # replaced in place, no temporary file left


def test_digest_times_out_of_range_or_in_the_wrong_order_are_one_line(workdir: Path) -> None:
    _loaded(workdir)
    since_year_one = roundtable(
        "digest", "industrial-strategy", "--since", "0001-01-01T00:00:00+05:00", cwd=workdir
    )
    assert _one_line(since_year_one) == (
        "roundtable: since 0001-01-01T00:00:00+05:00 is out of range (use a time between years 2 and 9998)"
    )
    until_the_end = roundtable(
        "digest", "industrial-strategy", "--until", "9999-12-31T23:59:59-05:00", cwd=workdir
    )
    assert "is out of range" in _one_line(until_the_end)
    backwards = roundtable(
        "digest", "industrial-strategy", "--since", "2017-05-13", "--until", "2017-05-12", cwd=workdir
    )
    assert _one_line(backwards) == (
        "roundtable: since (2017-05-13T00:00:00+00:00) must be before until (2017-05-12T00:00:00+00:00)"
    )
    bad_time = roundtable("digest", "industrial-strategy", "--since", "yesterday", cwd=workdir)
    assert _one_line(bad_time) == "roundtable: --since: not an ISO 8601 date or time: 'yesterday'"
