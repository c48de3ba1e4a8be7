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


def merge_history(distances: npt.NDArray[np.float64]) -> list[tuple[int, ...]]:
    """The labelling of every point after each merge, from n clusters down to one: entry m is the
    partition with n − m clusters, each point labelled by the smallest index in its cluster."""
    import numpy as np

    n = len(distances)
    linkage = distances.astype(np.float64, copy=True)
    np.fill_diagonal(linkage, np.inf)
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    labels = list(range(n))
    history = [tuple(labels)]
    for _ in range(n - 1):
        masked = np.where(active[:, None] & active[None, :], linkage, np.inf)
        flat = int(np.argmin(masked))  # the first minimum in row-major order: ties go to the lowest pair
        i, j = divmod(flat, n)
        keep, gone = min(i, j), max(i, j)
        # Lance–Williams for average linkage: the size-weighted mean of the two merged clusters' distances.
        merged = (sizes[keep] * linkage[keep] + sizes[gone] * linkage[gone]) / (sizes[keep] + sizes[gone])
        linkage[keep, :] = merged
        linkage[:, keep] = merged
        linkage[keep, keep] = np.inf
        sizes[keep] += sizes[gone]
        active[gone] = False
        labels = [keep if label == gone else label for label in labels]
        history.append(tuple(labels))
    return history


def silhouette(distances: npt.NDArray[np.float64], labels: tuple[int, ...]) -> float:
    """Mean silhouette (Rousseeuw 1987) over all points; a point alone in its cluster scores 0, as in
    scikit-learn, so a partition that leaves many answers on their own is not rewarded for it."""
    import numpy as np

    clusters = sorted(set(labels))
    if len(clusters) < 2:
        return -1.0
    column = {label: c for c, label in enumerate(clusters)}
    membership = np.zeros((len(labels), len(clusters)))
    membership[np.arange(len(labels)), [column[label] for label in labels]] = 1.0
    sizes = membership.sum(axis=0)
    own = membership.astype(bool)
    totals = distances @ membership  # each point's summed distance to each cluster
    own_size = sizes[own.argmax(axis=1)]
    within = np.where(own_size > 1, totals[own] / np.maximum(own_size - 1, 1), 0.0)
    nearest_other = np.where(own, np.inf, totals / sizes).min(axis=1)
    denominator = np.maximum(within, nearest_other)
    safe = np.where(denominator > 0, denominator, 1.0)
    scores = np.where((own_size > 1) & (denominator > 0), (nearest_other - within) / safe, 0.0)
    return float(scores.mean())


def choose_partition(distances: npt.NDArray[np.float64], min_size: int) -> tuple[int, ...]:
    """The partition to show: of all the cuts of the dendrogram that give 2 … min(MAX_THEMES, n // min_size)
    clusters of at least `min_size` answers (smaller clusters stay in the partition and become "Other
    points"), the one with the best mean silhouette; ties go to the more merged cut. When no cut has two
    themes, the most merged cut with one, else everything in one cluster."""
    n = len(distances)
    cap = min(MAX_THEMES, n // min_size)
    best: tuple[int, ...] | None = None
    best_score = -2.0
    single_theme: tuple[int, ...] | None = None
    for labels in merge_history(distances):  # from the finest partition to the coarsest
        themes = sum(1 for label in set(labels) if labels.count(label) >= min_size)
        if themes == 1:
            single_theme = labels
        if 2 <= themes <= cap:
            score = silhouette(distances, labels)
            if score >= best_score - 1e-12:
                best, best_score = labels, max(score, best_score)
    return best or single_theme or (0,) * n
