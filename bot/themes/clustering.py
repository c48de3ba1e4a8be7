"""Agglomerative clustering (average linkage) on cosine distance, and the choice of how many themes, in
numpy alone: for the few hundred answers a question gets, scipy and scikit-learn would add ~195 MB for
what is forty lines here (deliberation-measures.md §6).

Deterministic: no randomness, and every tie goes to the lowest index, which the caller makes the earliest
answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# At most this many themes per question; a report shows a few themes, never a taxonomy.
MAX_THEMES = 5


def cosine_distances(vectors: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1 − cosine similarity of L2-normalised rows; an empty answer (a zero row) is at distance 1 from all."""
    import numpy as np

    similarity = vectors @ vectors.T
    distances = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    return distances


def merges(distances: npt.NDArray[np.float64]) -> list[tuple[int, int]]:
    """The n − 1 merges of average-linkage clustering, in order: (kept, merged-away) cluster ids, a cluster
    being named by the smallest index in it."""
    import numpy as np

    n = len(distances)
    linkage = distances.astype(np.float64, copy=True)
    np.fill_diagonal(linkage, np.inf)
    sizes = np.ones(n)
    history: list[tuple[int, int]] = []
    for _ in range(n - 1):
        flat = int(np.argmin(linkage))  # the first minimum in row-major order: ties go to the lowest pair
        i, j = divmod(flat, n)
        keep, gone = min(i, j), max(i, j)
        # Lance–Williams for average linkage: the size-weighted mean of the two merged clusters' distances.
        merged = (sizes[keep] * linkage[keep] + sizes[gone] * linkage[gone]) / (sizes[keep] + sizes[gone])
        linkage[keep, :] = merged
        linkage[:, keep] = merged
        linkage[gone, :] = np.inf
        linkage[:, gone] = np.inf
        linkage[keep, keep] = np.inf
        sizes[keep] += sizes[gone]
        history.append((keep, gone))
    return history


def choose_partition(distances: npt.NDArray[np.float64], min_size: int) -> tuple[int, ...]:
    """The cut of the dendrogram to show, as a cluster id per point.

    Of all the cuts with 2 … min(MAX_THEMES, n // min_size) themes (clusters of at least `min_size`
    answers; smaller clusters become "Other points"), the one with the best theme silhouette; ties go to
    the more merged cut. When no cut has two themes, the most merged cut with one; else one cluster.
    """
    import numpy as np

    n = len(distances)
    cap = min(MAX_THEMES, n // min_size)
    labels = np.arange(n)
    sizes = np.ones(n)
    totals = distances.astype(np.float64, copy=True)  # column c: each point's summed distance to cluster c
    best: tuple[int, ...] | None = None
    best_score = -np.inf
    single_theme: tuple[int, ...] | None = None
    for keep, gone in merges(distances):
        labels[labels == gone] = keep
        sizes[keep] += sizes[gone]
        sizes[gone] = 0
        totals[:, keep] += totals[:, gone]
        totals[:, gone] = 0
        themes = int((sizes >= min_size).sum())
        if themes == 1:
            single_theme = tuple(int(label) for label in labels)
        if 2 <= themes <= cap:
            score = theme_silhouette(labels, sizes, totals, min_size)
            if score >= best_score - 1e-12:
                best, best_score = tuple(int(label) for label in labels), max(score, best_score)
    return best or single_theme or (0,) * n


def theme_silhouette(
    labels: npt.NDArray[np.int_],
    sizes: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    min_size: int,
) -> float:
    """Mean silhouette (Rousseeuw 1987) over all points, with only themes counting as clusters: a point of a
    theme scores (b − a) / max(a, b), a its mean distance to its own theme and b to the nearest other theme;
    a point left in Other points scores 0. Plain silhouette would reward cuts into many pairs, which are
    tight but are not themes (deliberation-measures.md §6: "silhouette favours tiny clusters")."""
    import numpy as np

    is_theme = sizes >= min_size
    own_size = sizes[labels]
    in_theme = is_theme[labels]
    rows = np.arange(len(labels))
    within = totals[rows, labels] / np.maximum(own_size - 1, 1)
    means = np.where(is_theme[None, :], totals / np.maximum(sizes, 1)[None, :], np.inf)
    means[rows, labels] = np.inf
    nearest_other = means.min(axis=1)
    denominator = np.maximum(within, nearest_other)
    scores = np.where(
        in_theme & (denominator > 0),
        (nearest_other - within) / np.where(denominator > 0, denominator, 1),
        0.0,
    )
    return float(scores.mean())
