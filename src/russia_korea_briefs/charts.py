"""Charts in one house style. Every function takes tables and returns a :class:`Chart`, never saves.

A :class:`Chart` is the matplotlib figure together with the exact table drawn in it (what the
brief offers as CSV), a short description made from that table (for screen readers) and the
points a reader can hover or step through in the HTML brief. One mechanism serves every chart:
the chart functions fill a :class:`Chart` as they draw, :func:`text.figure` turns it into HTML.

House rules, applied here so that no notebook has to remember them: one style sheet
(``house.mplstyle``: Noto fonts covering Latin, Hangul and Cyrillic, the Okabe–Ito palette,
SVG text kept as text, no offset or scientific tick labels), phases shaded the same way and every
band labelled (labels that do not fit move to a second row), whole years on time axes (labelled
at mid-year, where yearly values are drawn, with a tick at each year boundary), units on the
value axes, legends below the plot (never over the data), gaps in a series drawn as gaps and
named in the note, provisional or different-basis values drawn as hollow markers, and a source
line and note under every chart.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy

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
BREAK_COLOUR = "#D55E00"  # data-detected breaks
MINUS = "\u2212"


def apply_house_style() -> None:
    """Use the house style for every later figure (call once at the top of a notebook)."""
    plt.style.use(str(paths.STYLE_FILE))


# --- the chart object ------------------------------------------------------------------------


@dataclass(eq=False)
class Chart:
    """A figure with the table behind it, its description and its hover points.

    ``data`` is exactly what the chart draws (one row per drawn value, gaps as empty cells);
    ``name`` a short slug for the CSV's file name; ``points`` the values a reader can hover or
    step through, as ``(axes, x, y, text, series)`` in data coordinates.
    """

    fig: Figure
    name: str
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    description: str = ""
    source: str = ""
    note: str | None = None
    points: list = field(default_factory=list)

    def point(self, ax, x: float, y: float, text: str, series: int = 0) -> None:
        if x is None or y is None or not np.isfinite(x) or not np.isfinite(y):
            return
        self.points.append((ax, float(x), float(y), text, series))

    def finish(self) -> Chart:
        finish(self.fig, self.source, self.note)
        return self


def finish(fig: Figure, source: str, note: str | None = None, width: int = 150) -> Figure:
    """Write the source line (and a note) under everything else on the chart, in the house grey.

    The lines are wrapped to the width of the plot (axes and legends), never wider: text that
    sets the chart's right edge would be cut when a browser's font is a little wider.
    """
    text = "Source: " + source + (("\nNote: " + note) if note else "")
    renderer = fig.canvas.get_renderer()
    bottom = fig.get_tightbbox(renderer).y0 / fig.get_figheight()  # inches → figure fraction
    right = max([ax.get_window_extent(renderer).x1 for ax in fig.axes]
                + [lg.get_window_extent(renderer).x1 for lg in fig.legends])
    label = fig.text(0.0, bottom - 0.02, "", ha="left", va="top", fontsize=6.6, color=SOURCE_COLOUR, linespacing=1.35)
    for chars in range(width, 40, -6):
        label.set_text("\n".join(textwrap.fill(line, chars) for line in text.splitlines()))
        if label.get_window_extent(renderer).x1 <= right:
            break
    return fig


# --- formatting ------------------------------------------------------------------------------


def signed(value: float, digits: int = 0) -> str:
    """``-61`` → ``'−61'``, ``12`` → ``'+12'`` (a real minus sign)."""
    text = f"{value:+.{digits}f}"
    return text.replace("-", MINUS)


def usd_bn(value: float) -> str:
    return f"US${value / 1e9:,.2f} bn"


def share(value: float) -> str:
    return f"{value:.2f}"


def year_span(years) -> str:
    """``[2023, 2024, 2025, 2019]`` → ``'2019, 2023–2025'``."""
    years = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def describe_series(label: str, values: pd.Series, fmt) -> str:
    """'label: from A (first year) to B (latest year); highest …, lowest …' (missing years skipped)."""
    s = values.dropna()
    if s.empty:
        return f"{label}: no data"
    first, last = int(s.index[0]), int(s.index[-1])
    hi, lo = int(s.idxmax()), int(s.idxmin())
    return (f"{label}: {fmt(s.iloc[0])} in {first}, latest {fmt(s.iloc[-1])} in {last}; "
            f"highest {fmt(s.max())} ({hi}), lowest {fmt(s.min())} ({lo})")


# --- time axes and phase bands ---------------------------------------------------------------


def year_fraction(day: date | pd.Timestamp) -> float:
    """A date as a fractional year (2024-07-02 → 2024.5), the x axis of every time chart."""
    day = pd.Timestamp(day)
    start = pd.Timestamp(day.year, 1, 1)
    length = (pd.Timestamp(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _period(start: str | date, end: str | date) -> tuple[float, float]:
    return year_fraction(pd.Timestamp(start)), year_fraction(pd.Timestamp(end) + pd.Timedelta(days=1))


def _years(x0: float, x1: float) -> range:
    """The calendar years a time axis from ``x0`` to ``x1`` shows (whole or in part)."""
    return range(int(np.floor(x0)), int(np.ceil(x1)))


LABEL_ROW = 10.0  # points between two rows of phase labels


def shade_phases(ax, periodization, start: float, end: float, *, labels: bool = True,
                 highlight: str | None = None) -> int:
    """Alternating bands, one per phase, each labelled with the phase's short name along the top.

    A label that would overlap its neighbour moves up a row (so every band keeps its name, even
    a few months' sliver at the edge of the period). ``highlight`` (a phase id) draws that phase's
    band in the accent colour and its label in bold. Returns the number of label rows used.
    """
    bands = []
    for i, phase in enumerate(periodization.phases):
        p0 = year_fraction(phase.start)
        p1 = year_fraction(phase.end + timedelta(days=1)) if phase.end else end
        lo, hi = max(p0, start), min(p1, end)
        if hi <= lo:
            continue
        colour = HIGHLIGHT_COLOUR if phase.id == highlight else BAND_COLOURS[i % 2]
        ax.axvspan(lo, hi, color=colour, zorder=0, lw=0)
        if p0 > start:
            ax.axvline(p0, color="#9aa5b1", lw=0.6, ls=(0, (2, 2)), zorder=0.5)
        bands.append((lo, hi, phase))
    ax.set_xlim(start, end)
    if not labels or not bands:
        return 0
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    per_px = (end - start) / max(ax.get_window_extent(renderer).width, 1.0)
    pad = 4 * fig.dpi / 72 * per_px  # 4 pt between two labels
    right_edges: list[float] = []
    for lo, hi, phase in bands:
        bold = phase.id == highlight
        label = ax.text(0, 0, phase.short, fontsize=6.8, color="#44505c", fontweight="bold" if bold else "normal",
                        ha="center", va="bottom", clip_on=False)
        width = label.get_window_extent(renderer).width * per_px
        left = min(max((lo + hi) / 2 - width / 2, start), end - width)
        row = next((r for r, edge in enumerate(right_edges) if left >= edge + pad), len(right_edges))
        if row == len(right_edges):
            right_edges.append(left + width)
        right_edges[row] = left + width
        label.set_x(left + width / 2)
        label.set_transform(offset_copy(ax.get_xaxis_transform(), fig=fig, y=2 + LABEL_ROW * row, units="points"))
        label.set_y(1.0)
    return len(right_edges)


def _years_axis(ax, x0: float, x1: float) -> None:
    """Whole years: each label at mid-year (where a yearly value is drawn), a tick at each new year.

    The year ticks are one line collection, not matplotlib minor ticks (a Tick object per year
    made each chart several times slower to draw).
    """
    from matplotlib.collections import LineCollection

    span = x1 - x0
    step = 1 if span <= 12 else 2 if span <= 20 else 5
    labelled = [y for y in _years(x0, x1) if y % step == 0 and x0 <= y + 0.5 <= x1]
    ax.set_xticks([y + 0.5 for y in labelled], [str(y) for y in labelled])
    ax.tick_params(axis="x", which="major", length=0, pad=4)
    ax.set_xlim(x0, x1)
    height = ax.get_window_extent(ax.figure.canvas.get_renderer()).height / ax.figure.dpi * 72  # points
    length = 3 / max(height, 1.0)
    bounds = range(int(np.ceil(x0)), int(np.floor(x1)) + 1)
    ax.add_collection(LineCollection([[(x, 0), (x, -length)] for x in bounds], transform=ax.get_xaxis_transform(),
                                     colors="#666666", linewidths=0.5, clip_on=False), autolim=False)


def _mid(years) -> np.ndarray:
    """Yearly values are plotted at mid-year on the fractional-year axis."""
    return np.asarray(list(years), dtype=float) + 0.5


def legend_below(ax, handles=None, labels=None, ncols: int = 3) -> None:
    """The legend in rows under the axes and its tick labels, outside the data, no wider than the axes."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    box = ax.get_tightbbox(renderer)  # axes with tick labels and axis labels, display units
    y = box.y0 / fig.bbox.height - 4 / 72 / fig.get_figheight()
    x = (ax.get_position().x0 + ax.get_position().x1) / 2
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    width = ax.get_window_extent(renderer).width
    for n in range(min(ncols, len(handles)), 0, -1):
        legend = fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(x, y), bbox_transform=fig.transFigure,
                            ncols=n, handlelength=2.2, columnspacing=1.6, borderaxespad=0)
        if n == 1 or legend.get_window_extent(renderer).width <= width:
            return
        legend.remove()


