"""Every chart renders in the house style, to SVG with text kept as text, with no font warning."""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from russia_korea_briefs import charts, indicators, text
from russia_korea_briefs.data import load_events, load_periodization, load_table
from russia_korea_briefs.schemas import CATEGORIES


@pytest.fixture(autouse=True)
def strict_warnings():
    charts.apply_house_style()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" or "findfont" would fail here
        warnings.simplefilter("ignore", ResourceWarning)  # sockets of kernels from other tests
        yield


@pytest.fixture(scope="module")
def data():
    return {
        "events": load_events(),
        "periods": load_periodization(),
        "trade": load_table("trade"),
        "agreement": load_table("unga_agreement"),
        "ideal": load_table("unga_ideal_points"),
    }


def _svg(chart) -> str:
    return text.svg_markup(chart.fig if isinstance(chart, charts.Chart) else chart)


def _check(svg: str, *must_contain: str) -> None:
    assert svg.startswith("<svg"), "inline SVG without XML prologue"
    assert "<text" in svg, "text kept as text (svg.fonttype none)"
    assert "dc:date" not in svg, "no volatile date"
    for s in must_contain:
        assert s in svg, s


def test_timeline(data):
    fig = charts.phase_timeline(data["events"], data["periods"], "1988-01-01", "2024-12-31", source="Test source")
    _check(_svg(fig), "Test source", "Moscow–Seoul", "Nordpolitik")


def test_trade_chart_draws_gaps_as_gaps(data):
    chart = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S", highlight="rupture")
    fig = chart.fig
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_color() == charts.PALETTE["total"] and ln.get_linestyle() == "-"]
    y = np.concatenate([ln.get_ydata() for ln in lines])
    assert np.isnan(y).any(), "missing years stay NaN (a break in the line)"
    assert len(y) == 2024 - 1988 + 1
    assert len(lines) == 2, "not joined across the change of partner (USSR to 1991, Russia from 1992)"
    assert chart.data["total_usd"].isna().any() and chart.data["total_usd"].notna().any()
    _check(_svg(chart), "US$ billion", "USSR → Russia", "COW")


def test_unga_and_distance_charts(data):
    chart = charts.unga_chart(data["agreement"], data["periods"], "1988-01-01", "2024-12-31",
                              source="S", measure_label="half")
    assert next(t.get_text() for t in chart.fig.legends[0].get_texts()) == "Russia–South Korea"
    _check(_svg(chart), "agreement")
    chart = charts.ideal_distance_chart(indicators.ideal_point_distances(data["ideal"]), data["periods"], "1988-01-01",
                                        "2024-12-31", source="S")
    _check(_svg(chart), "Ideal-point distance")


def test_score_category_seesaw_charts(data):
    years = range(1988, 2025)
    frame = pd.DataFrame({d: indicators.net_score_by_year(data["events"], d, years) for d in ("RUS-ROK", "RUS-DPRK")})
    _check(_svg(charts.score_chart(frame, data["periods"], "1988-01-01", "2024-12-31", source="S")), "Net score")
    counts = indicators.category_counts_by_phase(data["events"], data["periods"], CATEGORIES)
    _check(_svg(charts.category_phase_chart(counts, source="S")), "Number of events")
    ss = indicators.seesaw(data["agreement"], data["events"], years)
    _check(_svg(charts.seesaw_chart(ss, data["periods"], "1988-01-01", "2024-12-31", source="S")), "UNGA agreement")


def test_changepoint_chart(data):
    series = {"A": pd.Series(range(37), index=range(1988, 2025), dtype=float)}
    fig = charts.changepoint_chart(series, {"A": (2000,)}, data["periods"], "1988-01-01", "2024-12-31", source="S")
    red = [ln for ln in fig.fig.axes[0].get_lines() if ln.get_color() == "#D55E00"]
    assert [ln.get_xdata()[0] for ln in red] == [2000]


def test_hangul_and_cyrillic_render_without_missing_glyphs(data):
    fig = charts.phase_timeline(data["events"], data["periods"], "2020-01-01", "2024-12-31",
                                source="한국무역협회 (KITA); Министерство иностранных дел России")
    svg = _svg(fig)
    assert "한국무역협회" in svg and "Министерство" in svg


