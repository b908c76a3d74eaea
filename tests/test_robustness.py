"""Robustness: hostile text, broken data, interrupted builds, atomic writes, environment, parameters.

Every test works on temporary copies: ``paths.REPORTS_DIR`` and ``paths.BUILD_DIR`` point into
``tmp_path`` for every test of this module (an autouse fixture), so nothing here can write into
the committed ``reports/``, ``build/`` or ``data/``. Only the two tests marked ``slow`` start a
Jupyter kernel; in every other test ``build.execute`` refuses to run.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pandas as pd
import pytest
from conftest import rewrite_csv, run_cli
from filelock import FileLock, Timeout
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from russia_korea_briefs import build as build_module
from russia_korea_briefs import data, indicator_schemas, ingest, paths, render, sections, text
from russia_korea_briefs.errors import (
    EXIT_DATA,
    EXIT_USAGE,
    ConfigError,
    ParameterError,
)
from russia_korea_briefs.manifest import load_manifest
from russia_korea_briefs.params import resolve

# outside the tests marked slow, starting a kernel fails the test (conftest.no_kernel)
pytestmark = pytest.mark.usefixtures("no_kernel")

PHASE = "phase-alliance-era"  # the shortest phase: the quickest real brief
HOSTILE_EVENT = "2024-putin-big-mistake-rb"  # an event dated inside the alliance-era phase
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
HOSTILE = (SCRIPT, IMG, SVG)
HOSTILE_TEXT = f"{SCRIPT} {IMG} {SVG}"
BAD_URLS = (
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x.js",
    "/relative/page.html",
    "https:\\\\evil.example",
)

# Captured at import, before any test points paths.* at a temporary copy.
REAL_REPORTS = paths.REPORTS_DIR
REAL_EVENTS = paths.EVENTS_FILE
REAL_PHASES = paths.PHASES_FILE


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_caches():
    """The data loaders are caches: clear them around every test."""
    data.clear_caches()
    yield
    data.clear_caches()


@pytest.fixture(autouse=True)
def sandbox(tmp_path, monkeypatch) -> Path:
    """A temporary reports folder holding copies of the published files of PHASE."""
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("manifest.json", "index.html", f"{PHASE}.html", f"{PHASE}.pdf"):
        if (REAL_REPORTS / name).is_file():
            shutil.copyfile(REAL_REPORTS / name, reports / name)
    if not (reports / f"{PHASE}.html").is_file() or not (reports / f"{PHASE}.pdf").is_file():
        (reports / f"{PHASE}.html").write_text("previous good brief", encoding="utf-8")
        (reports / f"{PHASE}.pdf").write_bytes(b"%PDF-1.7 previous good brief")
    # The real reports may be rebuilt while this runs: make the copy's manifest agree with its files.
    try:
        manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
        assert isinstance(manifest["briefs"], dict)
    except (OSError, ValueError, KeyError, AssertionError):
        manifest = {"edition": "x", "briefs": {}}
    entry = manifest["briefs"].setdefault(PHASE, {"html": f"{PHASE}.html", "pdf": f"{PHASE}.pdf", "inputs": "x"})
    for kind in ("html", "pdf"):
        body = (reports / f"{PHASE}.{kind}").read_bytes()
        entry.update({kind: f"{PHASE}.{kind}", f"{kind}_sha256": hashlib.sha256(body).hexdigest(),
                      f"{kind}_bytes": len(body)})
    (reports / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    monkeypatch.setattr(paths, "REPORTS_DIR", reports)
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    return reports


def snapshot(folder: Path, *, lock: bool = True) -> dict[str, bytes]:
    """Every file below ``folder`` (name → bytes); ``lock=False`` leaves out the lock file."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (lock or p.name != ".build.lock")
    }


def temp_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if ".tmp" in p.name or p.suffix == ".part")


def line_of(path: Path, key: str) -> int:
    """1-based line of the first line starting with ``key,``."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"{key},"):
            return n
    raise AssertionError(f"{key} not in {path}")


class _Scan(HTMLParser):
    """The elements, attributes and text a browser would see in a piece of HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def scan(markup: str) -> _Scan:
    parser = _Scan()
    parser.feed(markup)
    parser.close()
    return parser


