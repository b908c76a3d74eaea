"""Charts in one house style. Every function takes tables, returns a matplotlib Figure, never saves.

House rules, applied here so that no notebook has to remember them: one style sheet
(``house.mplstyle``: Noto fonts covering Latin, Hangul and Cyrillic, the Okabe–Ito palette,
SVG text kept as text), phases shaded the same way and labelled on every time chart, units on
the axes, gaps in a series drawn as gaps, and a source line and note under every chart.
"""

from __future__ import annotations

import textwrap
from datetime import date

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from russia_korea_briefs import paths

PALETTE = {
    "RUS-ROK": "#0072B2",  # blue: Moscow–Seoul
    "RUS-DPRK": "#D55E00",  # vermillion: Moscow–Pyongyang
    "ROK-DPRK": "#009E73",  # green: inter-Korean
    "MULTI": "#CC79A7",  # purple: multilateral
    "ROK-USA": "#555555",
    "exports": "#0072B2",
    "imports": "#E69F00",
    "total": "#000000",
}
PAIR_COLOURS = {
    "RUS-KOR": PALETTE["RUS-ROK"],
    "RUS-PRK": PALETTE["RUS-DPRK"],
    "KOR-PRK": PALETTE["ROK-DPRK"],
    "KOR-USA": PALETTE["ROK-USA"],
}
BAND_COLOURS = ("#eef1f5", "#ffffff")
HIGHLIGHT_COLOUR = "#d6e4f3"  # the phase a phase brief is about
SOURCE_COLOUR = "#5b6470"


def apply_house_style() -> None:
    """Use the house style for every later figure (call once at the top of a notebook)."""
    plt.style.use(str(paths.STYLE_FILE))


