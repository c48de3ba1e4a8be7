"""Suggested themes and Chatham House quotes (bot.themes), on a hand-labelled set of roundtable answers.

Unsupervised themes on short answers are weak, so the agreement with the hand labels (adjusted Rand index)
is printed (`pytest -s` or `-rP` shows it), not pinned; what is asserted holds for any input: the same
answers in any order give the same themes, the minimum sizes, Other points, labels in the theme's own
words, and quotes that are members and quotable.
"""

import random
import re
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta
from math import comb
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.themes import (
    MAX_ANSWERS_FOR_THEMES,
    MIN_ANSWERS_FOR_THEMES,
    MIN_THEME_SIZE,
    QUOTE_MAX_CHARS,
    SuggestedThemes,
    ThemeInput,
    embeddings,
    quote,
    suggest_themes,
)
from tests.theme_fixtures import CAMBRIDGE_ANSWERS, OTHER, cambridge_answer_times


def cambridge_inputs() -> list[ThemeInput]:
    return [
        ThemeInput(id=100 + i, text=text, created_at=at)
        for i, ((_, text), at) in enumerate(zip(CAMBRIDGE_ANSWERS, cambridge_answer_times(), strict=True))
    ]


def hand_labels() -> dict[int, str]:
    # Each "other" answer is a theme of its own: two of them grouped together is not agreement.
    return {
        100 + i: (f"other {i}" if theme == OTHER else theme) for i, (theme, _) in enumerate(CAMBRIDGE_ANSWERS)
    }


def suggested_labels(suggested: SuggestedThemes) -> dict[int, str]:
    labels = {answer_id: theme.label for theme in suggested.themes for answer_id in theme.answer_ids}
    labels.update({answer_id: f"other {answer_id}" for answer_id in suggested.other_ids})
    return labels


def adjusted_rand_index(truth: dict[int, str], found: dict[int, str]) -> float:
    """Hubert and Arabie's ARI: 1 for the same grouping, about 0 for chance."""
    ids = sorted(truth)
    pairs = sum(comb(n, 2) for n in Counter((truth[i], found[i]) for i in ids).values())
    truth_pairs = sum(comb(n, 2) for n in Counter(truth[i] for i in ids).values())
    found_pairs = sum(comb(n, 2) for n in Counter(found[i] for i in ids).values())
    expected = truth_pairs * found_pairs / comb(len(ids), 2)
    best = (truth_pairs + found_pairs) / 2
    return 1.0 if best == expected else (pairs - expected) / (best - expected)


def assert_well_formed(answers: list[ThemeInput], suggested: SuggestedThemes, unquotable: set[int]) -> None:
    time_of = {answer.id: (answer.created_at, answer.id) for answer in answers}
    placed = [i for theme in suggested.themes for i in theme.answer_ids] + list(suggested.other_ids)
    assert sorted(placed) == sorted(time_of), "every answer is in exactly one theme or in Other points"
    assert list(suggested.other_ids) == sorted(suggested.other_ids, key=time_of.__getitem__)
    for theme in suggested.themes:
        assert len(theme.answer_ids) >= MIN_THEME_SIZE
        assert list(theme.answer_ids) == sorted(theme.answer_ids, key=time_of.__getitem__)
        assert len(theme.quote_ids) <= 2
        assert len(set(theme.quote_ids)) == len(theme.quote_ids)
        assert set(theme.quote_ids) <= set(theme.answer_ids)
        assert not set(theme.quote_ids) & unquotable
        assert theme.label
    order = [(-len(t.answer_ids), time_of[t.answer_ids[0]]) for t in suggested.themes]
    assert order == sorted(order), "largest theme first, ties by the earliest answer"


def test_hand_labelled_answers_get_suggested_themes_and_the_agreement_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = cambridge_inputs()
    suggested = suggest_themes(answers, use_embeddings=False)

    assert_well_formed(answers, suggested, set())
    ari = adjusted_rand_index(hand_labels(), suggested_labels(suggested))
    text = {answer.id: answer.text for answer in answers}
    report = [
        f"\nadjusted Rand index against the hand labels, TF-IDF only: {ari:.2f} ({len(answers)} answers)"
    ]
    for theme in suggested.themes:
        quoted = [text[i] for i in theme.quote_ids]
        report.append(f"  {theme.label!r}: {len(theme.answer_ids)} answers, quoted: {quoted}")
    report.append(f"  Other points: {len(suggested.other_ids)}")
    with capsys.disabled():  # shown in every run, not only with -s: the figure is the point of the test
        print("\n".join(report))  # noqa: T201
    assert len(suggested.themes) >= 2
    assert ari > 0.0, "no better than chance"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_answers_in_any_order_give_the_same_themes(seed: int) -> None:
    answers = cambridge_inputs()
    shuffled = answers.copy()
    random.Random(seed).shuffle(shuffled)

    assert suggest_themes(shuffled) == suggest_themes(answers)


def test_answers_at_the_same_time_are_ordered_by_id() -> None:
    at = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    answers = [ThemeInput(100 + i, text, at) for i, (_, text) in enumerate(CAMBRIDGE_ANSWERS)]

    assert suggest_themes(list(reversed(answers))) == suggest_themes(answers)
    assert_well_formed(answers, suggest_themes(answers), set())


