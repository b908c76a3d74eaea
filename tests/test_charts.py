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


def _svg(fig) -> str:
    return text.svg_markup(fig)


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
    fig = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S", highlight="rupture")
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "Total trade")
    y = line.get_ydata()
    assert np.isnan(y).any(), "missing years stay NaN (a break in the line)"
    assert len(y) == 2024 - 1988 + 1
    _check(_svg(fig), "US$ billion")


def test_unga_and_distance_charts(data):
    fig = charts.unga_chart(indicators.agreement_wide(data["agreement"]), data["periods"], "1988-01-01", "2024-12-31",
                            source="S", measure_label="half")
    assert next(t.get_text() for t in fig.axes[0].get_legend().get_texts()) == "Russia–South Korea"
    _check(_svg(fig), "Agreement")
    fig = charts.ideal_distance_chart(indicators.ideal_point_distances(data["ideal"]), data["periods"], "1988-01-01",
                                      "2024-12-31", source="S")
    _check(_svg(fig), "Ideal-point distance")


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
    red = [ln for ln in fig.axes[0].get_lines() if ln.get_color() == "#D55E00"]
    assert [ln.get_xdata()[0] for ln in red] == [2000]


def test_hangul_and_cyrillic_render_without_missing_glyphs(data):
    fig = charts.phase_timeline(data["events"], data["periods"], "2020-01-01", "2024-12-31",
                                source="한국무역협회 (KITA); Министерство иностранных дел России")
    svg = _svg(fig)
    assert "한국무역협회" in svg and "Министерство" in svg


def test_phase_bands_are_the_same_on_every_chart(data):
    fig1 = charts.phase_timeline(data["events"], data["periods"], "1988-01-01", "2024-12-31", source="S")
    fig2 = charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S")

    def bands(fig):
        return [(round(p.get_x(), 3), p.get_facecolor()) for p in fig.axes[0].patches if p.get_width() > 0][:8]

    assert bands(fig1) == bands(fig2)


def test_svg_is_deterministic(data):
    a = _svg(charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S"))
    b = _svg(charts.trade_chart(data["trade"], data["periods"], "1988-01-01", "2024-12-31", source="S"))
    assert a == b


def test_figure_wrapper_escapes_caption(data):
    fig = charts.phase_timeline(data["events"], data["periods"], "1988-01-01", "2024-12-31", source="S")
    html = text.figure(fig, "<b>caption</b>").markup
    assert "&lt;b&gt;caption&lt;/b&gt;" in html and re.search(r'<figure class="chart[^"]*">', html)
