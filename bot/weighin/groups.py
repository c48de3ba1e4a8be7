"""Opinion groups (docs/deliberation-measures.md §1.2–1.5), implemented from the formulas.

Who is clustered: everyone who voted (a pass is a vote) on at least min(7, statements) statements; groups
are shown only when at least 15 people qualify (§1.8: below that, groups are noise). Pol.is tops a small
room up to 15 with its heaviest voters; Roundtable shows no groups instead.

1. Missing cells get the column mean of the cast votes of the clustered people; columns are centred.
2. PCA to 2 components by numpy's SVD, which is exact and deterministic, in place of Pol.is's 100 steps of
   warm-started power iteration (the same subspace when that iteration converges). Above 200 people and
   200 statements, seeded block subspace iteration instead (see `_top_components`), for speed. Each component's sign
   is fixed so that its largest loading is positive.
3. Sparsity-aware scaling: a person's projection is multiplied by √(n_statements / n_votes_cast), so
   someone who voted on little is not pulled to the centre. (Imputed cells are 0 once centred, so the
   projection already counts only the cells the person voted on.)
4. k-means directly on the people's points. Pol.is first makes 100 base clusters, which under 100 people
   is about one person each, so B (the base clusters in Pol.is's cap) is the number of people here:
   k = 2..min(5, 2 + ⌊B/12⌋), the k with the best mean silhouette (ties to the smaller k). Computed once
   on the final votes, so Pol.is's smoothing of k over 4 updates does not apply. Initial centres are
   deterministic (farthest-point) plus a few k-means++ restarts from a fixed seed; the lowest inertia wins.
5. Each group's representative statements by the repness test of §1.4, against the other clustered
   people; group-aware consensus of §1.5 over the groups' raw votes. Pol.is also forces one "best agree"
   statement into each group's list (`beats-best-agr?`); the reference does not give its rule, so it is
   not reproduced: the list is the sufficient statements only, or the single best one flagged
   `low_confidence` when none is sufficient.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.weighin.measures import (
    AGREE,
    DISAGREE,
    Z_SIGNIFICANT,
    OpinionGroup,
    OpinionGroups,
    RepresentativeStatement,
    Side,
    z_test,
)

MIN_GROUP_VOTERS = 15
MAX_STATEMENTS_TO_QUALIFY = 7
MAX_GROUPS = 5
PEOPLE_PER_EXTRA_GROUP = 12
REPRESENTATIVE_LIMIT = 5
KMEANS_SEED = 13
KMEANS_RESTARTS = 4
KMEANS_MAX_ITERATIONS = 100
EXACT_SVD_LIMIT = 200  # people or statements; above, the principal axes come from subspace iteration
PCA_SEED = 7
PCA_OVERSAMPLING = 10
PCA_ITERATIONS = 25
TOO_FEW_VOTES = "too few votes to identify opinion groups"
NO_DIFFERENCES = "the votes do not differ enough to identify opinion groups"

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def opinion_groups(
    participants: Sequence[str], statements: Sequence[str], cells: Floats
) -> tuple[OpinionGroups, list[float]]:
    """The groups, and each statement's group-aware consensus (meaningful only when groups are shown).
    `participants` are sorted and `cells` is participants × statements, NaN for not voted."""
    voted = ~np.isnan(cells)
    counts = voted.sum(axis=1)
    qualified = np.flatnonzero(counts >= min(MAX_STATEMENTS_TO_QUALIFY, len(statements)))
    if not statements or len(qualified) < MIN_GROUP_VOTERS:
        return _hidden(TOO_FEW_VOTES, len(qualified) if statements else 0), [1.0] * len(statements)
    points = _project(cells[qualified], statements)
    labels = _best_partition(points)
    if labels is None:
        return _hidden(NO_DIFFERENCES, len(qualified)), [1.0] * len(statements)

    members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    members.sort(key=lambda rows: (-len(rows), int(rows[0])))
    votes = cells[qualified]
    groups = []
    for index, rows in enumerate(members):
        rest = np.setdiff1d(np.arange(len(qualified)), rows)
        chosen, low_confidence = _representative(votes[rows], votes[rest], statements)
        groups.append(
            OpinionGroup(
                label=chr(ord("A") + index),
                members=tuple(participants[qualified[i]] for i in rows),
                points=tuple((float(points[i, 0]), float(points[i, 1])) for i in rows),
                statements=chosen,
                low_confidence=low_confidence,
            )
        )
    consensus = np.ones(len(statements))
    for rows in members:
        agree, _, seen = _counts(votes[rows])
        consensus *= (agree + 1) / (seen + 2)
    return OpinionGroups(True, None, len(qualified), tuple(groups)), [float(c) for c in consensus]


def _hidden(reason: str, voters: int) -> OpinionGroups:
    return OpinionGroups(shown=False, reason=reason, voters=voters, groups=())


def _counts(votes: Floats) -> tuple[Floats, Floats, Floats]:
    """Per statement: agrees, disagrees and votes seen (passes included) among these rows."""
    voted = ~np.isnan(votes)
    agree = ((votes == AGREE) & voted).sum(axis=0).astype(np.float64)
    disagree = ((votes == DISAGREE) & voted).sum(axis=0).astype(np.float64)
    return agree, disagree, voted.sum(axis=0).astype(np.float64)


def _project(votes: Floats, statements: Sequence[str]) -> Floats:
    # Columns in statement-id order, so the floating-point result cannot depend on the input's order.
    columns = sorted(range(len(statements)), key=statements.__getitem__)
    votes = votes[:, columns]
    voted = ~np.isnan(votes)
    cast = voted.sum(axis=0)
    means = np.divide(np.nansum(votes, axis=0), cast, out=np.zeros(votes.shape[1]), where=cast > 0)
    centred = np.where(voted, votes - means, 0.0)
    vt = _top_components(centred, 2)
    components = np.zeros((2, votes.shape[1]))
    components[: min(2, len(vt))] = vt[:2]
    for component in components:
        if component[np.argmax(np.abs(component))] < 0:
            component *= -1
    scale = np.sqrt(votes.shape[1] / voted.sum(axis=1))
    projected: Floats = (centred @ components.T) * scale[:, None]
    return projected


def _top_components(centred: Floats, n: int) -> Floats:
    """The first `n` right singular vectors of `centred` (its principal axes).

    Up to EXACT_SVD_LIMIT people or statements: numpy's exact SVD. Beyond, a full SVD costs O(min(P, S)³)
    (13 s for 1,000 × 1,000 on the benchmark machine), so the axes come from block subspace iteration
    with a fixed seed, then an exact SVD of the small projected matrix (Rayleigh–Ritz): Pol.is's own
    method is power iteration too. Deterministic, and agrees with the exact axes to about 1e-6 on the
    benchmark's matrices."""
    rows, columns = centred.shape
    if min(rows, columns) <= EXACT_SVD_LIMIT:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        exact: Floats = vt[:n]
        return exact
    rng = np.random.default_rng(PCA_SEED)
    block = min(columns, n + PCA_OVERSAMPLING)
    basis, _ = np.linalg.qr(centred.T @ (centred @ rng.standard_normal((columns, block))))
    for _ in range(PCA_ITERATIONS):
        basis, _ = np.linalg.qr(centred.T @ (centred @ basis))
    _, _, small = np.linalg.svd(centred @ basis, full_matrices=False)
    approximate: Floats = small[:n] @ basis.T
    return approximate