def _hollow_key(label: str) -> Line2D:
    return Line2D([], [], ls="none", marker="o", markersize=4, markerfacecolor="white", markeredgecolor="#444444",
                  markeredgewidth=0.9, label=label)


def plot_years(ax, values: pd.Series, years, *, colour, label: str | None = None, hollow=None, ls="-",
               lw: float | None = None, segments=None, zorder: float = 3) -> None:
    """A yearly series over every year of ``years``: a missing year breaks the line.

    ``hollow`` (a boolean Series by year) draws those years' markers open; ``segments`` (years)
    starts a new, unconnected segment at each of those years (a change of statistical unit).
    """
    full = values.reindex(list(years)).astype(float)
    y = full.to_numpy()
    x = _mid(full.index)
    cuts = [i for i, year in enumerate(full.index) if segments and year in segments]
    kwargs = {"color": colour, "ls": ls, "zorder": zorder}
    if lw is not None:
        kwargs["lw"] = lw
    for n, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(y)], strict=True)):
        ax.plot(x[a:b], y[a:b], label=label if n == 0 else None, **kwargs)
    open_ = (hollow.reindex(full.index).fillna(False).astype(bool).to_numpy() if hollow is not None
             else np.zeros(len(y), dtype=bool))
    marker = {"marker": "o", "ls": "none", "markersize": 2.8, "markeredgewidth": 0.9, "zorder": zorder + 0.1}
    ax.plot(x[~open_], y[~open_], color=colour, **marker)
    if open_.any():
        ax.plot(x[open_], y[open_], color=colour, markerfacecolor="white", **{**marker, "markersize": 3.6})


