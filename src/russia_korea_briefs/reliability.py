"""How far two coders agree on the events' scores: the reliability figure the methods publish.

Every event was scored by a first coder (the researcher who wrote the row) and, blind, by a second
coder who saw the codebook and the event's text but not the first score
(``data/reference/score_coding.csv``). The chronology's ``score`` is the first score, or the
resolved one where the two were reviewed (the row's note says so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: disagreements larger than this are resolved one by one, with a note on the event
RESOLVE_ABOVE = 3


def score_agreement(coding: pd.DataFrame) -> dict:
    """Krippendorff's alpha (interval), exact agreement, share within ±2, the largest gaps."""
    import krippendorff

    first = coding["first_score"].to_numpy(dtype=float)
    second = coding["second_score"].to_numpy(dtype=float)
    gap = np.abs(first - second)
    alpha = krippendorff.alpha(reliability_data=np.vstack([first, second]), level_of_measurement="interval")
    return {
        "n": len(coding),
        "alpha": float(alpha),
        "exact": float((gap == 0).mean()),
        "within_2": float((gap <= 2).mean()),
        "mean_gap": float(gap.mean()),
        "over_threshold": coding.loc[gap > RESOLVE_ABOVE, "id"].tolist(),
        "gap_3": coding.loc[gap == 3, "id"].tolist(),
    }


def resolved(events: pd.DataFrame, coding: pd.DataFrame) -> pd.DataFrame:
    """Events whose published score differs from the first coder's, with both codings."""
    merged = events[["id", "title", "score"]].merge(coding, on="id")
    return merged[merged["score"] != merged["first_score"]].reset_index(drop=True)
