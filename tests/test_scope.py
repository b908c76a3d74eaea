"""What each brief reads: editing one event rebuilds only the briefs that show it.

A phase brief is given the chronology with the words of other events blanked; its build inputs
hash that same masked chronology. These tests check both halves agree with what the briefs show.
"""

from __future__ import annotations

import pytest
from conftest import rewrite_csv

from russia_korea_briefs import brief, data, paths
from russia_korea_briefs.build import input_hash
from russia_korea_briefs.manifest import standard_briefs

EDITED = "2024-december-sanctions-rb"  # December 2024: shown by the overview and the last phase brief


@pytest.fixture(autouse=True)
def fresh_caches():
    data.clear_caches()
    yield
    data.clear_caches()


def _hashes() -> dict[str, str]:
    data.clear_caches()
    return {b.id: input_hash(b) for b in standard_briefs()}


@pytest.fixture
def events_file(monkeypatch, tmp_path):
    """An unedited copy of events.csv in place of the real one (so that only the edit differs)."""
    copy = tmp_path / "events.csv"
    rewrite_csv(paths.EVENTS_FILE, copy, lambda rows: None)
    monkeypatch.setattr(paths, "EVENTS_FILE", copy)
    return copy


def _edit(copy, **changes) -> None:
    rewrite_csv(copy, copy, lambda rows: next(r for r in rows if r["id"] == EDITED).update(**changes))


def _changed(before: dict, after: dict) -> set[str]:
    return {k for k in before if before[k] != after[k]}


def test_new_words_for_one_event_change_only_the_briefs_that_show_it(events_file):
    before = _hashes()
    row = next(r for r in data._valid_rows("events") if r.id == EDITED)
    _edit(events_file, description=row.description + " A sentence added by the test.")
    assert _changed(before, _hashes()) == {"overview", "phase-alliance-era"}


def test_a_new_score_changes_every_brief(events_file):
    """Scores feed every brief's charts and baselines, not only the words of its own events."""
    before = _hashes()
    row = next(r for r in data._valid_rows("events") if r.id == EDITED)
    _edit(events_file, score=str(row.score - 1))
    assert _changed(before, _hashes()) == {b.id for b in standard_briefs()}


def test_a_boundary_event_belongs_to_the_phase_it_ends_too():
    periodization = data.load_periodization()
    for current, following in zip(periodization.phases, periodization.phases[1:], strict=False):
        scope = data.phase_event_ids(periodization, current.id)
        assert set(following.boundary_events) <= scope


@pytest.mark.parametrize("phase_id", [p.id for p in data.load_periodization().phases])
def test_a_phase_brief_shows_no_words_it_was_not_given(phase_id):
    """Everything a phase brief writes about events, from the masked chronology: nothing blanked shows."""
    ctx = brief.open_brief("phase", phase_id=phase_id, periodization="")
    assert (ctx.all_events["title"] == data.NOT_READ).any(), "the chronology given to a phase brief is masked"
    view = brief.PhaseView(ctx, phase_id)
    shown = "".join(str(part) for part in (
        view.summary(), view.beginning(), view.key_events(), view.ending(), view.chronology(), ctx.refs.endnotes(),
    ))
    assert data.NOT_READ not in shown
    assert len(view.events) > 0 or phase_id == "prelude"


def test_the_overview_reads_every_word():
    ctx = brief.open_brief("overview", start="1988-01-01", end="2024-12-31", periodization="")
    assert not (ctx.all_events[list(data.EVENT_TEXT_COLUMNS)] == data.NOT_READ).any().any()
    assert data.event_text_scope("overview", ctx.params) is None


def test_a_phase_brief_reads_every_event_its_texts_cite():
    periodization = data.load_periodization()
    for phase in periodization.phases:
        files = data.text_files("phase", {"phase_id": phase.id})
        cited = data.cited_event_ids(files)
        assert cited, f"{phase.id}: no citations found in {files}"
        assert cited <= data.phase_event_ids(periodization, phase.id), phase.id


def test_editing_a_text_rebuilds_only_the_briefs_that_render_it(monkeypatch, tmp_path):
    import shutil

    copy = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS_DIR, copy)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", copy)
    before = _hashes()
    essay = copy / "text" / "phases" / "rupture.md"
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    after = {b.id: input_hash(b) for b in standard_briefs()}
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"phase-rupture"}, changed
    (copy / "text" / "overview" / "people.md").write_text("Changed.\n", encoding="utf-8")
    changed = {k for k in after if after[k] != {b.id: input_hash(b) for b in standard_briefs()}[k]}
    assert changed == {"overview"}, changed