def test_each_label_term_is_written_in_the_themes_own_answers() -> None:
    answers = cambridge_inputs()
    text = {answer.id: answer.text.lower() for answer in answers}

    for theme in suggest_themes(answers).themes:
        for term in theme.label.split(", "):
            pattern = re.compile(r"(?<!\w)" + re.escape(term.lower()) + r"(?!\w)")
            assert any(pattern.search(text[i]) for i in theme.answer_ids), (term, theme.answer_ids)


@pytest.mark.parametrize("count", range(MIN_ANSWERS_FOR_THEMES))
def test_fewer_than_six_answers_get_no_themes_and_are_all_other_points(count: int) -> None:
    answers = cambridge_inputs()[:count]

    suggested = suggest_themes(list(reversed(answers)))

    assert suggested == SuggestedThemes((), tuple(answer.id for answer in answers))


def test_more_answers_than_clustering_can_afford_get_no_suggestions_at_once() -> None:
    base = cambridge_inputs()
    answers = [
        ThemeInput(n, base[n % len(base)].text, base[0].created_at + timedelta(seconds=n))
        for n in range(MAX_ANSWERS_FOR_THEMES + 1)
    ]
    suggested = suggest_themes(answers)
    assert suggested == SuggestedThemes((), tuple(range(MAX_ANSWERS_FOR_THEMES + 1)))
    assert suggest_themes(answers[:MAX_ANSWERS_FOR_THEMES]).themes  # at the limit, still suggested


def test_two_answers_with_one_id_are_refused() -> None:
    answers = cambridge_inputs()
    answers.append(
        ThemeInput(answers[0].id, "A second answer with the first one's id.", answers[-1].created_at)
    )

    with pytest.raises(ValueError, match="its own id"):
        suggest_themes(answers)


def test_answers_too_unlike_any_theme_are_other_points() -> None:
    answers = cambridge_inputs()
    unrelated = [
        "Childcare is expensive.",
        "Planners lack skills.",
        "Ask founders first.",
    ]
    later = answers[-1].created_at
    answers += [
        ThemeInput(900 + i, text, later + timedelta(minutes=1 + i)) for i, text in enumerate(unrelated)
    ]

    suggested = suggest_themes(answers)

    assert {900, 901, 902} <= set(suggested.other_ids)
    assert_well_formed(answers, suggested, set())


def test_quotes_are_never_unquotable_answers() -> None:
    answers = cambridge_inputs()
    first_choice = {i for theme in suggest_themes(answers).themes for i in theme.quote_ids}

    suggested = suggest_themes(answers, unquotable=first_choice)

    assert_well_formed(answers, suggested, first_choice)
    assert any(theme.quote_ids for theme in suggested.themes), "other members are quoted instead"


def test_answers_that_name_someone_are_not_quoted_and_names_never_label_a_theme() -> None:
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    texts = [
        "Zephyr Labs shows how research funding turns into spinouts.",
        "Research funding at Zephyr Labs built the spinouts.",
        "Jane Doe said research funding made the spinouts possible.",
        "Research funding and spinouts go together.",
        "Transport links to the wider region are poor.",
        "The wider region needs transport links.",
        "Transport links to the wider region need money, see https://example.org/rail.",
        "Ask <@U024BE7LH> about transport links to the wider region.",
    ]
    answers = [ThemeInput(i + 1, text, start + timedelta(minutes=i)) for i, text in enumerate(texts)]

    suggested = suggest_themes(answers, known_names=["Jane Doe"], redact=["Zephyr Labs"])

    assert_well_formed(answers, suggested, {1, 2, 3, 7, 8})
    for theme in suggested.themes:
        assert not re.search(r"zephyr|labs|jane|doe|example|https", theme.label, re.IGNORECASE), theme.label


@pytest.mark.parametrize(
    "texts",
    [
        [""] * 8,
        ["The the and of it."] * 7,
        ["Transport links matter."] * 9,
        ["<@U024BE7LH>", "https://x.org", "ok", "yes", "no", "maybe", "fine"],
    ],
    ids=["empty", "stop words only", "identical", "only links and fillers"],
)
def test_degenerate_answers_still_give_well_formed_themes(texts: list[str]) -> None:
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    answers = [ThemeInput(i + 1, text, start + timedelta(seconds=i)) for i, text in enumerate(texts)]

    suggested = suggest_themes(answers)

    assert_well_formed(answers, suggested, {i + 1 for i, t in enumerate(texts) if quote(t) is None})


