"""Suggested themes for one question's answers: stemmed TF-IDF, agglomerative clustering on cosine
distance, k by silhouette, c-TF-IDF labels in the answers' own words, and a central quote plus a different
angle. Unsupervised themes on short replies are weak (deliberation-measures.md §2.3), hence "suggested":
the rapporteur curates them.

Pure and deterministic: the answers are put in time order (then id order) first, and every later tie goes
to the earlier answer, so the same answers in any order give the same themes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.themes import clustering, embeddings, terms, vectors
from bot.themes.model import (
    MAX_ANSWERS_FOR_THEMES,
    MIN_ANSWERS_FOR_THEMES,
    MIN_THEME_SIZE,
    SuggestedTheme,
    SuggestedThemes,
    ThemeInput,
)
from bot.themes.quotes import quote, strip_identifying

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# A label shows at most this many terms, each in at least LABEL_MIN_ANSWERS of the theme's answers when the
# theme has any such term.
LABEL_TERMS = 3
LABEL_MIN_ANSWERS = 2
# A different angle must differ: a second quote this similar to the first (cosine) is left out.
NEAR_DUPLICATE = 0.8


@dataclass(frozen=True)
class _Answers:
    """The answers in time order, with what every step needs."""

    inputs: tuple[ThemeInput, ...]
    vectors: npt.NDArray[np.float64]
    label_terms: tuple[tuple[terms.Occurrence, ...], ...]
    quotable: tuple[bool, ...]


def suggest_themes(
    answers: Sequence[ThemeInput],
    unquotable: Collection[int] = (),
    *,
    known_names: Collection[str] = (),
    redact: Collection[str] = (),
    use_embeddings: bool | None = None,
) -> SuggestedThemes:
    """Themes for one question's answers (ids distinct); fewer than MIN_ANSWERS_FOR_THEMES answers, or more
    than MAX_ANSWERS_FOR_THEMES, give none.

    Quotes are chosen only among answers that are not in `unquotable` and that `quote` accepts with
    `known_names` and `redact`; a label never shows a word of a known name or a redacted organisation.
    `use_embeddings`: join the static embedding of the `embeddings` extra to TF-IDF; None (the default)
    uses it when installed, so one installation always gives the same themes.
    """
    ordered = tuple(sorted(answers, key=lambda answer: (answer.created_at, answer.id)))
    if len({answer.id for answer in ordered}) != len(ordered):
        raise ValueError("each answer must have its own id")
    if not MIN_ANSWERS_FOR_THEMES <= len(ordered) <= MAX_ANSWERS_FOR_THEMES:
        return SuggestedThemes((), tuple(answer.id for answer in ordered))
    if use_embeddings is None:
        use_embeddings = embeddings.available()
    prepared = _prepare(ordered, set(unquotable), known_names, redact, use_embeddings)
    partition = clustering.choose_partition(clustering.cosine_distances(prepared.vectors), MIN_THEME_SIZE)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(partition):
        groups.setdefault(label, []).append(index)
    theme_groups = [members for members in groups.values() if len(members) >= MIN_THEME_SIZE]
    theme_groups.sort(key=lambda members: (-len(members), members[0]))
    others = sorted(
        index for members in groups.values() if len(members) < MIN_THEME_SIZE for index in members
    )
    labels = _labels(prepared, theme_groups, others, _excluded_stems(known_names, redact))
    themes = tuple(
        SuggestedTheme(
            label=label or f"Theme {position}",
            answer_ids=tuple(ordered[index].id for index in members),
            quote_ids=tuple(ordered[index].id for index in _quotes(prepared, members)),
        )
        for position, (members, label) in enumerate(zip(theme_groups, labels, strict=True), start=1)
    )
    return SuggestedThemes(themes, tuple(ordered[index].id for index in others))


def _prepare(
    ordered: tuple[ThemeInput, ...],
    unquotable: set[int],
    known_names: Collection[str],
    redact: Collection[str],
    use_embeddings: bool,
) -> _Answers:
    label_terms = tuple(tuple(terms.terms_with_bigrams(answer.text)) for answer in ordered)
    # Themes are found on single stems; pairs of stems only help to name them (§2.3: 1–2-grams clustered worse).
    unigram_stems = [[o.term for o in occurrences if " " not in o.term] for occurrences in label_terms]
    return _Answers(
        inputs=ordered,
        vectors=_vectors(ordered, unigram_stems, use_embeddings),
        label_terms=label_terms,
        quotable=tuple(
            answer.id not in unquotable and quote(answer.text, known_names, redact) is not None
            for answer in ordered
        ),
    )


def _vectors(
    ordered: tuple[ThemeInput, ...], unigram_stems: list[list[str]], use_embeddings: bool
) -> npt.NDArray[np.float64]:
    """TF-IDF rows, or TF-IDF and the static embedding side by side with equal weight (§2.3's best)."""
    import numpy as np

    lexical = vectors.tfidf(unigram_stems)
    if not use_embeddings:
        return lexical
    semantic = embeddings.embed([strip_identifying(answer.text) for answer in ordered])
    joined = np.hstack([lexical, semantic])
    norms = np.linalg.norm(joined, axis=1, keepdims=True)
    normalised: npt.NDArray[np.float64] = joined / np.where(norms > 0, norms, 1.0)
    return normalised


def _labels(
    answers: _Answers, theme_groups: list[list[int]], others: list[int], excluded: frozenset[str]
) -> list[str]:
    """Each theme's most distinctive terms by c-TF-IDF over answer counts (a word repeated in one answer
    counts once), against the other themes and the Other points."""
    classes = [*theme_groups, others] if others else theme_groups
    answer_counts = [
        Counter(term for index in members for term in {o.term for o in answers.label_terms[index]})
        for members in classes
    ]
    weights = vectors.class_tfidf(answer_counts)
    return [
        _label(answers, members, answer_counts[position], weights[position], excluded)
        for position, members in enumerate(theme_groups)
    ]


def _label(
    answers: _Answers,
    members: list[int],
    counts: Counter[str],
    weights: dict[str, float],
    excluded: frozenset[str],
) -> str:
    def allowed(term: str) -> bool:
        return not excluded.intersection(term.split())

    minimum = LABEL_MIN_ANSWERS if any(n >= LABEL_MIN_ANSWERS for n in counts.values()) else 1
    ranked = sorted(
        (term for term, n in counts.items() if n >= minimum and allowed(term)),
        key=lambda term: (-weights[term], term),
    )
    chosen: list[str] = []
    for term in ranked:
        if " " not in term:
            # A phrase stands in for its word when at least half the answers using the word use the phrase.
            phrases = [p for p in ranked if " " in p and term in p.split() and 2 * counts[p] >= counts[term]]
            # Of equally common phrases, the one whose words are themselves the most distinctive.
            term = max(
                phrases,
                key=lambda p: (counts[p], weights[p], sum(weights.get(word, 0.0) for word in p.split())),
                default=term,
            )
        if any(_overlap(term, other) for other in chosen):
            continue
        chosen.append(term)
        if len(chosen) == LABEL_TERMS:
            break
    return ", ".join(_surface(answers, members, term) for term in chosen)


def _overlap(term: str, other: str) -> bool:
    """Whether two label terms repeat each other. Two phrases that share only their last word are two kinds
    of one thing ("place-based", "sector-based") and may both show."""
    words, other_words = term.split(), other.split()
    shared = set(words) & set(other_words)
    if len(words) == len(other_words) == 2 and shared == {words[-1]} and words[-1] == other_words[-1]:
        return False
    return bool(shared)


def _surface(answers: _Answers, members: list[int], term: str) -> str:
    """The form the theme's own answers most often write `term` in, in lower case if anyone wrote it so."""
    forms = [o.surface for index in members for o in answers.label_terms[index] if o.term == term]
    by_lower = Counter(form.lower() for form in forms)
    commonest = max(by_lower, key=lambda lower: (by_lower[lower], -_first(forms, lower)))
    if commonest in forms:
        return commonest
    exact = Counter(form for form in forms if form.lower() == commonest)
    return max(exact, key=lambda form: (exact[form], -forms.index(form)))


def _first(forms: list[str], lower: str) -> int:
    return next(i for i, form in enumerate(forms) if form.lower() == lower)


def _excluded_stems(known_names: Collection[str], redact: Collection[str]) -> frozenset[str]:
    words = (o.term for phrase in [*known_names, *redact] for o in terms.unigrams(phrase))
    return frozenset(words)


def _quotes(answers: _Answers, members: list[int]) -> list[int]:
    """The quotable member closest to the theme's centroid (cosine), then the quotable member least like
    it, unless that one is a near duplicate. Ties go to the earlier answer."""
    import numpy as np

    quotable = [index for index in members if answers.quotable[index]]
    if not quotable:
        return []
    member_vectors = answers.vectors[members]
    centroid = member_vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    closeness = answers.vectors[quotable] @ (centroid / norm if norm > 0 else centroid)
    central = quotable[int(np.argmax(closeness))]  # argmax takes the first maximum: the earliest answer
    rest = [index for index in quotable if index != central]
    if not rest:
        return [central]
    likeness = answers.vectors[rest] @ answers.vectors[central]
    angle = rest[int(np.argmin(likeness))]
    return [central] if float(likeness.min()) >= NEAR_DUPLICATE else [central, angle]
