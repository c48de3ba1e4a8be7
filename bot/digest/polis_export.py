"""The weigh-in as a Pol.is open-data export: `comments.csv`, `votes.csv` and `participants-votes.csv`.

Column layouts are those of Pol.is's own exports as published in compdemocracy/openData (for example
`15-per-hour-seattle/`), so Pol.is's tools and red-dwarf can read the conversation. Votes use the export
sign convention: agree = 1, disagree = -1, pass = 0. Comments are the deck's statements in answer order,
numbered from 0; a statement taken out of the deck is `moderated` -1, every other one 1.

What is deliberately left out, so that nothing here lets anyone tell who voted what:
- participants are integers assigned in the order of a SHA-256 of their (already keyed) voter hash, so
  the numbers follow neither the database, nor the order people voted in, nor their names;
- `author-id` is empty and `n-comments` is 0: linking an answer's author (named in the Slack thread) to a
  participant number would show how that person voted;
- `timestamp` and `datetime` of votes are empty: Roundtable stores no vote times;
- no user id, display name or voter key appears anywhere.
One thing the per-person layout cannot hide: nobody votes on their own answer, so a participant who
voted on every statement but one may be that statement's author. This file is for organisers only (the
command line), like the organisers' digest.
"""

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.digest.render_csv import _safe
from bot.digest.slacktext import mention_renderer, render_slack_text
from bot.digest.weighin import in_deck
from storage.db import Database
from storage.digest import ResponseRow, WeighinVoteRow, WorkshopData, load_workshop_data

COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
FILES = ("comments.csv", "votes.csv", "participants-votes.csv")


class ExportNotFound(Exception):
    pass


def export_polis(db: Database, slug: str, *, phase: str = "all") -> dict[str, bytes]:
    """The three files of workshop `slug`, by file name; raises ExportNotFound for an unknown slug."""
    with db.reading() as session:
        data = load_workshop_data(session, slug, phase=phase)
    if data is None:
        raise ExportNotFound(f"no workshop with slug {slug!r}")
    return {name: text.encode("utf-8") for name, text in polis_files(data).items()}


def participant_order(voter_key: str) -> str:
    return hashlib.sha256(voter_key.encode("utf-8")).hexdigest()


def polis_files(data: WorkshopData) -> dict[str, str]:
    deck = [response for response in data.responses if in_deck(response)]
    comment_of = {response.id: index for index, response in enumerate(deck)}
    votes = [vote for vote in data.weighin_votes if vote.response_id in comment_of]
    keys = sorted({vote.voter_key for vote in votes}, key=participant_order)
    participant_of = {key: index for index, key in enumerate(keys)}
    group_of = _groups(deck, votes)
    unnamed = mention_renderer(True, {})  # mentions never name anyone, whatever the workshop's rule

    tally = Counter((vote.response_id, vote.choice) for vote in votes)
    comments = []
    for response in deck:
        created = response.created_at.astimezone(UTC)
        comments.append(
            (
                int(created.timestamp() * 1000),
                _js_date(created),
                comment_of[response.id],
                "",
                tally[response.id, 1],
                tally[response.id, -1],
                -1 if response.excluded_from_deck else 1,
                _safe(render_slack_text(response.text, unnamed)),
            )
        )
    vote_rows = sorted(
        (("", "", comment_of[v.response_id], participant_of[v.voter_key], v.choice) for v in votes),
        key=lambda row: (row[2], row[3]),
    )
    cells: dict[int, dict[int, int]] = {index: {} for index in range(len(keys))}
    for vote in votes:
        cells[participant_of[vote.voter_key]][comment_of[vote.response_id]] = vote.choice
    people = []
    for index, key in enumerate(keys):
        mine_by_comment = cells[index]
        choices = list(mine_by_comment.values())
        group = group_of.get(key)
        people.append(
            (
                index,
                "" if group is None else group,
                0,
                len(choices),
                choices.count(1),
                choices.count(-1),
                *(mine_by_comment.get(c, "") for c in range(len(deck))),
            )
        )
    return {
        "comments.csv": _csv(COMMENT_COLUMNS, comments),
        "votes.csv": _csv(VOTE_COLUMNS, vote_rows),
        "participants-votes.csv": _csv(PARTICIPANT_COLUMNS + tuple(str(c) for c in range(len(deck))), people),
    }


def _groups(deck: Sequence[ResponseRow], votes: Sequence[WeighinVoteRow]) -> dict[str, int]:
    """Each clustered voter key's group number (0 = the digest's group A), as the digest computes it."""
    if not votes:
        return {}
    from bot.weighin.measures import VoteMatrix, compute_measures

    keys = [str(response.id) for response in deck]
    matrix = VoteMatrix.from_votes(((v.voter_key, str(v.response_id), v.choice) for v in votes), keys)
    measures = compute_measures(matrix, {str(r.id) for r in deck if r.excluded_from_deck})
    groups = measures.opinion_groups
    if not groups.shown:
        return {}
    return {member: index for index, group in enumerate(groups.groups) for member in group.members}


def _js_date(moment: datetime) -> str:
    """Like the exports' `datetime` column ("Wed Jun 18 08:16:54 UTC 2014"), always in UTC."""
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def _csv(header: tuple[str, ...], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # as Pol.is writes them: LF, no byte-order mark
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
