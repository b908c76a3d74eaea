"""The list of briefs (``notebooks/briefs.yaml``): notebooks, their parameters, and the briefs built from them.

A brief is one notebook with one set of parameters. Standard briefs are listed in the manifest
(``for_each: phase`` expands to one brief per phase of the periodization); a custom brief is any
other set of parameters and gets a name derived from them, so it never overwrites a standard one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from russia_korea_briefs import paths
from russia_korea_briefs.errors import ConfigError, ParameterError
from russia_korea_briefs.params import ParamSpec, resolve, spec_from_yaml


@dataclass(frozen=True)
class NotebookSpec:
    id: str
    path: Path
    parameters: dict[str, ParamSpec]


@dataclass(frozen=True)
class Brief:
    id: str
    notebook: NotebookSpec
    params: dict[str, Any]
    title: str
    standard: bool

    def out_dir(self, reports_dir: Path) -> Path:
        """Where the brief is published: custom briefs go to their own folder."""
        return reports_dir if self.standard else reports_dir / "custom"


@dataclass(frozen=True)
class Manifest:
    edition: date
    series: str
    notebooks: dict[str, NotebookSpec]
    entries: tuple[dict, ...]


def slugify(text: str) -> str:
    """ASCII slug: ``'Phase 1 — Normalisation'`` → ``'phase-1-normalisation'``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@cache
def load_manifest(path: Path = paths.BRIEFS_MANIFEST) -> Manifest:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        notebooks = {
            nb_id: NotebookSpec(
                id=nb_id,
                path=paths.NOTEBOOKS_DIR / spec["path"],
                parameters={n: spec_from_yaml(n, p) for n, p in (spec.get("parameters") or {}).items()},
            )
            for nb_id, spec in raw["notebooks"].items()
        }
        entries = tuple(raw["briefs"])
        for entry in entries:
            if entry["notebook"] not in notebooks:
                raise ValueError(f"brief {entry['id']!r} names unknown notebook {entry['notebook']!r}")
        return Manifest(
            edition=date.fromisoformat(str(raw["edition"])),
            series=str(raw.get("series", "")),
            notebooks=notebooks,
            entries=entries,
        )
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: invalid brief manifest: {exc}") from None


def standard_briefs(manifest: Manifest | None = None) -> list[Brief]:
    """Every brief the manifest lists, phase briefs expanded over the standard periodization."""
    from russia_korea_briefs.data import load_periodization

    manifest = manifest or load_manifest()
    out: list[Brief] = []
    for entry in manifest.entries:
        notebook = manifest.notebooks[entry["notebook"]]
        fixed = dict(entry.get("parameters") or {})
        if entry.get("for_each") == "phase":
            for phase in load_periodization().phases:
                params = resolve(notebook.parameters, {**fixed, "phase_id": phase.id})
                out.append(
                    Brief(
                        id=entry["id"].format(phase_id=phase.id),
                        notebook=notebook,
                        params=params,
                        title=entry["title"].format(phase_name=phase.name),
                        standard=True,
                    )
                )
        else:
            out.append(
                Brief(entry["id"], notebook, resolve(notebook.parameters, fixed), entry["title"], True)
            )
    return out


def find_briefs(ids: list[str], manifest: Manifest | None = None) -> list[Brief]:
    briefs = {b.id: b for b in standard_briefs(manifest)}
    unknown = [i for i in ids if i not in briefs]
    if unknown:
        raise ParameterError(f"unknown brief {unknown[0]!r}; known briefs: {', '.join(briefs)}")
    return [briefs[i] for i in dict.fromkeys(ids)]


def custom_brief(base: Brief, given: dict[str, str]) -> Brief:
    """``base`` re-run with other parameters, under a name derived from those parameters."""
    params = resolve(base.notebook.parameters, {**base.params, **given})
    parts = []
    for name in sorted(given):
        value = params[name]
        if base.notebook.parameters[name].type == "periodization" and value:
            value = Path(value).stem
        parts.append(f"{name}-{value}" if value != "" else f"{name}-standard")
    brief_id = slugify(f"{base.id} {' '.join(parts)}")[:120]
    label = ", ".join(f"{k}={params[k] if base.notebook.parameters[k].type != 'periodization' else Path(params[k]).name or 'standard'}" for k in sorted(given))
    return Brief(brief_id, base.notebook, params, f"{base.title} (custom: {label})", standard=False)
