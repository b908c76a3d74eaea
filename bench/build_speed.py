"""Measure the project's build against the plain papermill → nbconvert → weasyprint chain.

    .venv/bin/python bench/build_speed.py [--runs N] [--quick] [--brief ID] [--jobs-sweep 1,3]

Everything runs in a temporary copy of the project (``src``, ``data``, ``notebooks``,
``pyproject.toml``) with ``PYTHONPATH=<copy>/src``, so that the real CLI
(``python -m russia_korea_briefs build``) writes into ``<copy>/reports`` and never into the
project's own ``reports/``. Each measured command runs under a small watcher process (this file
with ``--_measure``) that times it and samples the memory of its process tree.

It only reports: a Markdown table on stdout and in ``bench/results/latest.md`` (raw numbers in
``bench/results/latest.json``). See ``bench/README.md`` for how to read it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
PY = sys.executable
BIN = Path(PY).parent
KERNEL = "russia-korea-briefs"
QUICK_BRIEFS = ["overview", "phase-alliance-era"]
EDIT_EVENT = "2024-december-sanctions-rb"  # the event whose description the rebuild test edits
EDIT_MARK = " Benchmark edit."
DATA_VERSION_RE = re.compile(r"Data version <code>[0-9a-f]{12}</code>")

GOAL_RATIO = 0.30
GOAL_NOOP_S = 1.0
GOAL_MEMORY = 1024**3  # 1 GiB
GOAL_SIZE = 1_500_000  # 1.5 MB (decimal megabytes)
GOAL_INTERACTIVE = 10_000  # the HTML brief's own script and its CSS, bytes per brief
SAMPLE_EVERY = 0.2  # seconds between memory samples


# --- the watcher: runs commands one after another, times them, samples memory ------------------


def _vm_hwm(pid: int) -> int:
    """Peak resident set size of a live process so far (bytes), from /proc; 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _measure_child(spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    try:
        import psutil
    except ImportError:  # only getrusage then
        psutil = None
    results = []
    for i, cmd in enumerate(spec["cmds"]):
        out_path = Path(spec["log_dir"]) / f"{spec['name']}-{i}.out"
        err_path = Path(spec["log_dir"]) / f"{spec['name']}-{i}.err"
        peaks = {"parent": 0, "child": 0, "tree": 0, "children_seen": 0}
        seen: set[int] = set()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=spec["cwd"], env=spec["env"], stdout=out, stderr=err)
            while True:
                try:
                    rc = proc.wait(timeout=SAMPLE_EVERY)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if psutil is None:
                    continue
                try:
                    procs = [psutil.Process(proc.pid)]
                    procs += procs[0].children(recursive=True)
                except psutil.Error:
                    continue
                total = 0
                for p in procs:
                    try:
                        rss = p.memory_info().rss
                    except psutil.Error:
                        continue
                    total += rss
                    role = "parent" if p.pid == proc.pid else "child"
                    peaks[role] = max(peaks[role], _vm_hwm(p.pid) or rss)
                    if role == "child":
                        seen.add(p.pid)
                peaks["tree"] = max(peaks["tree"], total)
            wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        peaks["children_seen"] = len(seen)
        results.append({"cmd": cmd, "rc": rc, "seconds": wall, "cpu": cpu, "peaks": peaks,
                        "stdout": str(out_path), "stderr": str(err_path)})
    # Linux: the largest single process among every waited-for descendant (KiB)
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    Path(spec["result"]).write_text(json.dumps({"runs": results, "ru_maxrss_children": maxrss}),
                                    encoding="utf-8")


class Bench:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.log_dir = tmp / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.counter = 0

    def measure(self, name: str, cmds: list[list[str]], cwd: Path, env: dict) -> dict:
        """Run ``cmds`` in sequence under a watcher; times and memory peaks."""
        self.counter += 1
        name = f"{self.counter:03d}-{name}"
        spec_file, result_file = self.log_dir / f"{name}.spec.json", self.log_dir / f"{name}.json"
        spec = {"cmds": cmds, "cwd": str(cwd), "env": env, "log_dir": str(self.log_dir),
                "name": name, "result": str(result_file)}
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        subprocess.run([PY, __file__, "--_measure", str(spec_file)], check=True)
        data = json.loads(result_file.read_text(encoding="utf-8"))
        runs = data["runs"]
        for r in runs:
            r["out"] = Path(r["stdout"]).read_text(encoding="utf-8", errors="replace")
            r["err"] = Path(r["stderr"]).read_text(encoding="utf-8", errors="replace")
        return {
            "seconds": sum(r["seconds"] for r in runs),
            "cpu": sum(r["cpu"] for r in runs),
            "ok": all(r["rc"] == 0 for r in runs),
            "runs": runs,
            "ru_maxrss_children": data["ru_maxrss_children"],
            "parent_peak": max(r["peaks"]["parent"] for r in runs),
            "child_peak": max(r["peaks"]["child"] for r in runs),
            "tree_peak": max(r["peaks"]["tree"] for r in runs),
        }

    def python(self, name: str, code: str, env: dict, cwd: Path) -> tuple[dict, dict | None]:
        """Run ``python -c code`` measured; the code prints one JSON object on its last line."""
        res = self.measure(name, [[PY, "-c", code]], cwd, env)
        run = res["runs"][0]
        payload = None
        if run["rc"] == 0 and run["out"].strip():
            payload = json.loads(run["out"].strip().splitlines()[-1])
        else:
            warn(f"{name} failed (exit {run['rc']}):\n{tail(run['err'])}")
        return res, payload


