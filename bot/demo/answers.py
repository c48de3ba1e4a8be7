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
ANSWERS: tuple[tuple[str, ...], ...] = (
    (
        "Partly. The university, the science park model and patient capital took fifty years to compound; "
        "you can copy the ingredients but not the time.",
        "Not as a copy. Other places have their own strengths — Sheffield's advanced manufacturing, "
        "Dundee's games cluster — and policy should build on those.",
        "Yes, if transport and housing are fixed first. Talent will not move to where it cannot live.",
        "I doubt it can be replicated: a research university of that depth is not something a region can "
        "simply decide to have.",
        "I'd question the premise: Cambridge's success is partly London's success, 45 minutes away by train.",
        "The city deal showed what happens when a place gets money and powers to plan for growth; other "
        "city deals could do the same.",
        "Research funding is the seed. Places with strong universities and steady research funding "
        "already have the start of a cluster.",
        "Replicating it is unlikely. The conditions were unique: the colleges' land, the timing, the people.",
        "Transport links to the wider region decide it. Without east–west rail the cluster cannot spread "
        "beyond the city.",
        "Elsewhere the doubts are about scale: one success does not make a model that can be replicated.",
        "Place matters more than policy here: the cluster grew from the place, and so would any other.",
        "Yes, partly: the research funding and the city deal are policy choices that can be made again.",
    ),
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
WEIGHIN: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((6, 2, 2), (5, 3, 2), (8, 1, 1), (4, 5, 1), (3, 4, 3), (7, 1, 2),
     (8, 0, 2), (4, 5, 1), (9, 0, 1), (4, 4, 2), (5, 3, 2), (6, 2, 2)),
    ((7, 1, 2), (6, 1, 3), (8, 1, 1), (9, 0, 1), (7, 2, 1), (9, 1, 0),
     (5, 2, 3), (7, 1, 2), (4, 3, 3), (6, 2, 2), (8, 1, 1), (8, 1, 1)),
    ((5, 4, 1), (6, 3, 1), (8, 1, 1), (6, 1, 3), (5, 5, 0), (7, 2, 1),
     (5, 4, 1), (6, 2, 2), (8, 1, 1), (3, 6, 1), (7, 2, 1)),
)  # fmt: skip
