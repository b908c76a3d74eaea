"""Faults a first robustness pass let through: each ends in one clear line naming the culprit, a
non-zero exit, no traceback and nothing lost. Then a property-based test that mutates valid data
files at random and asserts every outcome is a success or a clean, named error.

Like ``test_robustness``, every test works on temporary copies: ``paths.REPORTS_DIR`` and
``paths.BUILD_DIR`` point into ``tmp_path`` (autouse fixture), and outside the tests marked slow
``build.execute`` refuses to run, so a test that reached a notebook would fail.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import pytest
from conftest import rewrite_csv, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from russia_korea_briefs import build as build_module
from russia_korea_briefs import charts, cli, data, fonts, indicator_schemas, paths
from russia_korea_briefs.errors import EXIT_DATA, EXIT_USAGE, ConfigError
from russia_korea_briefs.index import write_index
from russia_korea_briefs.manifest import load_manifest, standard_briefs

# outside the tests marked slow, starting a kernel fails the test (conftest.no_kernel)
pytestmark = pytest.mark.usefixtures("no_kernel")

PHASE = "phase-alliance-era"
REAL_REPORTS = paths.REPORTS_DIR
REAL_NOTEBOOKS = paths.NOTEBOOKS_DIR
PROJECT = paths.PROJECT_ROOT


@pytest.fixture(autouse=True)
def fresh_caches():
    data.clear_caches()
    fonts.installed_families.cache_clear()
    fonts.covered_codepoints.cache_clear()
    yield
    data.clear_caches()
    fonts.installed_families.cache_clear()
    fonts.covered_codepoints.cache_clear()


@pytest.fixture(autouse=True)
def sandbox(tmp_path, monkeypatch) -> Path:
    """A temporary reports folder with copies of the published files of PHASE and a manifest."""
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in (f"{PHASE}.html", f"{PHASE}.pdf", "index.html"):
        shutil.copyfile(REAL_REPORTS / name, reports / name)
    entry = {"title": "x", "params": {}, "html": f"{PHASE}.html", "pdf": f"{PHASE}.pdf", "inputs": "stale"}
    for kind in ("html", "pdf"):
        body = (reports / f"{PHASE}.{kind}").read_bytes()
        entry.update({f"{kind}_sha256": hashlib.sha256(body).hexdigest(), f"{kind}_bytes": len(body)})
    (reports / "manifest.json").write_text(json.dumps({"edition": "x", "briefs": {PHASE: entry}}), encoding="utf-8")
    monkeypatch.setattr(paths, "REPORTS_DIR", reports)
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    return reports


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


def _table_copy(monkeypatch, tmp_path, name: str, edit) -> Path:
    table = data._registry()[name]
    copy = tmp_path / table.path.name
    rewrite_csv(table.path, copy, edit)
    if name == "events":
        monkeypatch.setattr(paths, "EVENTS_FILE", copy)
    else:
        monkeypatch.setitem(indicator_schemas.TABLES, name, dataclasses.replace(table, path=copy))
    return copy


def _line(path: Path, prefix: str) -> int:
    return next(n for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ln.startswith(prefix))


# --- 1. published figures that do not add up ----------------------------------------------------


def test_trade_typo_is_caught_with_its_row(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    def edit(rows):
        row = next(r for r in rows if r["year"] == "2013" and r["basis"] == "korean-annual")
        row["total_usd"] = "99000000000"  # 22.65 bn written as 99 bn

    copy = _table_copy(monkeypatch, tmp_path, "trade_published", edit)
    before = snapshot(sandbox)
    code, _, err = run_cli(capsys, "build", PHASE, "--no-progress")
    assert code == EXIT_DATA and no_kernel == [] and snapshot(sandbox) == before
    line = _line(copy, "2013,korean-annual")
    assert f"{copy}:{line}: column 'total_usd': exports + imports" in err  # parts no longer add up
    assert f"{copy}:{line}: column 'total_usd': 99,000,000,000 in 2013 is 4.4× the 2012 figure" in err


def test_trade_figure_in_the_wrong_unit(monkeypatch, capsys, tmp_path):
    def edit(rows):
        next(r for r in rows if r["year"] == "2016" and r["basis"] == "korean-annual")["total_usd"] = "13.4"

    copy = _table_copy(monkeypatch, tmp_path, "trade_published", edit)
    code, _, err = run_cli(capsys, "validate")
    assert code == EXIT_DATA
    assert f"{copy}:{_line(copy, '2016,korean-annual')}: column 'total_usd': 13 US$ is implausible" in err


# --- 2./3. a repeated header, a table without rows ---------------------------------------------


def test_repeated_column_header_is_named(monkeypatch, capsys, tmp_path):
    copy = _table_copy(monkeypatch, tmp_path, "events", lambda rows: rows)
    head, rest = copy.read_text(encoding="utf-8").split("\n", 1)
    copy.write_text(head.replace(",score,", ",score,score,") + "\n" + rest, encoding="utf-8")
    problems = [str(p) for p in data.check_table(data._registry()["events"], copy)[1]]
    assert problems == [f"{copy}:1: column 'score': column appears more than once in the header (fields 8, 9)"]


@pytest.mark.parametrize("name", ["events", "trade_published", "claims", "reading_list", "other_figures"])
def test_table_with_a_header_and_no_rows(monkeypatch, capsys, tmp_path, name):
    copy = _table_copy(monkeypatch, tmp_path, name, lambda rows: rows.clear())
    code, _, err = run_cli(capsys, "validate")
    assert code == EXIT_DATA
    assert f"{copy}:2: the table has a header but no rows" in err
    assert len([ln for ln in err.splitlines() if ln.startswith("  ")]) <= 3  # said once, not sixteen times


# --- 4. periodizations that would break a brief ----------------------------------------------------


def test_single_phase_periodization_is_refused_before_any_kernel(capsys, sandbox, no_kernel, tmp_path):
    alt = tmp_path / "one.yaml"
    alt.write_text(textwrap.dedent("""\
        title: One phase
        phases:
          - id: everything
            name: Everything at once
            short: All
            start: 1979-01-01
            summary: One phase for the whole period, which the briefs cannot compare with anything.
        """), encoding="utf-8")
    code, _, err = run_cli(capsys, "build", "overview", "--param", f"periodization={alt}", "--no-progress")
    assert code == EXIT_USAGE and no_kernel == []
    assert "a periodization needs at least two phases" in err and str(alt) in err


def test_dollar_signs_in_a_phase_label_are_text_in_charts():
    from russia_korea_briefs import text

    periodization = data.load_periodization()
    first = periodization.phases[1]
    odd = dataclasses.replace(periodization, phases=(
        periodization.phases[0], first.model_copy(update={"short": "$3bn $x^2$ loan"}), *periodization.phases[2:]))
    charts.apply_house_style()
    fig = charts.phase_timeline(data.load_events(), odd, "1988-01-01", "1995-12-31", source="S")
    assert "$3bn $x^2$ loan" in text.svg_markup(fig)


# --- 5. filesystem faults ---------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="drops to user nobody with setpriv, which needs root")
def test_unwritable_reports_folder_fails_before_any_notebook(tmp_path):
    """As an ordinary user, with reports/ read-only and its lock file present (as after any build)."""
    reports = tmp_path / "ro-reports"
    reports.mkdir()
    (reports / ".build.lock").write_text("")
    (reports / "kept.html").write_text("previous brief")
    os.chmod(reports / ".build.lock", 0o666)
    os.chmod(reports, 0o555)
    os.chmod(tmp_path, 0o755)
    script = textwrap.dedent(f"""\
        import sys
        from russia_korea_briefs import build, cli, paths
        paths.REPORTS_DIR = paths.Path({str(reports)!r}); paths.BUILD_DIR = paths.Path({str(tmp_path / 'b')!r})
        def refuse(*a, **k): raise SystemExit('a kernel was started')
        build.execute = refuse
        sys.exit(cli.main(['build', {PHASE!r}, '--force', '--no-progress']))
        """)
    env = {**os.environ, "HOME": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-c", script],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"error: cannot write to {reports}: Permission denied"]
    assert "Traceback" not in proc.stderr and "a kernel was started" not in proc.stderr
    assert (reports / "kept.html").read_text() == "previous brief"


@pytest.fixture
def full_disk(tmp_path):
    mount = tmp_path / "full"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                      check=False).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_is_reported_as_such_and_keeps_the_old_file(full_disk):
    target = full_disk / "brief.html"
    target.write_bytes(b"previous good brief")
    with pytest.raises(ConfigError, match=r"^disk full while writing .*brief\.html \(No space left on device\): free some space"):
        build_module.atomic_write(target, b"x" * 200_000)
    assert target.read_bytes() == b"previous good brief"
    assert sorted(p.name for p in full_disk.iterdir()) == ["brief.html"]


def test_full_disk_stops_a_build_before_any_notebook(monkeypatch, capsys, full_disk, no_kernel):
    reports = full_disk / "reports"
    reports.mkdir()
    (full_disk / "filler").write_bytes(b"\0" * (60 * 1024))
    while True:  # take what is left, down to the last byte
        try:
            with open(full_disk / "filler", "ab") as fh:
                fh.write(b"\0" * 512)
        except OSError:
            break
    monkeypatch.setattr(paths, "REPORTS_DIR", reports)
    code, _, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    assert code == EXIT_USAGE and no_kernel == []
    assert err.splitlines()[-1].startswith("error: disk full: cannot write to ")


# --- 6. fonts -------------------------------------------------------------------------------------------


def _fontconfig_without(tmp_path: Path, keep: str | None) -> Path:
    """A fontconfig file that sees no system fonts (or only the font files matching ``keep``)."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    if keep:
        for line in subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True,
                                  check=True).stdout.split():
            if keep in Path(line).name:
                shutil.copy(line, folder)
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{folder}</dir><cachedir>{tmp_path}/fc-cache</cachedir></fontconfig>')
    return conf