def assert_inert(markup: str, *, shown: tuple[str, ...] = HOSTILE) -> _Scan:
    """No script, no event handler, no non-http link; the hostile strings show as text."""
    found = scan(markup)
    assert not {"script", "img", "svg", "iframe", "object", "embed"} & set(found.tags), found.tags
    handlers = [(t, k) for t, k, _ in found.attrs if k.startswith("on")]
    assert not handlers, handlers
    for tag, name, value in found.attrs:
        if name in ("href", "src", "action", "formaction", "xlink:href"):
            parts = urlsplit(value or "")
            assert parts.scheme in ("http", "https") and parts.netloc or (value or "").startswith("#"), (tag, value)
    assert "<script" not in markup.lower()
    assert not re.search(r"<[^<>]*\bon(error|load)\s*=", markup, re.IGNORECASE)
    visible = "".join(found.text)
    for hostile in shown:
        assert hostile in visible, f"{hostile!r} is not shown as text"
        assert html.escape(hostile, quote=False) in markup or html.escape(hostile) in markup
    return found


def hostile_events(url: str = "https://example.org/page") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": "hostile-event",
                "date": "2024-06-20",
                "title": f"Title {SCRIPT}",
                "description": f"Description {IMG}",
                "source_title": f"Source {SVG}",
                "source_url": url,
                "confidence": "high",
            }
        ]
    )


# --- 1. hostile text reaches HTML only escaped -----------------------------------------------


@pytest.mark.parametrize("url", ["https://example.org/page", *BAD_URLS])
def test_event_list_escapes_hostile_text(url):
    markup = str(text.event_list(hostile_events(url)))
    found = assert_inert(markup)
    hrefs = [v for _, k, v in found.attrs if k == "href"]
    assert hrefs == (["https://example.org/page"] if url.startswith("https://") else [])


@pytest.mark.parametrize("url", ["https://example.org/page", *BAD_URLS])
def test_chronology_table_escapes_hostile_text_and_attributes(url):
    events = hostile_events(url).assign(dyad="RUS-ROK", category="summit", start=pd.Timestamp("2024-06-20"))
    found = assert_inert(str(sections.chronology(events, data.load_periodization())), shown=(SCRIPT, SVG))
    hrefs = [v for _, k, v in found.attrs if k == "href"]
    assert hrefs == (["https://example.org/page"] if url.startswith("https://") else [])
    # values that become attributes (data-dyad, data-category, options) stay inside their quotes
    odd = pd.concat([events.assign(category=f"summit{SVG}"), events.assign(id="b", dyad=f"MULTI{IMG}")],
                    ignore_index=True)
    found = scan(str(sections.chronology(odd, data.load_periodization())))
    assert not {"script", "img", "svg"} & set(found.tags) and not [k for _, k, _ in found.attrs if k.startswith("on")]
    assert f"summit{SVG}" in [v for _, k, v in found.attrs if k == "data-category"]
    assert f"MULTI{IMG}" in [v for _, k, v in found.attrs if k == "data-dyad"]


def test_table_escapes_cells_headers_caption_source_and_bad_links():
    frame = pd.DataFrame(
        {SCRIPT: [IMG, SVG], "Source": [SVG, IMG], "url": ["javascript:alert(1)", "https://example.org/a\"b"]}
    )
    markup = str(text.table(frame, f"Caption {IMG}", source=f"Source line {SCRIPT}", numeric=(SCRIPT,),
                            links={"Source": "url"}))
    found = assert_inert(markup)
    assert [v for _, k, v in found.attrs if k == "href"] == ['https://example.org/a"b']
    assert 'href="https://example.org/a&quot;b"' in markup, "a quote in a URL must not end the attribute"


