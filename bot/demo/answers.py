"""The example workshop's seeded activity: answers, poll votes, reasons and weigh-in views.

Written to read like the 2017 Cambridge roundtable this project was made for, with the themes its human
rapporteur found: favourable conditions (the city deal, research funding, patient capital), doubts that
they can be replicated elsewhere, transport links to the wider region, and the tension between
place-based and sector-based policy. One place for this data: `roundtable demo` and
examples/seed_demo.py both seed from it.
"""

CHANNEL = "C0INDSTRAT1"
# The example's seven invitees (examples/industrial-strategy.toml), then five uninvited colleagues.
PEOPLE = (
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
    "U0JJJ0000",
    "U0KKK1212",
)

# Answers per question, in the example's order; each is posted in the question's thread, oldest first.
# The first question's answers carry the theme a human rapporteur would give each (the labels are for
# tests/test_themes.py, never for the code): 30 short answers, so its digest has themes to suggest.
CONDITIONS = "favourable conditions"
DOUBTS = "doubts about replicability"
TRANSPORT = "transport links"
POLICY = "place-based vs sector-based policy"
OTHER = "other"

# (theme, answer text), in the order the answers came. Written for Roundtable; no real person's words.
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


ANSWERS: tuple[tuple[str, ...], ...] = (
    tuple(text for _, text in CAMBRIDGE_ANSWERS),
    (
        "Density of research-intensive institutions, a culture of spinning out, and landlords willing to "
        "take risks on early-stage firms.",
        "Successive generations of serial entrepreneurs reinvesting locally — ARM, Autonomy, Abcam.",
        "The industrial strategy can fund the connective tissue: shared labs, scale-up finance, and "
        "planning that lets the cluster grow without pricing people out.",
        "Research funding, above all: the research councils and the charities fund the science that the "
        "firms are built on.",
        "The city deal gave the combined authority money to plan housing and transport; build on that.",
        "Transport links to the wider region are poor: the A14 and the lack of east–west rail hold the "
        "cluster back.",
        "Procurement: government as an early customer has been underused; Fenland Robotics won its "
        "first contract from the NHS.",
        "Skills below degree level are the missing piece — technicians, not just PhDs.",
        'Brand: investors know what "Cambridge" means. Other places need a story as clear.',
        "Patient capital and angel investors who were founders themselves; the industrial strategy could "
        "grow that kind of funding elsewhere.",
        "Better rail and bus links to the wider region would let people live further out and still work "
        "in the cluster.",
        "Build on the research funding: more of it, steadier, and with money to turn the research into "
        "firms.",
    ),
    (
        "Place-based policy sets the conditions; sector deals pick winners within them. Cambridge shows "
        "the sectors emerged from the place, not the other way round.",
        "Sector strategies should be devolved: the combined authorities know their firms.",
        "Both approaches fail without local leadership with a long time horizon.",
        "Life sciences in Cambridge benefits from national sector policy (NHS data, MHRA) — the "
        "intersection is where national assets meet local capability.",
        "There is a tension: sector-based policy is national and picks industries, place-based policy is "
        "local and picks places, and the two rarely talk.",
        "Sector deals should be written with the places where the sector lives, not in Whitehall alone.",
        "Place-based policy without sector knowledge funds roads to nowhere; sector policy without place "
        "ignores where the people are.",
        "The city deal is the place-based half; the life sciences sector deal is the sector-based half. "
        "They meet in the same few square miles.",
        "Transport links are where they intersect most clearly: every sector needs people who can get "
        "to work.",
        "Policy should be place-based first: sectors move, places stay.",
        "Sector-based policy gives scale; place-based policy gives roots. The strategy needs both, "
        "joined up locally.",
    ),
)

# Single-choice votes in the before/after pair, one per person in PEOPLE order.
PRE_VOTES = ("Partly", "Partly", "Yes", "No", "Unsure", "Partly", "Yes", "No", "Partly", "Unsure", "No", "No")
POST_VOTES = (
    "Partly",
    "Yes",
    "Yes",
    "Partly",
    "Partly",
    "Partly",
    "Yes",
    "No",
    "Partly",
    "Yes",
    "Partly",
    "No",
)
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

# Weigh-in views of each answer as (agree, disagree, pass) among the first ten people; the rest skip.
# Broad agreement on transport and research funding, division on replicability and on place vs sector.
# The first question's views follow its labels: broad agreement on transport and favourable conditions,
# division on replicability and on place versus sector, uncertainty on the other points.
_VIEWS_BY_THEME = {
    TRANSPORT: ((9, 0, 1), (8, 1, 1)),
    CONDITIONS: ((8, 1, 1), (7, 1, 2)),
    DOUBTS: ((4, 5, 1), (5, 4, 1)),
    POLICY: ((5, 4, 1), (4, 4, 2)),
    OTHER: ((3, 2, 5), (2, 3, 5)),
}
WEIGHIN: tuple[tuple[tuple[int, int, int], ...], ...] = (
    tuple(_VIEWS_BY_THEME[theme][n % 2] for n, (theme, _) in enumerate(CAMBRIDGE_ANSWERS)),
    ((7, 1, 2), (6, 1, 3), (8, 1, 1), (9, 0, 1), (7, 2, 1), (9, 1, 0),
     (5, 2, 3), (7, 1, 2), (4, 3, 3), (6, 2, 2), (8, 1, 1), (8, 1, 1)),
    ((5, 4, 1), (6, 3, 1), (8, 1, 1), (6, 1, 3), (5, 5, 0), (7, 2, 1),
     (5, 4, 1), (6, 2, 2), (8, 1, 1), (3, 6, 1), (7, 2, 1)),
)  # fmt: skip