@pytest.mark.parametrize(("keep", "missing"), [(None, "Noto Sans, Noto Sans CJK KR"), ("NotoSans-Regular", "Noto Sans CJK KR")])
def test_missing_fonts_stop_the_build_with_the_package_to_install(monkeypatch, capsys, sandbox, no_kernel, tmp_path,
                                                                  keep, missing):
    monkeypatch.setenv("FONTCONFIG_FILE", str(_fontconfig_without(tmp_path, keep)))
    before = snapshot(sandbox)
    code, _, err = run_cli(capsys, "build", PHASE, "--force", "--no-progress")
    assert code == EXIT_USAGE and no_kernel == [] and snapshot(sandbox) == before
    assert f"fonts missing: {missing}" in err and "apt-get install" in err and "fonts-noto-cjk" in err


def _uncovered_character() -> str:
    covered = fonts.covered_codepoints()
    return next(chr(c) for c in range(0x1F900, 0x1FAFF)
                if c not in covered and unicodedata.category(chr(c)) == "So")


def test_a_brief_with_characters_no_font_has_is_not_published():
    odd = _uncovered_character()
    with pytest.raises(ConfigError, match=rf"no installed font has a glyph for '{odd}' \(U\+{ord(odd):04X}\); its PDF is not published"):
        fonts.check_glyphs(f"<p>Seoul 서울 Москва {odd}</p>", "brief 'x'")
    fonts.check_glyphs("<p>Seoul 서울 Москва — “quoted” · ≤ → 1,402</p>", "brief 'x'")  # what the briefs use