def test_references_prose_and_endnotes_escape_hostile_text():
    claims = pd.DataFrame([{"id": "c1", "claim": f"Claim {SCRIPT}", "source_title": SVG,
                            "source_url": "data:text/html,<script>alert(1)</script>"}])
    figures = pd.DataFrame([{"indicator": "visitors", "year": 2020, "source_title": IMG,
                             "source_url": "javascript:alert(1)"}])
    refs = text.References(hostile_events(), claims, figures)
    prose = str(refs.prose(f"**Bold {SCRIPT}** {IMG} [[hostile-event]]\n\n{SVG} [[claim:c1]] [[figure:visitors]]"))
    assert_inert(prose)
    assert prose.count('<sup class="ref">') == 3 and "<strong>Bold &lt;script&gt;" in prose
    marker_attrs = [v or "" for t, _, v in scan(prose).attrs if t == "a"]
    assert not any(h in v for h in HOSTILE for v in marker_attrs), "no data string in a marker's attributes"
    endnotes = str(refs.endnotes())
    found = assert_inert(endnotes)
    assert [v for _, k, v in found.attrs if k == "href"] == ["https://example.org/page"]


def test_claims_table_escapes_and_drops_bad_links():
    claims = pd.DataFrame(
        [
            {"id": "c1", "claim": f"Claim {SCRIPT}", "verdict": "false", "finding": f"Finding {IMG}",
             "source_title": f"Source {SVG}", "source_url": "javascript:alert(1)"},
            {"id": "c2", "claim": "A plain claim", "verdict": "true", "finding": "A plain finding",
             "source_title": "Plain source", "source_url": "https://example.org/ok"},
        ]
    )
    found = assert_inert(str(sections.claims_table(claims)))
    assert [v for _, k, v in found.attrs if k == "href"] == ["https://example.org/ok"]


def test_title_block_escapes_every_field():
    markup = str(text.title_block(SCRIPT, IMG, SVG, [HOSTILE_TEXT, "plain"]))
    found = assert_inert(markup)
    assert found.tags == ["header", "p", "h1", "p", "p", "p"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_link_never_emits_a_non_http_href(url):
    out = text.link(SCRIPT, url)
    assert "<a" not in out and "href" not in out
    assert out == html.escape(SCRIPT)


_url = st.one_of(
    st.text(max_size=40),
    st.sampled_from(BAD_URLS),
    st.builds(lambda s, rest: f"{s}:{rest}", st.sampled_from(["http", "https", "HTTP", "javascript", "data", "file"]),
              st.text(max_size=30)),
)


@given(title=st.text(max_size=40), url=_url)
@example(title=SCRIPT, url='https://example.org/"onmouseover="alert(1)')
@example(title=IMG, url="https://example.org/<script>")
def test_link_property(title, url):
    out = text.link(title, url)
    found = scan(out)
    assert found.tags in ([], ["a"])
    assert "".join(found.text) == title
    if found.tags:
        assert [(k, v) for _, k, v in found.attrs] == [("href", url)]
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "JAVASCRIPT:alert(1)",
     "vbscript:msgbox(1)", "//evil.example/x.js"],
)
def test_validate_rejects_script_urls(monkeypatch, capsys, sandbox, tmp_path, url):
    copy = tmp_path / "events.csv"
    rewrite_csv(REAL_EVENTS, copy, lambda rows: next(r for r in rows if r["id"] == HOSTILE_EVENT).update(source_url=url))
    monkeypatch.setattr(paths, "EVENTS_FILE", copy)
    before = snapshot(sandbox)
    code, out, err = run_cli(capsys, "validate")
    assert code == EXIT_DATA
    assert err.splitlines() == [
        "error: 1 data problem found:",
        (
            f"  {copy}:{line_of(copy, HOSTILE_EVENT)}: column 'source_url': "
            f"must be an absolute http:// or https:// URL (got {url!r})"
        ),
    ]
    assert out == ""
    assert snapshot(sandbox) == before


def _sitecustomize(folder: Path) -> Path:
    """A sitecustomize that points a kernel's paths.EVENTS_FILE at $RKB_TEST_EVENTS_FILE."""
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(
        textwrap.dedent(
            """\
            import os
            if os.environ.get("RKB_TEST_EVENTS_FILE"):
                from pathlib import Path
                from russia_korea_briefs import paths
                paths.EVENTS_FILE = Path(os.environ["RKB_TEST_EVENTS_FILE"])
            """
        ),
        encoding="utf-8",
    )
    return folder