def _window(start, end) -> tuple[float, float, range]:
    x0, x1 = _period(start, end)
    return x0, x1, _years(x0, x1)


def _gaps(frame: pd.DataFrame, columns: dict[str, str]) -> str | None:
    """'2023–2025 (imports, total)': the years each column has no value, or None."""
    missing: dict[str, list[str]] = {}
    for col, label in columns.items():
        years = tuple(int(y) for y in frame.index[frame[col].isna()])
        if years:
            missing.setdefault(year_span(years), []).append(label)
    return "; ".join(f"{span} ({', '.join(labels)})" for span, labels in missing.items()) or None


def _join_notes(*notes: str | None) -> str | None:
    kept = [n.strip() for n in notes if n]
    if not kept:
        return None
    return " ".join(n[0].upper() + n[1:] if n[0].islower() else n for n in kept)


# --- the charts ------------------------------------------------------------------------------


DYAD_ORDER = ["RUS-ROK", "RUS-DPRK", "ROK-DPRK", "MULTI"]
DYAD_LABELS = {
    "RUS-ROK": "Moscow–Seoul",
    "RUS-DPRK": "Moscow–Pyongyang",
    "ROK-DPRK": "Seoul–Pyongyang",
    "MULTI": "Multilateral",
}


def phase_timeline(events: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None,
                   min_abs_score: int = 0, height: float = 2.9, note: str | None = None) -> Chart:
    """Every event as a dot on its track (one row per dyad), size by |score|, colour by sign."""
    x0, x1 = _period(start, end)
    fig, ax = plt.subplots(figsize=(7.0, height))
    chart = Chart(fig, "timeline", source=source)
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    window = events[(events["start"] >= pd.Timestamp(start)) & (events["start"] <= pd.Timestamp(end))]
    shown = window[window["score"].abs() >= min_abs_score].sort_values(["start", "id"])
    for row, dyad in enumerate(DYAD_ORDER):
        sub = shown[shown["dyad"] == dyad]
        xs = [year_fraction(d) for d in sub["start"]]
        colours = np.where(sub["score"] >= 0, PALETTE[dyad], "#ffffff")
        ax.scatter(
            xs, np.full(len(xs), -row), s=8 + 5 * sub["score"].abs(), c=colours,
            edgecolors=PALETTE[dyad], linewidths=0.8, zorder=3,
        )
        for x, (_, ev) in zip(xs, sub.iterrows(), strict=True):
            chart.point(ax, x, -row, f"{ev['date']} · {DYAD_LABELS[dyad]} · {ev['category']} · score "
                        f"{signed(ev['score'])} · {ev['id']}", series=row)
    ax.set_yticks([-i for i in range(len(DYAD_ORDER))], [DYAD_LABELS[d] for d in DYAD_ORDER])
    ax.set_ylim(-len(DYAD_ORDER) + 0.4, 0.6)
    ax.set_ylabel("Track")
    ax.grid(False)
    _years_axis(ax, x0, x1)
    ax.set_xlabel("Date of the event")
    chart.data = shown[["id", "date", "date_precision", "dyad", "category", "score"]].reset_index(drop=True)
    counts = shown["dyad"].value_counts()
    per_track = "; ".join(
        f"{DYAD_LABELS[d]} {counts.get(d, 0)} ({int((shown[shown['dyad'] == d]['score'] >= 0).sum())} cooperative)"
        for d in DYAD_ORDER
    )
    last = shown.iloc[-1] if len(shown) else None
    chart.description = (
        f"Dot chart of {len(shown)} events of the chronology from {pd.Timestamp(start):%Y-%m-%d} to "
        f"{pd.Timestamp(end):%Y-%m-%d}, one row per track, dot size by the absolute cooperation–conflict score: "
        f"{per_track}."
        + (f" Latest: {last['date']}, {DYAD_LABELS[last['dyad']]}, score {signed(last['score'])}." if last is not None else "")
    )
    chart.note = _join_notes(
        "dot size: |cooperation–conflict score| (−10 … +10); filled = cooperative (score ≥ 0), open = conflictual.", note
    )
    return chart.finish()