# --- 7./8. a deleted build manifest, a missing notebook ---------------------------------------------


def test_index_lists_every_brief_on_disk_when_the_manifest_was_lost(sandbox):
    manifest = load_manifest()
    others = [b for b in standard_briefs(manifest) if b.id != PHASE][:2]
    for brief in others:
        (sandbox / f"{brief.id}.html").write_text("brief")
        (sandbox / f"{brief.id}.pdf").write_bytes(b"%PDF")
    (sandbox / "manifest.json").unlink()
    only_one = {"briefs": {PHASE: json.loads(f'{{"title": "t", "params": {{}}, "html": "{PHASE}.html", "pdf": "{PHASE}.pdf"}}')}}
    write_index(sandbox, only_one, manifest)
    index = (sandbox / "index.html").read_text(encoding="utf-8")
    for brief in [*others, next(b for b in standard_briefs(manifest) if b.id == PHASE)]:
        assert f'href="{brief.id}.html"' in index, brief.id


def test_missing_notebook_is_one_clear_line(monkeypatch, capsys, sandbox, no_kernel, tmp_path):
    empty = tmp_path / "notebooks"
    empty.mkdir()
    shutil.copy(paths.BRIEFS_MANIFEST, empty / "briefs.yaml")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", empty)
    load_manifest.cache_clear()  # the manifest is read once per process: read it from the empty folder
    try:
        code, _, err = run_cli(capsys, "build", PHASE, "--no-progress")
    finally:
        load_manifest.cache_clear()
    assert code == EXIT_USAGE and no_kernel == []
    assert err.strip() == (f"error: notebook phase.ipynb of brief {PHASE!r} not found in {empty} "
                           "(named in briefs.yaml)")


