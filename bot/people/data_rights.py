"""People's rights over their data: export it, delete it; organisers purge workshops; backups; retention."""

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.digest.formatting import plural
from bot.runtime.settings import Settings, sqlite_path
from storage import data_rights
from storage.db import Database

if TYPE_CHECKING:
    from bot.runtime.deps import Deps


@dataclass(frozen=True, slots=True)
class Held:
    """How many rows of each kind hold a person's Slack id (the same kinds `my-data` exports)."""

    responses: int = 0
    votes: int = 0  # in attributed polls
    reasons: int = 0  # in attributed polls
    roles: int = 0
    invitations: int = 0
    nudges: int = 0
    preference: int = 0  # 1 when they have set `/roundtable nudges`
    polls_created: int = 0
    early_replies: int = 0  # thread replies waiting (at most an hour) for their question's ts

    def describe(self) -> str:
        """E.g. "2 answers, 1 vote and 0 reasons in named polls, 1 role and your reminder setting"."""
        head = (
            f"{plural(self.responses, 'answer')}, {plural(self.votes, 'vote')} and "
            f"{plural(self.reasons, 'reason')} in named polls"
        )
        extras = [
            plural(self.roles, "role") if self.roles else "",
            plural(self.invitations, "workshop invitation") if self.invitations else "",
            plural(self.nudges, "reminder") if self.nudges else "",
            "your reminder setting" if self.preference else "",
            f"your name on {plural(self.polls_created, 'poll')} you created" if self.polls_created else "",
            plural(self.early_replies, "reply waiting for its question", "replies waiting for their question")
            if self.early_replies
            else "",
        ]
        extras = [extra for extra in extras if extra]
        if not extras:
            return head
        return ", ".join([head, *extras[:-1]]) + f" and {extras[-1]}"


ANONYMOUS_STAY = (
    "Your votes and reasons in anonymous polls, and your weigh-in views of others' answers, stay counted, "
    "under a keyed hash rather than your id: deleting them would let anyone comparing backups tell whose "
    "they were."
)


def forget_preview(held: Held) -> str:
    """What `forget-me` shows before the person confirms."""
    return (
        f"Roundtable holds, under your Slack id, {held.describe()}. "
        f"To delete them for good, run `/roundtable forget-me confirm`. {ANONYMOUS_STAY}"
    )


def forgotten(held: Held) -> str:
    """What `forget-me confirm` answers: what went, and exactly what remains."""
    return (
        f"Deleted {held.describe()}. Nothing left in Roundtable's database holds your Slack id. "
        f"{ANONYMOUS_STAY} Your replies in Slack threads stay in Slack until you delete them there; a "
        "workshop file that lists you adds you again as an invitee, chair or organiser when it is loaded "
        "again; backups made before now still hold what was deleted."
    )


class DataRightsError(Exception):
    """A request that cannot be carried out; the message says why in one line."""


def export_person(db: Database, user_id: str) -> bytes:
    """Everything stored under `user_id`, as JSON. Anonymous votes are not linked to anyone, so not here."""
    with db.reading() as session:
        document = {
            "user_id": user_id,
            "responses": data_rights.responses_of(session, user_id),
            "attributed_votes": data_rights.attributed_votes_of(session, user_id),
            "attributed_reasons": data_rights.attributed_reasons_of(session, user_id),
            "roles": data_rights.roles_of(session, user_id),
            "invitations": data_rights.invitations_of(session, user_id),
            "nudges": data_rights.nudges_of(session, user_id),
            "preferences": data_rights.preferences_of(session, user_id),
            "polls_created": data_rights.polls_created_by(session, user_id),
            "early_replies": data_rights.early_replies_of(session, user_id),
            "note": "Votes and reasons in anonymous polls, and weigh-in views, are stored under a keyed "
            "hash, not your id, so they are not listed.",
        }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode()


def summary_of(db: Database, user_id: str) -> Held:
    with db.reading() as session:
        return Held(**data_rights.count_person(session, user_id))


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


def forget_person(db: Database, user_id: str) -> Held:
    """Delete every row holding the person's id (see storage.data_rights.delete_person); what was deleted."""
    with db.transaction() as session:
        return Held(**data_rights.delete_person(session, user_id))


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