def warn(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def tail(text: str, n: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


# --- the project copy ----------------------------------------------------------------------


COPIED = ("src", "data", "notebooks", "pyproject.toml")


def copy_project(dst: Path, src: Path = ROOT) -> None:
    """Copy the parts of the project the build reads (copy2: mtimes kept, so .pyc stay valid)."""
    dst.mkdir(parents=True)
    ignore = shutil.ignore_patterns("*.egg-info", "raw", "__pycache__") if src == ROOT else None
    for name in COPIED:
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name, ignore=ignore)
        else:
            shutil.copy2(src / name, dst / name)


def fingerprint(root: Path) -> str:
    """Short content hash of what the build reads: which code and data were measured."""
    digest = hashlib.sha256()
    for name in COPIED:
        base = root / name
        files = [base] if base.is_file() else sorted(
            p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and ".egg-info" not in str(p) and "raw" not in p.relative_to(base).parts[:1])
        for f in files:
            digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:12]


def project_env(proj: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(proj / "src")
    env.pop("PYTHONHASHSEED", None)
    for key in ("SOURCE_DATE_EPOCH", "MPLBACKEND"):  # as a user's shell would have them: unset
        env.pop(key, None)
    return env


def check_root(proj: Path, env: dict) -> None:
    out = subprocess.run(
        [PY, "-c", "from russia_korea_briefs import paths; print(paths.PROJECT_ROOT)"],
        env=env, cwd=proj, capture_output=True, text=True, check=True,
    ).stdout.strip()
    if Path(out).resolve() != proj.resolve():
        sys.exit(f"PYTHONPATH={proj / 'src'} does not win: paths.PROJECT_ROOT is {out}")


BRIEFS_CODE = """
import json
from russia_korea_briefs.manifest import standard_briefs
print(json.dumps([{"id": b.id, "notebook": str(b.notebook.path), "params": b.params,
                   "title": b.title} for b in standard_briefs()]))
"""


def list_briefs(proj: Path, env: dict) -> list[dict]:
    out = subprocess.run([PY, "-c", BRIEFS_CODE], env=env, cwd=proj, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def read_manifest(reports: Path) -> dict:
    path = reports / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))["briefs"] if path.is_file() else {}


def edit_event(events_csv: Path) -> str:
    """Append a sentence to one event's description (one line changes); returns the event id."""
    text = events_csv.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    target = next((r for r in rows if r["id"] == EDIT_EVENT), rows[-1])
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(target["id"] + ",") and target["description"] in line:
            lines[i] = line.replace(target["description"], target["description"] + EDIT_MARK, 1)
            break
    else:
        sys.exit(f"cannot find event {target['id']!r} on one line of {events_csv}")
    events_csv.write_text("".join(lines), encoding="utf-8")
    return target["id"]


BUILT_RE = re.compile(r"^built\s+(\S+) \(([\d.]+) s\)", re.MULTILINE)
SUMMARY_RE = re.compile(r"(\d+) built, (\d+) up to date, (\d+) failed in ([\d.]+) s")


def parse_cli(out: str) -> dict:
    built = {m.group(1): float(m.group(2)) for m in BUILT_RE.finditer(out)}
    m = SUMMARY_RE.search(out)
    counts = dict(zip(("built", "skipped", "failed"), map(int, m.groups()[:3]), strict=True)) if m else {}
    return {"built": built, "counts": counts, "reported_s": float(m.group(4)) if m else None}


def papermill_times(nb_path: Path) -> dict:
    """Papermill's duration (kernel start → end) and per-cell durations of an executed notebook."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("papermill", {})
        if cell["cell_type"] == "code" and meta.get("duration") is not None:
            src = "".join(cell["source"]).strip().splitlines()
            cells.append((meta["duration"], src[0][:60] if src else ""))
    pm = nb["metadata"].get("papermill", {})
    return {"duration": pm.get("duration"), "cells_sum": sum(d for d, _ in cells), "cells": cells,
            "parameters": pm.get("parameters")}


# --- the scripts run in the copy -------------------------------------------------------------


KERNEL_CODE = """
import json, time
t0 = time.perf_counter()
from jupyter_client.manager import start_new_kernel
t1 = time.perf_counter()
km, kc = start_new_kernel(kernel_name=%(kernel)r, startup_timeout=180)
t2 = time.perf_counter()
seen = []
hook = lambda m: seen.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None
kc.execute_interactive("import russia_korea_briefs as m; print(m.__file__)", output_hook=hook, timeout=180)
t3 = time.perf_counter()
kc.execute_interactive("from russia_korea_briefs import brief, sections, text", timeout=180)
t4 = time.perf_counter()
t5 = t4
kc.stop_channels()
km.shutdown_kernel(now=False)
t6 = time.perf_counter()
print(json.dumps({"import_client": t1 - t0, "start": t2 - t1, "first_execute": t3 - t2,
                  "import_package": t4 - t3, "shutdown": t6 - t5,
                  "package_file": "".join(seen).strip()}))
