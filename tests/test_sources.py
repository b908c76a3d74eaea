"""The source policy and the information cut-off, enforced by validation: a test per rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import rewrite_csv

from russia_korea_briefs import cli, data, paths, schemas, sources
from russia_korea_briefs.data import check_table
from russia_korea_briefs.errors import EXIT_DATA
from russia_korea_briefs.params import resolve

CITED_TABLES = ("events", "trade_published", "other_figures", "claims")


@pytest.fixture(autouse=True)
def fresh_caches():
    data.clear_caches()
    yield
    data.clear_caches()


def _copy(table: str, tmp_path: Path, edit) -> Path:
    source = data._registry()[table].path
    target = tmp_path / source.name
    rewrite_csv(source, target, edit)
    return target


def _problems(table: str, path: Path) -> list[str]:
    return [str(p) for p in check_table(data._registry()[table], path)[1]]


@pytest.mark.parametrize("table", CITED_TABLES)
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://south-korea.news-pravda.com/en/world/2025/02/22/5021.html", "state disinformation network"),
        ("https://sputnikglobe.com/20230728/story.html", "state disinformation network"),
        ("https://wikisum.wiki/wiki/Russia%E2%80%93South_Korea_relations", "Wikipedia mirror"),
        ("https://www.howlingpixel.com/i-en/2006_North_Korean_nuclear_test", "Wikipedia mirror"),
        ("https://readonlinefree.net/read-online-the-two-koreas", "pirated-book site"),
        ("http://famousdaily.com/history/x.html", "content farm"),
    ],
)
def test_rejected_host_is_named_with_its_reason(table, url, reason, tmp_path):
    path = _copy(table, tmp_path, lambda rows: rows[3].update({"source_url": url}))
    problems = _problems(table, path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:5: column 'source_url': ")
    assert reason in problems[0] and "rejects it" in problems[0]


@pytest.mark.parametrize("table", CITED_TABLES)
def test_missing_source_type_is_an_error(table, tmp_path):
    path = _copy(table, tmp_path, lambda rows: rows[0].update({"source_type": ""}))
    assert _problems(table, path) == [f"{path}:2: column 'source_type': Field required"]


@pytest.mark.parametrize("table", CITED_TABLES)
def test_unknown_source_type_is_an_error(table, tmp_path):
    path = _copy(table, tmp_path, lambda rows: rows[0].update({"source_type": "blog"}))
    problems = _problems(table, path)
    assert len(problems) == 1 and "column 'source_type'" in problems[0] and "'primary'" in problems[0]


def test_aggregator_host_must_be_typed_aggregator(tmp_path):
    url = "https://www.devdiscourse.com/article/law-order/2797788-story"
    path = _copy("events", tmp_path, lambda rows: rows[0].update({"source_url": url, "source_type": "press"}))
    problems = _problems("events", path)
    assert len(problems) == 1 and "type the row 'aggregator'" in problems[0], problems


def test_aggregator_row_names_the_original_outlet(tmp_path):
    url = "https://www.devdiscourse.com/article/law-order/2797788-story"
    path = _copy("events", tmp_path, lambda rows: rows[0].update(
        {"source_url": url, "source_type": "aggregator", "source_title": "South Korea summons envoy"}))
    problems = _problems("events", path)
    assert len(problems) == 1 and "names the original outlet" in problems[0], problems
    path = _copy("events", tmp_path, lambda rows: rows[0].update(
        {"source_url": url, "source_type": "aggregator", "source_title": "Reuters via Devdiscourse: South Korea summons envoy"}))
    assert _problems("events", path) == []


def test_too_many_aggregator_rows_fail_validation(tmp_path, monkeypatch, capsys):
    def edit(rows):
        for row in rows[:60]:
            row.update({"source_type": "aggregator", "source_title": "Yonhap via Example: " + row["source_title"]})

    path = _copy("events", tmp_path, edit)
    monkeypatch.setattr(paths, "EVENTS_FILE", path)
    problems = [str(p) for p in data.validate_all()]
    assert len(problems) == 1, problems
    assert re.search(r"rest on aggregator copies .*events\.csv \d+.*at most 5%", problems[0]), problems[0]
    assert cli.main(["validate"]) == EXIT_DATA
    assert "aggregator copies" in capsys.readouterr().err


def test_committed_data_keep_aggregators_under_the_cap():
    rows = [r for t in CITED_TABLES for r in data._valid_rows(t)]
    share = sum(r.source_type == "aggregator" for r in rows) / len(rows)
    assert share <= sources.MAX_AGGREGATOR_SHARE


def test_no_committed_row_cites_a_rejected_site():
    for table in CITED_TABLES:
        for row in data._valid_rows(table):
            assert sources.rejection(row.source_url) is None, (table, row.source_url)


def test_host_matching_is_by_domain_not_substring():
    assert sources.rejection("https://italy.news-pravda.com/x") is not None
    assert sources.rejection("https://www.rt.com/news/1") is not None
    assert sources.rejection("https://www.pravda.com.ua/eng/news/2024/06/28/7463169/") is None  # Ukrainian press
    assert sources.rejection("https://art.com/x") is None  # "rt.com" only as a whole domain
    assert sources.rejection("https://en.yna.co.kr/view/AEN20240905") is None


def test_codebook_lists_the_policy():
    codebook = (paths.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for kind in sources.SOURCE_TYPES:
        assert f"`{kind}`" in codebook, kind
    for entries in sources.REJECTED_HOSTS.values():
        for host in entries:
            shown = host.replace(".", "[.]")  # written defanged in the codebook, never as a link
            assert shown in codebook, f"{host} is rejected by validation but not named in data/README.md"
    assert f"{sources.MAX_AGGREGATOR_SHARE:.0%}" in codebook


def test_phase_sources_are_checked_too(tmp_path):
    text = paths.PHASES_FILE.read_text(encoding="utf-8")
    bad = text.replace(
        "    boundary_events: [2022-strategic-export-ban-rb",
        "    sources: [{title: Mirror copy, url: 'https://wikiclassic.com/wiki/X'}]\n"
        "    boundary_events: [2022-strategic-export-ban-rb", 1)
    assert bad != text
    path = tmp_path / "phases.yaml"
    path.write_text(bad, encoding="utf-8")
    ids = {row.id for row in data._valid_rows("events")}
    problems = [str(p) for p in data.check_periodization(path, ids)[1]]
    assert len(problems) == 1 and "Wikipedia mirror" in problems[0], problems


# --- the information cut-off -------------------------------------------------------------------


def test_no_event_after_the_cutoff(tmp_path):
    cutoff = schemas.coverage().information_cutoff
    late = cutoff.replace(day=1).isoformat()[:7]
    after = (cutoff.replace(year=cutoff.year + 1)).isoformat()
    def edit(rows):
        rows[0].update({"date": after, "date_precision": "day"})
        rows[1].update({"date": late, "date_precision": "month"})  # the cut-off's own month is inside

    path = _copy("events", tmp_path, edit)
    problems = _problems("events", path)
    assert len(problems) == 1, problems
    assert f"{path}:2: column 'date'" in problems[0] and "information cut-off" in problems[0]


def test_parameters_range_follows_the_cutoff():
    from russia_korea_briefs.manifest import load_manifest

    cutoff = schemas.coverage().information_cutoff.isoformat()
    specs = load_manifest().notebooks["overview"].parameters
    assert specs["end"].max == cutoff and specs["end"].default == cutoff and specs["start"].max == cutoff
    assert resolve(specs, {})["end"] == cutoff


def test_bad_coverage_file_is_one_clear_problem(tmp_path, monkeypatch, capsys):
    path = tmp_path / "coverage.yaml"
    path.write_text("chronology_start: 1979-01-01\ninformation_cutoff: soon\n", encoding="utf-8")
    monkeypatch.setattr(paths, "COVERAGE_FILE", path)
    problems = [str(p) for p in data.validate_all()]
    assert len(problems) == 1 and "information_cutoff" in problems[0] and str(path) in problems[0], problems
    assert cli.main(["validate"]) == EXIT_DATA
    assert "Traceback" not in capsys.readouterr().err
