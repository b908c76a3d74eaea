"""Provenance sidecars (``data/provenance/*.yaml``): the single statement of where raw data come from.

The briefs' source lists are generated from here and from the row sources of the hand-coded
tables, never typed twice.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import pandas as pd
import yaml

from russia_korea_briefs import paths, text

REQUIRED = ("producer", "title", "citation_full", "url_main", "url_download", "date_accessed", "license")


@cache
def sidecars() -> dict[str, dict]:
    """Every sidecar by its short name (file stem)."""
    out = {}
    for path in sorted(paths.PROVENANCE_DIR.glob("*.yaml")):
        out[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return out


def for_table(table_file: str) -> list[dict]:
    """The sidecars of the raw files a derived table comes from."""
    return [s for s in sidecars().values() if table_file in (s.get("derived_tables") or [])]


def source_line(table_file: str, extra: str = "") -> str:
    """A chart's "Source:" line for a derived table, from its sidecars."""
    parts = []
    for s in for_table(table_file):
        origin = s["origin"]
        parts.append(f"{origin['producer']}, {origin['title']} (accessed {origin['date_accessed']})")
    line = "; ".join(parts)
    return f"{line}. {extra}".strip() if extra else line


def datasets_table() -> text.Html:
    rows = []
    for s in sidecars().values():
        origin = s["origin"]
        rows.append(
            {
                "Dataset": origin["title"],
                "url": origin["url_main"],
                "Producer": origin["producer"],
                "Accessed": origin["date_accessed"],
                "Licence": origin["license"]["name"],
                "Used for": ", ".join(s.get("derived_tables") or []),
            }
        )
    frame = pd.DataFrame(rows)
    return text.table(frame, "Public datasets used, with their licences", links={"Dataset": "url"},
                      source="data/provenance/*.yaml (each with the file's md5 and pinned download URL)")


def domain(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    for prefix in ("www.", "m.", "amp."):
        host = host.removeprefix(prefix)
    return host


def source_spread(frame: pd.DataFrame) -> pd.Series:
    """How many rows each website supplies (for the methodology section)."""
    return frame["source_url"].map(domain).value_counts()
