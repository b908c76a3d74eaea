"""Build briefs: validate → execute (papermill) → render (HTML, PDF) → publish atomically.

Each brief is a pure function of content-hashed inputs (its notebook, this package, the data it
reads, its parameters, the pinned dependencies, the edition date). A brief whose inputs hash matches
the one recorded in ``reports/manifest.json`` (and whose files are intact) is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from russia_korea_briefs import paths
from russia_korea_briefs.errors import BriefsError, BuildBusyError, ConfigError, WriteError
from russia_korea_briefs.manifest import Brief, load_manifest

KERNEL_NAME = "russia-korea-briefs"
CELL_TIMEOUT = 600  # seconds per cell
MANIFEST_NAME = "manifest.json"

Log = Callable[[str], None]


# --- hashing ---------------------------------------------------------------------------------


def _package_files() -> list[Path]:
    keep = {".py", ".j2", ".css", ".js", ".json", ".mplstyle", ".yaml"}
    return sorted(
        p for p in paths.PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in keep and "__pycache__" not in p.parts
    )


def pinned_dependencies() -> list[str]:
    with open(paths.PROJECT_ROOT / "pyproject.toml", "rb") as fh:
        return list(tomllib.load(fh)["project"]["dependencies"])


def input_hash(brief: Brief) -> str:
    from russia_korea_briefs.data import data_digest, event_text_scope, hash_files, text_files

    digest = hashlib.sha256()
    texts = text_files(brief.notebook.id, brief.params)  # the prose it renders (notebooks/text/)
    hash_files(digest, [brief.notebook.path, paths.BRIEFS_MANIFEST, *_package_files(), *texts])
    # the data this brief reads: all of it, except the words of events a phase brief does not show
    digest.update(data_digest(event_text_scope(brief.notebook.id, brief.params)).encode())
    for name, spec in brief.notebook.parameters.items():
        if spec.type == "periodization" and brief.params.get(name):
            digest.update(Path(brief.params[name]).read_bytes())
    record = {
        "id": brief.id,
        "title": brief.title,
        "params": brief.params,
        "deps": pinned_dependencies(),
        "edition": load_manifest().edition.isoformat(),
    }
    digest.update(json.dumps(record, sort_keys=True, ensure_ascii=True).encode())
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the published manifest ------------------------------------------------------------------


def read_published(reports_dir: Path) -> dict:
    path = reports_dir / MANIFEST_NAME
    if not path.is_file():
        return {"briefs": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data.get("briefs"), dict):
            raise ValueError("no 'briefs' mapping")  # noqa: TRY004 - reported as a config error
        return data
    except (ValueError, OSError) as exc:
        raise ConfigError(f"{path}: unreadable build manifest ({exc}); delete it and rebuild with --force") from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the final name, flush to disk, then rename over it in one step.

    A full disk or a folder that refuses the write is a :class:`ConfigError` naming the file;
    the file as it was stays in place.
    """
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise WriteError(_write_error(path, exc)) from None
    finally:
        tmp.unlink(missing_ok=True)


def _write_error(path: Path, exc: OSError) -> str:
    import errno

    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"disk full while writing {path} ({why}): free some space and build again (the previous file is unchanged)"
    return f"cannot write {path}: {why}"


def check_writable(folder: Path) -> None:
    """Fail now, before any notebook runs, if ``folder`` cannot take a new file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-probe-{os.getpid()}"
        with open(probe, "wb") as fh:
            fh.write(b"probe")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        import errno

        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ConfigError(f"disk full: cannot write to {folder}; free some space and build again") from None
        raise ConfigError(f"cannot write to {folder}: {exc.strerror or exc}") from None


def is_current(entry: dict | None, out_dir: Path, digest: str) -> bool:
    if not entry or entry.get("inputs") != digest:
        return False
    for kind in ("html", "pdf"):
        path = out_dir / entry.get(kind, "")
        if not path.is_file() or sha256_file(path) != entry.get(f"{kind}_sha256"):
            return False
    return True


# --- execution -------------------------------------------------------------------------------


KERNEL_ARGV_FLAG = "--IPKernelApp.log_level=ERROR"  # no "TCP without encryption" noise in build logs


def ensure_kernel(force: bool = False) -> Path:
    """Register the project's kernel (this environment's Python) in this environment if needed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        current = spec.argv[0] == sys.executable and KERNEL_ARGV_FLAG in spec.argv
    except NoSuchKernel:
        current = False
    if force or not current:
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL_NAME, display_name="Python (russia-korea-briefs)", prefix=sys.prefix)
    spec_dir = Path(KernelSpecManager().get_kernel_spec(KERNEL_NAME).resource_dir)
    spec_file = spec_dir / "kernel.json"
    data = json.loads(spec_file.read_text(encoding="utf-8"))
    if KERNEL_ARGV_FLAG not in data["argv"]:
        data["argv"].append(KERNEL_ARGV_FLAG)
        spec_file.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return spec_dir


