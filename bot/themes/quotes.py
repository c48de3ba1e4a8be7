"""Quotes that keep the Chatham House Rule: an answer is quoted word for word, cut only at a sentence
boundary, or not at all.

An answer that would need a cut to hide who is speaking or who is meant (a mention, a user or channel id, a
link, an e-mail address, a participant's name, a redacted organisation) is never altered: `quote` returns
None and the answer goes to the unquotable pool. Text comes as Slack stores it (`&amp;`, `&lt;`, `&gt;`
escaped, `<...>` tokens for mentions and links); a quote is plain text, for each renderer to escape.
"""

import re
from collections.abc import Collection, Iterable

# Quotes are short (deliberation-measures.md §2.4): the leading whole sentences that fit in this.
QUOTE_MAX_CHARS = 200

# Anything that can name or reach a person, a channel or a place on the web. Each is a reason to refuse
# the whole answer, so the patterns err on the side of refusing.
_IDENTIFYING = re.compile(
    r"""
      <[^<>]*>                                   # any Slack token: <@U…>, <#C…>, <!here>, <http…|…>, <mailto:…>
    | [\w.+-]+@[\w-]+\.\w                        # an e-mail address
    | @\w                                       # a typed @mention
    | \b(?:https?|ftp)://                        # a URL
    | \bmailto:
    | \bwww\.
    | \b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|ai|co|uk|edu|gov|ac|info|biz|eu|dev|app)\b(?!\.\w)
    """,
    re.VERBOSE | re.IGNORECASE,
)
# A raw Slack user (U, W) or channel (C, G, D) id. Case matters here ("understanding" is not an id); an
# all-capitals word of nine letters or more ("UNIVERSITY") is refused too, which errs the safe way.
_RAW_ID = re.compile(r"\b[UWCGD][A-Z0-9]{8,}\b")

# A full stop after one of these does not end a sentence ("e.g. Cambridge", "Dr. Smith").
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "eg", "ie", "etc", "vs", "cf", "dr", "mr", "mrs", "ms", "prof", "st", "no", "approx"}
)
# A sentence ends at . ! or ? (with any closing quotes or brackets) before whitespace and a capital, a digit
# or an opening quote.
_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WHITESPACE = re.compile(r"\s+")
_NAME_PARTS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Parts of a display name shorter than this ("Al", "Dr", initials) are too common to mean the person.
_MIN_NAME_PART = 3


def quote(text: str, known_names: Collection[str] = (), redact: Collection[str] = ()) -> str | None:
    """The quotable form of an answer (at most QUOTE_MAX_CHARS characters, its leading whole sentences), or
    None when quoting it would break the Chatham House Rule or need a cut inside a sentence.

    `known_names`: the workshop's display names; the whole name and each part of at least three letters
    count ("Jane Smith" also refuses "Smith"). `redact`: organisations, matched as whole phrases. Both are
    case-insensitive and match whole words only.
    """
    if is_identifying(text, known_names, redact):
        return None
    plain = _WHITESPACE.sub(" ", unescape(text)).strip()
    if not plain:
        return None
    if len(plain) <= QUOTE_MAX_CHARS:
        return plain
    return _leading_sentences(plain)


def is_identifying(text: str, known_names: Collection[str] = (), redact: Collection[str] = ()) -> bool:
    """Whether `text` carries a mention, an id, a link, an e-mail address, a known name or a redacted
    organisation."""
    if _IDENTIFYING.search(text) is not None or _RAW_ID.search(text) is not None:
        return True
    plain = unescape(text)
    if _IDENTIFYING.search(plain) is not None:  # "&lt;@U123&gt;" typed as text is still a mention
        return True
    phrases = [*_name_phrases(known_names), *redact]
    return any(_whole_phrase(phrase).search(plain) for phrase in phrases if phrase.strip())


def strip_identifying(text: str) -> str:
    """`text` with every mention, id, link and address blanked out: for counting words, never for quoting."""
    return _IDENTIFYING.sub(" ", _RAW_ID.sub(" ", unescape(_IDENTIFYING.sub(" ", text))))


def unescape(text: str) -> str:
    # &amp; last, so "&amp;lt;" becomes the literal "&lt;" that was typed.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _name_phrases(known_names: Iterable[str]) -> list[str]:
    phrases: list[str] = []
    for name in known_names:
        phrases.append(name)
        parts = _NAME_PARTS.findall(name)
        if len(parts) > 1:
            phrases.extend(part for part in parts if len(part) >= _MIN_NAME_PART)
    return phrases


def _whole_phrase(phrase: str) -> re.Pattern[str]:
    words = (re.escape(word) for word in phrase.split())
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _leading_sentences(plain: str) -> str | None:
    cut: int | None = None
    for match in _SENTENCE_END.finditer(plain):
        if match.end() > QUOTE_MAX_CHARS:
            break
        if plain[match.start()] == "." and _ends_in_abbreviation(plain[: match.start()]):
            continue
        cut = match.end()
    return plain[:cut].rstrip() if cut else None


def _ends_in_abbreviation(text: str) -> bool:
    last_word = text.rsplit(maxsplit=1)[-1].lstrip("(\"'“‘").lower()
    return last_word in _ABBREVIATIONS or len(last_word) == 1