@pytest.mark.slow
def test_hostile_event_is_escaped_in_a_real_phase_brief(monkeypatch, capsys, sandbox, tmp_path):
    """One real build: papermill, nbconvert and WeasyPrint on an events file with hostile strings."""
    events = tmp_path / "events.csv"

    def edit(rows):
        row = next(r for r in rows if r["id"] == HOSTILE_EVENT)
        row.update(
            title=f"Putin warns {SCRIPT} {IMG}",
            description=f"Hostile description {IMG} and {SVG} end.",
            source_title=f"Hostile source {SVG} {SCRIPT} {IMG}",
            source_url='https://example.org/?q="><script>alert(1)</script>',
        )

    rewrite_csv(REAL_EVENTS, events, edit)
    monkeypatch.setattr(paths, "EVENTS_FILE", events)  # this process: validation and brief list
    monkeypatch.setenv("RKB_TEST_EVENTS_FILE", str(events))  # the kernel: through sitecustomize
    extra = _sitecustomize(tmp_path / "site")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(extra), os.environ.get("PYTHONPATH")])))
    code, out, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    assert code == 0, err
    assert f"built   {PHASE}" in out and "1 built, 0 up to date, 0 failed" in out
    published = (sandbox / f"{PHASE}.html").read_text(encoding="utf-8")
    assert "Putin warns" in published, "the kernel did not read the hostile events file"
    # The brief carries exactly one script and one extra style block, the package's own (identified
    # by their attribute and equal, byte for byte, to the files in templates/brief/static): take
    # them out, and nothing script-like may remain.
    own_style, own_script = render.interactive_blocks()
    assert published.count(own_script) == 1 and published.count(own_style) == 1
    page = published.replace(own_script, "").replace(own_style, "")
    assert "data-brief-script" not in page and "data-brief-style" not in page
    # the title and the source title are shown (the chronology may leave the description out)
    assert "<script" not in page.lower()
    assert "<img src=x" not in page.lower() and "<svg onload" not in page.lower()
    assert not re.search(r"<[^<>]*\bon(error|load)\s*=", page, re.IGNORECASE), "an event handler attribute"
    found = scan(page)
    assert "script" not in found.tags and not [k for _, k, _ in found.attrs if k.startswith("on")]
    visible = "".join(found.text)
    for hostile in HOSTILE:
        assert hostile in visible, f"{hostile!r} does not show as text"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;svg onload=alert(1)&gt;" in page
    hrefs = [v for t, k, v in found.attrs if t == "a" and k == "href"]
    assert 'https://example.org/?q="><script>alert(1)</script>' in hrefs, "the quoted URL stays inside its attribute"
    # the only other links: each chart's "Data (CSV)", a base64 text/csv data URI that decodes to CSV
    data_links = [h for h in hrefs if h.startswith("data:")]
    assert len(data_links) == page.count('class="data-link"') >= 3
    for href in data_links:
        assert href.startswith(text.CSV_URI_PREFIX), href[:60]
        csv = base64.b64decode(href[len(text.CSV_URI_PREFIX):], validate=True).decode("utf-8")
        assert csv.startswith("# ") and "# Licence: CC BY 4.0" in csv
    assert all(h.startswith(("#", "http://", "https://")) for h in hrefs if not h.startswith("data:")), hrefs
    # a data string never becomes an attribute name, an element or a handler in the hover values
    for _tag, name, value in found.attrs:
        if name == "data-points":  # JSON: numbers and plain text (the script shows it with textContent)
            assert all(isinstance(p[2], str) for p in json.loads(value))
    assert temp_files(sandbox) == []
    assert json.loads((sandbox / "manifest.json").read_text(encoding="utf-8"))["briefs"][PHASE]["html_bytes"] == len(
        published.encode("utf-8")
    )


# --- 2. data problems stop `build` before anything starts -------------------------------------


