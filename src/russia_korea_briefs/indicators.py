"""Indicators: pure functions of the loaded tables, one job each, no I/O.

Conventions: years are integers; money in current US dollars; shares in 0–1; a missing value is
NaN and stays NaN (nothing is interpolated).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: the UNGA pairs the briefs show, in display order
MAIN_PAIRS = ("RUS-KOR", "RUS-PRK", "KOR-USA", "KOR-PRK")
PAIR_LABELS = {
    "RUS-KOR": "Russia–South Korea",
    "RUS-PRK": "Russia–North Korea",
    "KOR-USA": "South Korea–United States",
    "KOR-PRK": "South Korea–North Korea",
    "RUS-USA": "Russia–United States",
    "PRK-USA": "North Korea–United States",
}


def yearly_trade(trade: pd.DataFrame) -> pd.DataFrame:
    """Trade by year with year-on-year growth of the total and Russia's share of Korea's trade."""
    out = trade.set_index("year").sort_index()[["rok_exports_usd", "rok_imports_usd", "total_usd", "rok_total_trade_usd"]]
    out = out.astype(float)
    previous = out["total_usd"].shift(1)
    consecutive = out.index.to_series().diff().eq(1)
    out["total_growth"] = np.where(consecutive, out["total_usd"] / previous - 1, np.nan)
    out["russia_share"] = out["total_usd"] / out["rok_total_trade_usd"]
    return out


def trade_peak(trade: pd.DataFrame) -> tuple[int, float]:
    """(year, total) of the highest annual total on record."""
    totals = trade.dropna(subset=["total_usd"]).set_index("year")["total_usd"]
    year = int(totals.idxmax())
    return year, float(totals[year])


def agreement_wide(agreement: pd.DataFrame, measure: str = "agree_half", pairs=MAIN_PAIRS) -> pd.DataFrame:
    """Year × pair table of a UNGA agreement measure; a year without votes is NaN."""
    wide = agreement.pivot(index="year", columns="pair", values=measure)
    return wide.reindex(columns=list(pairs)).sort_index()


#: a year with fewer roll calls than this is provisional: shown, marked, never a phase figure
PROVISIONAL_VOTES = 20
_VOTE_VALUE = {"yes": 1, "abstain": 2, "no": 3}


def agreement_with_votes(agreement: pd.DataFrame, votes: pd.DataFrame) -> pd.DataFrame:
    """Yearly agreement with hand-coded roll calls added (the ES-11 votes the raw file lacks).

    ``agreement`` has one row per year and pair (``n_votes``, ``agree_strict``, ``agree_half``);
    ``votes`` one row per roll call with ``date`` and ``vote_<ISO3>`` (yes/no/abstain; anything
    else means the state did not vote or its vote is unknown, and the roll call is skipped for
    that pair). Means combine exactly: (n · mean + sum of the added votes) / (n + m). Returns,
    per year and pair, both versions, ``n_added`` and ``provisional`` (fewer than
    :data:`PROVISIONAL_VOTES` roll calls in all).
    """
    added: dict[tuple[int, str], list[tuple[float, float]]] = {}
    pairs = sorted(set(agreement["pair"]))
    for _, vote in votes.iterrows():
        year = int(str(vote["date"])[:4])
        for pair in pairs:
            a, b = (_VOTE_VALUE.get(str(vote.get(f"vote_{c}", ""))) for c in pair.split("-"))
            if a is None or b is None:
                continue
            added.setdefault((year, pair), []).append((float(a == b), 1 - abs(a - b) / 2))
    rows = []
    keys = {(int(r.year), r.pair): r for r in agreement.itertuples()}
    for year, pair in sorted(set(keys) | set(added)):
        base = keys.get((year, pair))
        n = int(base.n_votes) if base is not None else 0
        extra = added.get((year, pair), [])
        m = len(extra)
        strict = base.agree_strict * n if base is not None else 0.0
        half = base.agree_half * n if base is not None else 0.0
        rows.append({
            "year": year, "pair": pair, "n_votes": n,
            "agree_strict": base.agree_strict if base is not None else np.nan,
            "agree_half": base.agree_half if base is not None else np.nan,
            "n_added": m,
            "agree_strict_with_added": (strict + sum(x for x, _ in extra)) / (n + m) if n + m else np.nan,
            "agree_half_with_added": (half + sum(y for _, y in extra)) / (n + m) if n + m else np.nan,
            "provisional": n + m < PROVISIONAL_VOTES,
        })
    return pd.DataFrame(rows)


def ideal_point_distances(ideal: pd.DataFrame, pairs=MAIN_PAIRS) -> pd.DataFrame:
    """Year × pair absolute distance between two states' UNGA ideal points."""
    wide = ideal.pivot(index="year", columns="country", values="ideal_point")
    out = pd.DataFrame(index=wide.index)
    for pair in pairs:
        a, b = pair.split("-")
        out[pair] = (wide.get(a) - wide.get(b)).abs() if a in wide and b in wide else np.nan
    return out.sort_index()


