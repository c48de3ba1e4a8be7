"""The `roundtable` command line: run the bot, migrate the database, manage workshops, compile digests, demo."""

import argparse
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.runtime.settings import Settings, SettingsError, load_settings, sqlite_path
from storage import migrate
from storage.db import Database


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    # OpenBLAS's worker threads spin while they wait; sharing two cores with the bot's own threads they made
    # the weigh-in measures 3× slower (bench (f)). One BLAS thread unless the operator sets otherwise; numpy
    # is imported lazily, after this.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, settings)
    except (SettingsError, CliError) as error:
        print(f"roundtable: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roundtable", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the bot (HTTP mode, or Socket Mode when SLACK_APP_TOKEN is set)"
    )
    run.add_argument(
        "--migrate", action="store_true", help="apply pending migrations first (or ROUNDTABLE_AUTO_MIGRATE=1)"
    )
    run.set_defaults(handler=cmd_run)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply all migrations").set_defaults(handler=cmd_db_upgrade)
    db.add_parser("current", help="show the schema revision").set_defaults(handler=cmd_db_current)
    down = db.add_parser("downgrade", help="revert to a revision (e.g. base); drops tables or columns")
    down.add_argument("revision")
    down.add_argument("--yes", action="store_true", help="confirm: the dropped data cannot be recovered")
    down.set_defaults(handler=cmd_db_downgrade)
    backup = db.add_parser("backup", help="consistent online copy of the SQLite database")
    backup.add_argument("file", type=Path)
    backup.set_defaults(handler=cmd_db_backup)

    workshop = commands.add_parser("workshop", help="workshop definitions").add_subparsers(
        dest="workshop_command", required=True
    )
    load = workshop.add_parser("load", help="validate a workshop TOML file and store it (idempotent)")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--allow-past", action="store_true", help="accept times already past (recorded as missed)"
    )
    load.set_defaults(handler=cmd_workshop_load)
    workshop.add_parser("list", help="list stored workshops").set_defaults(handler=cmd_workshop_list)
    show = workshop.add_parser("show", help="print a workshop and its schedule in its timezone")
    show.add_argument("slug")
    show.set_defaults(handler=cmd_workshop_show)
    purge = workshop.add_parser("purge", help="delete a workshop and all its answers and votes")
    purge.add_argument("slug")
    purge.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    purge.set_defaults(handler=cmd_workshop_purge)

    digest = commands.add_parser("digest", help="compile a workshop's digest")
    digest.add_argument("slug")
    digest.add_argument(
        "--format",
        "-f",
        dest="fmt",
        default="md",
        choices=("md", "html", "pdf", "docx", "json", "csv", "polis"),
        help="polis: the weigh-in as Pol.is export CSVs, written into the directory given with -o",
    )
    digest.add_argument(
        "-o", "--output", type=Path, help="write to FILE (default: standard output); a directory for polis"
    )
    digest.add_argument("--phase", default="all", choices=("pre", "live", "post", "all"))
    digest.add_argument("--since", help="only answers and votes from this time (ISO 8601; UTC if no offset)")
    digest.add_argument("--until", help="only answers and votes before this time")
    digest.add_argument(
        "--table",
        default="responses",
        choices=("responses", "polls", "reasons", "sectors", "statements"),
        help="CSV table",
    )
    digest.set_defaults(handler=cmd_digest)

    demo = commands.add_parser(
        "demo", help="build a throwaway database with the example workshop and write its digest (no Slack)"
    )
    demo.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=Path("roundtable-demo"),
        help="where (default ./roundtable-demo/)",
    )
    demo.set_defaults(handler=cmd_demo)
    return parser