def set_reproducible_env(edition) -> None:
    epoch = int(datetime(edition.year, edition.month, edition.day, tzinfo=UTC).timestamp())
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(epoch))
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


@dataclass
class Outcome:
    brief: Brief
    status: str  # built | skipped | failed
    seconds: float = 0.0
    message: str = ""
    timings: dict = field(default_factory=dict)


def _failed_cell(executed: Path) -> str:
    """'cell N (first line)' of the cell papermill marked as failed or left running."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:  # noqa: BLE001 - a half-written notebook is still a failure to report
        return "an unknown cell"
    index, last_started = 0, None
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue  # cells papermill added: not in the source notebook
        index += 1
        meta = cell.metadata.get("papermill", {})
        if cell.cell_type != "code":
            continue
        first = next((ln for ln in cell.source.splitlines() if ln.strip()), "").strip()[:80]
        if meta.get("exception") or meta.get("status") == "running":
            return f"cell {index} ({first!r})"
        if meta.get("status") not in (None, "pending"):
            last_started = f"cell {index} ({first!r})"  # a timeout or a dead kernel leaves no mark
    return last_started or "an unknown cell"


def _error_text(exc: BaseException, timeout: int | None = None) -> str:
    kind = type(exc).__name__
    if kind == "CellTimeoutError":
        return f"the cell ran longer than the {timeout} s allowed per cell (--timeout)"
    if kind == "DeadKernelError":
        return "the kernel died (out of memory, or the process exited)"
    name = getattr(exc, "ename", None) or kind
    value = getattr(exc, "evalue", None)
    if value is None:
        lines = [ln for ln in str(exc).strip().splitlines() if ln.strip() and not set(ln) <= set("-")]
        value = lines[-1] if lines else ""
    return f"{name}: {value}"


def execute(brief: Brief, executed: Path, *, timeout: int, position: int, progress: bool, session=None):
    """Run the brief's notebook with papermill (in ``session``'s kernel if given); the executed notebook."""
    import papermill as pm

    from russia_korea_briefs.kernels import ENGINE_NAME

    executed.parent.mkdir(parents=True, exist_ok=True)
    return pm.execute_notebook(
        str(brief.notebook.path),
        str(executed),
        parameters=brief.params,
        engine_name=ENGINE_NAME,
        kernel_name=KERNEL_NAME,
        progress_bar={"desc": f"{brief.id:<28.28}", "position": position, "leave": True} if progress else False,
        execution_timeout=timeout,
        cwd=str(executed.parent),
        # written once at the end (also when a cell fails), not after every cell: each write
        # validates and serialises the whole notebook, figures included
        request_save_on_cell_execute=False,
        session=session,
        save_failed_to=str(executed),
    )


@dataclass
class Rendered:
    """A brief rendered in memory, not yet published (the PDF may still be rendering elsewhere)."""

    html: bytes
    pdf: bytes | Future

    def pdf_bytes(self) -> bytes:
        return self.pdf.result() if isinstance(self.pdf, Future) else self.pdf


def build_one(
    brief: Brief,
    *,
    build_dir: Path,
    timeout: int,
    position: int,
    progress: bool,
    stop: threading.Event | None = None,
    pdf_pool: Executor | None = None,
    session=None,
) -> tuple[Outcome, Rendered | None]:
    """Execute and render one brief in memory. Publishing is the caller's job (main thread).

    With a ``pdf_pool`` the PDF is only submitted: the worker goes on with its next brief while
    the PDF renders, and the caller collects it (:meth:`Rendered.pdf_bytes`).
    """
    import nbformat

    from russia_korea_briefs import render
    from russia_korea_briefs.fonts import check_glyphs

    executed = build_dir / f"{brief.id}.ipynb"
    t0 = time.perf_counter()
    timings = {}
    try:
        nb = execute(brief, executed, timeout=timeout, position=position, progress=progress, session=session)
    except Exception as exc:  # noqa: BLE001 - report the brief, notebook and cell, then carry on
        where = _failed_cell(executed)
        msg = (
            f"brief {brief.id!r} failed in notebook {brief.notebook.path.name}, {where}: {_error_text(exc, timeout)}\n"
            f"  executed notebook kept for debugging: {executed}"
        )
        return Outcome(brief, "failed", time.perf_counter() - t0, msg), None
    timings["execute"] = time.perf_counter() - t0
    if stop is not None and stop.is_set():
        return Outcome(brief, "failed", time.perf_counter() - t0, f"brief {brief.id!r}: interrupted"), None
    try:
        if nb is None:
            nb = nbformat.read(executed, as_version=4)
        t1 = time.perf_counter()
        html_text = render.notebook_to_html(nb, brief.title)
        check_glyphs(html_text, f"brief {brief.id!r}")  # never publish a PDF with missing glyphs
        html = html_text.encode("utf-8")
        t2 = time.perf_counter()
        timings["html"] = t2 - t1
        if pdf_pool is None:
            pdf = render.html_to_pdf(html.decode("utf-8"))
            timings["pdf"] = time.perf_counter() - t2
        else:  # WeasyPrint is pure Python: in another process it does not compete for this GIL
            from russia_korea_briefs.pdf import html_to_pdf

            pdf = pdf_pool.submit(html_to_pdf, html.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001
        return _render_failed(brief, exc, executed, time.perf_counter() - t0), None
    outcome = Outcome(brief, "built", time.perf_counter() - t0, timings=timings)
    if isinstance(pdf, Future):  # the brief took until its PDF was ready

        def done(_future: Future, since: float = t2) -> None:
            outcome.timings["pdf"] = time.perf_counter() - since
            outcome.seconds = time.perf_counter() - t0

        pdf.add_done_callback(done)
    return outcome, Rendered(html, pdf)


def _render_failed(brief: Brief, exc: BaseException, executed: Path, seconds: float) -> Outcome:
    msg = f"brief {brief.id!r} failed while rendering: {_error_text(exc)}\n  executed notebook: {executed}"
    return Outcome(brief, "failed", seconds, msg)


def publish(brief: Brief, rendered: Rendered, out_dir: Path) -> dict:
    """Move the brief's files into place (each atomically) and return its manifest entry."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / f"{brief.id}.html", out_dir / f"{brief.id}.pdf"
    pdf = rendered.pdf_bytes()
    atomic_write(pdf_path, pdf)
    atomic_write(html_path, rendered.html)
    return {
        "title": brief.title,
        "notebook": brief.notebook.path.name,
        "params": brief.params,
        "html": html_path.name,
        "pdf": pdf_path.name,
        "html_sha256": hashlib.sha256(rendered.html).hexdigest(),
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        "html_bytes": len(rendered.html),
        "pdf_bytes": len(pdf),
    }


