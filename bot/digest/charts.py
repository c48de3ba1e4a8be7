"""PNG bar chart of one poll for Slack, drawn with matplotlib's Agg backend.

Uses `matplotlib.figure.Figure` directly (no pyplot global state, safe in worker threads). Metadata that
would vary between runs is suppressed, so the same poll gives the same bytes on one matplotlib version.
matplotlib is imported when the first chart is drawn, not with the web app: it is about half of a worker's
import time, and most workers never draw a chart.
"""

import io
import textwrap

from bot.digest.glyphs import printable
from bot.digest.model import OpinionGroupsSection, PollSection

BAR_COLOUR = "#3a6ea5"
MAX_LABEL = 60


def _label(text: str) -> str:
    text = " ".join(printable(text).split())
    text = text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"
    # matplotlib treats $…$ as mathtext; escape it so labels print literally.
    return "\n".join(textwrap.wrap(text, 30)).replace("$", r"\$") or " "


def poll_chart_png(poll: PollSection) -> bytes:
    """Horizontal bars, first option on top, with votes and share printed beside each bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    count = max(len(poll.options), 1)
    figure = Figure(figsize=(7, 1.2 + 0.55 * count), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [_label(option.label) for option in poll.options]
    shares = [option.percent for option in poll.options]
    positions = list(range(len(labels)))
    axes.barh(positions, shares, color=BAR_COLOUR, height=0.6)
    axes.set_yticks(positions, labels=labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 118)
    axes.set_xticks([0, 25, 50, 75, 100], labels=["0%", "25%", "50%", "75%", "100%"])
    for position, option in zip(positions, poll.options, strict=True):
        axes.text(
            option.percent + 1.5,
            position,
            f"{option.votes:,} · {option.percent:.1f}%",
            va="center",
            fontsize=9,
        )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    title = printable(" ".join(poll.question.split()))
    title = title if len(title) <= 90 else title[:89] + "…"
    axes.set_title("\n".join(textwrap.wrap(title.replace("$", r"\$"), 60)), fontsize=11, loc="left")
    axes.set_xlabel(f"{poll.total_voters:,} voters", fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def opinion_map_png(groups: OpinionGroupsSection) -> bytes:
    """The opinion map (see `opinion_map`): unlabelled dots coloured by group, a legend of sizes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.digest.opinion_map import colour

    figure = Figure(figsize=(5, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for group in groups.groups:
        points = [(x, y) for x, y, label in groups.points if label == group.label]
        axes.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            s=40,
            color=colour(group.label),
            alpha=0.8,
            label=f"Group {group.label} ({group.size:,})",
        )
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(loc="best", fontsize=9)
    axes.set_title("Opinion map: one dot per person, by how they voted", fontsize=10, loc="left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
