"""Data-detected breaks in yearly series, set beside the narrative phase boundaries.

Method: PELT (``ruptures``) with a least-squares cost on the standardised series, a minimum
segment of 3 years and a BIC-like penalty of ``PENALTY_FACTOR × ln(n)``. With about 35 yearly
points this finds only large, lasting shifts in level; it cannot date a break more precisely
than a year or two, and a boundary it misses is not thereby refuted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

METHOD = "PELT, least-squares (l2) cost, standardised series, minimum segment 3 years"
PENALTY_FACTOR = 3.0
MIN_SIZE = 3
AGREE_WITHIN = 1  # a break within this many years of a boundary counts as agreeing


@dataclass(frozen=True)
class BreakResult:
    series: str
    years: tuple[int, ...]  # first year of each new segment
    n_points: int
    penalty: float


def detect(series: pd.Series, name: str, *, penalty_factor: float = PENALTY_FACTOR, min_size: int = MIN_SIZE) -> BreakResult:
    """Break years in a yearly series (NaNs dropped; the index must be years)."""
    import ruptures as rpt

    clean = series.dropna().sort_index()
    n = len(clean)
    penalty = penalty_factor * float(np.log(max(n, 2)))
    if n < 2 * min_size:
        return BreakResult(name, (), n, penalty)
    values = clean.to_numpy(dtype=float)
    scale = values.std() or 1.0
    signal = ((values - values.mean()) / scale).reshape(-1, 1)
    ends = rpt.Pelt(model="l2", min_size=min_size, jump=1).fit(signal).predict(pen=penalty)
    years = tuple(int(clean.index[i]) for i in ends[:-1])
    return BreakResult(name, years, n, penalty)


def boundary_years(periodization) -> list[tuple[int, str]]:
    """(year, phase id) of each phase start after the first."""
    return [(p.start.year, p.id) for p in periodization.phases[1:]]


def compare(results: list[BreakResult], periodization) -> pd.DataFrame:
    """One row per detected break: the nearest phase boundary and the distance in years."""
    bounds = boundary_years(periodization)
    rows = []
    for result in results:
        for year in result.years:
            if not bounds:  # a one-phase periodization has no boundary to compare with
                rows.append({"series": result.series, "break_year": year, "nearest_boundary": None,
                             "boundary_year": None, "distance_years": None, "agrees": None})
                continue
            b_year, b_id = min(bounds, key=lambda b: (abs(b[0] - year), b[0]))
            rows.append(
                {
                    "series": result.series,
                    "break_year": year,
                    "nearest_boundary": b_id,
                    "boundary_year": b_year,
                    "distance_years": year - b_year,
                    "agrees": abs(year - b_year) <= AGREE_WITHIN,
                }
            )
        if not result.years:
            rows.append(
                {"series": result.series, "break_year": None, "nearest_boundary": None,
                 "boundary_year": None, "distance_years": None, "agrees": None}
            )
    return pd.DataFrame(rows)


def unmatched_boundaries(results: list[BreakResult], periodization) -> list[str]:
    """Phase boundaries that no series breaks near."""
    found = [y for r in results for y in r.years]
    return [pid for year, pid in boundary_years(periodization) if not any(abs(year - f) <= AGREE_WITHIN for f in found)]
