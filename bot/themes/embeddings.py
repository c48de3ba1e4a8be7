"""The optional static embedding (`pip install 'roundtable[embeddings]'`): WordLlama's 256-dimension model,
whose weights and tokenizer ship inside its wheel, so it runs offline and downloads nothing.

On short replies it about quadruples the agreement of average-linkage themes with a human grouping when
joined to stemmed TF-IDF with equal weight (adjusted Rand index 0.42 against 0.10,
deliberation-measures.md §2.3). Without the extra, themes are lexical only. Licence: the package is MIT;
its weights derive from Llama 2 and phi-3 token embeddings (§3), one reason it stays optional.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def available() -> bool:
    """Whether the `embeddings` extra is installed (checked without importing it)."""
    return importlib.util.find_spec("wordllama") is not None


def embed(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """One L2-normalised row per text (an empty text is a zero row)."""
    import numpy as np

    rows = np.zeros((len(texts), 0))
    nonempty = [i for i, text in enumerate(texts) if text.strip()]
    if nonempty:
        vectors = np.asarray(_model().embed([texts[i] for i in nonempty], norm=True), dtype=np.float64)
        rows = np.zeros((len(texts), vectors.shape[1]))
        rows[nonempty] = vectors
    return rows


@cache
def _model() -> Any:
    # Loaded once per process, on first use. Plain `WordLlama.load()` looks for the tokenizer in the wrong
    # folder and then fetches it from Hugging Face (deliberation-measures.md §3); pointing `cache_dir` at
    # the package with downloads disabled reads both files from the wheel and writes nothing to HOME.
    from pathlib import Path

    import wordllama

    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