# --- 9. killed and terminated builds -------------------------------------------------------------------

_WRAPPER = textwrap.dedent("""\
    import sys
    from russia_korea_briefs import cli, paths
    paths.REPORTS_DIR = paths.Path(sys.argv[1]); paths.BUILD_DIR = paths.Path(sys.argv[2])
    sys.exit(cli.main(sys.argv[3:]))
    """)


def _descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for kid in children.get(todo.pop(), []):
            out.append(kid)
            todo.append(kid)
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _start_build(sandbox: Path, work: Path, *briefs: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, str(sandbox), str(work), "build", *briefs, "--force", "--no-progress",
         "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work.parent, start_new_session=True,
    )


def _wait_for_pdf_workers(proc: subprocess.Popen, deadline: float) -> list[int]:
    while time.monotonic() < deadline and proc.poll() is None:
        kids = _descendants(proc.pid)
        if any(b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes() for k in kids if _alive(k)):
            return kids
        time.sleep(0.2)
    raise AssertionError(f"no PDF worker appeared: {proc.communicate()}")


def _assert_all_gone(kids: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.2)
    alive = [k for k in kids if _alive(k)]
    for kid in alive:
        os.kill(kid, signal.SIGKILL)
    assert not alive, f"processes outlived the build: {[Path(f'/proc/{k}/cmdline').read_bytes()[:80] for k in alive]}"


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_or_terminated_build_takes_its_workers_with_it(sandbox, tmp_path, how):
    before = snapshot(sandbox)
    work = tmp_path / "build"
    proc = _start_build(sandbox, work, PHASE, "phase-rupture", "phase-after-crimea")
    kids: list[int] = []
    try:
        kids = _wait_for_pdf_workers(proc, time.monotonic() + 120)
        os.kill(proc.pid, how)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if how == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "terminated (SIGTERM): nothing half-written was published" in err.decode()
        assert b"Traceback" not in err
    else:
        assert proc.returncode == -signal.SIGKILL
    _assert_all_gone(kids, 20)  # PDF workers, resource tracker, kernels
    after = snapshot(sandbox)
    for name, body in before.items():  # what was published before is intact (a brief may have been added)
        if name not in ("manifest.json", "index.html"):
            assert after.get(name) in (body, None) or name.startswith("phase-"), name
    assert not [p for p in sandbox.rglob("*") if ".tmp" in p.name]


# --- 10. two environment set-ups at once -----------------------------------------------------------


