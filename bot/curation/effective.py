"""The themes a question's report uses — the one rule, pure: curated themes replace the suggestions.

Used by `bot.curation.themes.effective_themes` (for the curation modal, from a session) and by the digest
(`bot.digest.key_points`, from the loaded rows), so the modal and the report never disagree.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from bot.curation.suggestions import Suggester, ThemeInput
from bot.text import truncate

MAX_LABEL = 75  # Slack's limit for an option's text, so every theme name fits in the pickers


class EffectiveTheme(NamedTuple):
    label: str
    answer_ids: tuple[int, ...]
    quote_id: int | None
    angle_id: int | None = None  # a suggestion's second quote: a different angle; None once curated


class EffectiveThemes(NamedTuple):
    themes: tuple[EffectiveTheme, ...]
    other_ids: tuple[int, ...]
    curated: bool  # False: suggestions, to be called "suggested themes"


class Answer(Protocol):
    """What the rule needs of an answer (a stored `Response` or the digest's `ResponseRow`)."""

    @property
    def id(self) -> int | None: ...
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def not_for_quotation(self) -> bool: ...


class StoredTheme(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def label(self) -> str: ...
    @property
    def quote_response_id(self) -> int | None: ...


def suggested_label(label: str) -> str:
    """A suggestion's label as a stored theme's name: tidied and cut to MAX_LABEL."""
    return truncate(" ".join(label.split()), MAX_LABEL) or "Untitled theme"


def resolve_themes(
    answers: Sequence[Answer],
    *,
    curated: bool,
    stored: Sequence[StoredTheme],
    theme_of: Mapping[int, int],
    suggest: Suggester,
) -> EffectiveThemes:
    """The question's themes: the curated ones when `curated`, else the suggestions for `answers`.

    `answers` oldest first (ties by id), `stored` in (position, id) order. Empty themes are left out; a
    quote is always one of its theme's answers and never one marked not for quotation.
    """
    if not curated:
        suggested = suggest(inputs(answers), unquotable(answers))
        return EffectiveThemes(
            tuple(
                EffectiveTheme(
                    suggested_label(t.label),
                    t.answer_ids,
                    t.quote_ids[0] if t.quote_ids else None,
                    t.quote_ids[1] if len(t.quote_ids) > 1 else None,
                )
                for t in suggested.themes
            ),
            suggested.other_ids,
            curated=False,
        )
    order = [answer.id for answer in answers if answer.id is not None]
    quotable = {answer.id for answer in answers if not answer.not_for_quotation}
    result = []
    for theme in stored:
        members = tuple(a for a in order if theme_of.get(a) == theme.id)
        if members:
            quote = theme.quote_response_id
            result.append(
                EffectiveTheme(
                    theme.label, members, quote if quote in members and quote in quotable else None
                )
            )
    return EffectiveThemes(tuple(result), tuple(a for a in order if a not in theme_of), curated=True)


def inputs(answers: Sequence[Answer]) -> list[ThemeInput]:
    return [ThemeInput(a.id, a.text, a.created_at) for a in answers if a.id is not None]


def unquotable(answers: Sequence[Answer]) -> Collection[int]:
    return {a.id for a in answers if a.id is not None and a.not_for_quotation}
