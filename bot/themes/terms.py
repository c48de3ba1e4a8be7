"""Words to terms: tokens, stop words, Snowball (Porter 2) stems, and the surface forms a label shows.

A term is a stem ("fund") or two adjacent stems ("citi deal"); each occurrence keeps the words it came
from ("city deal"), so a label can show the form people actually wrote.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from bot.themes.quotes import strip_identifying

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MIN_WORD_LENGTH = 2

# Function words, plus the fillers of spoken and chat answers ("I think we really need…"), which say
# nothing about what a theme is. Compared in lower case, before stemming.
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and any anyone anything
    are aren't around as at be because been before being below between both but by can can't cannot could
    couldn't did didn't do does doesn't doing don't done down during each either else enough etc even ever
    every few for from further get gets getting go goes going got had hadn't has hasn't have haven't having
    he her here hers herself him himself his how however i i'd i'll i'm i've if in into is isn't it it's its
    itself just less let's like lot lots make makes making many may maybe me might more most much must
    mustn't my myself need needs no nor not now of off often on once one only or other others otherwise our
    ours ourselves out over own perhaps quite rather really same say says see seem seems shall she should
    shouldn't since so some something still such sure than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've thing things think this those though
    through thus to too under until up upon us use used very via want was wasn't way we we'd we'll we're
    we've well were weren't what what's when where whether which while who whom whose why will with within
    without won't would wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves
    agree agreed definitely probably actually kind sort bit yeah ok okay
    """.split()  # noqa: SIM905  # a list of 200 words reads better as text than as 200 literals
)


@dataclass(frozen=True)
class Occurrence:
    """One term in one answer: the stemmed term and the words it was written as."""

    term: str
    surface: str


def unigrams(text: str) -> list[Occurrence]:
    """The answer's content words as stems, in order (stop words and one-letter words dropped)."""
    stem = _stemmer()
    return [Occurrence(stem(word.lower()), word) for word in _content_words(text)]


def terms_with_bigrams(text: str) -> list[Occurrence]:
    """Stems and pairs of adjacent stems (within a run of content words, so "city deal" but not "deal and
    funding"): the candidates for a label. A pair written with a hyphen keeps it ("place-based")."""
    stem = _stemmer()
    occurrences: list[Occurrence] = []
    for run in _content_runs(text):
        stems = [stem(word.lower()) for word, _ in run]
        occurrences.extend(Occurrence(s, word) for s, (word, _) in zip(stems, run, strict=True))
        for i in range(len(run) - 1):
            (first, _), (second, joiner) = run[i], run[i + 1]
            occurrences.append(Occurrence(f"{stems[i]} {stems[i + 1]}", f"{first}{joiner}{second}"))
    return occurrences


def _content_words(text: str) -> list[str]:
    return [word for run in _content_runs(text) for word, _ in run]


def _content_runs(text: str) -> list[list[tuple[str, str]]]:
    """Runs of adjacent content words, each with how it joins the word before ("-" or " "); a stop word,
    punctuation or a blanked-out link breaks a run."""
    runs: list[list[tuple[str, str]]] = []
    for chunk in re.split(r"[^\w\s'’-]+|\s-\s", strip_identifying(text)):
        run: list[tuple[str, str]] = []
        previous_end = 0
        for match in _WORD.finditer(chunk):
            word = match.group().replace("’", "'").removesuffix("'s").removesuffix("'S")
            joiner = "-" if chunk[previous_end : match.start()] == "-" else " "
            previous_end = match.end()
            if word.lower() in STOP_WORDS or len(word) < _MIN_WORD_LENGTH:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((word, joiner))
        if run:
            runs.append(run)
    return runs


def _stemmer() -> Callable[[str], str]:
    return _stem


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # A memo of a pure function: a question's answers repeat their words, and Snowball is pure Python.
    stemmer, lock = _english_stemmer()
    with lock:  # a Snowball stemmer keeps the word being stemmed on itself: one word at a time
        stemmed: str = stemmer.stemWord(word)
    return stemmed


@cache
def _english_stemmer() -> tuple[Any, threading.Lock]:
    # Built on first use, not at import (digests are compiled on worker threads, hence the lock).
    import snowballstemmer  # type: ignore[import-untyped]  # no py.typed; one function is used

    return snowballstemmer.stemmer("english"), threading.Lock()
