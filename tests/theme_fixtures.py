"""A hand-labelled set of short roundtable answers for theme suggestions, reusable by the example and demo.

The question: "Can the success of the Cambridge tech cluster be replicated elsewhere in the UK?" Each answer
carries the theme a human rapporteur would give it (the labels are the test's, never the code's):
CONDITIONS (favourable conditions: the city deal, research funding, the university), DOUBTS (doubts that it
can be replicated), TRANSPORT (transport links to the wider region), POLICY (place-based versus
sector-based policy) and OTHER (points that fit no theme). Written for this test; no real person's words.
"""

from datetime import UTC, datetime, timedelta

CAMBRIDGE_QUESTION = "Can the success of the Cambridge tech cluster be replicated elsewhere in the UK?"

CONDITIONS = "favourable conditions"
DOUBTS = "doubts about replicability"
TRANSPORT = "transport links"
POLICY = "place-based vs sector-based policy"
OTHER = "other"

# (theme, answer text), in the order the answers came.
CAMBRIDGE_ANSWERS: tuple[tuple[str, str], ...] = (
    (CONDITIONS, "The City Deal gave Cambridge the money and the local powers to plan for growth."),
    (DOUBTS, "Honestly I doubt it can be copied. Cambridge had eight hundred years of head start."),
    (TRANSPORT, "Transport is the bottleneck. Getting from Cambridge to Peterborough by train is painful."),
    (POLICY, "Place-based policy works better than picking sectors from Whitehall."),
    (CONDITIONS, "Research funding flowing into the university labs is what created the spinouts."),
    (
        TRANSPORT,
        "Without better rail links to the wider region, growth just pushes up house prices in the city.",
    ),
    (DOUBTS, "You cannot replicate a world-class university overnight, and that is the core of the cluster."),
    (CONDITIONS, "The city deal money for housing and roads made a real difference to growth."),
    (POLICY, "Sector-based strategies ignore what each place is actually good at."),
    (OTHER, "We should ask the young founders what they need, not just the incumbents."),
    (CONDITIONS, "Steady research funding over decades, plus the university's spinout support, was the key."),
    (TRANSPORT, "East West Rail would connect Oxford and Cambridge and open the whole region."),
    (DOUBTS, "Every region wants to be the next Cambridge, but most of these copies fail."),
    (POLICY, "Government keeps switching between place-based and sector-based policy every few years."),
    (CONDITIONS, "Patient investors and angel networks grew up around the research funding."),
    (TRANSPORT, "Buses from the market towns into the science parks are terrible, so people drive."),
    (DOUBTS, "I doubt the model transfers; the conditions were unique and cannot be copied."),
    (POLICY, "A place-based approach lets local leaders decide, rather than a national sector plan."),
    (OTHER, "Childcare costs stop many people from taking jobs in the cluster at all."),
    (CONDITIONS, "The City Deal and the combined authority gave the city a single voice on growth."),
    (TRANSPORT, "Better rail and bus links to the wider region would spread the benefits beyond the city."),
    (DOUBTS, "Replicating it elsewhere would take decades and luck that no policy can create."),
    (POLICY, "Sector deals for life sciences helped, but place-based policy matters more for towns."),
    (CONDITIONS, "University research funding and a culture of spinouts are the foundations."),
    (TRANSPORT, "Commuting from the region into Cambridge by road is slow; transport links need investment."),
    (DOUBTS, "Other cities have tried to copy it and failed, so I doubt it can be replicated."),
    (POLICY, "Mixing place-based and sector-based policy confuses investors; pick one and stick to it."),
    (OTHER, "Local councils lack planners with the skills to deal with large developers."),
    (TRANSPORT, "The wider region needs transport links, or the cluster stays a small island."),
    (POLICY, "Sector-based policy from Whitehall cannot see the differences between places."),
)

_FIRST_ANSWER_AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def cambridge_answer_times() -> list[datetime]:
    """When each answer came: one a minute, in order."""
    return [_FIRST_ANSWER_AT + timedelta(minutes=i) for i in range(len(CAMBRIDGE_ANSWERS))]