def test_phase_bands_are_the_same_on_every_chart(data):
    fig1 = charts.phase_timeline(data["events"], data["periods"], "1988-01-01", "2024-12-31", source="S")
    fig2 = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S")

    def bands(chart):
        return [(round(p.get_x(), 3), p.get_facecolor()) for p in chart.fig.axes[0].patches if p.get_width() > 0][:8]

    assert bands(fig1) == bands(fig2)


def test_svg_is_deterministic(data):
    a = _svg(charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S"))
    b = _svg(charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S"))
    assert a == b


def test_figure_wrapper_escapes_caption(data):
    fig = charts.phase_timeline(data["events"], data["periods"], "1988-01-01", "2024-12-31", source="S")
    html = text.figure(fig, "<b>caption</b>").markup
    assert "&lt;b&gt;caption&lt;/b&gt;" in html and re.search(r'<figure class="chart[^"]*"[ >]', html)


# --- print quality: what a reader checks at A4 ---------------------------------------------------


def _all_charts(data) -> dict[str, charts.Chart]:
    years = range(1988, 2026)
    scores = pd.DataFrame({d: indicators.net_score_by_year(data["events"], d, years) for d in ("RUS-ROK", "RUS-DPRK")})
    votes = load_table("unga_es11_votes")
    agreement = indicators.agreement_with_votes(data["agreement"], votes)
    seesaw = indicators.seesaw(data["agreement"], data["events"], years)
    start, end = "1988-01-01", "2025-12-31"
    series = {"Total trade (US$)": data["trade"].set_index("year")["total_usd"].reindex(years)}
    return {
        "timeline": charts.phase_timeline(data["events"], data["periods"], start, "2026-03-31", source="S"),
        "trade": charts.trade_chart(data["trade"], data["periods"], start, end, source="S"),
        "unga": charts.unga_chart(agreement, data["periods"], start, end, source="S"),
        "distance": charts.ideal_distance_chart(indicators.ideal_point_distances(data["ideal"]), data["periods"],
                                                start, end, source="S"),
        "scores": charts.score_chart(scores, data["periods"], start, end, source="S"),
        "categories": charts.category_phase_chart(
            indicators.category_counts_by_phase(data["events"], data["periods"], CATEGORIES), source="S"),
        "seesaw": charts.seesaw_chart(seesaw, data["periods"], start, end, source="S"),
        "changepoint": charts.changepoint_chart(series, {"Total trade (US$)": (2007,)}, data["periods"], start, end,
                                                source="S", display={"Total trade (US$)": ("Total trade, US$ bn", 1e-9)}),
    }


@pytest.fixture(scope="module")
def every_chart(data):
    charts.apply_house_style()
    return _all_charts(data)


def _boxes(fig):
    renderer = fig.canvas.get_renderer()
    return renderer


def test_every_chart_carries_its_data_description_and_points(every_chart):
    for name, chart in every_chart.items():
        assert isinstance(chart, charts.Chart), name
        assert len(chart.data) and len(chart.data.columns) >= 2, name
        assert len(chart.description) > 60 and "nan" not in chart.description.lower(), (name, chart.description)
        assert chart.points, f"{name}: no hover values"
        assert all(isinstance(p[3], str) for p in chart.points), name


def test_no_offset_text_or_scientific_ticks(every_chart):
    for name, chart in every_chart.items():
        chart.fig.canvas.draw()
        for ax in chart.fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                assert axis.get_offset_text().get_text() == "", (name, axis.get_offset_text().get_text())
                for label in axis.get_ticklabels():
                    assert "e+" not in label.get_text() and "e1" not in label.get_text(), (name, label.get_text())


def test_time_axes_show_whole_years(every_chart):
    for name, chart in every_chart.items():
        if name == "categories":
            continue
        chart.fig.canvas.draw()
        ax = chart.fig.axes[-1]
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(re.fullmatch(r"(19|20)\d\d", t) for t in labels), (name, labels)
        assert all(x % 1 == 0.5 for x in ax.get_xticks()), "a year's label sits at mid-year, where its value is"


def test_every_phase_band_is_labelled_without_overlap(every_chart, data):
    short = {p.short for p in data["periods"].phases}
    for name, chart in every_chart.items():
        if name == "categories":
            continue
        fig = chart.fig
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.texts if t.get_text() in short]
        x0, x1 = ax.get_xlim()
        expected = {p.short for p in data["periods"].phases
                    if charts.year_fraction(p.start) < x1 and (p.end is None or charts.year_fraction(p.end) > x0)}
        assert {t.get_text() for t in labels} == expected, name
        boxes = [t.get_window_extent(renderer) for t in labels]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), f"{name}: two phase labels overlap"


