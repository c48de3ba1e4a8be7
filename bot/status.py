"""What `/roundtable status` reports: a channel's workshops, upcoming posts and reply counts."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from storage import questions, responses, roles
from storage.db import Database
from storage.models import PostState


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
    questions: list[QuestionLine]

    @property
    def upcoming(self) -> list[QuestionLine]:
        return [line for line in self.questions if line.state in (PostState.SCHEDULED, PostState.CLAIMED)]


def channel_status(db: Database, channel_id: str, channel_name: str | None) -> list[WorkshopStatus]:
    result = []
    with db.reading() as session:
        for workshop in roles.workshops_for_channel(session, channel_id, channel_name):
            zone = ZoneInfo(workshop.timezone)
            stored = questions.for_workshop(session, workshop.id or 0)
            counts = responses.count_by_question(session, [q.id for q in stored if q.id is not None])
            lines = [
                QuestionLine(
                    position=q.position,
                    text=q.text,
                    state=q.state,
                    local_time=q.post_at.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z"),
                    replies=counts.get(q.id or 0, (0, 0))[0],
                    repliers=counts.get(q.id or 0, (0, 0))[1],
                )
                for q in stored
            ]
            result.append(WorkshopStatus(workshop.slug, workshop.title, workshop.timezone, lines))
    return result
