"""The weigh-in measures on hand-made vote matrices whose answers are known (docs/deliberation-measures.md §1).

Rows are written as strings, one character per statement: `+` agree, `-` disagree, `0` pass, `.` not voted.
"""

import math
import random

import numpy as np
import pytest

from bot.weighin.groups import NO_DIFFERENCES, TOO_FEW_VOTES, two_proportion_test
from bot.weighin.measures import (
    Measures,
    StatementMeasures,
    VoteMatrix,
    compute_measures,
    majority_side,
    min_agrees_for_majority,
    z_test,
)

CELL = {"+": 1.0, "-": -1.0, "0": 0.0, ".": math.nan}


def matrix(rows: dict[str, str], statements: list[str] | None = None) -> VoteMatrix:
    width = len(next(iter(rows.values())))
    names = statements or [f"s{j + 1:02d}" for j in range(width)]
    cells = np.array([[CELL[c] for c in row] for row in rows.values()]).reshape(len(rows), width)
    return VoteMatrix(tuple(rows), tuple(names), cells)


def one_statement(agree: int, disagree: int = 0, passed: int = 0, missing: int = 0) -> VoteMatrix:
    row = "+" * agree + "-" * disagree + "0" * passed + "." * missing
    return matrix({f"p{i:03d}": vote for i, vote in enumerate(row)})


def only(measures: Measures) -> StatementMeasures:
    (statement,) = measures.statements
    return statement


CAMP_A = "++++----++"  # agrees with s01–s04, rejects s05–s08; s09 and s10 everyone agrees with
CAMP_B = "----++++++"


def two_camp_room(people: int = 20) -> tuple[VoteMatrix, set[frozenset[str]]]:
    """Camps interleaved by name (so sorting rows cannot separate them); person i skips statement i % 10,
    so each voted on 9 of 10; person p00 passes on s01 instead of agreeing."""
    rows = {}
    for i in range(people):
        row = list(CAMP_A if i % 2 == 0 else CAMP_B)
        row[i % 10] = "."
        rows[f"p{i:02d}"] = "".join(row)
    rows["p00"] = "0" + rows["p00"][1:]
    camps = {frozenset(name for i, name in enumerate(rows) if i % 2 == side) for side in (0, 1)}
    return matrix(rows), camps


@pytest.mark.parametrize(
    ("seen", "needed"),
    [(5, 4), (8, 6), (10, 7), (12, 8), (15, 10), (20, 13), (25, 16), (30, 19), (50, 30), (100, 56)],
)
def test_the_majority_bar_depends_on_the_votes_seen_as_in_the_reference_table(seen: int, needed: int) -> None:
    assert min_agrees_for_majority(seen) == needed
    assert majority_side(needed, 0, seen) == "agree"
    assert majority_side(needed - 1, 0, seen) is None
    assert majority_side(0, needed, seen) == "disagree"


def test_the_one_proportion_test_is_pol_is_formula() -> None:
    assert z_test(4, 5) == pytest.approx(2 * math.sqrt(6) * (5 / 6 - 0.5))
    assert z_test(0, 0) == pytest.approx(2.0 * 1 * (1 - 0.5))


def test_plus_one_is_agree_and_minus_one_is_disagree() -> None:
    agreed = only(compute_measures(one_statement(agree=9, disagree=1)))
    assert (agreed.agree, agreed.disagree, agreed.passed, agreed.seen) == (9, 1, 0, 10)
    assert agreed.majority == "agree"
    rejected = only(compute_measures(one_statement(agree=1, disagree=9)))
    assert (rejected.agree, rejected.disagree) == (1, 9)
    assert rejected.majority == "disagree"


def test_passes_count_against_the_majority() -> None:
    assert only(compute_measures(one_statement(agree=7))).majority == "agree"
    with_passes = only(compute_measures(one_statement(agree=7, passed=5)))
    assert (with_passes.seen, with_passes.passed) == (12, 5)
    assert with_passes.majority is None
    assert only(compute_measures(one_statement(agree=8, passed=4))).majority == "agree"


def test_missing_votes_are_not_seen() -> None:
    statement = only(compute_measures(one_statement(agree=7, missing=20)))
    assert statement.seen == 7
    assert statement.majority == "agree"


def test_uncertain_means_more_than_three_in_ten_passed() -> None:
    assert not only(compute_measures(one_statement(agree=7, passed=3))).uncertain
    assert only(compute_measures(one_statement(agree=6, passed=4))).uncertain