def _partner_break(frame: pd.DataFrame) -> int | None:
    """First year with a different partner than the year before (USSR → Russia: 1992)."""
    partners = frame["partner"].dropna()
    changed = partners.ne(partners.shift(1)) & partners.shift(1).notna()
    years = [int(y) for y in partners.index[changed]]
    return years[0] if years else None


def trade_chart(trade: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None,
                note: str | None = None) -> Chart:
    """South Korea's exports to, imports from and total trade with the USSR/Russia, US$ billion.

    Imports taken from the Correlates of War data (``imports_basis == 'cow'``, IMF Direction of
    Trade basis, used only where no Korean figure exists) and the totals built from them are drawn
    with hollow markers; the change of partner (USSR to 1991, Russia from 1992) is a dashed line,
    and the lines are not joined across it.
    """
    x0, x1, years = _window(start, end)
    t = trade.set_index("year").sort_index().reindex(list(years))
    fig, ax = plt.subplots()
    chart = Chart(fig, "trade", source=source)
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    cow = t["imports_basis"].eq("cow")
    break_year = _partner_break(trade.set_index("year").sort_index())
    segments = {break_year} if break_year else None
    series = (
        ("total_usd", "Total trade", PALETTE["total"], cow & t["total_basis"].eq("exports-plus-imports")),
        ("rok_exports_usd", "Korean exports to the USSR/Russia", PALETTE["exports"], None),
        ("rok_imports_usd", "Korean imports from the USSR/Russia", PALETTE["imports"], cow),
    )
    for i, (col, label, colour, hollow) in enumerate(series):
        values = t[col].astype(float) / 1e9
        plot_years(ax, values, years, colour=colour, label=label, hollow=hollow, segments=segments)
        for year, v in values.dropna().items():
            basis = " (COW/IMF DOTS basis)" if hollow is not None and bool(hollow.get(year)) else ""
            chart.point(ax, year + 0.5, v, f"{year} · {label}: {usd_bn(v * 1e9)}{basis}", series=i)
    top = float(np.nanmax(t[["total_usd", "rok_exports_usd", "rok_imports_usd"]].to_numpy(dtype=float)) / 1e9) \
        if t[["total_usd", "rok_exports_usd", "rok_imports_usd"]].notna().any().any() else 1.0
    ax.set_ylim(0, top * 1.12)
    if break_year and x0 < break_year < x1:
        ax.axvline(break_year, color="#333333", lw=0.9, ls=(0, (4, 2)), zorder=2.5)
        ax.text(break_year - 0.15, 0.97, "USSR → Russia", transform=ax.get_xaxis_transform(), ha="right", va="top",
                fontsize=6.8, color="#333333")
    ax.set_ylabel("US$ billion (current prices)")
    _years_axis(ax, x0, x1)
    handles, labels = ax.get_legend_handles_labels()
    notes = []
    if cow.any():
        handles.append(_hollow_key("imports (and totals) from COW/IMF DOTS data"))
        labels.append(handles[-1].get_label())
        notes.append(f"hollow markers ({year_span(t.index[cow])}): no Korean import figure was found, so imports are "
                     "the Correlates of War (COW) figures (IMF Direction of Trade basis, via kdiplo) and the total is "
                     "exports plus those imports.")
    if break_year and x0 < break_year < x1:
        notes.append(f"the partner is the USSR to {break_year - 1} and the Russian Federation from {break_year} "
                     "(dashed line): the series are not joined across it.")
    gaps = _gaps(t, {"total_usd": "total", "rok_exports_usd": "exports", "rok_imports_usd": "imports"})
    legend_below(ax, handles, labels, ncols=4)
    gap_note = f"no figure for {gaps}: the lines stop there, nothing is interpolated." if gaps else None
    chart.note = _join_notes(note, *notes, gap_note)
    chart.data = pd.DataFrame({
        "year": list(years),
        "partner": t["partner"].to_numpy(),
        "rok_exports_usd": t["rok_exports_usd"].astype("Int64").to_numpy(),
        "exports_basis": t["exports_basis"].to_numpy(),
        "rok_imports_usd": t["rok_imports_usd"].astype("Int64").to_numpy(),
        "imports_basis": t["imports_basis"].to_numpy(),
        "total_usd": t["total_usd"].astype("Int64").to_numpy(),
        "total_basis": t["total_basis"].to_numpy(),
    })
    chart.description = (
        f"Line chart of South Korea's trade with the USSR/Russia, {years[0]}–{years[-1]}, in US$ billion (current). "
        + ". ".join(describe_series(label, t[col].astype(float), usd_bn) for col, label, _, _ in series) + "."
        + (f" No figure for {gaps}." if gaps else "")
    )
    return chart.finish()


