"""Prose as Markdown: values and citations filled at build time, assertions rechecked, errors named."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import rewrite_csv

from russia_korea_briefs import brief, data, indicator_schemas, prose, text

OVERVIEW_TEXTS = sorted(p.stem for p in (prose.TEXT_DIR / "overview").glob("*.md"))
PHASE_IDS = [p.id for p in data.load_periodization().phases]


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    data.clear_caches()
    prose.clear_cache()
    yield
    data.clear_caches()
    prose.clear_cache()


def _refs():
    return text.References(data.load_events())


def _write(tmp_path: Path, monkeypatch, name: str, body: str) -> str:
    folder = tmp_path / "text"
    (folder / "t").mkdir(parents=True, exist_ok=True)
    (folder / "t" / f"{name}.md").write_text(body, encoding="utf-8")
    monkeypatch.setattr(prose, "TEXT_DIR", folder)
    return f"t/{name}"


def test_values_and_citations_are_filled(tmp_path, monkeypatch):
    name = _write(tmp_path, monkeypatch, "ok", "Trade was {{ total | usd }} in {{ year }} [[1990-diplomatic-relations-rr]].\n")
    refs = _refs()
    html = prose.render(name, {"total": 2.734e10, "year": 2021}, refs.marker)
    assert "Trade was $27.34 bn in 2021" in html and 'href="#ref-1"' in html and refs.order == ["1990-diplomatic-relations-rr"]


def test_unknown_value_names_file_and_line(tmp_path, monkeypatch):
    name = _write(tmp_path, monkeypatch, "bad", "First line.\n\nTrade was {{ totl | usd }}.\n")
    with pytest.raises(prose.ProseError, match=r"bad\.md:3: unknown value \{\{ totl \}\}"):
        prose.render(name, {"total": 1.0}, _refs().marker)


def test_unknown_citation_names_file_and_line(tmp_path, monkeypatch):
    name = _write(tmp_path, monkeypatch, "cite", "One.\nTwo [[no-such-event]].\n")
    with pytest.raises(prose.ProseError, match=r"cite\.md:2: unknown citation 'no-such-event'"):
        prose.render(name, {}, _refs().marker)


def test_an_assertion_the_data_no_longer_support_stops_the_build(tmp_path, monkeypatch):
    name = _write(tmp_path, monkeypatch, "claim", "---\nasserts: [fell]\n---\nTrade fell.\n")
    assert "Trade fell." in prose.render(name, {"fell": True}, _refs().marker)
    with pytest.raises(prose.ProseError, match="asserts 'fell', which the data no longer support"):
        prose.render(name, {"fell": False}, _refs().marker)
    with pytest.raises(prose.ProseError, match="not a fact the library computes"):
        prose.render(name, {}, _refs().marker)


def test_markup_in_the_text_is_escaped(tmp_path, monkeypatch):
    name = _write(tmp_path, monkeypatch, "html", "A <script>alert(1)</script> and *emphasis*.\n")
    html = prose.render(name, {}, _refs().marker)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<em>emphasis</em>" in html


def test_judgments_state_likelihood_and_confidence_in_the_standard_terms(tmp_path, monkeypatch):
    folder = tmp_path / "text"
    folder.mkdir()
    monkeypatch.setattr(prose, "TEXT_DIR", folder)
    entry = {"statement": "We assess X.", "likelihood": "likely", "confidence": "moderate", "because": "B", "unless": "U"}
    import yaml

    (folder / "j.yaml").write_text(yaml.safe_dump([entry]), encoding="utf-8")
    html = prose.judgments("j", {}, _refs().marker)
    assert "Likely (55–80%)" in html and "Moderate confidence" in html and "<em>Unless</em> U" in html
    prose.clear_cache()
    (folder / "j.yaml").write_text(yaml.safe_dump([{**entry, "likelihood": "probably"}]), encoding="utf-8")
    with pytest.raises(prose.ProseError, match="likelihood 'probably'; use an ICD 203 term"):
        prose.judgments("j", {}, _refs().marker)
    prose.clear_cache()
    (folder / "j.yaml").write_text(yaml.safe_dump([{k: v for k, v in entry.items() if k != "unless"}]), encoding="utf-8")
    with pytest.raises(prose.ProseError, match="judgment 1: missing unless"):
        prose.judgments("j", {}, _refs().marker)


def test_change_helper_uses_one_base():
    import pandas as pd

    series = pd.Series({2021: 9.98e9, 2024: 4.53e9})
    assert text.change(series, 2021, 2024, text.fmt_usd) == "from $9.98 bn in 2021 to $4.53 bn in 2024 (−55%)"
    with pytest.raises(AssertionError, match="no value for 2021 or 2023"):
        text.change(series, 2021, 2023)


@pytest.fixture
def overview():
    ctx = brief.open_brief("overview")
    return ctx, brief.overview_facts(ctx)


@pytest.mark.parametrize("name", OVERVIEW_TEXTS)
def test_every_overview_text_renders_on_the_committed_data(overview, name):
    ctx, facts = overview
    assert prose.render(f"overview/{name}", facts, ctx.refs.marker).strip()


def test_overview_judgments_and_scenarios_render(overview):
    ctx, facts = overview
    assert prose.judgments("overview/judgments", facts, ctx.refs.marker).count("<li>") >= 4
    assert prose.scenarios("overview/scenarios", facts, ctx.refs.marker).count('class="scenario"') >= 3


@pytest.mark.parametrize("phase_id", PHASE_IDS)
def test_every_phase_essay_renders_with_its_judgments(phase_id):
    ctx = brief.open_brief("phase", phase_id=phase_id)
    view = brief.PhaseView(ctx, phase_id)
    essay = str(view.essay())
    words = len(" ".join(t for t in __import__("re").sub(r"<[^>]+>", " ", essay).split()).split())
    assert 550 <= words <= 1000, f"{phase_id}: {words} words"
    assert str(view.judgments()).count("<li>") >= 2
    assert 4 <= len(view.phase.key_events) <= 8


def test_a_sentence_the_data_no_longer_support_fails(monkeypatch, tmp_path):
    """The bottom line says exports in 2024 were under half of 2021's: change the data and it fails."""
    table = indicator_schemas.TABLES["trade"]
    copy = tmp_path / "trade.csv"
    rewrite_csv(table.path, copy, lambda rows: next(r for r in rows if r["year"] == "2024").update(rok_exports_usd="9000000000"))
    monkeypatch.setitem(indicator_schemas.TABLES, "trade", dataclasses.replace(table, path=copy))
    ctx = brief.open_brief("overview")
    facts = brief.overview_facts(ctx)
    assert facts["exports_2024_below_half_of_2021"] is False
    with pytest.raises(prose.ProseError, match="bottom-line.md: the text asserts 'exports_2024_below_half_of_2021'"):
        prose.render("overview/bottom-line", facts, ctx.refs.marker)