def test_divided_means_no_majority_with_each_side_at_least_35_percent_over_8_votes() -> None:
    assert only(compute_measures(one_statement(agree=5, disagree=5))).divided
    assert only(compute_measures(one_statement(agree=4, disagree=4))).divided
    assert not only(compute_measures(one_statement(agree=4, disagree=3))).divided  # 7 votes
    assert not only(compute_measures(one_statement(agree=6, disagree=3, passed=1))).divided  # 30 % disagree
    assert not only(compute_measures(one_statement(agree=8, disagree=2))).divided  # a majority


def test_fewer_than_five_votes_is_raised_but_not_tested() -> None:
    four = only(compute_measures(one_statement(agree=4)))
    assert not four.tested
    assert (four.majority, four.uncertain, four.divided) == (None, False, False)
    assert majority_side(4, 0, 4) == "agree"  # the z test alone would call it
    five = only(compute_measures(one_statement(agree=5)))
    assert five.tested
    assert five.majority == "agree"


def test_an_excluded_statement_keeps_its_counts_but_gets_no_verdict_and_no_group_role() -> None:
    votes, _ = two_camp_room()
    measures = compute_measures(votes, excluded={"s01", "s09"})
    s01, s09 = measures.statements[0], measures.statements[8]
    assert (s01.excluded, s09.excluded) == (True, True)
    assert s09.agree == 18
    assert (s09.majority, s09.group_consensus) == (None, None)
    assert measures.opinion_groups.shown
    shown = {r.statement for g in measures.opinion_groups.groups for r in g.statements}
    assert not shown & {"s01", "s09"}


def test_groups_need_fifteen_people_who_each_voted_on_enough_statements() -> None:
    fourteen, _ = two_camp_room(14)
    hidden = compute_measures(fourteen).opinion_groups
    assert (hidden.shown, hidden.reason, hidden.voters, hidden.groups) == (False, TOO_FEW_VOTES, 14, ())
    assert all(s.group_consensus is None for s in compute_measures(fourteen).statements)

    fifteen, _ = two_camp_room(15)
    shown = compute_measures(fifteen).opinion_groups
    assert (shown.shown, shown.reason, shown.voters) == (True, None, 15)

    cells = fifteen.cells.copy()
    cells[0, :] = np.nan
    cells[0, :6] = 1.0  # six votes out of ten statements: below min(7, 10)
    one_short = compute_measures(VoteMatrix(fifteen.participants, fifteen.statements, cells)).opinion_groups
    assert (one_short.shown, one_short.voters) == (False, 14)


def test_with_few_statements_voting_on_all_of_them_qualifies() -> None:
    rows = {f"p{i:02d}": ("++--" if i % 2 else "--++") for i in range(15)}
    groups = compute_measures(matrix(rows)).opinion_groups
    assert groups.shown
    assert groups.voters == 15


def test_a_room_that_voted_identically_shows_no_groups() -> None:
    rows = {f"p{i:02d}": "++-+0++-" for i in range(20)}
    groups = compute_measures(matrix(rows)).opinion_groups
    assert (groups.shown, groups.reason) == (False, NO_DIFFERENCES)


def test_a_two_camp_room_comes_out_as_its_two_camps() -> None:
    votes, camps = two_camp_room()
    groups = compute_measures(votes).opinion_groups
    assert groups.shown
    assert {frozenset(g.members) for g in groups.groups} == camps
    assert [g.size for g in groups.groups] == [10, 10]
    assert [g.label for g in groups.groups] == ["A", "B"]
    assert all(len(g.points) == g.size for g in groups.groups)


def test_each_camp_is_represented_by_the_statements_that_distinguish_it() -> None:
    votes, _ = two_camp_room()
    for group in compute_measures(votes).opinion_groups.groups:
        pattern = CAMP_A if "p00" in group.members else CAMP_B
        assert not group.low_confidence
        assert 1 <= len(group.statements) <= 5
        for chosen in group.statements:
            j = votes.statements.index(chosen.statement)
            assert j < 8, "a statement everyone agreed with does not distinguish a group"
            assert chosen.direction == ("agree" if pattern[j] == "+" else "disagree")
            assert chosen.test > 1.2816
        directions = [chosen.direction for chosen in group.statements]
        assert directions == sorted(directions), "agrees come before disagrees"