def build(
    briefs: list[Brief],
    *,
    force: bool = False,
    jobs: int | None = None,
    reports_dir: Path | None = None,
    build_dir: Path | None = None,
    timeout: int = CELL_TIMEOUT,
    progress: bool = True,
    log: Log = print,
) -> list[Outcome]:
    """Build ``briefs``; returns one outcome per brief. Raises BuildBusyError if a build is running."""
    from russia_korea_briefs.data import require_valid
    from russia_korea_briefs.fonts import require_fonts

    reports_dir = Path(reports_dir or paths.REPORTS_DIR)
    build_dir = Path(build_dir or paths.BUILD_DIR)
    manifest = load_manifest()
    require_valid()  # the standard data; a custom periodization was validated with the parameters
    for brief in briefs:
        if not brief.notebook.path.is_file():
            raise ConfigError(
                f"notebook {brief.notebook.path.name} of brief {brief.id!r} not found in "
                f"{brief.notebook.path.parent} (named in {paths.BRIEFS_MANIFEST.name})"
            )
    require_fonts()
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(reports_dir / ".build.lock"), timeout=0)
        lock.acquire()
    except Timeout:
        raise BuildBusyError(
            f"another build is running in {reports_dir} (lock {reports_dir / '.build.lock'}); "
            "wait for it to finish, then run again"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot write to {reports_dir}: {exc.strerror}") from None
    try:
        # every folder the build will write to takes a file now, or nothing runs
        for folder in {b.out_dir(reports_dir) for b in briefs} | {reports_dir, build_dir}:
            check_writable(folder)
        return _build_locked(briefs, manifest, force, jobs, reports_dir, build_dir, timeout, progress, log)
    finally:
        lock.release()


def _build_locked(briefs, manifest, force, jobs, reports_dir, build_dir, timeout, progress, log):
    set_reproducible_env(manifest.edition)
    published = {True: read_published(reports_dir), False: read_published(reports_dir / "custom")}
    todo, outcomes = [], []
    for brief in briefs:
        digest = input_hash(brief)
        if not force and is_current(published[brief.standard]["briefs"].get(brief.id), brief.out_dir(reports_dir), digest):
            outcomes.append(Outcome(brief, "skipped"))
        else:
            todo.append((brief, digest))
    if todo:
        ensure_kernel()
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        log(f"building {len(todo)} brief(s) with {jobs} job(s); {len(outcomes)} up to date")
        stop = threading.Event()
        pdf_pool = _pdf_pool(jobs) if len(todo) > 1 else None
        futures, workers = _start_workers(
            [brief for brief, _ in todo], jobs, stop,
            build_dir=build_dir, timeout=timeout, progress=progress, pdf_pool=pdf_pool,
        )
        try:
            for (brief, digest), future in zip(todo, futures, strict=True):
                outcome, rendered = future.result()
                if rendered is not None:
                    try:
                        rendered.pdf_bytes()  # wait for the PDF here, not while publishing
                    except Exception as exc:  # noqa: BLE001 - one brief's PDF failing stops only that brief
                        executed = build_dir / f"{brief.id}.ipynb"
                        outcome, rendered = _render_failed(brief, exc, executed, outcome.seconds), None
                outcomes.append(outcome)
                if rendered is None:
                    continue
                out_dir = brief.out_dir(reports_dir)
                # Publishing happens here, in the main thread, so that Ctrl-C (delivered to the
                # main thread) can never leave files and manifest disagreeing: a brief is either
                # fully published with its manifest entry, or not at all.
                with _deferred_sigint():
                    entry = publish(brief, rendered, out_dir)
                    entry["inputs"] = digest
                    published[brief.standard]["briefs"][brief.id] = entry
                    _write_published(out_dir, published[brief.standard], manifest)
        except BaseException:
            stop.set()  # running briefs finish executing but are neither rendered nor published
            for future in futures:
                future.cancel()
            if pdf_pool is not None:
                pdf_pool.shutdown(wait=False, cancel_futures=True)
            raise
        for worker in workers:
            worker.join()
        if pdf_pool is not None:
            pdf_pool.shutdown(wait=True)
    if any(o.status == "built" for o in outcomes) or not (reports_dir / "index.html").exists():
        from russia_korea_briefs.index import write_index

        write_index(reports_dir, published[True], manifest)
    for outcome in outcomes:
        if outcome.status == "failed":
            log(outcome.message)
    return outcomes


def _start_workers(briefs: list[Brief], jobs: int, stop: threading.Event, **options) -> tuple[list[Future], list]:
    """``jobs`` threads, each with one kernel (:class:`kernels.KernelSession`), taking briefs in order.

    Returns one future per brief (its outcome and rendering) and the threads. A worker stops
    taking briefs once ``stop`` is set and shuts its kernel down when it runs out of briefs.
    """
    import queue

    from russia_korea_briefs.kernels import KernelSession

    futures = [Future() for _ in briefs]
    waiting = queue.SimpleQueue()
    for item in enumerate(briefs):
        waiting.put(item)

    def work() -> None:
        session = KernelSession(KERNEL_NAME)
        try:
            while not stop.is_set():
                try:
                    i, brief = waiting.get_nowait()
                except queue.Empty:
                    return
                if not futures[i].set_running_or_notify_cancel():
                    continue
                try:
                    futures[i].set_result(build_one(brief, position=i, stop=stop, session=session, **options))
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                    futures[i].set_exception(exc)
        finally:
            session.close()

    workers = [threading.Thread(target=work, name=f"brief-worker-{n}") for n in range(jobs)]
    for worker in workers:
        worker.start()
    return futures, workers


def _pdf_pool(jobs: int) -> Executor:
    """Processes that render PDFs beside the kernels ("spawn": never fork a threaded process)."""
    import multiprocessing

    # at most two: each worker peaks at about 300 MiB, and three pushed a build past 1 GiB
    return ProcessPoolExecutor(
        max_workers=min(jobs, 2), mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent, initargs=(os.getpid(),),
    )


def die_with_parent(parent: int | None = None) -> None:
    """End this worker process soon after the build that started it dies, even by SIGKILL.

    A daemon thread watches the parent process id once a second. (Linux's PR_SET_PDEATHSIG would
    fire when the *thread* that spawned the worker ends, and the pool spawns workers from the brief
    threads, which end before the build does.)
    """
    parent = parent or os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: running briefs stop, nothing half-written is published."""


def terminate_like_ctrl_c(signum, _frame) -> None:
    raise Terminated


@contextmanager
def _deferred_sigint():
    """Hold a Ctrl-C or SIGTERM that arrives while files are being moved into place until they all are."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            raise Terminated if signal.SIGTERM in received else KeyboardInterrupt


def _write_published(out_dir: Path, data: dict, manifest) -> None:
    data = {"edition": manifest.edition.isoformat(), "briefs": dict(sorted(data["briefs"].items()))}
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / MANIFEST_NAME, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


__all__ = ["BriefsError", "build", "input_hash"]
