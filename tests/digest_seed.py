"""Seed digest test data by inserting model rows directly, plus one hand-made sample workshop.

Also `every_format` and `leaks`, to scan every output of a digest for things that must not be there.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pdf_text import pdf_text
from report_sample import docx_text
from sqlmodel import Session, col, select

from bot.digest import CSV_TABLES, render, summary_blocks
from bot.digest.model import Digest
from storage.db import Database
from storage.models import (
    Invitee,
    Phase,
    Poll,
    PollKind,
    PollOption,
    PollReason,
    PollState,
    PostState,
    Question,
    Response,
    Vote,
    WeighinVote,
    Workshop,
)

T0 = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)  # 09:00 in New York


def add_workshop(
    session: Session,
    slug: str = "grid",
    *,
    chatham: bool = True,
    title: str = "Net zero & the grid",
    **extra: object,
) -> Workshop:
    fields: dict[str, object] = {
        "slug": slug,
        "title": title,
        "channel_ref": "#grid-roundtable",
        "timezone": "America/New_York",
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=8),
        "chatham_house": chatham,
    }
    workshop = Workshop(**(fields | extra))
    session.add(workshop)
    session.flush()
    return workshop


def add_question(
    session: Session, workshop: Workshop, position: int, text: str, phase: Phase = Phase.LIVE, **extra: object
) -> Question:
    fields: dict[str, object] = {"post_at": T0, "posted_at": T0, "state": PostState.POSTED}
    question = Question(
        workshop_id=workshop.id, position=position, text=text, phase=phase, **(fields | extra)
    )
    session.add(question)
    session.flush()
    return question


def add_response(
    session: Session, question: Question, user_id: str, text: str, at: datetime, **extra: object
) -> Response:
    response = Response(question_id=question.id, user_id=user_id, text=text, created_at=at, **extra)
    session.add(response)
    return response


def add_poll(
    session: Session, workshop: Workshop, position: int, question: str, labels: list[str], **extra: object
) -> tuple[Poll, list[PollOption]]:
    fields: dict[str, object] = {"state": PollState.CLOSED}
    poll = Poll(workshop_id=workshop.id, position=position, question=question, **(fields | extra))
    session.add(poll)
    session.flush()
    options = [PollOption(poll_id=poll.id, position=index, label=label) for index, label in enumerate(labels)]
    session.add_all(options)
    session.flush()
    return poll, options


def vote(
    session: Session,
    poll: Poll,
    option: PollOption,
    voter_key: str,
    *,
    user_id: str | None = None,
    slot: int = 0,
) -> None:
    session.add(
        Vote(
            poll_id=poll.id,
            option_id=option.id,
            voter_key=voter_key,
            user_id=user_id,
            slot=slot,
            created_at=T0,
        )
    )


def add_reason(
    session: Session,
    poll: Poll,
    voter_key: str,
    text: str,
    *,
    user_id: str | None = None,
    at: datetime = T0,
) -> None:
    session.add(PollReason(poll_id=poll.id, voter_key=voter_key, user_id=user_id, text=text, created_at=at))


def weighin_votes(session: Session, response: Response, choices: dict[str, int]) -> None:
    """Weigh-in views on one answer, by voter key (+1 agree, -1 disagree, 0 pass), as the deck stores them."""
    session.flush()  # the answer needs its id
    question = session.get(Question, response.question_id)
    assert question is not None
    assert response.id is not None
    session.add_all(
        WeighinVote(workshop_id=question.workshop_id, response_id=response.id, voter_key=key, choice=choice)
        for key, choice in choices.items()
    )


def tally(agree: int = 0, disagree: int = 0, passed: int = 0, *, prefix: str = "wkey") -> dict[str, int]:
    """Views by distinct voter keys: the first `agree` agree, then `disagree` disagree, then `passed` pass."""
    choices = [1] * agree + [-1] * disagree + [0] * passed
    return {f"{prefix}{index:02d}": choice for index, choice in enumerate(choices)}


def seed_sample_weighin(database: Database, slug: str = "grid") -> None:
    """Weigh-in views on every answer of the sample (after `seed_sample`), by the sample's voter keys,
    including the deleted answer's; enough voters and statements for the measures to say something."""
    with database.transaction() as s:
        workshop = s.exec(select(Workshop).where(Workshop.slug == slug)).one()
        answers = s.exec(
            select(Response)
            .join(Question)
            .where(Question.workshop_id == workshop.id)
            .order_by(col(Response.id))
        ).all()
        keys = sorted(VOTER_KEYS.values())
        for index, answer in enumerate(answers):
            weighin_votes(s, answer, {key: (1, -1, 0)[(index + n) % 3] for n, key in enumerate(keys)})


def every_format(digest: Digest) -> dict[str, str]:
    """Each output as searchable text: PDF text is read back from the drawing operators, Word's from its XML."""
    pdf = render(digest, "pdf")
    outputs = {fmt: render(digest, fmt).decode("utf-8") for fmt in ("md", "html", "json")}
    outputs |= {f"csv-{table}": render(digest, "csv", table=table).decode("utf-8") for table in CSV_TABLES}
    outputs |= {
        "pdf-text": pdf_text(pdf),
        "pdf-bytes": pdf.decode("latin-1"),
        "docx": docx_text(render(digest, "docx")),
        "blocks": json.dumps(summary_blocks(digest), ensure_ascii=False),
    }
    return outputs


