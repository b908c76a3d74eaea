"""The real pipeline: papermill executes real notebooks, nbconvert and WeasyPrint render real briefs.

Every test builds into a temporary reports folder; nothing here touches the committed reports/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pypdf import PdfReader

from russia_korea_briefs import cli, paths, render
from russia_korea_briefs.build import build, read_published
from russia_korea_briefs.errors import BuildBusyError, ConfigError
from russia_korea_briefs.manifest import Brief, NotebookSpec, find_briefs
from russia_korea_briefs.pdf import data_attachments

pytestmark = pytest.mark.slow
PHASE = "phase-alliance-era"  # the shortest phase: the quickest real brief


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".build.lock"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One real phase brief, built once for the module."""
    reports = tmp_path_factory.mktemp("reports")
    work = tmp_path_factory.mktemp("build")
    outcomes = build(find_briefs([PHASE]), reports_dir=reports, build_dir=work, progress=False, log=lambda m: None)
    assert [o.status for o in outcomes] == ["built"], [o.message for o in outcomes]
    return reports, work


def test_html_is_a_brief_not_a_notebook_dump(built):
    reports, _ = built
    html = (reports / f"{PHASE}.html").read_text(encoding="utf-8")
    style, script = render.interactive_blocks()
    assert html.count("<script") == 1 and html.count(script) == 1, "the brief's only script is its own, inlined"
    assert html.count(style) == 1 and html.count("data-brief-style") == 1
    assert len(script.encode()) + len(style.encode()) <= 10_000, "the interactive script and its CSS: 10 KB at most"
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)', html), "no external script or stylesheet"
    assert "<link" not in html
    assert "jp-CodeMirrorEditor" not in html and 'class="highlight' not in html, "code leaked into the brief"
    assert "open_brief" not in html and "import " not in html, "code leaked into the brief"
    assert "phase_id =" not in html and "injected-parameters" not in html, "the parameters cell leaked"
    assert 'class="title-block"' in html and '<nav class="toc">' in html
    assert re.search(r'<span class="label">Figure 1\. </span>', html), "figures are numbered"
    assert "<svg" in html and "<text" in html, "figures are SVG with text kept as text"
    ids = re.findall(r'<h[1-4][^>]* id="([^"]+)"', html)
    assert ids and all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids), f"heading ids must be ASCII slugs: {ids}"
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids or f'id="{target}"' in html, f"dangling link #{target}"
    assert "Colophon" in html and "python -m russia_korea_briefs build phase-alliance-era" in html


def test_pdf_is_a4_paginated_with_text(built):
    reports, _ = built
    reader = PdfReader(reports / f"{PHASE}.pdf")
    assert 2 <= len(reader.pages) <= 20
    annex = next(i for i, page in enumerate(reader.pages[1:], 2) if "Annex: chronology of the phase" in page.extract_text())  # page 1 holds the contents
    assert annex <= 9, f"the phase brief's body (before its chronology annex) runs to page {annex}"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842), "A4"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Moscow–Pyongyang alliance" in text or "Moscow-Pyongyang alliance" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert reader.outline, "bookmarks from headings"
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("Noto" in f for f in fonts), fonts


def test_pdf_carries_each_charts_data_as_an_attachment(built):
    reports, _ = built
    html = (reports / f"{PHASE}.html").read_text(encoding="utf-8")
    expected = data_attachments(html)
    assert len(expected) == html.count('<figure class="chart') >= 3
    assert [name for name, _, _ in expected][:2] == ["figure-1-timeline.csv", "figure-2-trade.csv"]
    attached = PdfReader(reports / f"{PHASE}.pdf").attachments
    assert sorted(attached) == sorted(name for name, _, _ in expected)
    for name, _, csv in expected:
        assert attached[name] == [csv.encode("utf-8")], name
        assert "# Licence: CC BY 4.0" in csv and "# Source: " in csv
    text = "\n".join(page.extract_text() for page in PdfReader(reports / f"{PHASE}.pdf").pages)
    assert "attached to this PDF as figure-2-trade.csv" in text.replace("\n", " ")