def _pairs_chart(long: pd.DataFrame, value: str, periodization, x0, x1, years, *, highlight, ylabel: str,
                 ylim, fmt, what: str, name: str, source: str, extra=None) -> tuple[Chart, list, list]:
    """Shared body of the UN-vote charts: one line per pair, provisional years hollow."""
    from russia_korea_briefs.indicators import PAIR_LABELS

    fig, ax = plt.subplots()
    chart = Chart(fig, name, source=source)
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    pairs = list(dict.fromkeys(long["pair"]))
    descriptions = []
    for i, pair in enumerate(pairs):
        sub = long[long["pair"] == pair].set_index("year")
        label = PAIR_LABELS.get(pair, pair)
        hollow = sub.get("provisional")
        plot_years(ax, sub[value], years, colour=PAIR_COLOURS.get(pair), label=label, hollow=hollow)
        for year, v in sub[value].dropna().items():
            flag = " (provisional: few roll calls)" if hollow is not None and bool(hollow.get(year)) else ""
            chart.point(ax, year + 0.5, v, f"{year} · {label}: {fmt(v)}{flag}", series=i)
        descriptions.append(describe_series(label, sub[value], fmt))
    if extra is not None:
        extra(ax, chart, len(pairs))
    ax.set_ylabel(ylabel)
    ax.set_ylim(*ylim)
    _years_axis(ax, x0, x1)
    chart.description = f"Line chart of {what}, {years[0]}–{years[-1]}. " + ". ".join(descriptions) + "."
    return chart, ax, descriptions


def unga_chart(agreement: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None,
               measure_label: str = "half credit for abstentions", note: str | None = None,
               pairs=("RUS-KOR", "RUS-PRK", "KOR-USA", "KOR-PRK"), with_added: str | None = "RUS-KOR") -> Chart:
    """Yearly UNGA voting agreement for several pairs of states (0 = never agree, 1 = always).

    ``agreement`` is :func:`indicators.agreement_with_votes` (a year and pair per row, with the
    hand-coded ES-11 votes added and a ``provisional`` flag) or a plain agreement table
    (``year, pair, n_votes, agree_half``). Provisional years are drawn hollow; the pair
    ``with_added`` is also drawn with the added votes (dashed) in the years that have them.
    """
    from russia_korea_briefs.indicators import PAIR_LABELS, PROVISIONAL_VOTES

    x0, x1, years = _window(start, end)
    long = _agreement_long(agreement, pairs, years)
    dashed = long[(long["pair"] == with_added) & long["agree_half_with_added"].notna()] if with_added else long.iloc[:0]

    def draw_added(ax, chart, n):
        if dashed.empty:
            return
        sub = dashed.set_index("year")
        plot_years(ax, sub["agree_half_with_added"], sorted(sub.index), colour=PAIR_COLOURS.get(with_added),
                   label=f"{PAIR_LABELS[with_added]}, with ES-11 votes", ls=(0, (3, 1.5)), lw=1.1, zorder=3.2)
        for year, v in sub["agree_half_with_added"].items():
            chart.point(ax, year + 0.5, v, f"{year} · {PAIR_LABELS[with_added]} with the ES-11 (Ukraine) votes: "
                        f"{share(v)} ({int(sub.loc[year, 'n_added'])} added)", series=n)

    chart, ax, _ = _pairs_chart(long, "agree_half", periodization, x0, x1, years, highlight=highlight,
                                ylabel="Voting agreement (0–1)", ylim=(0, 1.02), fmt=share,
                                what="voting agreement in the UN General Assembly (0 = never vote alike, 1 = always)",
                                name="unga-agreement", source=source, extra=draw_added)
    handles, labels = ax.get_legend_handles_labels()
    notes = []
    provisional = sorted({int(y) for y in long.loc[long["provisional"] & long["agree_half"].notna(), "year"]})
    if provisional:
        handles.append(_hollow_key(f"provisional (fewer than {PROVISIONAL_VOTES} roll calls)"))
        labels.append(handles[-1].get_label())
        counts = long[long["year"].isin(provisional) & long["agree_half"].notna()].groupby("year")["n_votes"].max()
        notes.append(f"hollow markers: provisional, fewer than {PROVISIONAL_VOTES} roll calls in the vote file ("
                     + ", ".join(f"{y}: {int(n)}" for y, n in counts.items()) + ").")
    if not dashed.empty:
        notes.append(f"dashed: {PAIR_LABELS[with_added]} with the emergency-session votes on Ukraine (ES-11, hand-coded, "
                     f"not in Voeten's file) added ({year_span(dashed['year'])}); the solid line leaves them out.")
        chart.description += (" With the ES-11 votes added, Russia–South Korea agreement is "
                              + ", ".join(f"{share(v)} in {y}" for y, v in
                                          zip(dashed["year"], dashed["agree_half_with_added"], strict=True)) + ".")
    gaps = sorted(set(years) - set(long.loc[long["agree_half"].notna(), "year"]))
    legend_below(ax, handles, labels, ncols=3)
    chart.note = _join_notes(note, f"agreement with {measure_label}.", *notes,
                             f"no vote data for {year_span(gaps)}." if gaps else None)
    chart.data = long[["year", "pair", "n_votes", "agree_half", "provisional", "n_added", "agree_half_with_added"]]\
        .rename(columns={"n_added": "n_es11_votes", "agree_half_with_added": "agree_half_with_es11"})
    chart.data.loc[chart.data["pair"] != with_added, ["n_es11_votes", "agree_half_with_es11"]] = pd.NA
    chart.data.loc[chart.data["agree_half_with_es11"].notna() & chart.data["n_es11_votes"].eq(0),
                   "agree_half_with_es11"] = pd.NA
    return chart.finish()


