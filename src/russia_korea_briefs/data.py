"""Load and validate the project's data tables.

Every loader validates first: a bad file never reaches a chart. :func:`validate_all` checks
every table and the periodization together and reports every problem at once.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ValidationError

from russia_korea_briefs import paths, schemas
from russia_korea_briefs.errors import DataValidationError, Problem
from russia_korea_briefs.tables import display_path, problems_from_validation, read_csv_rows

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Table:
    name: str
    path: Path
    model: type[BaseModel]
    key: tuple[str, ...]
    check: Callable[[list[tuple[int, BaseModel]], str], list[Problem]] | None = None


def _unique(rows, shown: str, key: tuple[str, ...]) -> list[Problem]:
    seen: dict[tuple, int] = {}
    out = []
    for line, row in rows:
        k = tuple(getattr(row, c) for c in key)
        if k in seen:
            out.append(
                Problem(shown, line, ",".join(key), f"duplicate {'/'.join(map(str, k))} (first on line {seen[k]})")
            )
        else:
            seen[k] = line
    return out


def _registry() -> dict[str, Table]:
    from russia_korea_briefs import indicator_schemas as ind

    return {
        "events": Table("events", paths.EVENTS_FILE, schemas.EventRow, ("id",)),
        **ind.TABLES,
    }


def check_table(table: Table, path: Path | None = None) -> tuple[list[tuple[int, BaseModel]], list[Problem]]:
    path = path or table.path
    problems: list[Problem] = []
    rows = read_csv_rows(path, table.model, problems)
    shown = display_path(path)
    problems += _unique(rows, shown, table.key)
    if table.check:
        problems += table.check(rows, shown)
    return rows, problems


# --- periodization ---------------------------------------------------------------------------


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML loader that leaves dates as text, so that pydantic reports a bad one clearly."""


_PlainLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Periodization:
    """An ordered, non-overlapping sequence of phases read from one YAML file."""

    title: str
    phases: tuple[schemas.PhaseEntry, ...]
    path: Path

    def get(self, phase_id: str) -> schemas.PhaseEntry:
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.phases]


#: a boundary event may come at most this long before the phase it opens (the run-up to a turn)
BOUNDARY_LEAD_DAYS = 366