def test_legends_stay_outside_the_data(every_chart):
    for name, chart in every_chart.items():
        fig = chart.fig
        renderer = fig.canvas.get_renderer()
        legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent(renderer)), f"{name}: the legend covers the plot"


def test_hover_points_sit_on_the_drawn_markers(data):
    chart = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2025-12-31", source="S")
    points = list(chart.points)
    svg, _, coords, _ = text._render_svg(chart.fig, points)
    drawn = [(float(x), float(y)) for x, y in re.findall(r'<use [^>]*x="([-0-9.]+)" y="([-0-9.]+)"', svg)]
    assert len(coords) == len(points) and drawn
    for x, y, label, _ in coords:
        assert min(abs(x - dx) + abs(y - dy) for dx, dy in drawn) < 0.5, label


def test_trade_chart_marks_cow_imports_and_the_partner_change(data):
    chart = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2025-12-31", source="S")
    hollow = [ln for ln in chart.fig.axes[0].get_lines() if ln.get_markerfacecolor() == "white"]
    cow_years = set(data["trade"].loc[data["trade"]["imports_basis"] == "cow", "year"])
    imports = next(ln for ln in hollow if ln.get_color() == charts.PALETTE["imports"])
    assert {int(x - 0.5) for x in imports.get_xdata()} == cow_years
    assert "COW" in chart.note and "USSR to 1991" in chart.note
    assert "2023–2025 (total, imports)" in chart.note, chart.note
    assert list(chart.data["year"]) == list(range(1988, 2026))


def test_unga_chart_draws_provisional_years_hollow_and_es11_dashed(data):
    votes = load_table("unga_es11_votes")
    agreement = indicators.agreement_with_votes(data["agreement"], votes)
    chart = charts.unga_chart(agreement, data["periods"], "1988-01-01", "2025-12-31", source="S")
    lines = chart.fig.axes[0].get_lines()
    dashed = [ln for ln in lines if ln.get_linestyle() not in ("-", "None", "none")
              and ln.get_color() == charts.PAIR_COLOURS["RUS-KOR"]]
    assert dashed and {int(x - 0.5) for ln in dashed for x in ln.get_xdata()} == {2022, 2023}
    hollow = {int(x - 0.5) for ln in lines if ln.get_markerfacecolor() == "white" for x in ln.get_xdata()}
    assert hollow == {2024}
    row = chart.data[(chart.data["year"] == 2022) & (chart.data["pair"] == "RUS-KOR")].iloc[0]
    assert row["agree_half_with_es11"] < row["agree_half"] and row["n_es11_votes"] == 5
    assert "ES-11" in chart.note and "fewer than 20 roll calls" in chart.note
    assert chart.data["year"].max() == 2025


def test_figure_html_carries_csv_description_and_accessible_name(data):
    import base64

    chart = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2025-12-31", source="Src <x>",
                               note="n")
    html = text.figure(chart, "Caption & more", credit="Briefs, edition 2026")
    assert isinstance(html, text.FigureHtml) and html.data is chart.data
    uri = re.search(r'class="data-link" href="([^"]+)" download="trade.csv"', html.markup).group(1)
    assert uri.startswith(text.CSV_URI_PREFIX)
    csv = base64.b64decode(uri[len(text.CSV_URI_PREFIX):]).decode("utf-8")
    assert csv == html.csv
    assert csv.startswith("# Caption & more\n# Source: Src <x>\n# Note: ")
    assert "# Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); Briefs, edition 2026" in csv
    assert text.csv_body(csv) == chart.data.to_csv(index=False, lineterminator="\n")
    svg_tag = re.search(r"<svg [^>]*>", html.markup).group(0)
    cap = re.search(r'aria-labelledby="([^"]+)"', svg_tag).group(1)
    desc = re.search(r'aria-describedby="([^"]+)"', svg_tag).group(1)
    assert 'role="img"' in svg_tag
    assert f'<figcaption id="{cap}">Caption &amp; more</figcaption>' in html.markup
    described = re.search(rf'<p class="visually-hidden" id="{desc}">([^<]+)</p>', html.markup).group(1)
    assert "latest" in described and "US$" in described
    assert "Src &lt;x&gt;" not in html.markup or "<x>" not in html.markup.split("data-points")[0]
