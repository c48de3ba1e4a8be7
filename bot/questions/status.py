"""What `/roundtable status` reports: a channel's workshops, upcoming posts and reply counts.

The text of a question not yet posted is the organisers' and chairs' to see (their own workshops, and
global organisers everywhere: bot.permissions, READ_UPCOMING); everyone else sees how many are still to come and when the next one is.
"""

from collections.abc import Set
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import permissions
from bot.permissions import Action
from storage import questions, responses, roles
from storage.db import Database
from storage.models import PostState

UPCOMING_STATES = (PostState.SCHEDULED, PostState.CLAIMED)
TIME_FORMAT = "%a %d %b %Y %H:%M %Z"


@dataclass(frozen=True, slots=True)
class QuestionLine:
    position: int
    text: str
    state: str
    local_time: str
    replies: int
    repliers: int


@dataclass(frozen=True, slots=True)
class WorkshopStatus:
    slug: str
    title: str
    timezone: str
    questions: list[QuestionLine]  # only those the person may read (see the module docstring)
    upcoming_count: int
    next_post: str | None  # local time of the next scheduled question


def channel_status(
    db: Database, channel_id: str, channel_name: str | None, user_id: str, organisers: Set[str]
) -> list[WorkshopStatus]:
    result = []
    with db.reading() as session:
        for workshop in roles.workshops_for_channel(session, channel_id, channel_name):
            zone = ZoneInfo(workshop.timezone)
            manages = isinstance(
                permissions.authorise(session, user_id, Action.READ_UPCOMING, workshop, organisers),
                permissions.Allowed,
            )
            stored = questions.for_workshop(session, workshop.id or 0)
            counts = responses.count_by_question(session, [q.id for q in stored if q.id is not None])
            upcoming = sorted((q for q in stored if q.state in UPCOMING_STATES), key=lambda q: q.post_at)
            lines = [
                QuestionLine(
                    position=q.position,
                    text=q.text,
                    state=q.state,
                    local_time=q.post_at.astimezone(zone).strftime(TIME_FORMAT),
                    replies=counts.get(q.id or 0, (0, 0))[0],
                    repliers=counts.get(q.id or 0, (0, 0))[1],
                )
                for q in stored
                if manages or q.state == PostState.POSTED
            ]
            next_post = upcoming[0].post_at.astimezone(zone).strftime(TIME_FORMAT) if upcoming else None
            result.append(
                WorkshopStatus(
                    workshop.slug, workshop.title, workshop.timezone, lines, len(upcoming), next_post
                )
            )
    return result