def leaks(outputs: dict[str, str], needles: list[str]) -> list[tuple[str, str]]:
    """(format, needle) for every needle found, case-insensitively, in any output."""
    return [
        (fmt, needle) for fmt, text in outputs.items() for needle in needles if needle.lower() in text.lower()
    ]


# The sample workshop. Ids and names are distinctive so a leak is easy to spot in any format's bytes.
USERS = {"U0ADA001": "Adaline", "U0BART02": "Bartholomew", "U0CORD03": "Cordelia", "U0DESM04": "Desmond"}
INVITED = [*USERS, "U0EMER05"]
VOTER_KEYS = {f"hmac{n}": f"hmac{n}f3a9c2e7b1d4" for n in range(1, 6)}
# Every poll reason in the sample, as the voters wrote them.
REASON_TEXTS = [
    "Storage smooths the peaks",
    "Cheapest per tonne",
    "Grid first, then storage",
    "Storage is cheap now",
    "Too little time",
    "A mix of levers",
    "Undecided for now",
    "Grants <work> & pay back",
]


@dataclass(frozen=True)
class Sample:
    slug: str
    chatham: bool


def seed_sample(database: Database, *, chatham: bool = True, slug: str = "grid") -> Sample:
    """Three reported questions (one unposted), an attributed poll, a pre/post pair and a multiple-choice poll.

    Voters gave reasons on the attributed poll, the "before" poll and the multiple-choice poll (one of them
    chose several options, one gave a reason without a vote on record).
    """
    u1, u2, u3, u4 = USERS
    k = VOTER_KEYS
    with database.transaction() as s:
        w = add_workshop(s, slug, chatham=chatham)
        s.add_all(Invitee(workshop_id=w.id, user_id=user, sector="energy") for user in INVITED)
        q1 = add_question(s, w, 1, "What should the grid prioritise?", Phase.PRE)
        q2 = add_question(
            s, w, 2, "What blocks delivery?", Phase.LIVE, conclusion="Planning is the bottleneck."
        )
        add_question(s, w, 3, "What did we miss?", Phase.POST)
        add_question(s, w, 4, "Never posted", Phase.POST, state=PostState.SCHEDULED, posted_at=None)
        add_response(s, q1, u1, "Storage, as <@U0BART02> said", T0 - timedelta(days=1))
        add_response(
            s, q1, u2, "Interconnectors &amp; demand response", T0 - timedelta(hours=20), edited_at=T0
        )
        add_response(s, q1, u3, "DELETED-RESPONSE-TEXT", T0 - timedelta(hours=19), deleted_at=T0)
        add_response(
            s, q2, u4, "Skills, see <https://example.org/skills|the report>", T0 + timedelta(hours=13)
        )
        add_response(s, q2, u1, "Planning reform <@U0CORD03|cordelia>", T0 + timedelta(hours=1))

        poll, (a, b, _c) = add_poll(s, w, 1, "Which first?", ["Storage", "Grid", "Demand"], anonymous=False)
        vote(s, poll, a, u1, user_id=u1)
        vote(s, poll, a, u2, user_id=u2)
        vote(s, poll, b, u3, user_id=u3)
        add_reason(s, poll, u1, "Storage smooths the peaks", user_id=u1, at=T0 + timedelta(minutes=1))
        add_reason(s, poll, u3, "Grid first, then storage", user_id=u3, at=T0 + timedelta(minutes=2))
        add_reason(s, poll, u2, "Cheapest per tonne", user_id=u2, at=T0 + timedelta(minutes=3))

        labels = ["Yes", "No", "Unsure"]
        pre, (yes, no, unsure) = add_poll(
            s, w, 2, "Is net zero by 2030 achievable?", labels, pair_key="nz", phase=Phase.PRE
        )
        for key, option in ((k["hmac1"], yes), (k["hmac2"], no), (k["hmac3"], unsure), (k["hmac4"], no)):
            vote(s, pre, option, key)
        add_reason(s, pre, k["hmac2"], "Too little time", at=T0 + timedelta(minutes=1))
        add_reason(s, pre, k["hmac1"], "Storage is cheap now", at=T0 + timedelta(minutes=2))
        post, (yes2, no2, _u2) = add_poll(
            s, w, 3, "Is net zero by 2030 achievable?", labels, pair_key="nz", phase=Phase.POST
        )
        for key, option in ((k["hmac1"], yes2), (k["hmac2"], yes2), (k["hmac3"], no2), (k["hmac5"], yes2)):
            vote(s, post, option, key)

        multi, (tax, grants, _rules) = add_poll(
            s, w, 4, "Which levers?", ["Tax", "Grants", "Rules"], kind=PollKind.MULTIPLE
        )
        vote(s, multi, tax, k["hmac1"], slot=0)
        vote(s, multi, grants, k["hmac1"], slot=1)
        vote(s, multi, grants, k["hmac2"], slot=1)
        add_reason(s, multi, k["hmac1"], "A mix of levers", at=T0 + timedelta(minutes=1))
        add_reason(s, multi, k["hmac4"], "Undecided for now", at=T0 + timedelta(minutes=2))
        add_reason(s, multi, k["hmac2"], "Grants <work> & pay back", at=T0 + timedelta(minutes=3))
    return Sample(slug=slug, chatham=chatham)