def test_the_two_proportion_test_smooths_by_one_and_pools() -> None:
    (z,) = two_proportion_test(np.array([9.0]), np.array([1.0]), np.array([10.0]), np.array([10.0]))
    pooled = 12 / 22
    assert z == pytest.approx((10 / 11 - 2 / 11) / math.sqrt(pooled * (1 - pooled) * (2 / 11)))
    (everyone,) = two_proportion_test(np.array([5.0]), np.array([5.0]), np.array([5.0]), np.array([5.0]))
    assert everyone == 0.0


def test_group_aware_consensus_is_the_product_over_groups_by_hand() -> None:
    votes, _ = two_camp_room()
    by_id = {s.statement: s for s in compute_measures(votes).statements}
    # s09: p08 and p18 (camp A) did not vote; the rest agreed. A: 8 of 8, B: 10 of 10.
    assert by_id["s09"].group_consensus == pytest.approx((8 + 1) / (8 + 2) * (10 + 1) / (10 + 2))
    # s01: camp A: p00 passed (counted in S), p10 did not vote, 8 agreed; camp B: all 10 disagreed.
    assert by_id["s01"].group_consensus == pytest.approx((8 + 1) / (9 + 2) * (0 + 1) / (10 + 2))


def test_the_same_votes_give_the_same_result_in_any_row_or_column_order() -> None:
    votes, _ = two_camp_room(23)
    first = compute_measures(votes, excluded={"s10"})
    assert compute_measures(votes, excluded={"s10"}) == first

    shuffle = random.Random(7)
    rows = list(range(len(votes.participants)))
    columns = list(range(len(votes.statements)))
    for _ in range(5):
        shuffle.shuffle(rows)
        shuffle.shuffle(columns)
        reordered = VoteMatrix(
            tuple(votes.participants[i] for i in rows),
            tuple(votes.statements[j] for j in columns),
            votes.cells[rows][:, columns],
        )
        again = compute_measures(reordered, excluded={"s10"})
        assert again.opinion_groups == first.opinion_groups
        assert sorted(again.statements, key=lambda s: s.statement) == list(first.statements)


def test_from_votes_builds_the_matrix_and_a_later_vote_replaces_an_earlier() -> None:
    votes = VoteMatrix.from_votes([("b", "s1", 1), ("a", "s2", -1), ("b", "s1", 0)], ["s1", "s2"])
    assert votes.participants == ("a", "b")
    np.testing.assert_array_equal(votes.cells, [[np.nan, -1.0], [0.0, np.nan]])


def test_a_vote_other_than_agree_disagree_or_pass_is_refused() -> None:
    with pytest.raises(ValueError, match="agree"):
        VoteMatrix(("a",), ("s1",), np.array([[2.0]]))


def test_a_light_voter_is_scaled_out_from_the_centre_by_the_root_of_statements_over_votes() -> None:
    """p00 votes on 7 of 14 statements like camp A: unscaled, half as far out as a full voter; scaled, √2 times that."""
    pattern = {0: "+++++++-------", 1: "-------+++++++"}
    rows = {f"p{i:02d}": pattern[i % 2] for i in range(20)}
    rows["p00"] = "+++++++" + "......."  # camp A's first half
    groups = compute_measures(matrix(rows)).opinion_groups
    place = {m: p for g in groups.groups for m, p in zip(g.members, g.points, strict=True)}
    # Along the first component (the camps' axis); the second is p00's own odd pattern.
    assert place["p00"][0] / place["p02"][0] == pytest.approx(math.sqrt(14 / 7) / 2, rel=0.05)


def test_large_rooms_get_the_same_principal_axes_from_subspace_iteration_as_from_an_exact_svd() -> None:
    from bench.weighin_bench import matrix
    from bot.weighin.groups import EXACT_SVD_LIMIT, _top_components

    votes = matrix(EXACT_SVD_LIMIT + 50, EXACT_SVD_LIMIT + 100)
    cells = votes.cells
    voted = ~np.isnan(cells)
    centred = np.where(voted, cells - np.nansum(cells, axis=0) / voted.sum(axis=0), 0.0)
    _, _, exact = np.linalg.svd(centred, full_matrices=False)
    approximate = _top_components(centred, 2)
    # The camp axis (first) must match; compare up to sign.
    assert abs(abs(float(approximate[0] @ exact[0])) - 1) < 1e-6
    assert np.array_equal(approximate, _top_components(centred, 2))  # deterministic
