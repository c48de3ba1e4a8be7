"""A question's key points for the digest: its themes, each with a count and one or two scrubbed quotes.

The one place the digest asks for themes. The themes themselves follow bot.curation's one rule
(`resolve_themes`): the rapporteur's curated themes when the question is curated, else bot.themes'
suggestions over the answers this digest shows (so a channel digest's labels never draw on private
answers). Quotes go through `bot.themes.quote`: an answer carrying a mention, an id, a link, an e-mail
address, a name the workshop knows or a redacted organisation is never quoted, and never altered.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.curation.effective import resolve_themes
from bot.curation.suggestions import SuggestedThemes, ThemeInput
from bot.digest.model import KeyPoint
from storage.digest import ResponseRow, ThemeRow


@dataclass(frozen=True, slots=True)
class KeyPoints:
    points: tuple[KeyPoint, ...] = ()
    other_count: int = 0  # answers under no theme


def key_points_for(
    answers: Sequence[ResponseRow],
    *,
    curated: bool = False,
    stored: Sequence[ThemeRow] = (),
    theme_of: Mapping[int, int] | None = None,
    known_names: Collection[str] = (),
    redact: Collection[str] = (),
) -> KeyPoints:
    """The key points of one question's visible answers (oldest first, as stored: Slack's markup)."""
    from bot.themes import quote, suggest_themes

    def suggest(inputs: Sequence[ThemeInput], unquotable: Collection[int]) -> SuggestedThemes:
        return suggest_themes(inputs, unquotable, known_names=known_names, redact=redact)

    effective = resolve_themes(
        answers, curated=curated, stored=stored, theme_of=theme_of or {}, suggest=suggest
    )
    # resolve_themes never picks an answer marked not for quotation, so every quote id here may be quoted.
    texts = {answer.id: answer.text for answer in answers}
    points = []
    for theme in effective.themes:
        quotes: list[str] = []
        for answer_id in (theme.quote_id, theme.angle_id):
            scrubbed = quote(texts[answer_id], known_names, redact) if answer_id in texts else None
            if scrubbed and scrubbed not in quotes:
                quotes.append(scrubbed)
        points.append(
            KeyPoint(theme.label, len(theme.answer_ids), tuple(quotes), suggested=not effective.curated)
        )
    return KeyPoints(tuple(points), len(effective.other_ids))
