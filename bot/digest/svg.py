"""Inline SVG bar charts for the HTML digest, written as text; every label is escaped here."""

from html import escape as html_escape

from bot.digest.model import OptionResult

WIDTH = 600
ROW = 44
BAR_MAX = 430
LABEL_CHARS = 70  # the full label is in the table beside the chart


def bar_chart(title: str, options: tuple[OptionResult, ...]) -> str:
    """A horizontal bar chart: one row per option, label above its bar, votes and share after it."""
    height = ROW * len(options) + 8
    rows = []
    for index, option in enumerate(options):
        top = index * ROW + 4
        width = round(BAR_MAX * option.percent / 100, 1)
        label = option.label if len(option.label) <= LABEL_CHARS else option.label[: LABEL_CHARS - 1] + "…"
        rows.append(
            f'<text x="0" y="{top + 14}" class="l">{html_escape(label)}</text>'
            f'<rect x="0" y="{top + 20}" width="{BAR_MAX}" height="16" class="t"/>'
            f'<rect x="0" y="{top + 20}" width="{width}" height="16" class="b"/>'
            f'<text x="{BAR_MAX + 8}" y="{top + 33}" class="v">{option.votes:,} · {option.percent:.1f}%</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'class="chart" preserveAspectRatio="xMinYMin meet"><title>{html_escape(title)}</title>{"".join(rows)}</svg>'
    )
