"""The suggested themes the curation starts from: the one place bot.curation meets bot.themes.

bot.themes (the TF-IDF clustering of issue 14 item 1) is written alongside this package. Until it is
merged, this module mirrors its interface and its fallback suggests no themes (every answer under
"Other points"); at the merge the dataclasses and `suggest_themes` become imports from bot.themes.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ThemeInput:
    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SuggestedTheme:
    label: str
    answer_ids: tuple[int, ...]
    quote_ids: tuple[int, ...]


@dataclass(frozen=True)
class SuggestedThemes:
    themes: tuple[SuggestedTheme, ...]
    other_ids: tuple[int, ...]


# How bot.curation asks for suggestions: the answers, and those that must not be quoted.
Suggester = Callable[[Sequence[ThemeInput], Collection[int]], SuggestedThemes]


def suggest_themes(answers: Sequence[ThemeInput], unquotable: Collection[int] = ()) -> SuggestedThemes:
    """No suggestion until bot.themes is merged: every answer is an "other point"."""
    del unquotable  # the real suggester avoids quoting these
    return SuggestedThemes(themes=(), other_ids=tuple(answer.id for answer in answers))
