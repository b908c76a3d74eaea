"""A build worker reuses one kernel for its briefs: a brief must not be able to tell.

These tests run real kernels through papermill (``build.execute`` with a ``KernelSession``).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from russia_korea_briefs.build import KERNEL_NAME, build_one, ensure_kernel, execute
from russia_korea_briefs.kernels import KernelSession
from russia_korea_briefs.manifest import Brief, NotebookSpec, find_briefs

pytestmark = pytest.mark.slow

LEAVE_STATE = """\
leaked = 42
import matplotlib
import matplotlib.pyplot as plt
matplotlib.rcParams["lines.linewidth"] = 9.0
plt.figure()
"""

# prints what a brief could see of an earlier brief in the same kernel
INSPECT_STATE = """\
import json, matplotlib, matplotlib.pyplot as plt
seen = {
    "leaked": "leaked" in globals(),
    "linewidth": matplotlib.rcParams["lines.linewidth"],
    "default_linewidth": matplotlib.rcParamsOrig["lines.linewidth"],
    "figures": plt.get_fignums(),
    "history": len(In),
}
print(json.dumps(seen))
"""


def _brief(tmp_path: Path, name: str, *sources: str) -> Brief:
    nb = new_notebook(cells=[new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i}"
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return Brief(name, NotebookSpec(name, path, {}), {}, name, standard=True)


def _run(brief: Brief, tmp_path: Path, session: KernelSession, timeout: int = 60):
    return execute(brief, tmp_path / "out" / f"{brief.id}.ipynb", timeout=timeout, position=0, progress=False,
                   session=session)


def _seen(nb) -> dict:
    cell = nb.cells[-1]
    assert cell.execution_count == 1, "a reset kernel counts executions from 1 again"
    return json.loads("".join(o.text for o in cell.outputs if o.output_type == "stream"))


@pytest.fixture(scope="module", autouse=True)
def _kernel():
    ensure_kernel()


def test_second_brief_runs_in_the_same_kernel_and_sees_nothing_of_the_first(tmp_path):
    session = KernelSession(KERNEL_NAME)
    try:
        _run(_brief(tmp_path, "first", LEAVE_STATE), tmp_path, session)
        nb = _run(_brief(tmp_path, "second", INSPECT_STATE), tmp_path, session)
        assert (session.started, session.briefs) == (1, 2), "one kernel for both briefs"
    finally:
        session.close()
    seen = _seen(nb)
    assert seen["leaked"] is False
    assert seen["linewidth"] == seen["default_linewidth"] != 9.0
    assert seen["figures"] == []
    assert seen["history"] == 2, "only this brief's cell in the input history"


@pytest.mark.parametrize(("source", "timeout"), [("1/0", 60), ("import time\ntime.sleep(60)", 2)],
                         ids=["exception", "timeout"])
def test_a_failed_brief_leaves_a_fresh_kernel_for_the_next(tmp_path, source, timeout):
    session = KernelSession(KERNEL_NAME)
    try:
        with pytest.raises(Exception):  # noqa: B017 - papermill's or nbclient's, depending on the failure
            _run(_brief(tmp_path, "broken", LEAVE_STATE, source), tmp_path, session, timeout=timeout)
        nb = _run(_brief(tmp_path, "next", INSPECT_STATE), tmp_path, session)
        assert session.started == 2, "the failed brief's kernel is replaced"
    finally:
        session.close()
    assert _seen(nb)["leaked"] is False
    assert session.km is None


def test_a_real_brief_is_byte_identical_in_a_reused_and_a_fresh_kernel(tmp_path):
    other, brief = find_briefs(["phase-prelude", "phase-alliance-era"])
    session = KernelSession(KERNEL_NAME)
    options = {"timeout": 600, "position": 0, "progress": False}
    try:
        first, _ = build_one(other, build_dir=tmp_path / "reused", session=session, **options)
        reused, reused_files = build_one(brief, build_dir=tmp_path / "reused", session=session, **options)
        assert (session.started, session.briefs) == (1, 2)
    finally:
        session.close()
    fresh, fresh_files = build_one(brief, build_dir=tmp_path / "fresh", **options)
    assert [first.status, reused.status, fresh.status] == ["built"] * 3, [first.message, reused.message, fresh.message]
    assert reused_files.html == fresh_files.html