def in_window(events: pd.DataFrame, start: str | date, end: str | date) -> pd.DataFrame:
    """Events whose date falls in [start, end] (a partial date counts from its first day)."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    return events[(events["start"] >= s) & (events["start"] <= e)]


def net_score_by_year(events: pd.DataFrame, dyad: str, years: range | None = None) -> pd.Series:
    """Sum of cooperation–conflict scores per year for one dyad (0 in a year with no event)."""
    sub = events[events["dyad"] == dyad]
    series = sub.groupby("year")["score"].sum()
    if years is None:
        years = range(int(events["year"].min()), int(events["year"].max()) + 1)
    return series.reindex(list(years), fill_value=0).astype(int)


def counts_by(events: pd.DataFrame, column: str, order=None) -> pd.Series:
    counts = events[column].value_counts()
    return counts.reindex(order, fill_value=0) if order is not None else counts


def phase_of(day, periodization) -> str | None:
    """Id of the phase containing ``day`` (None outside every phase)."""
    ts = pd.Timestamp(day).date()
    for phase in periodization.phases:
        if phase.start <= ts and (phase.end is None or ts <= phase.end):
            return phase.id
    return None


def assign_phases(events: pd.DataFrame, periodization) -> pd.Series:
    return events["start"].map(lambda d: phase_of(d, periodization))


def _value_at(series: pd.Series, year: int) -> float:
    return float(series.get(year, np.nan)) if series is not None else np.nan


def phase_aggregates(
    events: pd.DataFrame,
    trade: pd.DataFrame,
    agreement: pd.DataFrame,
    periodization,
    last_day: str = "2024-12-31",
) -> pd.DataFrame:
    """One row per phase: length, events by category, mean RUS–ROK score, trade and UNGA at start and end."""
    phase_ids = assign_phases(events, periodization)
    totals = trade.set_index("year")["total_usd"]
    exports = trade.set_index("year")["rok_exports_usd"]
    agree = agreement_wide(agreement)["RUS-KOR"]
    rows = []
    for phase in periodization.phases:
        end = phase.end or date.fromisoformat(last_day)
        sub = events[phase_ids == phase.id]
        rr = sub[sub["dyad"] == "RUS-ROK"]
        row = {
            "phase": phase.id,
            "name": phase.name,
            "start": phase.start,
            "end": phase.end,
            "years": round((end - phase.start).days / 365.25, 1),
            "events": len(sub),
            "rus_rok_events": len(rr),
            "rus_rok_mean_score": round(float(rr["score"].mean()), 2) if len(rr) else np.nan,
            "rus_dprk_mean_score": round(float(sub[sub["dyad"] == "RUS-DPRK"]["score"].mean()), 2)
            if (sub["dyad"] == "RUS-DPRK").any()
            else np.nan,
            "trade_start_usd": _value_at(totals, phase.start.year),
            "trade_end_usd": _value_at(totals, end.year),
            "exports_start_usd": _value_at(exports, phase.start.year),
            "exports_end_usd": _value_at(exports, end.year),
            "unga_rus_kor_start": _value_at(agree, phase.start.year),
            "unga_rus_kor_end": _value_at(agree, end.year),
        }
        for category, n in sub["category"].value_counts().items():
            row[f"n_{category}"] = int(n)
        rows.append(row)
    frame = pd.DataFrame(rows)
    count_cols = [c for c in frame.columns if c.startswith("n_")]
    frame[count_cols] = frame[count_cols].fillna(0).astype(int)
    return frame


def seesaw(agreement: pd.DataFrame, events: pd.DataFrame, years: range) -> pd.DataFrame:
    """Moscow–Seoul against Moscow–Pyongyang by year: UNGA agreement and net event score."""
    wide = agreement_wide(agreement, pairs=("RUS-KOR", "RUS-PRK"))
    out = pd.DataFrame(index=pd.Index(list(years), name="year"))
    out["unga_rus_kor"] = wide["RUS-KOR"].reindex(out.index)
    out["unga_rus_prk"] = wide["RUS-PRK"].reindex(out.index)
    out["score_rus_rok"] = net_score_by_year(events, "RUS-ROK", years)
    out["score_rus_dprk"] = net_score_by_year(events, "RUS-DPRK", years)
    out["unga_gap"] = out["unga_rus_prk"] - out["unga_rus_kor"]
    return out


def crossings(series_a: pd.Series, series_b: pd.Series) -> list[int]:
    """Years in which ``a - b`` changes sign (compared with the previous year with data)."""
    diff = (series_a - series_b).dropna()
    sign = np.sign(diff)
    changed = sign.ne(sign.shift(1)) & sign.shift(1).notna() & sign.ne(0)
    return [int(y) for y in diff.index[changed]]


def category_counts_by_phase(events: pd.DataFrame, periodization, categories) -> pd.DataFrame:
    """Phase (short name, in order) × category counts of events."""
    ids = assign_phases(events, periodization)
    table = pd.crosstab(ids, events["category"]).reindex(index=periodization.ids, columns=list(categories), fill_value=0)
    table.index = [p.short for p in periodization.phases]
    return table.fillna(0).astype(int)


def _mean_in(series: pd.Series, years) -> float:
    values = series.reindex(list(years)).dropna()
    return float(values.mean()) if len(values) else np.nan


def phase_vs_baseline(phase, events: pd.DataFrame, trade: pd.DataFrame, agreement: pd.DataFrame,
                      baseline=(1988, 2024)) -> list[dict]:
    """The phase's indicators beside the same indicators over the whole period (yearly means)."""
    last = (phase.end or date(baseline[1], 12, 31))
    years = range(max(phase.start.year, baseline[0]), min(last.year, baseline[1]) + 1)
    all_years = range(baseline[0], baseline[1] + 1)
    phase_years = max((last - phase.start).days / 365.25, 0.25)
    in_phase = in_window(events, phase.start, last)
    in_base = in_window(events, f"{baseline[0]}-01-01", f"{baseline[1]}-12-31")
    totals = trade.set_index("year")["total_usd"]
    exports = trade.set_index("year")["rok_exports_usd"]
    wide = agreement_wide(agreement)

    def mean_score(frame, dyad):
        sub = frame[frame["dyad"] == dyad]["score"]
        return float(sub.mean()) if len(sub) else np.nan

    return [
        {"indicator": "Events recorded per year (all tracks)", "phase": len(in_phase) / phase_years,
         "baseline": len(in_base) / len(all_years), "kind": "rate"},
        {"indicator": "Mean event score, Moscow–Seoul", "phase": mean_score(in_phase, "RUS-ROK"),
         "baseline": mean_score(in_base, "RUS-ROK"), "kind": "score"},
        {"indicator": "Mean event score, Moscow–Pyongyang", "phase": mean_score(in_phase, "RUS-DPRK"),
         "baseline": mean_score(in_base, "RUS-DPRK"), "kind": "score"},
        {"indicator": "South Korean exports to Russia, yearly mean", "phase": _mean_in(exports, years),
         "baseline": _mean_in(exports, all_years), "kind": "usd"},
        {"indicator": "Total trade, yearly mean (years with a figure)", "phase": _mean_in(totals, years),
         "baseline": _mean_in(totals, all_years), "kind": "usd"},
        {"indicator": "UNGA agreement Russia–South Korea (half-credit), yearly mean", "phase": _mean_in(wide["RUS-KOR"], years),
         "baseline": _mean_in(wide["RUS-KOR"], all_years), "kind": "share"},
        {"indicator": "UNGA agreement Russia–North Korea (half-credit), yearly mean", "phase": _mean_in(wide["RUS-PRK"], years),
         "baseline": _mean_in(wide["RUS-PRK"], all_years), "kind": "share"},
    ]


def years_above(a: pd.Series, b: pd.Series) -> list[int]:
    """Years in which ``a`` is strictly above ``b`` (both known)."""
    both = pd.concat([a, b], axis=1).dropna()
    return [int(y) for y in both.index[both.iloc[:, 0] > both.iloc[:, 1]]]


def last_run_start(years: list[int], until: int) -> int | None:
    """First year of the unbroken run of ``years`` that ends at ``until`` (None if ``until`` is absent)."""
    run = set(years)
    if until not in run:
        return None
    year = until
    while year - 1 in run:
        year -= 1
    return year
