"""The suggested themes the curation starts from: the one place bot.curation meets bot.themes.

Deps carries the suggester (`Deps.suggest_themes`), so tests can give a fixed one; the default is
bot.themes' TF-IDF clustering.
"""

from collections.abc import Callable, Collection, Sequence

from bot.themes import SuggestedTheme, SuggestedThemes, ThemeInput
from bot.themes import suggest_themes as _suggest_themes

__all__ = ["SuggestedTheme", "SuggestedThemes", "Suggester", "ThemeInput", "suggest_themes"]

# How bot.curation asks for suggestions: the answers, and those that must not be quoted.
Suggester = Callable[[Sequence[ThemeInput], Collection[int]], SuggestedThemes]


def suggest_themes(answers: Sequence[ThemeInput], unquotable: Collection[int] = ()) -> SuggestedThemes:
    """bot.themes' suggestions for these answers, quoting none of `unquotable`."""
    return _suggest_themes(answers, unquotable)
