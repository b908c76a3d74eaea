"""Shared fixtures. Slow tests execute real notebooks with papermill and render real briefs."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from russia_korea_briefs import paths

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def events_copy(tmp_path: Path) -> Path:
    """A writable copy of the committed events table."""
    target = tmp_path / "events.csv"
    shutil.copy(paths.EVENTS_FILE, target)
    return target


@pytest.fixture
def phases_copy(tmp_path: Path) -> Path:
    target = tmp_path / "phases.yaml"
    shutil.copy(paths.PHASES_FILE, target)
    return target


def rewrite_csv(source: Path, target: Path, edit) -> list[dict]:
    """Copy a CSV applying ``edit(rows)`` (rows are dicts); returns the rows written."""
    with open(source, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    rows = edit(rows) or rows
    with open(target, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows
