"""A hand-labelled set of short roundtable answers for theme suggestions, reusable by the example and demo.

The question: "Can the success of the Cambridge tech cluster be replicated elsewhere in the UK?" Each answer
carries the theme a human rapporteur would give it (the labels are the test's, never the code's):
CONDITIONS (favourable conditions: the city deal, research funding, the university), DOUBTS (doubts that it
can be replicated), TRANSPORT (transport links to the wider region), POLICY (place-based versus
sector-based policy) and OTHER (points that fit no theme). The answers live in bot/demo/answers.py,
where `roundtable demo` seeds them as the example's first question.
"""

from datetime import UTC, datetime, timedelta

from bot.demo.answers import (  # the one copy, shared with `roundtable demo`
    CAMBRIDGE_ANSWERS,
    CONDITIONS,
    DOUBTS,
    OTHER,
    POLICY,
    TRANSPORT,
)

__all__ = ["CAMBRIDGE_ANSWERS", "CONDITIONS", "DOUBTS", "OTHER", "POLICY", "TRANSPORT"]

CAMBRIDGE_QUESTION = "Can the success of the Cambridge tech cluster be replicated elsewhere in the UK?"


_FIRST_ANSWER_AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def cambridge_answer_times() -> list[datetime]:
    """When each answer came: one a minute, in order."""
    return [_FIRST_ANSWER_AT + timedelta(minutes=i) for i in range(len(CAMBRIDGE_ANSWERS))]
