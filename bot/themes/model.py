"""The frozen values of suggested themes: what goes in (one answer) and what comes out (themes, Other points)."""

from dataclasses import dataclass
from datetime import datetime

# Below this many answers a question gets no themes: every answer is an "Other point".
MIN_ANSWERS_FOR_THEMES = 6
# Average-linkage clustering holds every pair's distance: 500 answers take about a second and 2 MB, while
# 100,000 would take hours and 80 GB. A roundtable question gets tens of answers; above this there are
# no suggestions and the rapporteur curates the themes instead.
MAX_ANSWERS_FOR_THEMES = 500
# A group smaller than this is not a theme; its answers go to "Other points".
MIN_THEME_SIZE = 3


@dataclass(frozen=True)
class ThemeInput:
    """One answer to a question: its id, its text as Slack stores it, and when it came (ties are broken by
    time, then by id)."""

    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SuggestedTheme:
    """One suggested theme of a question.

    `label`: the theme's most distinctive terms, each shown in its most common form among the theme's own
    answers ("city deal, research funding"). `answer_ids`: its members, in time order. `quote_ids`: the
    most central quotable member first, then the quotable member least like it (a different angle); 0 to 2
    ids, all members, none unquotable.
    """

    label: str
    answer_ids: tuple[int, ...]
    quote_ids: tuple[int, ...]


@dataclass(frozen=True)
class SuggestedThemes:
    """A question's suggestions: themes largest first (ties: the earliest answer first), and the answers
    that belong to no theme ("Other points"), in time order."""

    themes: tuple[SuggestedTheme, ...]
    other_ids: tuple[int, ...]