"""

RENDER_CODE = """
import json, time
T = {}
t = time.perf_counter()
import nbformat
from russia_korea_briefs import render
T["import_render"] = time.perf_counter() - t
t = time.perf_counter()
nb = nbformat.read(%(nb)r, as_version=4)
T["read_notebook"] = time.perf_counter() - t
for key in ("html_first", "html_warm"):
    t = time.perf_counter()
    html = render.notebook_to_html(nb, %(title)r)
    T[key] = time.perf_counter() - t
try:  # the two halves of notebook_to_html (internals: skipped if they change)
    nb2 = nbformat.from_dict(nb)
    nb2.metadata["title"] = %(title)r
    t = time.perf_counter()
    body, _ = render._exporter().from_notebook_node(nb2, resources={"metadata": {"name": "x"}})
    T["html_nbconvert"] = time.perf_counter() - t
    t = time.perf_counter()
    render.postprocess(body)
    T["html_postprocess"] = time.perf_counter() - t
except Exception:
    pass
t = time.perf_counter()
import weasyprint
T["import_weasyprint"] = time.perf_counter() - t
for key in ("pdf_first", "pdf_warm"):
    t = time.perf_counter()
    pdf = render.html_to_pdf(html)
    T[key] = time.perf_counter() - t
T["html_bytes"], T["pdf_bytes"] = len(html.encode()), len(pdf)
print(json.dumps(T))
"""

API_CODE = """
import json, time
from pathlib import Path
from russia_korea_briefs.build import build
from russia_korea_briefs.manifest import find_briefs
t = time.perf_counter()
out = build(find_briefs([%(brief)r]), force=True, jobs=1, progress=False, log=lambda m: None,
            reports_dir=Path(%(reports)r), build_dir=Path(%(build)r))
o = out[0]
print(json.dumps({"status": o.status, "seconds": o.seconds, "timings": o.timings,
                  "build_call": time.perf_counter() - t, "message": o.message}))
"""

NOOP_CODE = """
import json, sys, time
from pathlib import Path
HEAVY = ("nbformat", "jsonschema", "pandas", "numpy", "pydantic", "matplotlib", "nbconvert",
         "papermill", "weasyprint", "bs4", "jupyter_client")
T = {}
t0 = t = time.perf_counter()
def lap(key):
    global t
    now = time.perf_counter()
    new = [m for m in HEAVY if m in sys.modules and m not in loaded]
    loaded.update(new)
    T[key + (" (loads " + ", ".join(new) + ")" if new else "")] = now - t
    t = time.perf_counter()