def _timestamp(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: not an ISO 8601 date or time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def open_database(settings: Settings) -> Database:
    """The database, refusing to work on an out-of-date schema."""
    db = Database.from_url(settings.database_url)
    if not migrate.is_up_to_date(db.engine):
        db.dispose()
        raise CliError("the database schema is out of date; run `roundtable db upgrade` first")
    return db


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import server
    from bot.runtime.logs import configure_logging

    configure_logging(settings.log_level, secrets=settings.secret_values())
    if args.migrate or settings.auto_migrate:
        _upgrade(settings)
    open_database(settings).dispose()
    settings.voter_secret()  # fail now, not at the first anonymous vote
    if settings.socket_mode:
        server.run_socket_mode(settings)
    else:
        server.run_http(settings)
    return 0


def _upgrade(settings: Settings) -> str:
    db = Database.from_url(settings.database_url)
    try:
        migrate.upgrade(db.engine)
        return migrate.current_revision(db.engine) or "base"
    finally:
        db.dispose()


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    print(f"database at revision {_upgrade(settings)} (head)")
    return 0


def cmd_db_current(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_url(settings.database_url)
    try:
        current = migrate.current_revision(db.engine)
    finally:
        db.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"head is {head}: run `roundtable db upgrade`"
    print(f"revision {current or 'none'} ({state})")
    return 0


def cmd_db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_url(settings.database_url)
    try:
        try:
            plan = migrate.plan_downgrade(db.engine, args.revision)
        except migrate.MigrationError as error:
            raise CliError(f"cannot downgrade to {args.revision}: {error}") from None
        if plan.target == plan.current:
            print(f"database at revision {plan.current or 'base'} (nothing to downgrade)")
            return 0
        if not args.yes:
            raise CliError(
                f"downgrading from {plan.current} to {plan.target or 'base'} {plan.drops}; add --yes to confirm"
            )
        migrate.downgrade(db.engine, args.revision)
        print(f"database at revision {migrate.current_revision(db.engine) or 'base'}")
    finally:
        db.dispose()
    return 0


def cmd_workshop_load(args: argparse.Namespace, settings: Settings) -> int:
    from bot.workshops import catalog as workshops
    from storage.models import utc_now

    try:
        spec = workshops.parse_workshop_file(args.file)
    except workshops.WorkshopFileError as error:
        raise CliError(str(error)) from None
    db = open_database(settings)
    try:
        report = workshops.load_workshop(db, spec, now=utc_now(), allow_past=args.allow_past)
    except workshops.WorkshopFileError as error:
        raise CliError(str(error)) from None
    finally:
        db.dispose()
    print(report.summary)
    for warning in report.warnings:
        print(f"warning: {warning}")
    return 0


def cmd_workshop_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.workshops import catalog as workshops

    db = open_database(settings)
    try:
        rows = workshops.list_workshops(db)
    finally:
        db.dispose()
    if not rows:
        print("no workshops stored; load one with `roundtable workshop load FILE`")
    for row in rows:
        print(row)
    return 0


def cmd_workshop_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.workshops import catalog as workshops

    db = open_database(settings)
    try:
        print(workshops.describe_workshop(db, args.slug))
    except workshops.WorkshopNotFound as error:
        raise CliError(str(error)) from None
    finally:
        db.dispose()
    return 0


def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.people import data_rights

    try:
        size = data_rights.backup_sqlite(settings, args.file)
    except data_rights.DataRightsError as error:
        raise CliError(str(error)) from None
    print(f"backed up to {args.file} ({size:,} bytes)")
    return 0


def cmd_workshop_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.people import data_rights

    if not args.yes:
        raise CliError(
            f"purging deletes {args.slug} and all its answers and votes for good; add --yes to confirm"
        )
    db = open_database(settings)
    try:
        data_rights.purge_workshop(db, args.slug)
    except data_rights.DataRightsError as error:
        raise CliError(str(error)) from None
    finally:
        db.dispose()
    print(f"purged workshop {args.slug}")
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot import digest
    from bot.people import names as people
    from bot.runtime.slack_client import build_web_client

    if args.fmt == "polis":
        return _polis_export(args, settings)
    if args.fmt in ("pdf", "docx") and args.output is None:
        raise CliError(f"{args.fmt.upper()} is binary: give an output file with -o FILE")
    since, until = _timestamp("--since", args.since), _timestamp("--until", args.until)
    if args.output is not None:
        _check_output(args.output, settings)  # before the work, so a refusal costs nothing
    db = open_database(settings)
    try:
        # Names are looked up only for attributed workshops, and only when a bot token is configured.
        directory = people.Directory(build_web_client(settings)) if settings.slack_bot_token else None
        names = people.display_names(db, args.slug, directory)
        compiled = digest.compile_digest(
            db,
            args.slug,
            audience=digest.Audience.ORGANISERS,  # the command line is the organiser's own
            phase=args.phase,
            since=since,
            until=until,
            display_names=names,
            known_names=people.known_names(db, args.slug, directory),
        )
        output = digest.render(compiled, args.fmt, table=args.table)
    except digest.DigestError as error:
        raise CliError(str(error)) from None
    finally:
        db.dispose()
    if args.output is None:
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
    else:
        write_output(args.output, output)
        print(f"wrote {args.output} ({len(output):,} bytes)", file=sys.stderr)
    return 0


def _polis_export(args: argparse.Namespace, settings: Settings) -> int:
    """`digest SLUG --format polis -o DIR`: comments.csv, votes.csv and participants-votes.csv in DIR."""
    from bot.digest.polis_export import FILES, ExportNotFound, export_polis

    directory: Path | None = args.output
    if directory is None:
        raise CliError("the Pol.is export is three files: give a directory with -o DIR")
    if args.since or args.until:
        raise CliError("--since and --until do not apply to the Pol.is export: weigh-in votes carry no time")
    if args.table != "responses":
        raise CliError("--table applies to CSV digests only, not to the Pol.is export")
    if directory.exists() and not directory.is_dir():
        raise CliError(f"cannot write the Pol.is export to {directory}: it is a file, not a directory")
    if not directory.exists() and not directory.parent.is_dir():
        raise CliError(f"cannot write the Pol.is export to {directory}: no such directory {directory.parent}")
    if directory.is_dir():  # a new directory cannot hold the database or the secret
        for name in FILES:
            _check_output(directory / name, settings)
    db = open_database(settings)
    try:
        files = export_polis(db, args.slug, phase=args.phase)
    except ExportNotFound as error:
        raise CliError(str(error)) from None
    finally:
        db.dispose()
    try:
        directory.mkdir(exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot create {directory}: {error.strerror or error}") from None
    for name, data in files.items():
        write_output(directory / name, data)
    print(f"wrote {', '.join(files)} to {directory}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot import demo

    try:
        result = demo.build_demo(args.dir)
    except demo.DemoError as error:
        raise CliError(str(error)) from None
    print(f"built {result.database} with the example workshop and {result.answers} answers; the digest:")
    for path in result.files:
        print(f"  {path}")
    return 0


SQLITE_MAGIC = b"SQLite format 3\x00"


def _protected(settings: Settings) -> dict[Path, str]:
    """Files an output must never replace, with what they are: the database, its journals, the secret."""
    files = {settings.secret_file(): "secret file"}
    database = sqlite_path(settings.database_url)
    if database is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            files[database.with_name(database.name + suffix)] = "database" + (
                f" ({suffix[1:]} file)" if suffix else ""
            )
    return files


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)  # hard links too
    except OSError:
        return False


def _check_output(path: Path, settings: Settings) -> None:
    """Refuse an output file the digest must not or cannot replace, with one line saying why."""
    for protected, what in _protected(settings).items():
        if _same_file(path, protected):
            raise CliError(f"refusing to write the digest to {path}: it is the bot's {what}")
    if path.is_dir():
        raise CliError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise CliError(f"cannot write {path}: no such directory {path.parent}")
    if path.is_file():
        try:
            with path.open("rb") as existing:
                if existing.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
                    raise CliError(f"refusing to write the digest to {path}: it is a SQLite database")
        except OSError as error:
            raise CliError(f"cannot write {path}: {error.strerror or error}") from None


def write_output(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all.

    A regular file (new or existing) is written to a temporary file beside it and renamed over it, so a
    failed write leaves the old file as it was and no half file behind. Devices and pipes (`/dev/stdout`)
    are written directly: there is nothing to rename over.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with path.open("wb") as handle:
                handle.write(data)
            return
        real = path.resolve()
        fd, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, stat.S_IMODE(mode))  # replacing a file keeps its permissions
        os.replace(temporary, real)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None


if __name__ == "__main__":
    sys.exit(main())