def test_rebuild_is_a_noop_and_force_is_byte_identical(built, tmp_path):
    reports, work = built
    before = _snapshot(reports)
    outcomes = build(find_briefs([PHASE]), reports_dir=reports, build_dir=work, progress=False, log=lambda m: None)
    assert [o.status for o in outcomes] == ["skipped"]
    assert _snapshot(reports) == before
    outcomes = build(find_briefs([PHASE]), reports_dir=reports, build_dir=work, force=True, progress=False, log=lambda m: None)
    assert [o.status for o in outcomes] == ["built"]
    assert (reports / f"{PHASE}.html").read_bytes() == before[f"{PHASE}.html"], "HTML must be byte-identical"
    assert (reports / f"{PHASE}.pdf").read_bytes() == before[f"{PHASE}.pdf"], "PDF must be byte-identical"


def _notebook(tmp_path: Path, source: str) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "russia-korea-briefs", "display_name": "x", "language": "python"}
    nb.cells = [new_markdown_cell("## Fine so far"), new_code_cell("x = 1"), new_code_cell(source)]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    return path


def _broken_brief(path: Path) -> Brief:
    return Brief("broken", NotebookSpec("broken", path, {}), {}, "Broken brief", standard=True)


@pytest.mark.parametrize(
    ("source", "timeout", "expected"),
    [
        ("raise ValueError('bad figure in row 7')", 60, """cell 3 ("raise ValueError('bad figure in row 7')"): ValueError: bad figure in row 7"""),
        ("import time\ntime.sleep(60)", 2, "cell 3 ('import time'): the cell ran longer than the 2 s allowed"),
        ("import os\nos._exit(1)", 60, "cell 3 ('import os'): the kernel died"),
    ],
    ids=["exception", "timeout", "dead-kernel"],
)
def test_failing_notebook_keeps_previous_reports(tmp_path, source, timeout, expected):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "broken.html").write_text("previous good brief", encoding="utf-8")
    (reports / "manifest.json").write_text('{"briefs": {}}\n', encoding="utf-8")
    before = _snapshot(reports)
    work = tmp_path / "work"
    messages = []
    outcomes = build(
        [_broken_brief(_notebook(tmp_path, source))], reports_dir=reports, build_dir=work,
        timeout=timeout, progress=False, log=messages.append,
    )
    assert [o.status for o in outcomes] == ["failed"]
    message = outcomes[0].message
    assert "brief 'broken' failed in notebook broken.ipynb" in message
    assert expected in message, message
    assert (work / "broken.ipynb").is_file() and str(work / "broken.ipynb") in message
    after = _snapshot(reports)
    after.pop("index.html", None)
    assert after == before, "a failed brief must not change what was published"


def test_other_briefs_still_build_when_one_fails(tmp_path):
    reports, work = tmp_path / "reports", tmp_path / "work"
    briefs = [_broken_brief(_notebook(tmp_path, "1/0")), *find_briefs([PHASE])]
    outcomes = build(briefs, reports_dir=reports, build_dir=work, progress=False, log=lambda m: None, jobs=2)
    assert {o.brief.id: o.status for o in outcomes} == {"broken": "failed", PHASE: "built"}
    assert (reports / f"{PHASE}.html").is_file() and not (reports / "broken.html").exists()
    assert set(read_published(reports)["briefs"]) == {PHASE}


def test_concurrent_build_is_refused(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    with FileLock(str(reports / ".build.lock")), pytest.raises(BuildBusyError, match="another build is running"):
        build(find_briefs([PHASE]), reports_dir=reports, build_dir=tmp_path, progress=False)


def test_unwritable_reports_folder(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot write to"):
        build(find_briefs([PHASE]), reports_dir=blocker, build_dir=tmp_path, progress=False)


def test_custom_brief_with_alternative_periodization(tmp_path, monkeypatch, capsys):
    alt = tmp_path / "two-phase-test.yaml"
    shutil.copy(paths.PHASES_FILE, alt)
    alt.write_text(alt.read_text(encoding="utf-8").replace("title: Standard periodization", "title: Test periodization"), encoding="utf-8")
    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path / "reports")
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "work")
    code = cli.main(["build", PHASE, "--param", f"periodization={alt}", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    custom = tmp_path / "reports" / "custom" / f"{PHASE}-periodization-two-phase-test.html"
    assert custom.is_file(), out
    assert not (tmp_path / "reports" / f"{PHASE}.html").exists(), "a custom brief never takes a standard name"
    assert "two-phase-test.yaml" in custom.read_text(encoding="utf-8")


def test_cli_in_a_fresh_process_reports_bad_parameter_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "russia_korea_briefs", "build", "--param", "end=1980-01-01"],
        check=False, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: parameter end: 1980-01-01 is before start (1988-01-01)"
    assert proc.stdout == ""
