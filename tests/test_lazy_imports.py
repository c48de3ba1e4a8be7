"""Every web worker imports the app; only a chart, a PDF or a Word file needs matplotlib, fpdf2 and fontTools
(about half of the app's import time) or python-docx. They load when something is drawn, not when a worker
starts."""

import json
import subprocess
import sys
from pathlib import Path

DRAWING_LIBRARIES = ("matplotlib", "fpdf", "fontTools", "docx")

# In a fresh interpreter: which drawing libraries are loaded after importing the web app, and after each
# step that draws (so a misspelt module name here cannot make the first answer vacuously empty).
PROBE = """
import json, sys
def loaded():
    return sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1:]))
steps = {}
import bot.runtime.server
steps["web app"] = loaded()
from bot.digest import glyphs
glyphs.printable("chart label")
steps["glyph check"] = loaded()
import bot.digest.render_pdf
steps["pdf renderer"] = loaded()
import bot.digest.render_docx
steps["word renderer"] = loaded()
print(json.dumps(steps))
"""


def test_importing_the_web_app_loads_no_chart_pdf_or_word_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *DRAWING_LIBRARIES],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    steps = json.loads(result.stdout)
    assert steps == {
        "web app": [],
        "glyph check": ["fontTools", "matplotlib"],
        "pdf renderer": ["fontTools", "fpdf", "matplotlib"],
        "word renderer": ["docx", "fontTools", "fpdf", "matplotlib"],
    }