def year_fraction(day: date | pd.Timestamp) -> float:
    """A date as a fractional year (2024-07-02 → 2024.5), the x axis of every time chart."""
    day = pd.Timestamp(day)
    start = pd.Timestamp(day.year, 1, 1)
    length = (pd.Timestamp(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def shade_phases(ax, periodization, start: float, end: float, *, labels: bool = True, highlight: str | None = None) -> None:
    """Alternating bands, one per phase, with the phase's short name along the top.

    ``highlight`` (a phase id) draws that phase's band in the accent colour and its label in bold.
    """
    for i, phase in enumerate(periodization.phases):
        p0 = year_fraction(phase.start)
        p1 = year_fraction(phase.end) if phase.end else end
        lo, hi = max(p0, start), min(p1, end)
        if hi <= lo:
            continue
        colour = HIGHLIGHT_COLOUR if phase.id == highlight else BAND_COLOURS[i % 2]
        ax.axvspan(lo, hi, color=colour, zorder=0, lw=0)
        if p0 > start:
            ax.axvline(p0, color="#9aa5b1", lw=0.6, ls=(0, (2, 2)), zorder=0.5)
        if labels and hi - lo > (end - start) * 0.035:
            ax.text(
                (lo + hi) / 2, 1.01, phase.short, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=6.8, color="#44505c", clip_on=False,
                fontweight="bold" if phase.id == highlight else "normal",
            )
    ax.set_xlim(start, end)


def finish(fig: Figure, source: str, note: str | None = None, width: int = 150) -> Figure:
    """Write the source line (and a note) under everything else on the chart, in the house grey."""
    text = "Source: " + source + (("\nNote: " + note) if note else "")
    wrapped = "\n".join(textwrap.fill(line, width) for line in text.splitlines())
    renderer = fig.canvas.get_renderer()
    bottom = fig.get_tightbbox(renderer).y0 / fig.get_figheight()  # inches → figure fraction
    fig.text(0.0, bottom - 0.03, wrapped, ha="left", va="top", fontsize=6.6, color=SOURCE_COLOUR)
    return fig


def _period(start: str | date, end: str | date) -> tuple[float, float]:
    return year_fraction(pd.Timestamp(start)), year_fraction(pd.Timestamp(end) + pd.Timedelta(days=1))


DYAD_ORDER = ["RUS-ROK", "RUS-DPRK", "ROK-DPRK", "MULTI"]
DYAD_LABELS = {
    "RUS-ROK": "Moscow–Seoul",
    "RUS-DPRK": "Moscow–Pyongyang",
    "ROK-DPRK": "Seoul–Pyongyang",
    "MULTI": "Multilateral",
}


def phase_timeline(events: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None,
                   min_abs_score: int = 0, height: float = 2.9) -> Figure:
    """Every event as a dot on its track (one row per dyad), size by |score|, colour by sign."""
    x0, x1 = _period(start, end)
    fig, ax = plt.subplots(figsize=(7.0, height))
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    shown = events[events["score"].abs() >= min_abs_score]
    for row, dyad in enumerate(DYAD_ORDER):
        sub = shown[shown["dyad"] == dyad]
        xs = [year_fraction(d) for d in sub["start"]]
        colours = np.where(sub["score"] >= 0, PALETTE[dyad], "#ffffff")
        ax.scatter(
            xs, np.full(len(xs), -row), s=8 + 5 * sub["score"].abs(), c=colours,
            edgecolors=PALETTE[dyad], linewidths=0.8, zorder=3,
        )
    ax.set_yticks([-i for i in range(len(DYAD_ORDER))], [DYAD_LABELS[d] for d in DYAD_ORDER])
    ax.set_ylim(-len(DYAD_ORDER) + 0.4, 0.6)
    ax.grid(False)
    ax.set_xlabel("Year (dot size: |cooperation–conflict score|; filled = cooperative, open = conflictual)")
    return finish(fig, source)


def _years_axis(ax, x0: float, x1: float) -> None:
    span = x1 - x0
    step = 1 if span <= 8 else 2 if span <= 16 else 5
    first = int(np.ceil(x0 / step) * step)
    ax.set_xticks(range(first, int(x1) + 1, step))
    ax.set_xlim(x0, x1)


def _mid(years) -> np.ndarray:
    """Yearly values are plotted at mid-year on the fractional-year axis."""
    return np.asarray(list(years), dtype=float) + 0.5


def _line_with_gaps(ax, series: pd.Series, years: range, **kwargs):
    """A yearly series over every year of ``years``: missing years break the line."""
    full = series.reindex(list(years))
    (line,) = ax.plot(_mid(full.index), full.to_numpy(dtype=float), marker="o", markersize=2.6, **kwargs)
    return line


def trade_chart(trade: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None, note: str | None = None) -> Figure:
    """South Korea's exports to, imports from and total trade with the USSR/Russia, $ billion."""
    x0, x1 = _period(start, end)
    years = range(int(np.floor(x0)), int(np.ceil(x1)))
    t = trade.set_index("year")
    fig, ax = plt.subplots()
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    for col, label, colour in (
        ("total_usd", "Total trade", PALETTE["total"]),
        ("rok_exports_usd", "Korean exports to Russia", PALETTE["exports"]),
        ("rok_imports_usd", "Korean imports from Russia", PALETTE["imports"]),
    ):
        _line_with_gaps(ax, t[col] / 1e9, years, label=label, color=colour)
    ax.set_ylabel("US$ billion (current)")
    ax.set_ylim(bottom=0)
    _years_axis(ax, x0, x1)
    ax.legend(loc="best")
    return finish(fig, source, note)


def unga_chart(wide: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None, measure_label: str, note: str | None = None) -> Figure:
    """Yearly UNGA voting agreement for several pairs of states (0 = never agree, 1 = always)."""
    from russia_korea_briefs.indicators import PAIR_LABELS

    x0, x1 = _period(start, end)
    years = range(int(np.floor(x0)), int(np.ceil(x1)))
    fig, ax = plt.subplots()
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    for pair in wide.columns:
        _line_with_gaps(ax, wide[pair], years, label=PAIR_LABELS.get(pair, pair), color=PAIR_COLOURS.get(pair))
    ax.set_ylabel(f"Agreement ({measure_label})")
    ax.set_ylim(0, 1.02)
    _years_axis(ax, x0, x1)
    ax.legend(loc="best", ncols=2)
    return finish(fig, source, note)


def ideal_distance_chart(distances: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None, note: str | None = None) -> Figure:
    """Distance between UNGA ideal points for several pairs (larger = further apart)."""
    from russia_korea_briefs.indicators import PAIR_LABELS

    x0, x1 = _period(start, end)
    years = range(int(np.floor(x0)), int(np.ceil(x1)))
    fig, ax = plt.subplots()
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    for pair in distances.columns:
        _line_with_gaps(ax, distances[pair], years, label=PAIR_LABELS.get(pair, pair), color=PAIR_COLOURS.get(pair))
    ax.set_ylabel("Ideal-point distance (scale units)")
    ax.set_ylim(bottom=0)
    _years_axis(ax, x0, x1)
    ax.legend(loc="best", ncols=2)
    return finish(fig, source, note)


def score_chart(scores: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None, note: str | None = None) -> Figure:
    """Net cooperation–conflict score by year (sum of event scores), one bar series per dyad."""
    x0, x1 = _period(start, end)
    fig, ax = plt.subplots()
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    dyads = list(scores.columns)
    width = 0.8 / len(dyads)
    for i, dyad in enumerate(dyads):
        ax.bar(
            scores.index + 0.1 + width * (i + 0.5), scores[dyad], width=width,
            color=PALETTE.get(dyad), label=DYAD_LABELS.get(dyad, dyad), zorder=2,
        )
    ax.axhline(0, color="#333333", lw=0.7, zorder=2.5)
    ax.set_ylabel("Net score (sum of event scores)")
    _years_axis(ax, x0, x1)
    ax.legend(loc="lower left")
    return finish(fig, source, note)


CATEGORY_COLOURS = {
    "summit": "#0072B2",
    "agreement": "#56B4E9",
    "diplomacy": "#009E73",
    "economy": "#E69F00",
    "people": "#F0E442",
    "security": "#CC79A7",
    "sanctions": "#D55E00",
    "incident": "#000000",
    "politics": "#999999",
}


def category_phase_chart(counts: pd.DataFrame, *, source: str, note: str | None = None) -> Figure:
    """Events by category (columns) in each phase (rows, oldest at the top), stacked horizontal bars."""
    fig, ax = plt.subplots(figsize=(7.0, 0.34 * len(counts) + 1.2))
    left = np.zeros(len(counts))
    y = np.arange(len(counts))[::-1]
    for category in counts.columns:
        values = counts[category].to_numpy()
        ax.barh(y, values, left=left, color=CATEGORY_COLOURS.get(category), label=category, height=0.65,
                edgecolor="white", linewidth=0.4)
        left += values
    ax.set_yticks(y, counts.index)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Number of events in the chronology")
    ax.legend(loc="lower right", ncols=2)
    return finish(fig, source, note)


def seesaw_chart(frame: pd.DataFrame, periodization, start, end, *, source: str, note: str | None = None) -> Figure:
    """Moscow–Seoul against Moscow–Pyongyang: UNGA agreement (top) and net event score (bottom)."""
    x0, x1 = _period(start, end)
    years = range(int(np.floor(x0)), int(np.ceil(x1)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.0, 4.8), sharex=True, height_ratios=(1, 1))
    for ax in (top, bottom):
        shade_phases(ax, periodization, x0, x1, labels=ax is top)
    _line_with_gaps(top, frame["unga_rus_kor"], years, label="Russia–South Korea", color=PALETTE["RUS-ROK"])
    _line_with_gaps(top, frame["unga_rus_prk"], years, label="Russia–North Korea", color=PALETTE["RUS-DPRK"])
    top.set_ylabel("UNGA agreement")
    top.set_ylim(0, 1.02)
    top.legend(loc="lower left")
    rolled = frame[["score_rus_rok", "score_rus_dprk"]].rolling(3, center=True, min_periods=2).mean()
    _line_with_gaps(bottom, rolled["score_rus_rok"], years, label="Moscow–Seoul", color=PALETTE["RUS-ROK"])
    _line_with_gaps(bottom, rolled["score_rus_dprk"], years, label="Moscow–Pyongyang", color=PALETTE["RUS-DPRK"])
    bottom.axhline(0, color="#333333", lw=0.7)
    bottom.set_ylabel("Net event score\n(3-year mean)")
    bottom.legend(loc="lower left")
    _years_axis(bottom, x0, x1)
    return finish(fig, source, note)


def changepoint_chart(series: dict[str, pd.Series], breaks: dict[str, tuple[int, ...]], periodization, start, end,
                      *, source: str, note: str | None = None) -> Figure:
    """Small multiples: each yearly series with its data-detected breaks (red lines) over the phases."""
    x0, x1 = _period(start, end)
    years = range(int(np.floor(x0)), int(np.ceil(x1)))
    fig, axes = plt.subplots(len(series), 1, figsize=(7.0, 1.15 * len(series) + 0.5), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, (name, values) in zip(axes, series.items(), strict=True):
        shade_phases(ax, periodization, x0, x1, labels=ax is axes[0])
        _line_with_gaps(ax, values, years, color="#333333", lw=1.2)
        for year in breaks.get(name, ()):
            ax.axvline(year, color="#D55E00", lw=1.6, zorder=4)
        ax.set_title(name, fontsize=8, loc="left", pad=12 if ax is axes[0] else 3)
        ax.tick_params(axis="y", labelsize=7)
    _years_axis(axes[-1], x0, x1)
    return finish(fig, source, note)
