"""Seed the example workshop with plausible replies and votes, to try the digest without Slack.

    roundtable db upgrade
    roundtable workshop load examples/industrial-strategy.toml --allow-past
    python examples/seed_demo.py
    roundtable digest industrial-strategy --format html -o digest.html

It marks the example's questions as posted and its polls as closed, as if the roundtable had run in
May 2017, then stores the answers and (anonymous, pre/post paired) votes below. Run it once per database.
"""

import sys
from datetime import timedelta

from sqlmodel import select

from bot.polls.rules import voter_key
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.models import (
    Poll,
    PollOption,
    PollReason,
    PollState,
    PostState,
    Question,
    Response,
    ResponseSource,
    Vote,
    Workshop,
)

CHANNEL = "C0INDSTRAT1"
# The example's seven invitees, and three uninvited colleagues who joined the channel.
PEOPLE = [
    "U0789IJKL",
    "U0AAA1111",
    "U0BBB2222",
    "U0CCC3333",
    "U0DDD4444",
    "U0EEE5555",
    "U0FFF6666",
    "U0GGG7777",
    "U0HHH8888",
    "U0III9999",
]
ANSWERS = {
    0: [
        "Partly. The university, the science park model and patient capital took fifty years to compound; "
        "you can copy the ingredients but not the time.",
        "Not as a copy. Other places have their own strengths — Sheffield's advanced manufacturing, "
        "Dundee's games cluster — and policy should build on those.",
        "Yes, if transport and housing are fixed first. Talent will not move to where it cannot live.",
        "The *network* matters more than the buildings: angel investors who were founders themselves.",
        "I'd question the premise: Cambridge's success is partly London's success, 45 minutes away.",
    ],
    1: [
        "Density of research-intensive institutions, a culture of spinning out, and landlords willing to "
        "take risks on early-stage firms.",
        "Successive generations of serial entrepreneurs reinvesting locally — ARM, Autonomy, Abcam.",
        "The industrial strategy can fund the connective tissue: shared labs, scale-up finance, "
        "and planning that lets the cluster grow without pricing people out.",
        "Procurement: government as an early customer has been underused.",
        "Skills below degree level are the missing piece — technicians, not just PhDs.",
        'Brand: investors know what "Cambridge" means. Other places need a story as clear.',
    ],
    2: [
        "Place-based policy sets the conditions; sector deals pick winners within them. Cambridge shows "
        "the sectors emerged from the place, not the other way round.",
        "Sector strategies should be devolved: the combined authorities know their firms.",
        "Both approaches fail without local leadership with a long time horizon.",
        "Life sciences in Cambridge benefits from national sector policy (NHS data, MHRA) — the "
        "intersection is where national assets meet local capability.",
    ],
}
PRE_VOTES = ["Partly", "Partly", "Yes", "No", "Unsure", "Partly", "Yes", "No", "Partly", "Unsure", "No"]
REASONS = {
    "pre": {
        PEOPLE[0]: "The ingredients exist elsewhere; the time to compound them does not.",
        PEOPLE[3]: "Without a research university of that depth, no.",
    },
    "post": {
        PEOPLE[1]: "The discussion of devolved sector deals changed my mind.",
        PEOPLE[3]: "Transport and housing can be fixed; talent follows.",
        PEOPLE[9]: "Other places have their own clusters to grow, not Cambridge's to copy.",
    },
}
POST_VOTES = ["Partly", "Yes", "Yes", "Partly", "Partly", "Partly", "Yes", "No", "Partly", "Yes", "Partly"]


def main() -> int:
    settings = load_settings()
    secret = settings.voter_secret()
    db = Database.from_url(settings.database_url)
    with db.transaction() as session:
        workshop = session.exec(select(Workshop).where(Workshop.slug == "industrial-strategy")).first()
        if workshop is None:
            print("load examples/industrial-strategy.toml first", file=sys.stderr)
            return 2
        if session.exec(select(Response).limit(1)).first() is not None:
            print("this database already has answers; seed a fresh one", file=sys.stderr)
            return 2
        workshop.channel_id = CHANNEL
        questions = session.exec(
            select(Question).where(Question.workshop_id == workshop.id).order_by(Question.position)
        ).all()
        for index, question in enumerate(questions):
            question.state, question.posted_at, question.channel_id = (
                PostState.POSTED,
                question.post_at,
                CHANNEL,
            )
            question.message_ts = f"{question.post_at.timestamp():.6f}"
            for n, text in enumerate(ANSWERS.get(index, [])):
                at = question.post_at + timedelta(hours=2 + 5 * n, minutes=7 * n)
                session.add(
                    Response(
                        question_id=question.id or 0,
                        user_id=PEOPLE[(index * 3 + n) % len(PEOPLE)],
                        text=text,
                        channel_id=CHANNEL,
                        message_ts=f"{at.timestamp():.6f}",
                        source=ResponseSource.THREAD,
                        created_at=at,
                    )
                )
        polls = session.exec(
            select(Poll).where(Poll.workshop_id == workshop.id).order_by(Poll.position)
        ).all()
        for poll, choices in zip(polls, (PRE_VOTES, POST_VOTES), strict=False):
            poll.state, poll.closed_at, poll.channel_id = PollState.CLOSED, poll.close_at, CHANNEL
            poll.message_ts = f"{(poll.open_at or poll.created_at).timestamp():.6f}"
            options = {
                o.label: o for o in session.exec(select(PollOption).where(PollOption.poll_id == poll.id))
            }
            for person, label in zip(PEOPLE, choices, strict=False):
                session.add(
                    Vote(
                        poll_id=poll.id or 0,
                        option_id=options[label].id or 0,
                        voter_key=voter_key(secret, poll, person),
                        slot=0,
                        created_at=poll.open_at or poll.created_at,
                    )
                )
            for person, reason in REASONS.get(str(poll.phase), {}).items():
                session.add(
                    PollReason(
                        poll_id=poll.id or 0,
                        voter_key=voter_key(secret, poll, person),
                        text=reason,
                        created_at=poll.open_at or poll.created_at,
                    )
                )
    db.dispose()
    print("seeded industrial-strategy with answers to 3 questions and votes in the pre/post poll pair")
    return 0


if __name__ == "__main__":
    sys.exit(main())
