"""What each person sees on Roundtable's App Home, by role, and the Home buttons' actions. Slack-free.

Organisers see their workshops (phase, next posts in the workshop's timezone, "N of M invited have
replied", open polls); chairs see the polls they can run; participants see the questions still waiting
for their answer, the polls still open to them and how many answers wait for their view (weigh in). Every action re-checks the role on the server.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import permissions
from bot.permissions import Action
from bot.polls import rules as polls
from bot.runtime.deps import Deps
from bot.weighin import deck
from storage import home, themes
from storage.models import Workshop

UPCOMING = 3


@dataclass(frozen=True, slots=True)
class OpenPoll:
    poll_id: int
    question: str
    workshop: str


@dataclass(frozen=True, slots=True)
class ThemedQuestion:
    """A posted question in the Home's "Themes…" picker: its themes are curated in a modal."""

    question_id: int
    position: int
    text: str
    answers: int
    curated: bool


@dataclass(frozen=True, slots=True)
class ManagedWorkshop:
    workshop_id: int
    slug: str
    title: str
    phase: str  # before | live | after
    timezone: str
    upcoming: list[tuple[str, str, str]]  # (kind, local time, text)
    replied: int
    invited: int
    open_polls: list[OpenPoll]
    has_next_question: bool
    themed_questions: list[ThemedQuestion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Waiting:
    question_id: int
    text: str
    workshop: str
    permalink: str | None


@dataclass(frozen=True, slots=True)
class ToWeighIn:
    workshop_id: int
    workshop: str
    answers: int  # the others' answers still waiting for this person's view


@dataclass(frozen=True, slots=True)
class HomeData:
    organised: list[ManagedWorkshop] = field(default_factory=list)
    chaired_polls: list[OpenPoll] = field(default_factory=list)
    chaired_workshops: list[str] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    polls_to_vote: list[OpenPoll] = field(default_factory=list)
    to_weigh_in: list[ToWeighIn] = field(default_factory=list)


def phase_of(workshop: Workshop, now: datetime) -> str:
    if now < workshop.starts_at:
        return "before"
    return "live" if now < workshop.ends_at else "after"


def gather(deps: Deps, user_id: str, team_url: str | None) -> HomeData:
    now = deps.clock()
    with deps.db.reading() as session:
        # Organisers get their workshops' controls; chairs (who are not also organisers) their polls.
        organised = permissions.workshops_where(session, user_id, Action.POST_NEXT_QUESTION, deps.organisers)
        chaired = [
            w
            for w in permissions.workshops_where(session, user_id, Action.CLOSE_POLL, deps.organisers)
            if w not in organised
        ]
        counts = home.invitee_counts(session, [w.id for w in organised if w.id is not None])
        open_by_workshop: dict[int, list[OpenPoll]] = {}
        managed_ids = [w.id for w in (*organised, *chaired) if w.id is not None]
        titles = {w.id: w.title for w in (*organised, *chaired)}
        for poll in home.open_polls(session, managed_ids):
            open_by_workshop.setdefault(poll.workshop_id or 0, []).append(
                OpenPoll(poll.id or 0, poll.question, titles.get(poll.workshop_id, ""))
            )
        themed = _themed_questions(session, [w.id for w in organised if w.id is not None])
        managed = []
        for workshop in organised:
            zone = ZoneInfo(workshop.timezone)
            wid = workshop.id or 0
            managed.append(
                ManagedWorkshop(
                    workshop_id=wid,
                    slug=workshop.slug,
                    title=workshop.title,
                    phase=phase_of(workshop, now),
                    timezone=workshop.timezone,
                    upcoming=[
                        (kind, when.astimezone(zone).strftime("%a %d %b %H:%M %Z"), text)
                        for kind, when, text in home.upcoming(session, wid, UPCOMING)
                    ],
                    replied=counts.get(wid, (0, 0))[0],
                    invited=counts.get(wid, (0, 0))[1],
                    open_polls=open_by_workshop.get(wid, []),
                    has_next_question=home.next_scheduled_question(session, wid) is not None,
                    themed_questions=themed.get(wid, []),
                )
            )
        chaired_polls = [p for w in chaired for p in open_by_workshop.get(w.id or 0, [])]
        mine = home.participant_workshops(session, user_id)
        mine_ids = [w.id for w in mine if w.id is not None]
        names = {w.id: w.title for w in mine}
        waiting = [
            Waiting(
                q.id or 0,
                q.text,
                names.get(q.workshop_id, ""),
                permalink(team_url, q.channel_id, q.message_ts),
            )
            for q in home.awaiting_answer(session, mine_ids, user_id, now)
        ]
        candidates = home.open_polls(session, mine_ids)
        keys = {p.id or 0: polls.voter_key(deps.voter_secret, p, user_id) for p in candidates}
        voted = home.voted_polls(session, keys)
        to_vote = [
            OpenPoll(p.id or 0, p.question, names.get(p.workshop_id, ""))
            for p in candidates
            if p.id not in voted
        ]
        weigh_in = deck.waiting_counts(deps, session, user_id, mine_ids)
        to_weigh_in = [ToWeighIn(w, names.get(w, ""), n) for w, n in weigh_in.items() if n]
    return HomeData(managed, chaired_polls, [w.title for w in chaired], waiting, to_vote, to_weigh_in)


def _themed_questions(session: Session, workshop_ids: list[int]) -> dict[int, list[ThemedQuestion]]:
    posted = themes.posted_questions(session, workshop_ids)
    ids = [q.id for q in posted if q.id is not None]
    counts, curated = themes.answer_counts(session, ids), themes.curated_among(session, ids)
    by_workshop: dict[int, list[ThemedQuestion]] = {}
    for q in posted:
        qid = q.id or 0
        by_workshop.setdefault(q.workshop_id, []).append(
            ThemedQuestion(qid, q.position, q.text, counts.get(qid, 0), qid in curated)
        )
    return by_workshop


def permalink(team_url: str | None, channel_id: str | None, ts: str | None) -> str | None:
    """Slack's permalink format, built locally: one auth.test per process instead of a call per question."""
    if not (team_url and channel_id and ts):
        return None
    return f"{team_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"


def post_next_now(deps: Deps, user_id: str, workshop_id: int) -> str:
    """Bring the workshop's next scheduled question forward to now; the scheduler posts it within seconds."""
    with deps.db.transaction() as session:
        workshop = session.get(Workshop, workshop_id)
        decision = permissions.authorise(
            session, user_id, Action.POST_NEXT_QUESTION, workshop, deps.organisers
        )
        if isinstance(decision, permissions.Refused):
            return decision.message
        question = home.next_scheduled_question(session, workshop_id)
        if question is None or workshop is None:
            return "There is no scheduled question left to post."
        question.post_at = deps.clock()
        workshop.revision += 1
        session.add_all([question, workshop])
        return f"Posting question {question.position + 1} now."