WORDS = st.sampled_from(
    [
        *("city", "deal", "research", "funding", "transport", "rail", "links", "region", "policy"),
        *("place", "sector", "doubt", "copy", "the", "and"),
    ]
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(WORDS, max_size=8).map(" ".join), min_size=0, max_size=24), st.randoms())
def test_any_answers_in_any_order_give_the_same_well_formed_themes(
    texts: list[str], rng: random.Random
) -> None:
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    answers = [ThemeInput(i + 1, text, start + timedelta(seconds=i // 2)) for i, text in enumerate(texts)]
    shuffled = answers.copy()
    rng.shuffle(shuffled)

    suggested = suggest_themes(answers)

    assert suggest_themes(shuffled) == suggested
    assert_well_formed(answers, suggested, set())


# Quotes under the Chatham House Rule.

HOSTILE = {
    "user mention": "As <@U024BE7LH> said, the city deal mattered.",
    "user mention with label": "Ask <@U024BE7LH|jane> about it.",
    "channel mention": "We covered this in <#C0123456789|general>.",
    "special mention": "<!here> the city deal is the key.",
    "subteam mention": "<!subteam^S0123ABCD|@planners> should decide.",
    "typed mention": "Like @jane said, it cannot be copied.",
    "raw user id": "Ask U024BE7LH, who ran the city deal.",
    "raw enterprise user id": "W0123ABCDEF knows the numbers.",
    "raw channel id": "It is all in C0123456789 already.",
    "raw private channel id": "See G0123ABCDE for the notes.",
    "url": "The report is at https://example.org/report and says so.",
    "slack link": "Read <https://example.org/report|the report> first.",
    "www link": "See www.example.org for the numbers.",
    "bare domain": "Look at cambridgeahead.co.uk for the data.",
    "e-mail": "Write to jane.doe@cam.ac.uk for the figures.",
    "slack mailto": "Write to <mailto:jane@example.org|jane@example.org>.",
    "escaped mention typed as text": "As &lt;@U024BE7LH&gt; said.",
    "display name": "Jane Doe made this point last year.",
    "part of a display name": "As Doe said, it cannot be copied.",
    "display name in another case": "as JANE DOE said, it cannot be copied.",
    "redacted organisation": "At Zephyr Labs we saw the research funding work.",
    "redacted organisation across a line break": "At zephyr\nlabs we saw it work.",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_answer_that_would_need_a_cut_is_not_quotable(text: str) -> None:
    assert quote(text, known_names=["Jane Doe"], redact=["Zephyr Labs"]) is None


@pytest.mark.parametrize(
    "text",
    [
        "Janet and Doering are other people.",  # whole words only: "Janet" is not "Jane"
        "Understanding the region matters more than UK-wide plans.",  # not a raw id
        "Zephyr winds and research labs are both welcome.",  # the organisation is a whole phrase
        "The deal e.g. the housing money helped; i.e. it worked.",
        "Email is fine; an @ on its own is not a mention.",
    ],
)
def test_an_answer_with_nothing_identifying_is_quoted_word_for_word(text: str) -> None:
    assert quote(text, known_names=["Jane Doe", "Al"], redact=["Zephyr Labs"]) == text


def test_a_quote_is_plain_text_with_slack_escapes_undone_and_whitespace_collapsed() -> None:
    assert quote("  R&amp;D funding &lt;3\n\nmatters  ") == "R&D funding <3 matters"


def test_an_overlong_answer_is_cut_after_its_last_whole_sentence_that_fits() -> None:
    first = "The City Deal gave Cambridge the money and the powers to plan for growth."
    second = "Research funding built the spinouts, e.g. in the university labs, over four decades."
    third = "Without transport links to the wider region the cluster will stall and house prices will keep rising."
    text = f"{first} {second} {third}"
    assert len(f"{first} {second}") <= QUOTE_MAX_CHARS < len(text)

    assert quote(text) == f"{first} {second}"


def test_an_overlong_answer_with_no_sentence_boundary_in_the_limit_is_not_quotable() -> None:
    text = "Research funding " + "and patient capital " * 12 + "made it. Then more."
    assert text.index(".") > QUOTE_MAX_CHARS

    assert quote(text) is None


def test_an_empty_answer_is_not_quotable() -> None:
    assert quote(" \n ") is None


# The optional static embedding (`pip install 'roundtable[embeddings]'`); skipped without the extra.


def test_with_the_embeddings_extra_themes_stay_deterministic_and_the_agreement_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("wordllama")
    answers = cambridge_inputs()
    shuffled = answers.copy()
    random.Random(4).shuffle(shuffled)

    suggested = suggest_themes(answers, use_embeddings=True)

    assert suggest_themes(shuffled, use_embeddings=True) == suggested
    assert_well_formed(answers, suggested, set())
    ari = adjusted_rand_index(hand_labels(), suggested_labels(suggested))
    with capsys.disabled():
        print(f"\nadjusted Rand index with the static embedding: {ari:.2f}")  # noqa: T201
    assert ari > 0.0, "no better than chance"


def test_without_the_embeddings_extra_themes_need_nothing_but_the_base_install() -> None:
    if embeddings.available():
        pytest.skip("the embeddings extra is installed")

    assert suggest_themes(cambridge_inputs()) == suggest_themes(cambridge_inputs(), use_embeddings=False)


def test_the_static_embedding_loads_from_its_wheel_with_no_network_and_no_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("wordllama")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedding tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    embeddings._model.cache_clear()

    vectors = embeddings.embed(["The city deal gave the money.", ""])

    assert vectors.shape[0] == 2
    assert list(tmp_path.iterdir()) == []
