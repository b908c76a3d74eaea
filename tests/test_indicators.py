"""Indicators and change points on tiny tables with answers worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from russia_korea_briefs import changepoints, indicators


@dataclass(frozen=True)
class P:  # the fields of schemas.PhaseEntry the functions use
    id: str
    name: str
    short: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Periodization:
    phases: tuple

    @property
    def ids(self):
        return [p.id for p in self.phases]


PERIODS = Periodization(
    (
        P("a", "Phase A", "A", date(2000, 1, 1), date(2004, 12, 31)),
        P("b", "Phase B", "B", date(2005, 1, 1), date(2009, 12, 31)),
        P("c", "Phase C", "C", date(2010, 1, 1), None),
    )
)


def _events(rows):
    frame = pd.DataFrame(rows, columns=["id", "date", "dyad", "category", "score"])
    frame["start"] = pd.to_datetime(frame["date"])
    frame["year"] = frame["start"].dt.year
    return frame


EVENTS = _events(
    [
        ("e1", "2000-03-01", "RUS-ROK", "summit", 6),
        ("e2", "2001-05-01", "RUS-ROK", "incident", -4),
        ("e3", "2001-06-01", "RUS-DPRK", "summit", 4),
        ("e4", "2006-01-01", "RUS-ROK", "economy", 2),
        ("e5", "2011-01-01", "RUS-DPRK", "agreement", 8),
        ("e6", "2011-02-01", "RUS-ROK", "sanctions", -6),
    ]
)

TRADE = pd.DataFrame(
    {
        "year": [2000, 2001, 2002, 2004],
        "rok_exports_usd": [1.0e9, 1.5e9, np.nan, 2.0e9],
        "rok_imports_usd": [1.0e9, 0.5e9, np.nan, 2.0e9],
        "total_usd": [2.0e9, 2.0e9, np.nan, 4.0e9],
        "rok_total_trade_usd": [100e9, 100e9, 100e9, 200e9],
    }
)

AGREEMENT = pd.DataFrame(
    {
        "year": [2000, 2000, 2001, 2001, 2010, 2010],
        "pair": ["RUS-KOR", "RUS-PRK"] * 3,
        "n_votes": [10] * 6,
        "agree_strict": [0.8, 0.5, 0.7, 0.6, 0.5, 0.9],
        "agree_half": [0.9, 0.6, 0.8, 0.7, 0.6, 0.95],
    }
)


def test_yearly_trade_growth_only_between_consecutive_years():
    out = indicators.yearly_trade(TRADE)
    assert np.isnan(out.loc[2000, "total_growth"])
    assert out.loc[2001, "total_growth"] == pytest.approx(0.0)
    assert np.isnan(out.loc[2004, "total_growth"]), "2003 is missing: no growth across a gap"
    assert out.loc[2004, "russia_share"] == pytest.approx(0.02)
    assert np.isnan(out.loc[2002, "total_usd"]), "a gap stays a gap"


def test_trade_peak():
    assert indicators.trade_peak(TRADE) == (2004, 4.0e9)


def test_agreement_wide_and_missing_pairs():
    wide = indicators.agreement_wide(AGREEMENT, "agree_half")
    assert list(wide.columns) == list(indicators.MAIN_PAIRS)
    assert wide.loc[2001, "RUS-PRK"] == 0.7
    assert wide["KOR-USA"].isna().all()


def test_ideal_point_distances():
    ideal = pd.DataFrame(
        {"year": [2000] * 4, "country": ["RUS", "KOR", "PRK", "USA"], "ideal_point": [-1.0, 0.5, -2.0, 2.0], "n_votes": [50] * 4}
    )
    dist = indicators.ideal_point_distances(ideal)
    assert dist.loc[2000].to_dict() == pytest.approx({"RUS-KOR": 1.5, "RUS-PRK": 1.0, "KOR-USA": 1.5, "KOR-PRK": 2.5})


def test_net_score_by_year_fills_quiet_years_with_zero():
    series = indicators.net_score_by_year(EVENTS, "RUS-ROK", range(2000, 2003))
    assert series.to_dict() == {2000: 6, 2001: -4, 2002: 0}


def test_phase_of_and_assign_phases():
    assert indicators.phase_of("2004-12-31", PERIODS) == "a"
    assert indicators.phase_of("2005-01-01", PERIODS) == "b"
    assert indicators.phase_of("2030-01-01", PERIODS) == "c", "the last phase is open"
    assert indicators.phase_of("1999-12-31", PERIODS) is None
    assert list(indicators.assign_phases(EVENTS, PERIODS)) == ["a", "a", "a", "b", "c", "c"]


def test_phase_aggregates():
    agg = indicators.phase_aggregates(EVENTS, TRADE, AGREEMENT, PERIODS, last_day="2012-12-31").set_index("phase")
    assert agg.loc["a", "events"] == 3 and agg.loc["a", "rus_rok_events"] == 2
    assert agg.loc["a", "rus_rok_mean_score"] == 1.0
    assert agg.loc["a", "rus_dprk_mean_score"] == 4.0
    assert agg.loc["a", "trade_start_usd"] == 2.0e9 and agg.loc["a", "trade_end_usd"] == 4.0e9
    assert agg.loc["a", "unga_rus_kor_start"] == 0.9
    assert agg.loc["b", "n_economy"] == 1 and agg.loc["b", "n_summit"] == 0
    assert agg.loc["c", "years"] == 3.0
    assert np.isnan(agg.loc["b", "rus_dprk_mean_score"])


def test_category_counts_by_phase():
    table = indicators.category_counts_by_phase(EVENTS, PERIODS, ["summit", "incident", "economy", "agreement", "sanctions"])
    assert list(table.index) == ["A", "B", "C"]
    assert table.loc["A"].tolist() == [2, 1, 0, 0, 0]
    assert table.loc["C"].tolist() == [0, 0, 0, 1, 1]


def test_phase_vs_baseline():
    rows = {r["indicator"]: r for r in indicators.phase_vs_baseline(PERIODS.phases[0], EVENTS, TRADE, AGREEMENT, baseline=(2000, 2011))}
    assert rows["Mean event score, Moscow–Seoul"]["phase"] == 1.0
    assert rows["Mean event score, Moscow–Seoul"]["baseline"] == pytest.approx(-0.5)
    assert rows["Total trade, yearly mean (years with a figure)"]["phase"] == pytest.approx(8e9 / 3)
    assert rows["Events recorded per year (all tracks)"]["baseline"] == pytest.approx(6 / 12)


def test_seesaw_and_crossings():
    frame = indicators.seesaw(AGREEMENT, EVENTS, range(2000, 2012))
    assert frame.loc[2010, "unga_gap"] == pytest.approx(0.35)
    assert frame.loc[2011, "score_rus_dprk"] == 8 and frame.loc[2011, "score_rus_rok"] == -6
    a = pd.Series({1: 0.9, 2: 0.8, 3: 0.4, 4: 0.5, 5: 0.9})
    b = pd.Series({1: 0.5, 2: 0.5, 3: 0.6, 4: np.nan, 5: 0.5})
    assert indicators.crossings(a, b) == [3, 5]
    assert indicators.years_above(a, b) == [1, 2, 5]
    assert indicators.last_run_start([2001, 2003, 2004, 2005], 2005) == 2003
    assert indicators.last_run_start([2001], 2005) is None


def test_in_window_uses_first_day_of_partial_dates():
    assert list(indicators.in_window(EVENTS, "2001-01-01", "2006-01-01")["id"]) == ["e2", "e3", "e4"]


# --- change points ---------------------------------------------------------------------------


def test_detects_a_clear_level_shift():
    years = range(1990, 2020)
    series = pd.Series([1.0] * 15 + [5.0] * 15, index=list(years))
    result = changepoints.detect(series, "step")
    assert result.years == (2005,)
    assert result.n_points == 30


def test_no_break_in_noise_free_flat_series():
    series = pd.Series([2.0] * 30, index=range(1990, 2020))
    assert changepoints.detect(series, "flat").years == ()


def test_short_series_has_no_breaks():
    series = pd.Series([1.0, 9.0, 1.0, 9.0], index=range(2000, 2004))
    assert changepoints.detect(series, "short").years == ()


def test_missing_years_are_dropped_not_filled():
    values = [1.0] * 10 + [np.nan] * 3 + [6.0] * 10
    series = pd.Series(values, index=range(1990, 2013))
    assert changepoints.detect(series, "gappy").years == (2003,)


def test_compare_with_boundaries():
    results = [changepoints.BreakResult("s1", (2006, 2011), 30, 10.0), changepoints.BreakResult("s2", (), 30, 10.0)]
    table = changepoints.compare(results, PERIODS)
    first = table.iloc[0].to_dict()
    assert first["nearest_boundary"] == "b" and first["distance_years"] == 1 and first["agrees"]
    second = table.iloc[1].to_dict()
    assert second["nearest_boundary"] == "c" and second["distance_years"] == 1
    assert pd.isna(table.iloc[2]["break_year"]) and table.iloc[2]["series"] == "s2"
    assert changepoints.unmatched_boundaries(results, PERIODS) == []
    assert changepoints.unmatched_boundaries([results[1]], PERIODS) == ["b", "c"]