def _assert_build_stops(capsys, sandbox, no_kernel, expected: list[str]) -> None:
    before = snapshot(sandbox)
    code, out, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    assert code == EXIT_DATA
    assert err.splitlines() == expected
    assert out == ""
    assert no_kernel == [], "a kernel was started"
    assert snapshot(sandbox) == before, "the reports folder changed (not even the lock file may appear)"
    assert not paths.BUILD_DIR.exists()


def test_build_with_broken_events_file(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    events = tmp_path / "events.csv"

    def edit(rows):
        rows[2].update(dyad="RUS-USA", score="x")
        next(r for r in rows if r["id"] == HOSTILE_EVENT).update(date="2024-02-30")

    rows = rewrite_csv(REAL_EVENTS, events, edit)
    monkeypatch.setattr(paths, "EVENTS_FILE", events)
    line = line_of(events, HOSTILE_EVENT)
    _assert_build_stops(capsys, sandbox, no_kernel, [
        "error: 3 data problems found:",
        f"  {events}:4: column 'dyad': Input should be 'RUS-ROK', 'RUS-DPRK', 'ROK-DPRK' or 'MULTI' (got 'RUS-USA')",
        f"  {events}:4: column 'score': Input should be a valid integer, unable to parse string as an integer (got 'x')",
        (
            f"  {events}:{line}: column 'date': date '2024-02-30' is not a real calendar date "
            "(day is out of range for month) (got '2024-02-30')"
        ),
    ])
    assert rows[2]["id"] != HOSTILE_EVENT


def _trade_copy(monkeypatch, tmp_path, edit) -> tuple[Path, int]:
    """A copy of trade.csv with ``edit(row_1990)`` applied, registered in place of the real one."""
    table = indicator_schemas.TABLES["trade"]
    copy = tmp_path / "trade.csv"
    rewrite_csv(table.path, copy, lambda rows: edit(next(r for r in rows if r["year"] == "1990")))
    monkeypatch.setitem(indicator_schemas.TABLES, "trade", dataclasses.replace(table, path=copy))
    return copy, line_of(copy, "1990")


def test_build_with_negative_trade_figure(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    copy, line = _trade_copy(monkeypatch, tmp_path, lambda row: row.update(rok_exports_usd="-519147000"))
    _assert_build_stops(capsys, sandbox, no_kernel, [
        "error: 1 data problem found:",
        f"  {copy}:{line}: column 'rok_exports_usd': Input should be greater than or equal to 0 (got '-519147000')",
    ])


def test_build_with_non_numeric_trade_figure(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    copy, line = _trade_copy(monkeypatch, tmp_path, lambda row: row.update(rok_imports_usd="about 370m"))
    _assert_build_stops(capsys, sandbox, no_kernel, [
        "error: 1 data problem found:",
        (
            f"  {copy}:{line}: column 'rok_imports_usd': "
            "Input should be a valid number, unable to parse string as a number (got 'about 370m')"
        ),
    ])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_build_with_nan_or_infinite_trade_figure(monkeypatch, capsys, sandbox, no_kernel, tmp_path, value):
    copy, line = _trade_copy(monkeypatch, tmp_path, lambda row: row.update(total_usd=value))
    code, _, err = run_cli(capsys, "build", PHASE, "--no-progress")
    assert code == EXIT_DATA
    assert f"{copy}:{line}: column 'total_usd': Input should be a finite number (got '{value}')" in err
    assert no_kernel == []


def test_build_with_missing_data_file(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    table = indicator_schemas.TABLES["unga_agreement"]
    gone = tmp_path / "derived" / "unga_agreement.csv"
    monkeypatch.setitem(indicator_schemas.TABLES, "unga_agreement", dataclasses.replace(table, path=gone))
    _assert_build_stops(capsys, sandbox, no_kernel, ["error: 1 data problem found:", f"  {gone}: file not found"])


def test_build_with_missing_events_file(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    gone = tmp_path / "no-events.csv"
    monkeypatch.setattr(paths, "EVENTS_FILE", gone)
    before = snapshot(sandbox)
    code, _, err = run_cli(capsys, "build", PHASE, "--no-progress")
    assert code == EXIT_DATA
    assert err.splitlines()[:2] == ["error: 1 data problem found:", f"  {gone}: file not found"]
    assert no_kernel == [] and snapshot(sandbox) == before


def test_build_with_missing_periodization_file(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    gone = tmp_path / "phases.yaml"
    monkeypatch.setattr(paths, "PHASES_FILE", gone)
    _assert_build_stops(capsys, sandbox, no_kernel, [
        "error: 1 data problem found:", f"  {gone}: periodization file not found",
    ])


def test_build_with_corrupt_build_manifest(capsys, sandbox, no_kernel):
    (sandbox / "manifest.json").write_text('{"briefs": {"phase-alliance-era": ', encoding="utf-8")
    before = snapshot(sandbox, lock=False)
    code, out, err = run_cli(capsys, "build", PHASE, "--no-progress")
    assert code == EXIT_USAGE
    assert err.splitlines() == [
        (
            f"error: {sandbox / 'manifest.json'}: unreadable build manifest "
            "(Expecting value: line 1 column 35 (char 34)); delete it and rebuild with --force"
        )
    ]
    assert out == "" and no_kernel == []
    assert snapshot(sandbox, lock=False) == before


# --- 3. interrupted builds ---------------------------------------------------------------------


def _fake_execute(brief, executed: Path, **_kwargs) -> None:
    """Stands in for papermill: writes a small executed notebook (no kernel)."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out = new_output("display_data", data={"text/html": "<p>fake figure</p>", "text/plain": "x"})
    nb.cells = [new_markdown_cell("## A heading"), new_code_cell("x = 1", outputs=[out], execution_count=1),
                new_markdown_cell("## Another heading")]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed)


def test_interrupt_while_rendering_publishes_nothing(monkeypatch, capsys, sandbox):
    monkeypatch.setattr(build_module, "execute", _fake_execute)
    rendered = []

    def interrupted(markup: str) -> bytes:
        rendered.append(markup)
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "html_to_pdf", interrupted)
    manifest_before = (sandbox / "manifest.json").read_bytes()
    before = snapshot(sandbox, lock=False)
    code, _, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    assert rendered, "the interrupt must come from inside rendering"
    assert code == 130
    assert err.splitlines()[-1] == "interrupted: nothing half-written was published"
    assert temp_files(sandbox) == []
    assert snapshot(sandbox, lock=False) == before
    manifest = (sandbox / "manifest.json").read_bytes()
    assert manifest == manifest_before and isinstance(json.loads(manifest), dict)
    lock = FileLock(str(sandbox / ".build.lock"), timeout=0)
    lock.acquire()  # released on the way out
    lock.release()


def test_interrupt_between_publishing_pdf_and_html(monkeypatch, capsys, sandbox):
    """Interrupted inside the second rename: each file is either the old or the complete new one."""
    monkeypatch.setattr(build_module, "execute", _fake_execute)
    monkeypatch.setattr(render, "html_to_pdf", lambda markup: b"%PDF-1.7 new brief\n")
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(".html"):
            raise KeyboardInterrupt
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    before = snapshot(sandbox, lock=False)
    code, _, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    monkeypatch.setattr(os, "replace", real_replace)
    assert code == 130 and "interrupted" in err
    assert temp_files(sandbox) == []
    after = snapshot(sandbox, lock=False)
    assert after["manifest.json"] == before["manifest.json"]
    json.loads(after["manifest.json"])
    assert after[f"{PHASE}.html"] == before[f"{PHASE}.html"]
    assert after[f"{PHASE}.pdf"] in (before[f"{PHASE}.pdf"], b"%PDF-1.7 new brief\n")
    assert set(after) == set(before)


def _published_matches_manifest(reports: Path) -> list[str]:
    """Briefs whose published HTML or PDF is not the file manifest.json records."""
    briefs = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))["briefs"]
    return sorted(
        f"{brief_id}.{kind}"
        for brief_id, entry in briefs.items()
        for kind in ("html", "pdf")
        if (reports / entry[kind]).is_file()
        and build_module.sha256_file(reports / entry[kind]) != entry[f"{kind}_sha256"]
    )


def test_ctrl_c_during_a_build_keeps_files_and_manifest_in_step(monkeypatch, capsys, sandbox):
    """A real Ctrl-C raises KeyboardInterrupt in the main thread while a worker renders a brief."""
    import _thread

    monkeypatch.setattr(build_module, "execute", _fake_execute)

    def pdf_then_ctrl_c(markup: str) -> bytes:
        _thread.interrupt_main()  # what SIGINT from the terminal does
        return b"%PDF-1.7 new brief\n"

    monkeypatch.setattr(render, "html_to_pdf", pdf_then_ctrl_c)
    assert _published_matches_manifest(sandbox) == []
    code, _, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    assert code == 130 and err.splitlines()[-1] == "interrupted: nothing half-written was published"
    assert temp_files(sandbox) == []
    assert _published_matches_manifest(sandbox) == [], "published files and manifest.json disagree"


_WRAPPER = """\
import sys
from pathlib import Path
from russia_korea_briefs import cli, paths
paths.REPORTS_DIR = Path(sys.argv[1])
paths.BUILD_DIR = Path(sys.argv[2])
raise SystemExit(cli.main(sys.argv[3:]))
"""


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += children
            todo += children
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)")
def test_killed_build_leaves_published_files_intact(sandbox, tmp_path, monkeypatch, capsys):
    before = snapshot(sandbox, lock=False)
    work = tmp_path / "build"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, str(sandbox), str(work), "build", PHASE, "--force", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        # kill once the notebook is running (papermill has written the executed copy), ~4 s in
        while time.monotonic() < deadline and proc.poll() is None and not (work / f"{PHASE}.ipynb").exists():
            time.sleep(0.1)
        time.sleep(1.0)
        assert proc.poll() is None, f"the build ended before it could be killed: {proc.communicate()}"
        with pytest.raises(Timeout):
            FileLock(str(sandbox / ".build.lock"), timeout=0).acquire()  # the running build holds it
        kids = _descendants(proc.pid)
        proc.kill()  # SIGKILL: no finally block, no cleanup of any kind
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        # the kernel notices its parent is gone and exits; make sure of it
        deadline = time.monotonic() + 10
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        for kid in kids:
            if _alive(kid) and b"ipykernel" in Path(f"/proc/{kid}/cmdline").read_bytes():
                os.kill(kid, signal.SIGKILL)
    assert snapshot(sandbox, lock=False) == before, "a killed build changed the published files"
    assert temp_files(sandbox) == []
    lock = FileLock(str(sandbox / ".build.lock"), timeout=0)
    lock.acquire()  # the OS released the killed process's lock
    lock.release()
    code, out, err = run_cli(capsys, "build", PHASE, "--no-progress")
    assert code == 0, err
    assert "0 failed" in out
    published = json.loads((sandbox / "manifest.json").read_text(encoding="utf-8"))["briefs"][PHASE]
    assert build_module.sha256_file(sandbox / f"{PHASE}.html") == published["html_sha256"]
    assert build_module.sha256_file(sandbox / f"{PHASE}.pdf") == published["pdf_sha256"]
    assert temp_files(sandbox) == []


# --- 4. atomic_write -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(old=st.none() | st.binary(max_size=2048), new=st.binary(max_size=65536))
def test_atomic_write_round_trip(old, new):
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "brief.html"
        if old is not None:
            target.write_bytes(old)
        build_module.atomic_write(target, new)
        assert target.read_bytes() == new
        assert os.listdir(folder) == ["brief.html"], "a temporary file was left behind"


@settings(max_examples=30, deadline=None)
@given(old=st.binary(max_size=1024), new=st.binary(min_size=1, max_size=4096),
       where=st.sampled_from(["replace", "fsync", "write"]))
def test_atomic_write_failure_keeps_old_file(old, new, where):
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as mp:
        target = Path(folder) / "manifest.json"
        target.write_bytes(old)

        def fail(*args, **kwargs):
            raise OSError(28, "No space left on device")

        if where == "write":
            real_open = open

            class _Full:
                def __init__(self, fh):
                    self._fh = fh

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    self._fh.close()

                def write(self, _data):
                    self._fh.write(_data[: len(_data) // 2])
                    fail()

                def __getattr__(self, name):
                    return getattr(self._fh, name)

            mp.setattr("builtins.open", lambda *a, **k: _Full(real_open(*a, **k)))
        else:
            mp.setattr(os, where, fail)
        with pytest.raises(OSError, match="No space left"):
            build_module.atomic_write(target, new)
        mp.undo()
        assert target.read_bytes() == old
        assert os.listdir(folder) == ["manifest.json"], "a temporary file was left behind"


# --- 5. environment and paths -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_raw_dir_that_is_not_a_folder(monkeypatch, tmp_path, kind):
    target = tmp_path / "raw"
    if kind == "file":
        target.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(paths.RAW_DIR_ENV, str(target))
    with pytest.raises(ConfigError) as exc:
        paths.raw_data_dir()
    assert str(exc.value) == f"RUSSIA_KOREA_RAW_DIR={str(target)!r}: no such folder"
    assert exc.value.exit_code == EXIT_USAGE


def test_ingest_check_with_missing_raw_dir_in_a_fresh_process(tmp_path, sandbox):
    missing = tmp_path / "no" / "raw"
    outputs = {p: p.read_bytes() for p in ingest.OUTPUTS.values() if p.is_file()}
    before = snapshot(sandbox)
    env = {**os.environ, paths.RAW_DIR_ENV: str(missing)}
    proc = subprocess.run(
        [sys.executable, "-m", "russia_korea_briefs", "ingest", "--check"],
        check=False, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [f"error: RUSSIA_KOREA_RAW_DIR={str(missing)!r}: no such folder"]
    assert proc.stderr.splitlines()[-1] == errors[0]
    assert proc.stdout == ""
    assert {p: p.read_bytes() for p in ingest.OUTPUTS.values() if p.is_file()} == outputs
    assert snapshot(sandbox) == before


# --- 6. the parameter parser, property-based --------------------------------------------------


OVERVIEW = load_manifest().notebooks["overview"].parameters
PHASE_SPECS = load_manifest().notebooks["phase"].parameters
START = OVERVIEW["start"]
_date_like = st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}\Z")


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=24), _date_like, st.dates().map(date.isoformat), st.integers().map(str)))
@example(value="2020-02-30")
@example(value="1978-12-31")
@example(value="2025-01-01")
@example(value="20200101")
@example(value="2020-1-1")
@example(value=" 2020-01-01")
@example(value="")
def test_start_is_a_valid_date_or_a_parameter_error(value):
    try:
        values = resolve(OVERVIEW, {"start": value})
    except ParameterError as exc:
        assert str(exc).startswith("parameter start: "), str(exc)
        return
    start = values["start"]
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", start), start
    day = date.fromisoformat(start)
    assert date.fromisoformat(START.min) <= day <= date.fromisoformat(START.max)
    assert day.isoformat() == start == value



def test_start_in_iso_week_form_is_rejected():
    with pytest.raises(ParameterError, match="^parameter start: "):
        resolve(OVERVIEW, {"start": "2020-W01-1"})


def test_end_before_start_in_week_form_is_rejected():
    with pytest.raises(ParameterError, match="^parameter end: "):
        resolve(OVERVIEW, {"start": "2021-06-01", "end": "2021-W01-1"})  # end is 4 January 2021


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=30), st.integers(), st.sampled_from(data.load_periodization().ids)))
@example(value="")
@example(value=0)
@example(value="Nordpolitik")
@example(value=" nordpolitik")
def test_phase_id_is_a_known_id_or_a_parameter_error(value):
    ids = data.load_periodization().ids
    try:
        values = resolve(PHASE_SPECS, {"phase_id": value})
    except ParameterError as exc:
        message = str(exc)
        assert message.startswith("parameter phase_id: unknown phase "), message
        assert message.endswith("expected one of " + ", ".join(ids)), message
        return
    assert values["phase_id"] in ids and values["phase_id"] == value
