"""Answers as stemmed TF-IDF vectors, and the c-TF-IDF weights that find what distinguishes a theme."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def tfidf(documents: Sequence[Sequence[str]]) -> npt.NDArray[np.float64]:
    """One L2-normalised row per document: sublinear term frequency (1 + log tf) times smoothed inverse
    document frequency. Terms in only one document are left out: they cannot make two answers alike, and
    would only dilute the terms that do. The vocabulary is sorted, so the columns never depend on order."""
    import numpy as np

    document_frequency = Counter(term for terms in documents for term in set(terms))
    vocabulary = sorted(term for term, count in document_frequency.items() if count >= 2)
    column = {term: j for j, term in enumerate(vocabulary)}
    n = len(documents)
    matrix = np.zeros((n, len(vocabulary)))
    for i, terms in enumerate(documents):
        for term, count in Counter(terms).items():
            if term in column:
                idf = math.log((1 + n) / (1 + document_frequency[term])) + 1.0
                matrix[i, column[term]] = (1.0 + math.log(count)) * idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalised: npt.NDArray[np.float64] = matrix / np.where(norms > 0, norms, 1.0)
    return normalised


def class_tfidf(theme_terms: Sequence[Counter[str]]) -> list[dict[str, float]]:
    """c-TF-IDF (BERTopic; deliberation-measures.md §2.1): each theme's terms as one document, the term
    frequency L1-normalised per theme, times log(1 + A / f), where A is the mean number of terms per theme
    and f the term's frequency over all themes. High for a term frequent here and rare elsewhere."""
    overall: Counter[str] = Counter()
    for counts in theme_terms:
        overall.update(counts)
    average = sum(overall.values()) / max(len(theme_terms), 1)
    weights: list[dict[str, float]] = []
    for counts in theme_terms:
        total = sum(counts.values()) or 1
        weights.append(
            {term: count / total * math.log(1 + average / overall[term]) for term, count in counts.items()}
        )
    return weights