def _agreement_long(agreement: pd.DataFrame, pairs, years) -> pd.DataFrame:
    """Year × pair rows for every year of ``years`` (missing years as empty rows), flags filled."""
    from russia_korea_briefs.indicators import PROVISIONAL_VOTES

    frame = agreement.copy()
    if "agree_half_with_added" not in frame:
        frame["n_added"] = 0
        frame["agree_half_with_added"] = np.nan
    if "provisional" not in frame:
        frame["provisional"] = frame["n_votes"] < PROVISIONAL_VOTES
    full = pd.MultiIndex.from_product([list(pairs), list(years)], names=["pair", "year"])
    long = frame.set_index(["pair", "year"]).reindex(full).reset_index()
    long["n_votes"] = long["n_votes"].astype("Int64")
    long["n_added"] = long["n_added"].fillna(0).astype(int)
    long["provisional"] = long["provisional"].astype("boolean").fillna(False).astype(bool) & long["agree_half"].notna()
    # a year without a vote-file figure has no line to add the ES-11 votes to
    long.loc[long["agree_half"].isna() | long["n_added"].eq(0), "agree_half_with_added"] = np.nan
    return long[["year", "pair", "n_votes", "agree_half", "provisional", "n_added", "agree_half_with_added"]]


def ideal_distance_chart(distances: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None,
                         note: str | None = None) -> Chart:
    """Distance between UNGA ideal points for several pairs (larger = further apart); wide year × pair."""
    x0, x1, years = _window(start, end)
    wide = distances.reindex(list(years))
    long = wide.rename_axis("year").reset_index().melt("year", var_name="pair", value_name="distance")
    chart, ax, _ = _pairs_chart(long, "distance", periodization, x0, x1, years, highlight=highlight,
                                ylabel="Ideal-point distance (scale units)", ylim=(0, None), fmt=share,
                                what="the distance between UN General Assembly ideal points (larger = further apart)",
                                name="ideal-point-distance", source=source)
    ax.set_ylim(bottom=0)
    legend_below(ax, ncols=4)
    gaps = sorted(set(years) - set(long.loc[long["distance"].notna(), "year"]))
    chart.note = _join_notes(note, f"no estimate for {year_span(gaps)}." if gaps else None)
    chart.data = wide.rename_axis("year").reset_index()
    return chart.finish()


def score_chart(scores: pd.DataFrame, periodization, start, end, *, source: str, highlight: str | None = None,
                note: str | None = None) -> Chart:
    """Net cooperation–conflict score by year (sum of event scores), one bar series per dyad."""
    x0, x1, years = _window(start, end)
    scores = scores.reindex(list(years))
    fig, ax = plt.subplots()
    chart = Chart(fig, "net-score", source=source)
    shade_phases(ax, periodization, x0, x1, highlight=highlight)
    dyads = list(scores.columns)
    width = 0.8 / len(dyads)
    for i, dyad in enumerate(dyads):
        xs = scores.index + 0.1 + width * (i + 0.5)
        ax.bar(xs, scores[dyad], width=width, color=PALETTE.get(dyad), label=DYAD_LABELS.get(dyad, dyad), zorder=2)
        for x, (year, v) in zip(xs, scores[dyad].items(), strict=True):
            if pd.notna(v):
                chart.point(ax, x, v, f"{year} · {DYAD_LABELS.get(dyad, dyad)}: net score {signed(v)}", series=i)
    ax.axhline(0, color="#333333", lw=0.7, zorder=2.5)
    ax.set_ylabel("Net score (sum of event scores)")
    _years_axis(ax, x0, x1)
    legend_below(ax, ncols=len(dyads))
    chart.note = note
    chart.data = scores.rename_axis("year").reset_index()
    chart.description = (
        f"Bar chart of the net cooperation–conflict score by year (the sum of the year's event scores), "
        f"{years[0]}–{years[-1]}. "
        + ". ".join(describe_series(DYAD_LABELS.get(d, d), scores[d], signed) for d in dyads) + "."
    )
    return chart.finish()


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


