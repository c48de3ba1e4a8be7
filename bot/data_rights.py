"""People's rights over their data: export it, delete it; organisers purge workshops; backups; retention."""

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, sqlite_path
from storage import data_rights
from storage.db import Database

if TYPE_CHECKING:
    from bot.deps import Deps


@dataclass(frozen=True, slots=True)
class Held:
    responses: int
    votes: int


class DataRightsError(Exception):
    """A request that cannot be carried out; the message says why in one line."""


def export_person(db: Database, user_id: str) -> bytes:
    """Everything stored about `user_id`, as JSON. Anonymous votes are not linked to anyone, so not here."""
    with db.reading() as session:
        document = {
            "user_id": user_id,
            "responses": data_rights.responses_of(session, user_id),
            "attributed_votes": data_rights.attributed_votes_of(session, user_id),
            "roles": data_rights.roles_of(session, user_id),
            "note": "Votes in anonymous polls are stored under a keyed hash that cannot be traced to you "
            "from the database, so they are not listed.",
        }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode()


def summary_of(db: Database, user_id: str) -> Held:
    with db.reading() as session:
        return Held(
            len(data_rights.responses_of(session, user_id)),
            len(data_rights.attributed_votes_of(session, user_id)),
        )


def send_export(deps: "Deps", user_id: str) -> None:
    """DM the person their export as a JSON file (after the ack: it calls Slack)."""
    channel = str(deps.slack.conversations_open(users=user_id)["channel"]["id"])
    deps.slack.files_upload_v2(
        channel=channel,
        content=export_person(deps.db, user_id),
        filename="roundtable-my-data.json",
        title="Everything Roundtable stores about you",
        initial_comment="Here is everything Roundtable stores about you. `/roundtable forget-me` deletes it.",
    )


def forget_person(db: Database, user_id: str) -> tuple[int, int]:
    """Delete a person's responses and attributed votes; returns how many of each."""
    with db.transaction() as session:
        return data_rights.delete_person(session, user_id)


def purge_workshop(db: Database, slug: str) -> None:
    with db.transaction() as session:
        if not data_rights.purge_workshop(session, slug):
            raise DataRightsError(f'no workshop with slug "{slug}"')


def apply_retention(db: Database, days: int, now: datetime) -> int:
    """Delete raw responses of workshops that ended more than `days` days ago."""
    with db.transaction() as session:
        return data_rights.delete_responses_of_workshops_ended_before(session, now - timedelta(days=days))


def backup_sqlite(settings: Settings, target: Path) -> int:
    """A consistent online copy of the SQLite store (SQLite's backup API); returns its size in bytes."""
    source = sqlite_path(settings.database_url)
    if source is None:
        raise DataRightsError(
            "db backup copies the embedded SQLite store; for PostgreSQL use pg_dump (see the README)"
        )
    if not source.exists():
        raise DataRightsError(f"no database at {source}")
    try:
        # Created here, 0600 and only if absent: a backup holds everything the database does.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise DataRightsError(f"{target} already exists; choose a new file") from None
    except OSError as error:
        raise DataRightsError(f"cannot create {target}: {error.strerror}") from None
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)
    return target.stat().st_size
