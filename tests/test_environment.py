"""pyproject.toml and environment.yml pin the same packages at the same versions."""

import re
import tomllib

import yaml

from russia_korea_briefs import paths


def _pyproject_pins() -> dict[str, str]:
    with open(paths.PROJECT_ROOT / "pyproject.toml", "rb") as fh:
        project = tomllib.load(fh)["project"]
    pins = {}
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", req).groups()
        pins[name.lower().replace("_", "-")] = version
    return pins


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, version = dep.split("=", 1)
            pins[name.lower()] = version
    return pins


def test_every_dependency_is_pinned_exactly():
    with open(paths.PROJECT_ROOT / "pyproject.toml", "rb") as fh:
        project = tomllib.load(fh)["project"]
    loose = [r for r in project["dependencies"] if "==" not in r]
    assert not loose, f"unpinned dependencies in pyproject.toml: {loose}"


def test_environment_yml_mirrors_pyproject():
    conda = _conda_pins()
    python = conda.pop("python")
    assert python == "3.11"
    assert conda == _pyproject_pins(), "environment.yml and pyproject.toml disagree: update both"


def test_environment_installs_the_package():
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