def test_two_environment_setups_at_once_run_one_after_the_other(tmp_path):
    """The Makefile's set-up under `flock`: two concurrent `make` calls on a fresh folder. PYTHON
    is a stand-in interpreter that records when each step starts and ends and creates the venv's
    python as the same kind of stand-in (no pip run: this tests the Makefile's serialisation)."""
    shutil.copy(PROJECT / "Makefile", tmp_path / "Makefile")
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    log = tmp_path / "log"
    fake = tmp_path / "fakepython"
    fake.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        echo "start $$ $*" >> {log}
        sleep 0.5
        if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi
        echo "end $$" >> {log}
        """))
    fake.chmod(0o755)
    cmd = ["make", "--no-print-directory", "-C", str(tmp_path), ".venv/.installed-stamp", f"PYTHON={fake}"]
    first, second = subprocess.Popen(cmd), subprocess.Popen(cmd)
    assert first.wait(timeout=60) == 0 and second.wait(timeout=60) == 0
    lines = log.read_text().splitlines()
    starts = [ln for ln in lines if ln.startswith("start")]
    assert len(starts) == 4, lines  # venv, pip upgrade, pip install, kernel: once, not twice
    depth = 0
    for line in lines:  # never two steps at once
        depth += 1 if line.startswith("start") else -1
        assert depth in (0, 1), lines
    assert (tmp_path / ".venv" / ".installed-stamp").is_file()


# --- 11. the per-cell timeout is documented ------------------------------------------------------------


def test_cell_timeout_is_documented():
    help_text = cli._parser()._subparsers._group_actions[0].choices["build"].format_help()
    assert f"default: {build_module.CELL_TIMEOUT}" in help_text
    assert "--timeout" in (PROJECT / "README.md").read_text(encoding="utf-8")
    assert f"{build_module.CELL_TIMEOUT} s" in (PROJECT / "README.md").read_text(encoding="utf-8")


# --- property-based: random damage to valid data files ---------------------------------------------

CITED = ["events", "trade_published", "other_figures", "claims", "reading_list", "trade", "unga_agreement"]


def _damage(raw: bytes, kind: str, draw) -> bytes:
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if kind == "cell":
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(st.text(max_size=40) | st.sampled_from(["", "nan", "-1", "1e309", "2099-01-01", "javascript:x",
                                                                   "https://sputnikglobe.com/x", "a,b", '"', "\x00"]))
    elif kind == "drop-column":
        c = draw(st.integers(0, len(rows[0]) - 1))
        rows = [row[:c] + row[c + 1:] for row in rows]
    elif kind == "repeat-column":
        c = draw(st.integers(0, len(rows[0]) - 1))
        rows = [[*row, row[c]] if len(row) > c else row for row in rows]
    elif kind == "drop-rows":
        rows = rows[: draw(st.integers(1, max(1, len(rows) - 1)))]
    elif kind == "long-cell":
        rows[-1][0] = "x" * draw(st.integers(1000, 200_000))
    elif kind == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    elif kind == "encoding":
        codec = draw(st.sampled_from(["latin-1", "utf-16", "utf-8-sig", "cp1251"]))
        return text.encode(codec, errors="replace") if codec != "utf-8-sig" else codecs.BOM_UTF8 + raw
    elif kind == "line-endings":
        return raw.replace(b"\n", b"\r\n")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(CITED), kind=st.sampled_from(["cell", "drop-column", "repeat-column", "drop-rows",
                                                          "long-cell", "truncate", "encoding", "line-endings"]),
       draw=st.data())
def test_damaged_data_gives_success_or_a_named_error(monkeypatch, sandbox, name, kind, draw):
    data.clear_caches()
    table = data._registry()[name]
    folder = Path(sandbox.parent) / "damaged"
    folder.mkdir(exist_ok=True)
    copy = folder / table.path.name
    copy.write_bytes(_damage(table.path.read_bytes(), kind, draw.draw))
    with monkeypatch.context() as m:
        if name == "events":
            m.setattr(paths, "EVENTS_FILE", copy)
        else:
            m.setitem(indicator_schemas.TABLES, name, dataclasses.replace(table, path=copy))
        before = snapshot(sandbox)
        err = io.StringIO()
        m.setattr(sys, "stderr", err)
        m.setattr(sys, "stdout", io.StringIO())
        code = cli.main(["validate"])
        assert snapshot(sandbox) == before
    message = err.getvalue()
    assert code in (0, EXIT_DATA), message
    assert "Traceback" not in message
    if code == EXIT_DATA:
        problems = [ln.strip() for ln in message.splitlines()[1:]]
        assert problems and all(p.startswith((str(copy), "data/", "data:")) for p in problems), message
    data.clear_caches()