def check_periodization(
    path: Path, event_ids: set[str] | dict | None
) -> tuple[Periodization | None, list[Problem]]:
    """Validate a periodization file against the events (``event_ids``: their ids, or a mapping of
    id to start date, which also checks that boundary and key events fall where they should).

    Every phase but the first names the boundary events that open it; those may not come after
    the phase ends nor more than a year before it starts; a phase's key events are dated within it.
    """
    shown = display_path(path)
    if not path.is_file():
        return None, [Problem(shown, None, None, "periodization file not found")]
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_PlainLoader)
        data = yaml.load(text, Loader=_PlainLoader)
    except UnicodeDecodeError:
        return None, [Problem(shown, None, None, "not valid UTF-8; save as UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(shown, line, None, f"malformed YAML: {getattr(exc, 'problem', None) or exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("phases"), list) or not data["phases"]:
        return None, [
            Problem(shown, 1, "phases", "expected a mapping with 'title' and a non-empty list 'phases'")
        ]
    lines = []
    for key_node, value_node in node.value:
        if key_node.value == "phases":
            lines = [item.start_mark.line + 1 for item in value_node.value]
    problems: list[Problem] = []
    phases: list[tuple[int, schemas.PhaseEntry]] = []
    for i, raw in enumerate(data["phases"]):
        line = lines[i] if i < len(lines) else None
        try:
            phases.append((line, schemas.PhaseEntry.model_validate(raw)))
        except ValidationError as exc:
            problems += problems_from_validation(exc, shown, line, prefix=(f"phases[{i}]",))
    problems += _unique(phases, shown, ("id",))
    for (_, prev), (line, cur) in itertools.pairwise(phases):
        if prev.end is None:
            problems.append(Problem(shown, line, "end", f"phase {prev.id!r} is open-ended but is not the last"))
        elif cur.start <= prev.end:
            problems.append(
                Problem(shown, line, "start", f"phase {cur.id!r} starts {cur.start}, before {prev.id!r} ends ({prev.end})")
            )
    for n, (line, phase) in enumerate(phases):
        if n and not phase.boundary_events:
            problems.append(Problem(shown, line, "boundary_events",
                                    f"phase {phase.id!r}: name the events that open it (only the first phase may have none)"))
    if len(phases) < 2 and not problems:
        problems.append(Problem(shown, lines[0] if lines else 1, "phases",
                                "a periodization needs at least two phases (the briefs compare phases)"))
    if event_ids is not None:
        dates = event_ids if isinstance(event_ids, dict) else {}
        for line, phase in phases:
            last = phase.end or schemas.coverage().information_cutoff
            for eid in phase.boundary_events:
                if eid not in event_ids:
                    problems.append(
                        Problem(shown, line, "boundary_events", f"event id {eid!r} is not in events.csv")
                    )
                elif eid in dates and not (
                    (phase.start - dates[eid]).days <= BOUNDARY_LEAD_DAYS and dates[eid] <= last
                ):
                    problems.append(Problem(
                        shown, line, "boundary_events",
                        f"event {eid!r} ({dates[eid]}) cannot open phase {phase.id!r} "
                        f"({phase.start} to {phase.end or 'open'}): a boundary event falls within the "
                        "phase or in the year before it",
                    ))
            for key in phase.key_events:
                if key.id not in event_ids:
                    problems.append(Problem(shown, line, "key_events", f"event id {key.id!r} is not in events.csv"))
                elif key.id in dates and not phase.start <= dates[key.id] <= last:
                    problems.append(Problem(
                        shown, line, "key_events",
                        f"key event {key.id!r} ({dates[key.id]}) is not dated within phase {phase.id!r}",
                    ))
    if problems:
        return None, problems
    title = str(data.get("title") or path.stem)
    return Periodization(title, tuple(p for _, p in phases), path.resolve()), []


# --- public API ------------------------------------------------------------------------------


def aggregator_share(tables: dict[str, tuple[Path, list[tuple[int, BaseModel]]]]) -> list[Problem]:
    """The source policy's cap on aggregator copies, over every cited row of every table."""
    from russia_korea_briefs.sources import MAX_AGGREGATOR_SHARE

    cited = {name: (path, [row for _, row in rows if hasattr(row, "source_type")])
             for name, (path, rows) in tables.items()}
    total = sum(len(rows) for _, rows in cited.values())
    counts = {name: sum(r.source_type == "aggregator" for r in rows) for name, (_, rows) in cited.items()}
    n = sum(counts.values())
    if not total or n <= MAX_AGGREGATOR_SHARE * total:
        return []
    where = ", ".join(f"{display_path(cited[k][0])} {v}" for k, v in counts.items() if v)
    return [Problem(
        "data", None, "source_type",
        f"{n} of {total} cited rows ({n / total:.1%}) rest on aggregator copies ({where}); "
        f"the source policy allows at most {MAX_AGGREGATOR_SHARE:.0%} "
        f"({int(MAX_AGGREGATOR_SHARE * total)}): cite the original outlets instead",
    )]


def validate_all(periodization: Path | None = None) -> list[Problem]:
    """Every problem in every table and in the periodization (the standard one by default)."""
    try:
        schemas.coverage()
    except DataValidationError as exc:  # every date check depends on it: report it alone
        return list(exc.problems)
    problems: list[Problem] = []
    event_ids: set[str] | None = None
    read: dict[str, tuple[Path, list]] = {}
    events_clean = False
    for table in _registry().values():
        rows, found = check_table(table)
        problems += found
        read[table.name] = (table.path, rows)
        if table.name == "events":
            events_clean = not found
        if table.name == "events":
            # an unreadable events file is one problem, not one per boundary event of the phases
            event_ids = {row.id: row.start for _, row in rows} if rows else None
    problems += aggregator_share(read)
    if events_clean and event_ids is not None and read.get("score_coding"):  # ids of bad rows are unknown
        path, rows = read["score_coding"]
        for line, row in rows:
            if row.id not in event_ids:
                problems.append(Problem(display_path(path), line, "id", f"event id {row.id!r} is not in events.csv"))
    _, found = check_periodization(periodization or paths.PHASES_FILE, event_ids)
    problems += found
    return problems


def require_valid(periodization: Path | None = None) -> None:
    problems = validate_all(periodization)
    if problems:
        raise DataValidationError(problems)


@cache
def _valid_rows(name: str) -> tuple[BaseModel, ...]:
    """The rows of a table by name, validated (read once per process)."""
    rows, problems = check_table(_registry()[name])
    if problems:
        raise DataValidationError(problems)
    return tuple(row for _, row in rows)


@cache
def load_table(name: str) -> pd.DataFrame:
    """A validated table by name (``events``, ``trade``, ``unga_agreement`` …), as a copy-safe frame."""
    import pandas as pd

    if name not in _registry():
        raise KeyError(f"unknown table {name!r}; known: {sorted(_registry())}")
    return pd.DataFrame([row.model_dump() for row in _valid_rows(name)])


def load_events() -> pd.DataFrame:
    """The chronology with a parsed ``start`` date (first day the event's date can mean) and ``year``."""
    import pandas as pd

    frame = load_table("events").copy()
    frame["start"] = pd.to_datetime(
        [schemas.parse_partial_date(d, p) for d, p in zip(frame["date"], frame["date_precision"], strict=True)]
    )
    frame["year"] = frame["start"].dt.year
    return frame.sort_values(["start", "id"]).reset_index(drop=True)


@cache
def _event_dates() -> dict:
    return {row.id: row.start for row in _valid_rows("events")}


@cache
def _periodization(path: Path) -> Periodization:
    result, problems = check_periodization(path, dict(_event_dates()))
    if problems:
        raise DataValidationError(problems)
    return result


def load_periodization(path: str | Path | None = None) -> Periodization:
    """The standard periodization, or the one in ``path`` (validated against the events)."""
    return _periodization(Path(path).resolve() if path else paths.PHASES_FILE)


def data_files() -> list[Path]:
    """Every committed data file the briefs read (hashed into each brief's inputs by :func:`data_digest`)."""
    out = []
    for folder in (paths.REFERENCE_DIR, paths.INDICATORS_DIR, paths.DERIVED_DIR, paths.PROVENANCE_DIR):
        out += sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    return out


def hash_files(digest, files: list[Path]) -> None:
    """Feed each file's project-relative name and content hash into ``digest``."""
    for path in files:
        resolved = path.resolve()
        inside = resolved.is_relative_to(paths.PROJECT_ROOT)
        rel = resolved.relative_to(paths.PROJECT_ROOT).as_posix() if inside else resolved.name
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())


# --- what each brief reads ---------------------------------------------------------------------
#
# A phase brief shows the words of only some events: their title, description, source and note.
# For every other event it reads only the columns that place and weigh it (id, date, dyad,
# category, score, confidence), which feed its charts and baselines. It is given the chronology
# with the other columns blanked (:func:`mask_event_text`), and its build inputs hash the same
# masked chronology (:func:`data_digest`): so editing an event's description rebuilds only the
# briefs that show it, and a brief cannot show words it was not built from.

EVENT_TEXT_COLUMNS = ("title", "description", "source_title", "source_url", "note")
NOT_READ = "(not read by this brief)"


def text_files(notebook_id: str | None, params: dict | None) -> list[Path]:
    """The Markdown and YAML texts a brief renders (``notebooks/text/``): the overview's folder, or
    a phase's essay and judgments. They are part of the brief's inputs."""
    folder = paths.NOTEBOOKS_DIR / "text"
    if notebook_id == "phase":
        pid = (params or {}).get("phase_id", "")
        return [p for p in (folder / "phases" / f"{pid}.md", folder / "phases" / f"{pid}-judgments.yaml") if p.is_file()]
    sub = folder / (notebook_id or "")
    return sorted(p for p in sub.rglob("*") if p.is_file()) if notebook_id and sub.is_dir() else []


# event ids only (text.CITATION also matches claim:, reading: ...); kept here so that hashing a
# brief's inputs does not import pandas
_CITED = re.compile(r"\[\[([a-z0-9-]+)\]\]")


def cited_event_ids(files: list[Path]) -> frozenset[str]:
    """Event ids a brief's texts cite as ``[[event-id]]``."""
    return frozenset(m for f in files for m in _CITED.findall(f.read_text(encoding="utf-8")))


def phase_event_ids(periodization: Periodization, phase_id: str) -> frozenset[str]:
    """The events a phase brief shows in words: those dated within the phase (a partial date
    counts from its first day), the boundary events of the phase and of the next one, and every
    event its essay and judgments cite (events of other phases included)."""
    phases = periodization.phases
    number = periodization.ids.index(phase_id)
    phase = phases[number]
    last = phase.end or schemas.coverage().information_cutoff
    ids = {
        row.id for row in _valid_rows("events")
        if phase.start <= schemas.parse_partial_date(row.date, row.date_precision) <= last
    }
    ids.update(phase.boundary_events)
    ids.update(k.id for k in phase.key_events)
    if number + 1 < len(phases):
        ids.update(phases[number + 1].boundary_events)
    ids.update(cited_event_ids(text_files("phase", {"phase_id": phase_id})))
    return frozenset(ids)


# Notebooks that show the words of only some events, and which: any other notebook reads all.
EVENT_TEXT_SCOPES: dict[str, Callable[[dict], frozenset[str]]] = {
    "phase": lambda params: phase_event_ids(load_periodization(params.get("periodization") or None),
                                            params["phase_id"]),
}


def event_text_scope(notebook_id: str | None, params: dict | None) -> frozenset[str] | None:
    """Ids of the events whose words the brief shows (``None``: all of them)."""
    scope = EVENT_TEXT_SCOPES.get(notebook_id or "")
    return scope(params or {}) if scope else None


def mask_event_text(events: pd.DataFrame, scope: frozenset[str] | None) -> pd.DataFrame:
    """``events`` with the words of every event outside ``scope`` replaced by :data:`NOT_READ`."""
    if scope is None:
        return events
    events = events.copy()
    outside = ~events["id"].isin(scope)
    for column in EVENT_TEXT_COLUMNS:
        events[column] = events[column].astype(object)
        events.loc[outside, column] = NOT_READ
    return events


@cache
def _event_records() -> tuple[tuple[str, dict], ...]:
    return tuple((row.id, row.model_dump(mode="json")) for row in _valid_rows("events"))


def data_digest(scope: frozenset[str] | None = None) -> str:
    """Content hash of the data a brief reads: every data file, with the chronology as its rows
    (the words of events outside ``scope`` blanked, as the brief sees them)."""
    import json

    digest = hashlib.sha256()
    hash_files(digest, [f for f in data_files() if f != paths.EVENTS_FILE])
    for event_id, record in _event_records():
        if scope is not None and event_id not in scope:
            record = {**record, **dict.fromkeys(EVENT_TEXT_COLUMNS, NOT_READ)}
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=True).encode() + b"\n")
    return digest.hexdigest()


def clear_caches() -> None:
    """Forget the tables and periodizations read so far (after editing a data file in a session)."""
    for cached in (_valid_rows, load_table, _event_dates, _event_records, _periodization, schemas.coverage):
        cached.cache_clear()


def data_version(notebook_id: str | None = None, params: dict | None = None) -> str:
    """Short hash of the data (of the data one brief reads, given its notebook and parameters):
    printed in each brief's colophon."""
    return data_digest(event_text_scope(notebook_id, params))[:12]