def category_phase_chart(counts: pd.DataFrame, *, source: str, note: str | None = None) -> Chart:
    """Events by category (columns) in each phase (rows, oldest at the top), stacked horizontal bars."""
    fig, ax = plt.subplots(figsize=(7.0, 0.34 * len(counts) + 1.0))
    chart = Chart(fig, "events-by-category", source=source)
    left = np.zeros(len(counts))
    y = np.arange(len(counts))[::-1]
    for i, category in enumerate(counts.columns):
        values = counts[category].to_numpy()
        ax.barh(y, values, left=left, color=CATEGORY_COLOURS.get(category), label=category, height=0.65,
                edgecolor="white", linewidth=0.4)
        for yy, lo, v, phase in zip(y, left, values, counts.index, strict=True):
            if v:
                chart.point(ax, lo + v / 2, yy, f"{phase} · {category}: {int(v)} event{'s' if v != 1 else ''}", series=i)
        left += values
    ax.set_yticks(y, counts.index)
    ax.set_ylabel("Phase")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Number of events in the chronology")
    legend_below(ax, ncols=5)
    chart.note = note
    chart.data = counts.rename_axis("phase").reset_index()
    totals = counts.sum(axis=1)
    chart.description = (
        f"Stacked bar chart of the {int(totals.sum())} events of the chronology by category in each of the "
        f"{len(counts)} phases: "
        + "; ".join(f"{phase} {int(totals[phase])} (most: {counts.loc[phase].idxmax()} {int(counts.loc[phase].max())})"
                    for phase in counts.index)
        + f". Latest phase: {counts.index[-1]}, {int(totals.iloc[-1])} events; fewest in {totals.idxmin()} "
        f"({int(totals.min())}), most in {totals.idxmax()} ({int(totals.max())})."
    )
    return chart.finish()


def seesaw_chart(frame: pd.DataFrame, periodization, start, end, *, source: str, note: str | None = None,
                 highlight: str | None = None) -> Chart:
    """Moscow–Seoul against Moscow–Pyongyang: UNGA agreement (top) and net event score (bottom).

    ``frame`` is :func:`indicators.seesaw` by year; the optional columns ``unga_rus_kor_with_added``
    (agreement with the hand-coded ES-11 votes, drawn dashed) and ``unga_provisional`` (drawn hollow)
    come from :func:`indicators.agreement_with_votes`.
    """
    from russia_korea_briefs.indicators import PROVISIONAL_VOTES

    x0, x1, years = _window(start, end)
    frame = frame.reindex(list(years))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.0, 4.6), sharex=True, height_ratios=(1, 1))
    chart = Chart(fig, "seesaw", source=source)
    for ax in (top, bottom):
        shade_phases(ax, periodization, x0, x1, labels=ax is top, highlight=highlight)
    hollow = frame.get("unga_provisional")
    blue, red = PALETTE["RUS-ROK"], PALETTE["RUS-DPRK"]
    for i, (col, label, colour) in enumerate((("unga_rus_kor", "Moscow–Seoul", blue),
                                               ("unga_rus_prk", "Moscow–Pyongyang", red))):
        plot_years(top, frame[col], years, colour=colour, label=label, hollow=hollow)
        for year, v in frame[col].dropna().items():
            chart.point(top, year + 0.5, v, f"{year} · UNGA agreement {label}: {share(v)}", series=i)
    added = frame["unga_rus_kor_with_added"].dropna() if "unga_rus_kor_with_added" in frame else pd.Series(dtype=float)
    if not added.empty:
        plot_years(top, added, sorted(added.index), colour=blue, label="Moscow–Seoul, with ES-11 votes",
                   ls=(0, (3, 1.5)), lw=1.1, zorder=3.2)
        for year, v in added.items():
            chart.point(top, year + 0.5, v, f"{year} · UNGA agreement Moscow–Seoul with the ES-11 votes: {share(v)}", series=2)
    top.set_ylabel("UNGA agreement (0–1)")
    top.set_ylim(0, 1.02)
    rolled = frame[["score_rus_rok", "score_rus_dprk"]].rolling(3, center=True, min_periods=2).mean()
    for i, (col, label, colour) in enumerate((("score_rus_rok", "Moscow–Seoul", blue),
                                               ("score_rus_dprk", "Moscow–Pyongyang", red))):
        plot_years(bottom, rolled[col], years, colour=colour)
        for year, v in rolled[col].dropna().items():
            chart.point(bottom, year + 0.5, v, f"{year} · net event score {label} (3-year mean): {signed(v, 1)}",
                        series=3 + i)
    bottom.axhline(0, color="#333333", lw=0.7)
    bottom.set_ylabel("Net event score\n(3-year mean)")
    _years_axis(bottom, x0, x1)
    handles, labels = top.get_legend_handles_labels()
    notes = [("top: share of UN General Assembly votes cast alike; bottom: three-year centred mean of the yearly "
              "net event score (sum of the event scores of the year).")]
    if hollow is not None and hollow.fillna(False).astype(bool).any():
        handles.append(_hollow_key(f"provisional (fewer than {PROVISIONAL_VOTES} roll calls)"))
        labels.append(handles[-1].get_label())
        notes.append(f"hollow markers: provisional years with fewer than {PROVISIONAL_VOTES} roll calls "
                     f"({year_span(frame.index[hollow.fillna(False).astype(bool)])}).")
    if not added.empty:
        notes.append(f"dashed: with the emergency-session votes on Ukraine (ES-11, hand-coded) added ({year_span(added.index)}).")
    gaps = sorted(set(years) - set(frame["unga_rus_kor"].dropna().index))
    legend_below(bottom, handles, labels, ncols=4)
    chart.note = _join_notes(*notes, f"no vote data for {year_span(gaps)}." if gaps else None, note)
    data = frame.rename_axis("year").reset_index()
    data["score_rus_rok_3yr_mean"] = rolled["score_rus_rok"].to_numpy()
    data["score_rus_dprk_3yr_mean"] = rolled["score_rus_dprk"].to_numpy()
    chart.data = data
    chart.description = (
        f"Two-panel line chart, {years[0]}–{years[-1]}. Top, UN General Assembly voting agreement: "
        + ". ".join(describe_series(lbl, frame[c], share) for c, lbl in
                    (("unga_rus_kor", "Russia–South Korea"), ("unga_rus_prk", "Russia–North Korea")))
        + ". Bottom, net event score (three-year mean): "
        + ". ".join(describe_series(lbl, rolled[c], lambda v: signed(v, 1)) for c, lbl in
                    (("score_rus_rok", "Moscow–Seoul"), ("score_rus_dprk", "Moscow–Pyongyang")))
        + "."
    )
    return chart.finish()


