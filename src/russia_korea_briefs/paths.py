"""Every path the project uses, resolved from this file: never from the current directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]

DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
INDICATORS_DIR = DATA_DIR / "indicators"
DERIVED_DIR = DATA_DIR / "derived"
PROVENANCE_DIR = DATA_DIR / "provenance"
RAW_CACHE_DIR = DATA_DIR / "raw"  # downloads land here; never committed

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
BRIEFS_MANIFEST = NOTEBOOKS_DIR / "briefs.yaml"
REPORTS_DIR = PROJECT_ROOT / "reports"
BUILD_DIR = PROJECT_ROOT / "build"

TEMPLATES_DIR = PACKAGE_DIR / "templates"
STYLE_FILE = PACKAGE_DIR / "house.mplstyle"

EVENTS_FILE = REFERENCE_DIR / "events.csv"
PHASES_FILE = REFERENCE_DIR / "phases.yaml"
COVERAGE_FILE = REFERENCE_DIR / "coverage.yaml"

#: Environment variable naming a local folder that mirrors the raw public datasets
#: (the layout of ``shared/data``: ``unga_votes_voeten/ungaVoting_003.csv`` …).
RAW_DIR_ENV = "RUSSIA_KOREA_RAW_DIR"


def raw_data_dir() -> Path | None:
    """The local mirror of raw datasets, if any.

    ``$RUSSIA_KOREA_RAW_DIR`` when set (it must exist), else a ``shared/data`` folder beside
    the project root when there is one, else ``None`` (ingest then downloads and checks md5s).
    """
    from russia_korea_briefs.errors import ConfigError

    value = os.environ.get(RAW_DIR_ENV)
    if value:
        path = Path(value).expanduser()
        if not path.is_dir():
            raise ConfigError(f"{RAW_DIR_ENV}={value!r}: no such folder")
        return path
    sibling = PROJECT_ROOT.parent / "shared" / "data"
    return sibling if sibling.is_dir() else None