def _best_partition(points: Floats) -> Ints | None:
    distinct = len(np.unique(np.round(points, 12), axis=0))
    best: tuple[float, Ints] | None = None
    for k in range(2, min(MAX_GROUPS, 2 + len(points) // PEOPLE_PER_EXTRA_GROUP, distinct) + 1):
        labels = _kmeans(points, k)
        if len(np.unique(labels)) < 2:
            continue
        score = _mean_silhouette(points, labels)
        if best is None or score > best[0]:
            best = (score, labels)
    return None if best is None else best[1]


def _kmeans(points: Floats, k: int) -> Ints:
    rng = np.random.default_rng(KMEANS_SEED)
    starts = [_farthest_point_centres(points, k)]
    starts += [_kmeans_plus_plus_centres(points, k, rng) for _ in range(KMEANS_RESTARTS - 1)]
    best: tuple[float, Ints] | None = None
    for centres in starts:
        inertia, labels = _lloyd(points, centres)
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels)
    assert best is not None
    return best[1]


def _squared_distances(points: Floats, centres: Floats) -> Floats:
    difference = points[:, None, :] - centres[None, :, :]
    distances: Floats = (difference**2).sum(axis=2)
    return distances


def _farthest_point_centres(points: Floats, k: int) -> Floats:
    chosen = [int(np.argmax(((points - points.mean(axis=0)) ** 2).sum(axis=1)))]
    nearest = _squared_distances(points, points[chosen]).min(axis=1)
    while len(chosen) < k:
        chosen.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, ((points - points[chosen[-1]]) ** 2).sum(axis=1))
    centres: Floats = points[chosen].copy()
    return centres


def _kmeans_plus_plus_centres(points: Floats, k: int, rng: np.random.Generator) -> Floats:
    chosen = [int(rng.integers(len(points)))]
    nearest = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    while len(chosen) < k:
        total = float(nearest.sum())
        index = int(rng.choice(len(points), p=nearest / total)) if total > 0 else int(np.argmax(nearest))
        chosen.append(index)
        nearest = np.minimum(nearest, ((points - points[index]) ** 2).sum(axis=1))
    centres: Floats = points[chosen].copy()
    return centres


