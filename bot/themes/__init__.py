"""Suggested themes for a question's answers, and quotes that keep the Chatham House Rule.

`suggest_themes` groups a question's answers into a few suggested themes (stemmed TF-IDF, agglomerative
clustering on cosine distance, the number of themes by silhouette), each with a label in the answers' own
words and up to two quotable answers; the rest are "Other points". `quote` gives an answer's quotable form,
or None when quoting it would identify someone. Pure: no Slack, no storage, no I/O, no randomness.
"""

from bot.themes.model import (
    MAX_ANSWERS_FOR_THEMES,
    MIN_ANSWERS_FOR_THEMES,
    MIN_THEME_SIZE,
    SuggestedTheme,
    SuggestedThemes,
    ThemeInput,
)
from bot.themes.quotes import QUOTE_MAX_CHARS, is_identifying, quote
from bot.themes.suggest import suggest_themes

__all__ = [
    "MAX_ANSWERS_FOR_THEMES",
    "MIN_ANSWERS_FOR_THEMES",
    "MIN_THEME_SIZE",
    "QUOTE_MAX_CHARS",
    "SuggestedTheme",
    "SuggestedThemes",
    "ThemeInput",
    "is_identifying",
    "quote",
    "suggest_themes",
]