loaded = set()
from russia_korea_briefs import cli
lap("import russia_korea_briefs.cli")
import russia_korea_briefs.build as b
lap("import russia_korea_briefs.build")
from russia_korea_briefs.manifest import standard_briefs
briefs = [x for x in standard_briefs() if not %(ids)r or x.id in %(ids)r]
lap("standard_briefs()")
from russia_korea_briefs.data import require_valid
require_valid()
lap("require_valid()")
digests = [b.input_hash(x) for x in briefs]
lap("input_hash() x%%d" %% len(briefs))
pub = b.read_published(Path(%(reports)r))
cur = [b.is_current(pub["briefs"].get(x.id), Path(%(reports)r), d) for x, d in zip(briefs, digests)]
lap("is_current() (sha256 of every HTML and PDF)")
T["total in process"] = time.perf_counter() - t0
T["all current"] = all(cur)
print(json.dumps(T))
"""


def noop_code(reports: Path, ids: list[str] | None) -> str:
    return NOOP_CODE % {"reports": str(reports), "ids": list(ids or [])}


def import_profile(proj: Path, env: dict, argv: list[str]) -> dict:
    """``-X importtime``: (self s, cumulative s, module) for modules costing ≥ 40 ms by themselves."""
    proc = subprocess.run([PY, "-X", "importtime", *argv], env=env, cwd=proj,
                          capture_output=True, text=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(1)) / 1e6, int(m.group(2)) / 1e6, len(m.group(3)), m.group(4)))
    top_level = sorted(((c, s, n) for s, c, d, n in rows if d == 0), reverse=True)
    heavy = sorted(((s, c, n) for s, c, d, n in rows if s >= 0.04), reverse=True)
    return {"top_level": top_level[:10], "heavy_self": heavy[:12],
            "total": sum(c for c, _, _ in top_level)}


# --- one run -------------------------------------------------------------------------------


def plain_commands(briefs: list[dict], proj: Path) -> list[list[str]]:
    cmds = []
    for b in briefs:
        nb = Path(b["notebook"])
        nb = proj / "notebooks" / nb.name
        params = [x for k, v in b["params"].items() for x in ("-p", k, str(v))]
        cmds.append([str(BIN / "papermill"), str(nb), f"{b['id']}.ipynb", "-k", KERNEL, *params])
        cmds.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                     f"{b['id']}.ipynb"])
        cmds.append([str(BIN / "weasyprint"), f"{b['id']}.html", f"{b['id']}.pdf"])
    return cmds


def one_run(bench: Bench, r: int, args, briefs_all: list[dict]) -> dict:
    run_dir = bench.tmp / f"run{r}"
    proj = run_dir / "project"
    copy_project(proj, bench.tmp / "snapshot")  # every run measures the same code and data
    env = project_env(proj)
    check_root(proj, env)
    briefs = [b for b in briefs_all if not args.quick or b["id"] in QUICK_BRIEFS]
    ids = [b["id"] for b in briefs] if args.quick else []
    reports = proj / "reports"
    cli = [PY, "-m", "russia_korea_briefs", "build"]
    res: dict = {"run": r}

    # 1. cold build (CLI, --force) against the plain chain, order alternating between runs
    plain_dir = run_dir / "plain"
    plain_dir.mkdir()
    order = ("build", "plain") if r % 2 else ("plain", "build")
    for what in order:
        warn(f"run {r}: {'cold build (CLI --force)' if what == 'build' else 'plain chain'} …")
        if what == "build":
            m = bench.measure("cold-build", [cli + ["--force", *ids]], proj, env)
            m["cli"] = parse_cli(m["runs"][0]["out"])
            if not m["ok"]:
                warn("cold build failed:\n" + tail(m["runs"][0]["err"]))
            m["papermill"] = {b["id"]: papermill_times(proj / "build" / f"{b['id']}.ipynb")
                              for b in briefs if (proj / "build" / f"{b['id']}.ipynb").is_file()}
            res["cold"] = m
        else:
            m = bench.measure("plain-chain", plain_commands(briefs, proj), plain_dir, env)
            if not m["ok"]:
                bad = next(x for x in m["runs"] if x["rc"])
                warn(f"plain chain failed at {bad['cmd'][:2]}:\n" + tail(bad["err"]))
            per_tool: dict[str, float] = {}
            for x in m["runs"]:
                tool = Path(x["cmd"][0]).name
                per_tool[tool] = per_tool.get(tool, 0.0) + x["seconds"]
            m["per_tool"] = per_tool
            m["param_mismatch"] = [
                b["id"] for b in briefs
                if (plain_dir / f"{b['id']}.ipynb").is_file()
                and papermill_times(plain_dir / f"{b['id']}.ipynb")["parameters"] != b["params"]
            ]
            res["plain"] = m
    res["sizes"] = {b["id"]: {
        "html": _size(reports / f"{b['id']}.html"), "pdf": _size(reports / f"{b['id']}.pdf"),
        "plain_html": _size(plain_dir / f"{b['id']}.html"),
        "plain_pdf": _size(plain_dir / f"{b['id']}.pdf"),
        **_html_parts(reports / f"{b['id']}.html"),
    } for b in briefs}

    # 2. no-op rebuild (×3) and a rebuild after one event's description changed
    warn(f"run {r}: no-op rebuilds …")
    res["noop"] = []
    for _ in range(3):
        m = bench.measure("noop", [cli + ids], proj, env)
        m["cli"] = parse_cli(m["runs"][0]["out"])
        res["noop"].append(m)
    _, res["noop_anatomy"] = bench.python("noop-anatomy", noop_code(reports, ids), env, proj)
    if r == 1:
        res["noop_imports"] = import_profile(proj, env, ["-m", "russia_korea_briefs", "build", *ids])
        res["kernel_imports"] = import_profile(proj, env, [
            "-c", "from russia_korea_briefs import brief, sections, text"])

    warn(f"run {r}: rebuild after one event edited …")
    before = read_manifest(reports)
    old_html = {b["id"]: _read(reports / f"{b['id']}.html") for b in briefs}
    event_id = edit_event(proj / "data" / "reference" / "events.csv")
    m = bench.measure("edit-rebuild", [cli + ids], proj, env)
    m["cli"] = parse_cli(m["runs"][0]["out"])
    after = read_manifest(reports)
    m["event"] = event_id
    m["content_changed"] = sorted(
        i for i in after if before.get(i, {}).get("html_sha256") != after[i].get("html_sha256"))
    m["pdf_changed"] = sorted(
        i for i in after if before.get(i, {}).get("pdf_sha256") != after[i].get("pdf_sha256"))
    m["mark_in"] = sorted(b["id"] for b in briefs
                          if EDIT_MARK.strip() in _read(reports / f"{b['id']}.html"))
    # each colophon prints the version of the data that brief reads: mask it to see what else changed
    m["beyond_version"] = sorted(
        i for i, old in old_html.items()
        if DATA_VERSION_RE.sub("", old) != DATA_VERSION_RE.sub("", _read(reports / f"{i}.html")))
    res["edit"] = m

    # 3. where the time goes for one brief
    warn(f"run {r}: breakdown for {args.brief} …")
    bd: dict = {}
    bd["python_bare"] = bench.measure("python-bare", [[PY, "-c", "pass"]], proj, env)["seconds"]
    bd["python_imports"] = bench.measure(
        "python-imports",
        [[PY, "-c", "import russia_korea_briefs.build, papermill, nbconvert, weasyprint"]],
        proj, env)["seconds"]
    _, bd["kernel"] = bench.python("kernel", KERNEL_CODE % {"kernel": KERNEL}, env, run_dir)
    api_dir = run_dir / "api"
    api_res, bd["api"] = bench.python("api-one-brief", API_CODE % {
        "brief": args.brief, "reports": str(api_dir / "reports"), "build": str(api_dir / "build")},
        env, proj)
    bd["api_wall"] = api_res["seconds"]
    bd["api_memory"] = {k: api_res[k] for k in ("parent_peak", "child_peak", "tree_peak")}
    executed = api_dir / "build" / f"{args.brief}.ipynb"
    if executed.is_file():
        bd["papermill"] = papermill_times(executed)
        title = next(b["title"] for b in briefs_all if b["id"] == args.brief)
        _, bd["render"] = bench.python("render", RENDER_CODE % {"nb": str(executed), "title": title},
                                       env, proj)
    res["breakdown"] = bd

    # optional: cold builds with other --jobs values
    res["jobs"] = {}
    for j in args.jobs_sweep:
        warn(f"run {r}: cold build with --jobs {j} …")
        m = bench.measure(f"cold-jobs{j}", [cli + ["--force", "--jobs", str(j), *ids]], proj, env)
        res["jobs"][j] = {"seconds": m["seconds"], "ok": m["ok"], "tree_peak": m["tree_peak"]}
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return res


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


INTERACTIVE_RE = re.compile(r'<script data-brief-script="interactive">.*?</script>|'
                            r'<style data-brief-style="interactive">.*?</style>', re.DOTALL)
DATA_URI_RE = re.compile(r'href="data:text/csv;[^"]*"')


def _html_parts(path: Path) -> dict:
    """Bytes of the brief's own script + its CSS, and of the charts' CSV data links, in an HTML brief."""
    if not path.is_file():
        return {}
    html = path.read_text(encoding="utf-8")
    return {"interactive": sum(len(m.encode()) for m in INTERACTIVE_RE.findall(html)),
            "data_links": sum(len(m) for m in DATA_URI_RE.findall(html))}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


# --- the report ----------------------------------------------------------------------------


def med(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_s(values) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{med(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def mib(n) -> str:
    return "n/a" if not n else f"{n / 1024**2:.0f} MiB"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def report(runs: list[dict], args, briefs_all: list[dict], started: datetime) -> str:
    n = len(runs)
    ids = [b["id"] for b in briefs_all if not args.quick or b["id"] in QUICK_BRIEFS]
    cold = [r["cold"]["seconds"] for r in runs]
    plain = [r["plain"]["seconds"] for r in runs]
    ratios = [c / p for c, p in zip(cold, plain, strict=True)]
    noop = [m["seconds"] for r in runs for m in r["noop"]]
    edit = [r["edit"]["seconds"] for r in runs]
    tree = max(r["cold"]["tree_peak"] for r in runs)
    parent = max(r["cold"]["parent_peak"] for r in runs)
    child = max(r["cold"]["child_peak"] for r in runs)
    rusage = max(r["cold"]["ru_maxrss_children"] for r in runs)
    sizes = runs[-1]["sizes"]
    big = max((v for s in sizes.values() for k, v in s.items() if k in ("html", "pdf") and v), default=None)
    script = max((s.get("interactive") or 0 for s in sizes.values()), default=0)
    all_ok = all(r["cold"]["ok"] and r["plain"]["ok"] for r in runs)
    e = runs[-1]["edit"]
    L = []
    L.append(f"# Build speed: {'quick, ' if args.quick else ''}{n} run(s), medians (min–max)\n")
    L.append(f"{started:%Y-%m-%d %H:%M} · {os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"
             f" · Python {platform.python_version()} · briefs: {len(ids)}"
             f"{' (' + ', '.join(ids) + ')' if args.quick else ''}"
             f" · snapshot of src, data, notebooks: `{args.fingerprint}`"
             f"{' (the working tree changed during the benchmark)' if args.changed_during else ''}"
             f"{'' if all_ok else ' · **SOME COMMANDS FAILED: see warnings**'}\n")
    L.append("| Measure | Goal | Result | Verdict |")
    L.append("|---|---|---|---|")
    L.append(f"| Cold build, `python -m russia_korea_briefs build --force` ({len(ids)} briefs, HTML+PDF) | | {fmt_s(cold)} | |")
    L.append(f"| Plain chain: papermill → nbconvert --no-input → weasyprint, per brief, sequential | | {fmt_s(plain)} | |")
    L.append(f"| **Ratio build / plain chain** | ≤ {GOAL_RATIO:.2f}× | {med(ratios):.2f}× "
             f"({min(ratios):.2f}–{max(ratios):.2f}) | {verdict(med(ratios) <= GOAL_RATIO)} |")
    L.append(f"| **No-op rebuild** (CLI, everything up to date; {len(noop)} samples) | < {GOAL_NOOP_S:.0f} s | "
             f"{fmt_s(noop)} | {verdict(med(noop) < GOAL_NOOP_S)} |")
    L.append(f"| Rebuild after one event's description changed | | {fmt_s(edit)}: "
             f"{len(e['cli']['built'])} rebuilt, {len(e['content_changed'])} with different HTML | |")
    L.append(f"| **Peak memory** of the cold build: all processes at once (sum of RSS, sampled) | < 1 GiB | "
             f"{mib(tree)} | {verdict(tree < GOAL_MEMORY if tree else None)} |")
    L.append(f"| … build process alone (parent) / largest kernel (child) / getrusage(RUSAGE_CHILDREN) | | "
             f"{mib(parent)} / {mib(child)} / {mib(rusage)} | |")
    L.append(f"| **Largest HTML or PDF** | < 1.5 MB each | {big / 1e6:.2f} MB | "
             f"{verdict(big < GOAL_SIZE if big else None)} |" if big else "| Largest HTML or PDF | | n/a | |")
    L.append(f"| **Interactive script + its CSS** (inline, per HTML brief, largest) | ≤ 10 KB | {script:,} bytes | "
             f"{verdict(script <= GOAL_INTERACTIVE if script else None)} |")
    L.append("")

    # sizes
    L.append("## Sizes (bytes; MB = 10^6 bytes)\n")
    L.append("| Brief | HTML | of which script + CSS | of which CSV data links | PDF | plain-chain HTML | plain-chain PDF |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for i in ids:
        s = sizes.get(i, {})
        L.append(f"| {i} | " + " | ".join(f"{s.get(k):,}" if s.get(k) else "n/a"
                                           for k in ("html", "interactive", "data_links", "pdf", "plain_html",
                                                     "plain_pdf")) + " |")
    L.append("")

    # cold build detail
    L.append("## Cold build, per brief (last run)\n")
    last = runs[-1]
    pm = last["cold"].get("papermill", {})
    L.append("Build: seconds the CLI reports per brief (from the start of its execution until its PDF is ready, with the other jobs "
             "running beside it). Papermill: start → end of execution in the executed notebook (a "
             "kernel starts only for each worker's first brief); "
             "cells: the sum of its cells. Plain: papermill + nbconvert + weasyprint CLIs.\n")
    L.append("| Brief | build (CLI) | papermill | cells | render + waiting ≈ build − papermill | plain chain |")
    L.append("|---|---:|---:|---:|---:|---:|")
    plain_runs = last["plain"]["runs"]
    for k, i in enumerate(ids):
        b = last["cold"]["cli"]["built"].get(i)
        p = pm.get(i, {})
        pl = sum(x["seconds"] for x in plain_runs[3 * k:3 * k + 3])
        rend = (b - p["duration"]) if b and p.get("duration") else None
        L.append(f"| {i} | {b or 0:.1f} s | {p.get('duration') or 0:.1f} s | {p.get('cells_sum') or 0:.1f} s | "
                 f"{rend or 0:.1f} s | {pl:.1f} s |")
    sum_b = sum(last["cold"]["cli"]["built"].values())
    cpu_b, cpu_p = med([r["cold"]["cpu"] for r in runs]), med([r["plain"]["cpu"] for r in runs])
    L.append(f"\nSum of per-brief build times {sum_b:.1f} s over a wall time of "
             f"{last['cold']['seconds']:.1f} s. CPU time (user+sys of every process, median): "
             f"build {cpu_b:.1f} s = {cpu_b / med(cold):.2f} CPUs busy on average out of "
             f"{os.cpu_count()}; plain chain {cpu_p:.1f} s = {cpu_p / med(plain):.2f} CPUs. "
             "Plain chain by tool (median over runs): "
             + ", ".join(f"{t} {med([r['plain']['per_tool'].get(t) for r in runs]):.1f} s"
                         for t in last["plain"]["per_tool"]) + ".")
    if last["plain"].get("param_mismatch"):
        L.append(f"\nWarning: papermill's `-p` parsed parameters differently for {last['plain']['param_mismatch']}.")
    L.append("")

    # where the time goes
    L.append(f"## Where the time goes: {args.brief}, built alone (`build(..., jobs=1)` in `python -c`)\n")
    bds = [r["breakdown"] for r in runs]

    def bm(path):
        vals = []
        for bd in bds:
            v = bd
            for key in path:
                v = v.get(key) if isinstance(v, dict) else None
            vals.append(v if isinstance(v, int | float) else None)
        return med(vals)

    rows = [
        ("Interpreter start (`python -c pass`)", bm(["python_bare"])),
        ("Interpreter + `import russia_korea_briefs.build, papermill, nbconvert, weasyprint`",
         bm(["python_imports"])),
        ("Kernel: start until ready (jupyter_client)", bm(["kernel", "start"])),
        ("Kernel: shutdown", bm(["kernel", "shutdown"])),
        ("Kernel: `from russia_korea_briefs import brief, sections, text`", bm(["kernel", "import_package"])),
        ("Papermill duration (kernel start → end, from the notebook metadata)", bm(["papermill", "duration"])),
        ("… sum of cell execution times", bm(["papermill", "cells_sum"])),
        ("Build API: execute (Outcome.timings)", bm(["api", "timings", "execute"])),
        ("Build API: HTML render (Outcome.timings)", bm(["api", "timings", "html"])),
        ("Build API: PDF render (Outcome.timings)", bm(["api", "timings", "pdf"])),
        ("Build API: whole `build()` call (validation, hashing, kernel, render, index)", bm(["api", "build_call"])),
        ("Whole `python -c` process building this one brief", bm(["api_wall"])),
        ("render.notebook_to_html, first call (nbconvert import, templates)", bm(["render", "html_first"])),
        ("render.notebook_to_html, warm", bm(["render", "html_warm"])),
        ("… of which nbconvert HTMLExporter / BeautifulSoup postprocess", None),
        ("`import weasyprint`", bm(["render", "import_weasyprint"])),
        ("render.html_to_pdf, first call (fonts, pango)", bm(["render", "pdf_first"])),
        ("render.html_to_pdf, warm", bm(["render", "pdf_warm"])),
    ]
    L.append("| Step | Seconds |")
    L.append("|---|---:|")
    for label, v in rows:
        if label.startswith("… of which nbconvert"):
            a, b2 = bm(["render", "html_nbconvert"]), bm(["render", "html_postprocess"])
            L.append(f"| {label} | {a:.2f} / {b2:.2f} |" if a is not None and b2 is not None else f"| {label} | n/a |")
        else:
            L.append(f"| {label} | {'n/a' if v is None else f'{v:.2f}'} |")
    pmb = bds[-1].get("papermill")
    if pmb:
        L.append("\nSlowest cells (last run): " + "; ".join(
            f"`{src}` {d:.2f} s" for d, src in sorted(pmb["cells"], reverse=True)[:6]) + ".")
    k = bds[-1].get("kernel") or {}
    if k.get("package_file"):
        L.append(f"\nThe kernel imported the package from `{k['package_file']}` (the temporary copy).")
    L.append("")

    # no-op
    L.append("## The no-op rebuild\n")
    an = [r.get("noop_anatomy") or {} for r in runs]
    keys = [k for k in an[-1] if k != "all current"] if an[-1] else []
    if keys:
        L.append("Steps of the no-op path timed in one process (medians); the CLI run adds interpreter "
                 "start and argparse.\n")
        L.append("| Step | Seconds |")
        L.append("|---|---:|")
        for key in keys:
            L.append(f"| {key} | {med([a.get(key) for a in an]):.3f} |")
        L.append("")
    imp = runs[0].get("noop_imports")
    if imp:
        L.append(f"`python -X importtime -m russia_korea_briefs build` (no-op): imports total "
                 f"{imp['total']:.2f} s. Top-level imports by cumulative time: "
                 + ", ".join(f"{name} {c:.2f} s" for c, _, name in imp["top_level"][:6])
                 + ". Modules costing ≥ 40 ms by themselves: "
                 + ", ".join(f"{name} {s:.2f} s" for s, _, name in imp["heavy_self"][:6]) + ".\n")
    kimp = runs[0].get("kernel_imports")
    if kimp:
        L.append("Kernel-side imports (`-X importtime` of the notebook's first line, "
                 f"`from russia_korea_briefs import brief, sections, text`): total {kimp['total']:.2f} s; "
                 "heaviest modules by "
                 "themselves: " + ", ".join(f"{name} {s:.2f} s" for s, _, name in kimp["heavy_self"][:6]) + ".\n")

    # edit
    L.append("## Rebuild after one data row changed\n")
    L.append(f"Event `{e['event']}`: one sentence appended to its description in "
             f"`data/reference/events.csv`. Rebuilt: {len(e['cli']['built'])} "
             f"({', '.join(e['cli']['built']) or 'none'}). HTML actually different: "
             f"{len(e['content_changed'])} ({', '.join(e['content_changed']) or 'none'}); "
             f"PDF different: {len(e['pdf_changed'])}; the new sentence appears in: "
             f"{', '.join(e['mark_in']) or 'none'}. With the data version each colophon prints "
             f"masked, the HTML differs in {len(e['beyond_version'])} "
             f"({', '.join(e['beyond_version']) or 'none'}).\n")

    # memory detail
    L.append("## Memory\n")
    L.append("| Command | all processes at once (sampled sum of RSS) | parent peak | largest child peak | getrusage children |")
    L.append("|---|---:|---:|---:|---:|")
    for label, key in (("cold build (CLI)", "cold"), ("plain chain", "plain"), ("rebuild after edit", "edit")):
        L.append(f"| {label} | {mib(max(r[key]['tree_peak'] for r in runs))} | "
                 f"{mib(max(r[key]['parent_peak'] for r in runs))} | "
                 f"{mib(max(r[key]['child_peak'] for r in runs))} | "
                 f"{mib(max(r[key]['ru_maxrss_children'] for r in runs))} |")
    L.append("")

    if args.jobs_sweep:
        L.append("## Cold build with other `--jobs`\n")
        L.append("| --jobs | Seconds | Peak (all processes) |")
        L.append("|---:|---:|---:|")
        L.append(f"| default ({os.cpu_count()}) | {fmt_s(cold)} | {mib(tree)} |")
        for j in args.jobs_sweep:
            L.append(f"| {j} | {fmt_s([r['jobs'][j]['seconds'] for r in runs])} | "
                     f"{mib(max(r['jobs'][j]['tree_peak'] for r in runs))} |")
        L.append("")
    L.append(f"Per-run numbers: `bench/results/{args.output}.json`.")
    return "\n".join(L) + "\n"


def _strip(obj):
    """The JSON record without the captured output of every command."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in ("out", "err", "env")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def main() -> int:
    if sys.argv[1:2] == ["--_measure"]:
        _measure_child(sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions (default 3; medians)")
    parser.add_argument("--quick", action="store_true",
                        help=f"one run, only {' and '.join(QUICK_BRIEFS)} on both sides")
    parser.add_argument("--brief", default="phase-alliance-era", help="brief for the breakdown")
    parser.add_argument("--jobs-sweep", default="", help="also time cold builds with these --jobs, e.g. 1,3")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--output", default="latest",
                        help="name of the result files in bench/results/ (default: latest)")
    parser.add_argument("--from-json", metavar="FILE", help=argparse.SUPPRESS)  # re-render a report
    args = parser.parse_args()
    args.jobs_sweep = [int(x) for x in args.jobs_sweep.split(",") if x.strip()]
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        for key in ("quick", "brief", "jobs_sweep", "fingerprint", "changed_during"):
            setattr(args, key, saved["args"].get(key))
        for r in saved["runs"]:
            r["jobs"] = {int(k): v for k, v in r.get("jobs", {}).items()}
        args.output = Path(args.from_json).stem
        print(report(saved["runs"], args, saved["briefs"], datetime.fromisoformat(saved["started"])))
        return 0
    if args.quick:
        args.runs = 1
        if args.brief not in QUICK_BRIEFS:
            args.brief = QUICK_BRIEFS[1]
    started = datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="rkb-bench-"))
    warn(f"working in {tmp}")
    try:
        bench = Bench(tmp)
        probe = tmp / "snapshot"
        copy_project(probe)  # taken once: edits to src/ during the benchmark do not leak in
        args.fingerprint = fingerprint(probe)
        env = project_env(probe)
        check_root(probe, env)
        # compile once, so that no run pays for writing .pyc files
        subprocess.run([PY, "-m", "compileall", "-q", str(probe / "src")], check=True)
        briefs_all = list_briefs(probe, env)
        if args.brief not in {b["id"] for b in briefs_all}:
            sys.exit(f"--brief {args.brief!r}: not a standard brief")
        runs = [one_run(bench, r, args, briefs_all) for r in range(1, args.runs + 1)]
        args.changed_during = fingerprint(ROOT) != args.fingerprint
        if args.changed_during:
            warn("the project's src/, data/ or notebooks/ changed during the benchmark: "
                 f"the numbers are for the snapshot taken at the start ({args.fingerprint})")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / f"{args.output}.json").write_text(  # first: the raw numbers survive a bug below
            json.dumps({"args": vars(args), "started": started.isoformat(), "briefs": briefs_all,
                        "runs": _strip(runs)}, indent=1, default=str), encoding="utf-8")
        text = report(runs, args, briefs_all, started)
        (RESULTS_DIR / f"{args.output}.md").write_text(text, encoding="utf-8")
        print(text)
        warn(f"written {RESULTS_DIR / (args.output + '.md')} in {(datetime.now() - started).seconds} s")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
