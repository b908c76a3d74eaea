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


@pytest.fixture
def no_kernel(request, monkeypatch) -> list:
    """Outside the tests marked slow, any attempt to execute a notebook fails the test (modules
    that import it make it autouse with ``pytestmark`` or request it by name)."""
    from russia_korea_briefs import build as build_module

    calls: list = []
    if request.node.get_closest_marker("slow"):
        return calls

    def refuse(brief, *args, **kwargs):
        calls.append(brief.id)
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(build_module, "execute", refuse)
    return calls


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr); never a traceback."""
    from russia_korea_briefs import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err
