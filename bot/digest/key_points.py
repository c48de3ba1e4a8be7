"""A question's key points for the digest: its themes, each with a count and one or two scrubbed quotes.

The one place the digest asks for themes, so the report's shape does not depend on how they are found.
Until the theme suggester (`bot/themes`) and the rapporteur's curated themes are wired in, every
question has none and the digest points to the full answers in its appendix instead.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from bot.digest.model import KeyPoint, ResponseItem


@dataclass(frozen=True, slots=True)
class KeyPoints:
    points: tuple[KeyPoint, ...] = ()
    other_count: int = 0  # answers under no theme


def key_points_for(
    question_answers: Sequence[ResponseItem],
    *,
    known_names: Sequence[str] = (),
    redact: Sequence[str] = (),
) -> KeyPoints:
    """The key points of one question's answers (oldest first), quotes scrubbed of `known_names` and `redact`.

    Wiring (at merge): curated themes for the question when the rapporteur has any (`suggested=False`),
    else `bot.themes.suggest_themes([ThemeInput(index, item.text, item.created_at) ...])`, each theme
    becoming `KeyPoint(label, len(answer_ids), quotes, suggested=True)` with its quotes from
    `bot.themes.quote(text, known_names, redact)`, and `other_count=len(other_ids)`.
    """
    del question_answers, known_names, redact  # no theme source yet
    return KeyPoints()