def changepoint_chart(series: dict[str, pd.Series], breaks: dict[str, tuple[int, ...]], periodization, start, end,
                      *, source: str, note: str | None = None,
                      display: dict[str, tuple[str, float]] | None = None,
                      flags: dict[str, pd.Series] | None = None) -> Chart:
    """Small multiples: each yearly series with its data-detected breaks (vermillion lines) over the phases.

    ``display`` maps a series name to (panel title with unit, factor): e.g. ``("Total trade, US$ bn",
    1e-9)`` shows dollars as billions (never as an offset such as "1e10"). ``flags`` maps a series
    name to a boolean Series by year: those years (provisional, or on another basis) are drawn hollow.
    """
    x0, x1, years = _window(start, end)
    display, flags = display or {}, flags or {}
    n = len(series)
    fig, axes = plt.subplots(n, 1, figsize=(7.0, 1.3 * n + 0.6), sharex=True, gridspec_kw={"hspace": 0.62})
    axes = np.atleast_1d(axes)
    chart = Chart(fig, "change-points", source=source)
    rows, descriptions = [], []
    for i, (ax, (name, values)) in enumerate(zip(axes, series.items(), strict=True)):
        title, factor = display.get(name, (name, 1.0))
        label_rows = shade_phases(ax, periodization, x0, x1, labels=ax is axes[0])
        shown = values.reindex(list(years)).astype(float) * factor
        hollow = flags.get(name)
        plot_years(ax, shown, years, colour="#333333", lw=1.2, hollow=hollow)
        found = tuple(breaks.get(name, ()))
        for year in found:
            ax.axvline(year, color=BREAK_COLOUR, lw=1.6, zorder=4)
        for year, v in shown.dropna().items():
            mark = " · break: a new segment starts" if year in found else ""
            flag = " (hollow: provisional or another basis)" if hollow is not None and bool(hollow.get(year)) else ""
            chart.point(ax, year + 0.5, v, f"{year} · {title}: {v:,.2f}{flag}{mark}", series=i)
        pad = 4 + (LABEL_ROW * label_rows + 2 if ax is axes[0] else 0)
        ax.set_title(title, fontsize=8, loc="left", pad=pad)
        ax.tick_params(axis="y", labelsize=7)
        for year, v in shown.items():
            rows.append({"series": title, "year": int(year), "value": v, "segment_starts": year in found,
                         "hollow": bool(hollow.get(year, False)) if hollow is not None else False})
        descriptions.append(f"{title}: " + (f"breaks in {', '.join(map(str, found))}" if found else "no break")
                            + f", latest {shown.dropna().iloc[-1]:,.2f} in {int(shown.dropna().index[-1])}"
                            if shown.notna().any() else f"{title}: no data")
    _years_axis(axes[-1], x0, x1)
    chart.note = note
    chart.data = pd.DataFrame(rows)
    chart.description = (f"Small multiples of {n} yearly series, {years[0]}–{years[-1]}, each with its "
                         f"data-detected breaks: " + "; ".join(descriptions) + ".")
    return chart.finish()