def _lloyd(points: Floats, centres: Floats) -> tuple[float, Ints]:
    labels: Ints = np.full(len(points), -1, dtype=np.int64)
    for _ in range(KMEANS_MAX_ITERATIONS):
        new_labels = np.argmin(_squared_distances(points, centres), axis=1).astype(np.int64)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for c in range(len(centres)):
            if (labels == c).any():  # an emptied cluster keeps its centre
                centres[c] = points[labels == c].mean(axis=0)
    inertia = float(_squared_distances(points, centres)[np.arange(len(points)), labels].sum())
    return inertia, labels


def _mean_silhouette(points: Floats, labels: Ints) -> float:
    """Mean of (b − a) / max(a, b) over people; 0 for someone alone in a group (the usual convention)."""
    distances = np.sqrt(_squared_distances(points, points))
    clusters = np.unique(labels)
    sizes = np.array([(labels == c).sum() for c in clusters], dtype=np.float64)
    sums = np.stack([distances[:, labels == c].sum(axis=1) for c in clusters], axis=1)
    own = np.searchsorted(clusters, labels)
    rows = np.arange(len(points))
    own_size = sizes[own]
    a = np.divide(sums[rows, own], own_size - 1, out=np.zeros(len(points)), where=own_size > 1)
    means = sums / sizes
    means[rows, own] = np.inf
    b = means.min(axis=1)
    widest = np.maximum(a, b)
    silhouette = np.divide(b - a, widest, out=np.zeros(len(points)), where=(own_size > 1) & (widest > 0))
    return float(silhouette.mean())


def two_proportion_test(s1: Floats, s2: Floats, n1: Floats, n2: Floats) -> Floats:
    """Pol.is's two-proportion z: +1 on all four counts, pooled p̂; 0 where p̂ = 1."""
    s1, s2, n1, n2 = s1 + 1, s2 + 1, n1 + 1, n2 + 1
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z: Floats = np.divide(s1 / n1 - s2 / n2, spread, out=np.zeros(len(s1)), where=spread > 0)
    return z


def _representative(
    group: Floats, rest: Floats, statements: Sequence[str]
) -> tuple[tuple[RepresentativeStatement, ...], bool]:
    """The group's representative statements (§1.4): the sufficient ones by repness × test × p × p-test,
    at most 5, agrees first; if none is sufficient, the one with the highest max(rat, rdt), flagged. Ties
    go to the lower statement id, so the input's column order cannot change the choice."""
    na, nd, ns = _counts(group)
    rest_na, rest_nd, rest_ns = _counts(rest)
    pa, pd = (1 + na) / (2 + ns), (1 + nd) / (2 + ns)
    pat = np.array([z_test(a, n) for a, n in zip(na, ns, strict=True)])
    pdt = np.array([z_test(d, n) for d, n in zip(nd, ns, strict=True)])
    ra = pa / ((1 + rest_na) / (2 + rest_ns))
    rd = pd / ((1 + rest_nd) / (2 + rest_ns))
    rat = two_proportion_test(na, rest_na, ns, rest_ns)
    rdt = two_proportion_test(nd, rest_nd, ns, rest_ns)
    agree_side = rat > rdt
    key = np.where(agree_side, ra * rat * pa * pat, rd * rdt * pd * pdt)
    sufficient = ((pat > Z_SIGNIFICANT) & (rat > Z_SIGNIFICANT)) | (
        (pdt > Z_SIGNIFICANT) & (rdt > Z_SIGNIFICANT)
    )

    def entry(j: int) -> RepresentativeStatement:
        direction: Side = "agree" if agree_side[j] else "disagree"
        return RepresentativeStatement(
            statement=statements[j],
            direction=direction,
            agree=int(na[j]),
            disagree=int(nd[j]),
            seen=int(ns[j]),
            repness=float(ra[j] if agree_side[j] else rd[j]),
            test=float(rat[j] if agree_side[j] else rdt[j]),
        )

    ranked = sorted((int(j) for j in np.flatnonzero(sufficient)), key=lambda j: (-key[j], statements[j]))
    candidates = ranked[:REPRESENTATIVE_LIMIT]
    if candidates:
        candidates.sort(key=lambda j: not agree_side[j])  # stable: agrees first, each side by key
        return tuple(entry(j) for j in candidates), False
    seen = [int(j) for j in np.flatnonzero(ns > 0)]
    if not seen:
        return (), False
    fallback = min(seen, key=lambda j: (-max(rat[j], rdt[j]), statements[j]))
    return (entry(fallback),), True
