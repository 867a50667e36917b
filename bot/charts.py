"""The coverage chart (pure): articles per day as a PNG bar chart for `/news coverage`.

Drawn with matplotlib's object-oriented API on its Agg canvas, never pyplot, so a render touches no
global figure state and may run in a worker thread. matplotlib is imported inside the functions:
importing this module stays cheap, and only a process that draws a chart pays for matplotlib.
"""

from __future__ import annotations

import datetime
import io
import itertools
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.text import Text

# An opaque dark-slate card, so the chart reads the same on Discord's dark (#313338) and light
# (#ffffff) themes. The tests check the WCAG contrast of text and bars against the card.
CARD_COLOUR = "#1e232b"
BORDER_COLOUR = "#454d5b"
"""A thin frame that separates the card from Discord's dark theme, which is close to it."""
TEXT_COLOUR = "#f2f3f5"
MUTED_TEXT_COLOUR = "#aab2bf"
"""Tick labels and notes: quieter than the title, still readable (WCAG AA)."""
GRID_COLOUR = "#333a46"
BAR_COLOUR = "#5b9cf6"

WIDTH_INCHES = 8.0
HEIGHT_INCHES = 4.0
DPI = 100
"""800 x 400 pixels."""

TITLE_LIMIT = 80
TITLE_SIZE = 13
TITLE_MIN_SIZE = 10
TITLE_LEFT = 0.07
TITLE_RIGHT = 0.98
"""The title's room, in figure fractions: it lines up with the plot's left and right edges."""
MAX_DATE_LABELS = 10
"""About 70 px per label at 800 px: "Nov 28" never overlaps its neighbour."""
MIN_SLOTS = 7
"""The x axis is at least this many bars wide, so one or two days are not drawn as slabs."""
MAX_VALUE_LABELS = 16
"""Above this many days the bars are too narrow for a number over each one."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class DayCount:
    """One day's count of articles on the coverage chart."""

    day: datetime.date
    articles: int


def coverage_chart(days: Sequence[DayCount], *, title: str) -> bytes:
    """PNG bytes of a bar chart: articles per day.

    Days may come in any order and may have gaps (a missing day is drawn as no bar). Raises
    ValueError for an empty sequence, a repeated day or a negative count.
    """
    if not days:
        raise ValueError("a coverage chart needs at least one day")
    ordered = sorted(days, key=lambda d: d.day)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.day == later.day:
            raise ValueError(f"day {later.day.isoformat()} appears more than once")
    if any(d.articles < 0 for d in ordered):
        raise ValueError("article counts cannot be negative")

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    first = ordered[0].day
    positions = [(d.day - first).days for d in ordered]
    counts = [d.articles for d in ordered]
    span = positions[-1] + 1
    top = max(counts)

    fig = Figure(
        figsize=(WIDTH_INCHES, HEIGHT_INCHES),
        dpi=DPI,
        facecolor=CARD_COLOUR,
        edgecolor=BORDER_COLOUR,
        linewidth=2,
    )
    FigureCanvasAgg(fig)
    # Fixed margins rather than a layout engine: the same geometry every time, and faster.
    fig.subplots_adjust(left=TITLE_LEFT, right=TITLE_RIGHT, top=0.86, bottom=0.1)
    ax = fig.add_subplot()
    ax.set_facecolor(CARD_COLOUR)

    # The title is user text: parse_math=False means a "$" is a dollar sign, never mathtext.
    heading = fig.text(
        TITLE_LEFT,
        0.93,
        _clip_title(title),
        color=TEXT_COLOUR,
        fontsize=TITLE_SIZE,
        fontweight="bold",
        ha="left",
        va="center",
        parse_math=False,
        usetex=False,
    )
    _fit_width(heading, available=(TITLE_RIGHT - TITLE_LEFT) * WIDTH_INCHES * DPI)

    bars = ax.bar(positions, counts, width=0.72, color=BAR_COLOUR, zorder=2)
    if top and span <= MAX_VALUE_LABELS:
        ax.bar_label(
            bars,
            labels=[str(c) if c else "" for c in counts],
            padding=2,
            color=TEXT_COLOUR,
            fontsize=8,
        )

    spare = max(MIN_SLOTS - span, 0) / 2
    ax.set_xlim(-0.6 - spare, span - 0.4 + spare)
    # Headroom above the tallest bar for its value label; an all-zero chart still gets a 0..1 axis.
    ax.set_ylim(0, max(top * 1.12, 1))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))

    step = math.ceil(span / MAX_DATE_LABELS)
    # Count back from the newest day so that it is always labelled.
    ticks = list(range(span - 1, -1, -step))[::-1]
    ax.set_xticks(ticks, [_short_date(first + datetime.timedelta(days=t)) for t in ticks])

    ax.tick_params(colors=MUTED_TEXT_COLOUR, labelsize=9, length=0, pad=6)
    ax.grid(axis="y", color=GRID_COLOUR, linewidth=1, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(BORDER_COLOUR)

    if top == 0:
        ax.text(
            0.5,
            0.5,
            "no articles in this period",
            transform=ax.transAxes,
            color=MUTED_TEXT_COLOUR,
            fontsize=12,
            ha="center",
            va="center",
            parse_math=False,
        )

    out = io.BytesIO()
    # metadata: no "Software: matplotlib x.y" chunk, so the bytes do not change with an upgrade.
    fig.savefig(out, format="png", dpi=DPI, facecolor=CARD_COLOUR, metadata={"Software": None})
    return out.getvalue()


def render_seconds(repeats: int = 5) -> float:
    """Median wall time in seconds of one realistic 30-day render, after a warm-up render."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    end = datetime.date(2026, 11, 28)
    days = [
        # A weekly rhythm with a news spike: deterministic, and shaped like real coverage.
        DayCount(end - datetime.timedelta(days=29 - i), 12 + (i * 7) % 11 + (40 if i == 21 else 0))
        for i in range(30)
    ]
    title = "Coverage: European Central Bank interest rates, last 30 days"
    coverage_chart(days, title=title)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        coverage_chart(days, title=title)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _clip_title(title: str) -> str:
    """One line of at most TITLE_LIMIT characters, ending in an ellipsis when cut."""
    line = " ".join(title.split())
    if len(line) <= TITLE_LIMIT:
        return line
    return line[: TITLE_LIMIT - 1].rstrip() + "…"


def _fit_width(text: Text, *, available: float) -> None:
    """Shrink a one-line text to fit `available` pixels, then cut it with an ellipsis if needed.

    Eighty characters fit at the full size for ordinary titles; wide letters (W, M, capitals) do
    not, and measuring is the only honest test.
    """
    width = text.get_window_extent().width
    if width <= available:
        return
    text.set_fontsize(max(TITLE_MIN_SIZE, TITLE_SIZE * available / width))
    full = text.get_text().removesuffix("…")
    keep = len(full)
    width = text.get_window_extent().width
    while width > available and keep > 1:
        # Cut in proportion to the overflow, and by at least one character.
        keep = min(keep - 1, int(keep * available / width))
        text.set_text(full[:keep].rstrip() + "…")
        width = text.get_window_extent().width


def _short_date(day: datetime.date) -> str:
    # Not strftime("%b"): that follows the process locale, and the chart should not.
    return f"{_MONTHS[day.month - 1]} {day.day}"
