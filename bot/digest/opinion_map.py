"""The opinion map as inline SVG for the HTML digest: one dot per placed person, coloured by group.

Unlabelled by design: no names, no keys, no axis values (the axes of a PCA have no meaning a reader could
use), and the dots come sorted by position, so their order says nothing about who is who.
"""

from html import escape as html_escape

from bot.digest.model import OpinionGroupsSection

COLOURS = ("#3a6ea5", "#c8553d", "#588b5b", "#8e6c8a", "#b08c2e")
SIZE = 320
MARGIN = 16
LEGEND = 26


def colour(label: str) -> str:
    return COLOURS[(ord(label[0]) - ord("A")) % len(COLOURS)] if label else COLOURS[0]


def _scale(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    span = high - low or 1.0
    return low, span


def opinion_map_svg(groups: OpinionGroupsSection) -> str:
    if not groups.points:
        return ""
    xs = [p[0] for p in groups.points]
    ys = [p[1] for p in groups.points]
    (x0, xspan), (y0, yspan) = _scale(xs), _scale(ys)
    inner = SIZE - 2 * MARGIN
    dots = "".join(
        f'<circle cx="{MARGIN + inner * (x - x0) / xspan:.1f}" cy="{MARGIN + inner * (1 - (y - y0) / yspan):.1f}" '
        f'r="5" fill="{colour(label)}" fill-opacity="0.8"/>'
        for x, y, label in groups.points
    )
    legend = "".join(
        f'<circle cx="{MARGIN + 110 * i + 6}" cy="{SIZE + 12}" r="5" fill="{colour(g.label)}"/>'
        f'<text x="{MARGIN + 110 * i + 16}" y="{SIZE + 17}" class="v">Group {html_escape(g.label)} ({g.size:,})</text>'
        for i, g in enumerate(groups.groups)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {max(SIZE, 110 * len(groups.groups) + 2 * MARGIN)} '
        f'{SIZE + LEGEND}" role="img" class="chart opinion-map" preserveAspectRatio="xMinYMin meet">'
        "<title>Opinion map: each dot is one person, placed by how they voted; colours are opinion groups</title>"
        f'<rect x="0" y="0" width="{SIZE}" height="{SIZE}" class="t"/>{dots}{legend}</svg>'
    )
