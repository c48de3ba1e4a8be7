"""The Unicode font that ships with matplotlib, and text cut down to the glyphs it has.

PDF and PNG output use DejaVu Sans; it covers Latin, Greek, Cyrillic, Hebrew, Arabic and many symbols but
no emoji. Missing characters become U+FFFD instead of silently vanishing (or logging a warning per glyph).
matplotlib and fontTools are imported on first use, when a chart or PDF is drawn (see bot.digest.charts).
"""

import unicodedata
from functools import cache
from pathlib import Path

REPLACEMENT = "\ufffd"


def font_path(name: str = "DejaVuSans.ttf") -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


@cache
def _coverage(name: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path(name), lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str, name: str = "DejaVuSans.ttf") -> str:
    """`text` with every character the font lacks replaced; zero-width marks it lacks are dropped."""
    covered = _coverage(name)
    if all(ord(char) in covered or char == "\n" for char in text):
        return text
    out = []
    for char in text:
        if ord(char) in covered or char == "\n":
            out.append(char)
        elif char == "\t":
            out.append("    ")
        elif unicodedata.category(char) not in ("Mn", "Me", "Cf", "Cc"):
            out.append(REPLACEMENT)
    return "".join(out)
