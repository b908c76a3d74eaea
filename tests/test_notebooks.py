"""The committed notebooks: no outputs, one parameters cell matching the manifest, thin."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from russia_korea_briefs.manifest import load_manifest

NOTEBOOKS = {nb.id: nb for nb in load_manifest().notebooks.values()}


@pytest.mark.parametrize("nb_id", NOTEBOOKS)
def test_committed_without_outputs(nb_id):
    path: Path = NOTEBOOKS[nb_id].path
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("nb_id", NOTEBOOKS)
def test_parameters_cell_matches_manifest(nb_id):
    spec = NOTEBOOKS[nb_id]
    nb = nbformat.read(spec.path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{spec.path.name}: expected exactly one cell tagged 'parameters'"
    declared = pm.inspect_notebook(str(spec.path))
    assert list(declared) == list(spec.parameters), f"{spec.path.name}: parameters differ from briefs.yaml"
    for name, param in spec.parameters.items():
        assert ast.literal_eval(declared[name]["default"]) == param.default, f"{name}: default differs"


@pytest.mark.parametrize("nb_id", NOTEBOOKS)
def test_notebook_is_thin(nb_id):
    """No function or class definitions, no file access: the logic lives in the package."""
    nb = nbformat.read(NOTEBOOKS[nb_id].path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), f"cell {i} defines code"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                pytest.fail(f"cell {i} opens a file")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not node.value.endswith((".csv", ".yaml", ".json")), f"cell {i} names a file"


@pytest.mark.parametrize("nb_id", NOTEBOOKS)
def test_kernel_is_the_projects(nb_id):
    nb = nbformat.read(NOTEBOOKS[nb_id].path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "russia-korea-briefs"
