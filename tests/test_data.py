"""Validation of the data tables: the committed data pass; each rule fails clearly on a broken copy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import rewrite_csv
from hypothesis import given
from hypothesis import strategies as st

from russia_korea_briefs import cli, data, paths, schemas
from russia_korea_briefs.data import check_periodization, check_table
from russia_korea_briefs.errors import EXIT_DATA


def _events_table():
    return data._registry()["events"]


def _rewrite(path: Path, edit) -> None:
    """Apply ``edit(rows)`` to a CSV's rows (dicts) in place."""
    rewrite_csv(path, path, edit)


def _problems(path: Path) -> list[str]:
    _, problems = check_table(_events_table(), path)
    return [str(p) for p in problems]


def test_committed_data_are_valid():
    assert data.validate_all() == []


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("date", "2023-02-30", "not a real calendar date"),
        ("date", "1990-09", "does not match date_precision 'day'"),
        ("date", "1975-01-01", "outside the chronology"),
        ("category", "war", "Input should be 'diplomacy'"),
        ("dyad", "USA-ROK", "Input should be 'RUS-ROK'"),
        ("score", "11", "less than or equal to 10"),
        ("score", "high", "valid integer"),
        ("confidence", "certain", "Input should be 'high', 'medium' or 'low'"),
        ("source_url", "javascript:alert(1)", "absolute http:// or https:// URL"),
        ("source_url", "www.example.org/page", "absolute http:// or https:// URL"),
        ("id", "Bad Id!", "String should match pattern"),
    ],
)
def test_bad_cell_is_named_by_file_line_and_column(events_copy, column, value, expected):
    _rewrite(events_copy, lambda rows: rows[4].update({column: value}))
    problems = _problems(events_copy)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{events_copy}:6: column {column!r}: ")
    assert expected in problems[0]


@pytest.mark.parametrize("column", ["source_url", "description", "title", "source_title"])
def test_missing_required_value(events_copy, column):
    _rewrite(events_copy, lambda rows: rows[0].update({column: ""}))
    problems = _problems(events_copy)
    assert problems == [f"{events_copy}:2: column {column!r}: Field required"]


def test_every_problem_in_a_file_is_reported_at_once(events_copy):
    def edit(rows):
        rows[0]["score"] = "-12"
        rows[9]["category"] = "gossip"
        rows[20]["id"] = rows[19]["id"]

    _rewrite(events_copy, edit)
    problems = _problems(events_copy)
    assert len(problems) == 3
    assert [p.split(":")[1] for p in problems] == ["2", "11", "22"]
    assert "duplicate" in problems[2] and "first on line 21" in problems[2]


def test_missing_column(events_copy):
    _rewrite(events_copy, lambda rows: [{k: v for k, v in r.items() if k != "confidence"} for r in rows])
    text = events_copy.read_text(encoding="utf-8").replace(",confidence", "", 1)
    events_copy.write_text(text, encoding="utf-8")
    problems = _problems(events_copy)
    assert any("column 'confidence': required column missing from the header" in p for p in problems)


def test_truncated_file(events_copy):
    raw = events_copy.read_bytes()
    events_copy.write_bytes(raw[: len(raw) // 2])
    problems = _problems(events_copy)
    assert any("does not end with a line break: truncated?" in p for p in problems), problems


def test_wrong_encoding(events_copy):
    text = events_copy.read_text(encoding="utf-8")
    events_copy.write_bytes(text.encode("utf-8").replace(b"Seoul", "S\u00e9oul".encode("latin-1"), 1))
    problems = _problems(events_copy)
    assert len(problems) == 1 and "not valid UTF-8" in problems[0]


def test_missing_file(tmp_path):
    problems = _problems(tmp_path / "nope.csv")
    assert problems == [f"{tmp_path / 'nope.csv'}: file not found"]


# --- periodization ---------------------------------------------------------------------------


def _phase_problems(path: Path) -> list[str]:
    ids = {row.id for _, row in check_table(_events_table())[0]}
    return [str(p) for p in check_periodization(path, ids)[1]]


def test_standard_periodization_is_valid():
    periodization = data.load_periodization()
    assert 6 <= len(periodization.phases) <= 9
    assert periodization.phases[-1].end is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("end: 1991-12-25", "end: 1992-06-01", "starts 1991-12-26, before 'nordpolitik' ends (1992-06-01)"),
        ("start: 1988-07-07", "start: 1988-13-07", "phases[1].start"),
        ("[1988-july7-declaration-rr,", "[no-such-event,", "event id 'no-such-event' is not in events.csv"),
        ("end: 1988-07-06", "end: 1978-01-01", "end 1978-01-01 is before start 1979-01-01"),
        ("id: rupture", "id: after-crimea", "duplicate after-crimea"),
        ("    end: 2022-02-23\n", "", "open-ended but is not the last"),
    ],
)
def test_broken_periodization(phases_copy, old, new, expected):
    text = phases_copy.read_text(encoding="utf-8")
    assert old in text
    phases_copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = _phase_problems(phases_copy)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(phases_copy)) for p in problems)


def test_malformed_yaml_names_the_line(phases_copy):
    phases_copy.write_text("title: x\nphases:\n  - id: [unclosed\n", encoding="utf-8")
    problems = _phase_problems(phases_copy)
    assert len(problems) == 1 and "malformed YAML" in problems[0] and f"{phases_copy}:4" in problems[0]


def test_cli_validate_reports_and_exits_3(monkeypatch, events_copy, capsys):
    _rewrite(events_copy, lambda rows: rows[2].update({"dyad": "RUS-USA", "score": "x"}))
    monkeypatch.setattr(paths, "EVENTS_FILE", events_copy)
    assert cli.main(["validate"]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "2 data problems found" in err
    assert f"{events_copy}:4: column 'dyad'" in err and "Traceback" not in err


# --- parsers, property-based -----------------------------------------------------------------


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_partial_dates_round_trip(day):
    assert schemas.parse_partial_date(day.isoformat(), "day") == day
    assert schemas.parse_partial_date(day.isoformat()[:7], "month") == day.replace(day=1)
    assert schemas.parse_partial_date(day.isoformat()[:4], "year") == day.replace(month=1, day=1)


@given(st.text(max_size=12))
def test_partial_date_rejects_or_parses_text(value):
    for precision in schemas.PRECISIONS:
        try:
            result = schemas.parse_partial_date(value, precision)
        except ValueError as exc:
            assert value in str(exc) or repr(value) in str(exc)
        else:
            assert isinstance(result, date)


@given(st.from_regex(r"^[a-z]{1,10}:[^\s]{0,30}$", fullmatch=True))
def test_only_http_urls_pass(url):
    scheme = url.split(":", 1)[0]
    try:
        schemas.check_url(url)
    except ValueError:
        assert scheme not in ("http", "https") or not url.split(":", 1)[1].startswith("//")
    else:
        assert scheme in ("http", "https")
