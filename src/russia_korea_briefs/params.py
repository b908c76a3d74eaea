"""Notebook parameters: declared once in ``notebooks/briefs.yaml``, validated before any kernel starts.

papermill itself only warns about unknown parameters and passes any type through; here an
unknown name, a wrong type, an unparseable date, a value out of range or an end before its start
is a :class:`~.errors.ParameterError` naming the parameter and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from russia_korea_briefs import paths
from russia_korea_briefs.errors import DataValidationError, ParameterError

TYPES = ("date", "int", "str", "choice", "phase_id", "periodization")


@dataclass(frozen=True)
class ParamSpec:
    """One declared notebook parameter."""

    name: str
    type: str
    default: Any
    help: str
    min: Any = None
    max: Any = None
    choices: tuple = ()
    not_before: str | None = None  # name of another date parameter this one may not precede

    def describe_allowed(self) -> str:
        if self.type == "date":
            return f"a date YYYY-MM-DD from {self.min} to {self.max}"
        if self.type == "int":
            return f"a whole number from {self.min} to {self.max}"
        if self.type == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.type == "phase_id":
            return "a phase id of the periodization"
        if self.type == "periodization":
            return "the path of a periodization YAML file, or empty for the standard one"
        return "text"


#: Words a date parameter's ``default``, ``min`` or ``max`` may use for the edition's coverage
#: (``data/reference/coverage.yaml``), so that the parameters' range follows the data.
COVERAGE_WORDS = {"chronology_start", "cutoff"}


def _coverage_date(value: Any) -> Any:
    if value not in COVERAGE_WORDS:
        return str(value) if value is not None else None
    from russia_korea_briefs.schemas import coverage

    span = coverage()
    return (span.chronology_start if value == "chronology_start" else span.information_cutoff).isoformat()


def spec_from_yaml(name: str, raw: dict) -> ParamSpec:
    kind = raw.get("type")
    if kind not in TYPES:
        raise ValueError(f"parameter {name!r}: type {kind!r} is not one of {TYPES}")
    dates = kind == "date"
    return ParamSpec(
        name=name,
        type=kind,
        default=_coverage_date(raw.get("default")) if dates else raw.get("default"),
        help=str(raw.get("help", "")),
        min=_coverage_date(raw["min"]) if dates and "min" in raw else raw.get("min"),
        max=_coverage_date(raw["max"]) if dates and "max" in raw else raw.get("max"),
        choices=tuple(raw.get("choices", ())),
        not_before=raw.get("not_before"),
    )


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["start=2014-01-01", …]`` → ``{"start": "2014-01-01"}``; a malformed item is an error."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--param {item!r}: expected NAME=VALUE")
        if name in out:
            raise ParameterError(f"--param {name}: given twice")
        out[name] = value.strip()
    return out


def _parse_date(spec: ParamSpec, value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ParameterError(
            f"parameter {spec.name}: {text!r} is not a date; expected {spec.describe_allowed()}"
        ) from None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):  # fromisoformat also takes 20200101, 2020-W01-1
        raise ParameterError(f"parameter {spec.name}: write the date as YYYY-MM-DD (got {text!r})")
    if (spec.min and day < date.fromisoformat(spec.min)) or (spec.max and day > date.fromisoformat(spec.max)):
        raise ParameterError(
            f"parameter {spec.name}: {text} is outside the data; expected {spec.describe_allowed()}"
        )
    return day.isoformat()


def _parse_int(spec: ParamSpec, value: Any) -> int:
    try:
        number = int(str(value), 10)
    except ValueError:
        raise ParameterError(
            f"parameter {spec.name}: {value!r} is not a whole number; expected {spec.describe_allowed()}"
        ) from None
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise ParameterError(f"parameter {spec.name}: {number} is out of range; expected {spec.describe_allowed()}")
    return number


def _parse_periodization(spec: ParamSpec, value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path  # a path typed on the command line is relative to where it was typed
    if not path.is_file():
        raise ParameterError(f"parameter {spec.name}: periodization file {text!r} not found")
    return str(path.resolve())


def resolve(specs: dict[str, ParamSpec], given: dict[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with ``given``, every value parsed and checked; raises ParameterError."""
    from russia_korea_briefs.data import load_periodization

    unknown = sorted(set(given) - set(specs))
    if unknown:
        allowed = ", ".join(specs) or "(none)"
        raise ParameterError(f"unknown parameter {unknown[0]!r}; this notebook takes: {allowed}")
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        raw = given.get(name, spec.default)
        if spec.type == "date":
            values[name] = _parse_date(spec, raw)
        elif spec.type == "int":
            values[name] = _parse_int(spec, raw)
        elif spec.type == "choice":
            if raw not in spec.choices and str(raw) not in map(str, spec.choices):
                raise ParameterError(f"parameter {name}: {raw!r} is not allowed; expected {spec.describe_allowed()}")
            values[name] = raw
        elif spec.type == "periodization":
            values[name] = _parse_periodization(spec, raw)
        else:
            values[name] = "" if raw is None else str(raw)
    for name, spec in specs.items():
        if spec.not_before and date.fromisoformat(values[name]) < date.fromisoformat(values[spec.not_before]):
            raise ParameterError(
                f"parameter {name}: {values[name]} is before {spec.not_before} ({values[spec.not_before]})"
            )
    for name, spec in specs.items():
        if spec.type != "phase_id":
            continue
        source = next((values[n] for n, s in specs.items() if s.type == "periodization"), "")
        try:
            periodization = load_periodization(source or paths.PHASES_FILE)
        except DataValidationError as exc:
            raise ParameterError(f"periodization{(' ' + source) if source else ''} is invalid:\n{exc}") from None
        if values[name] not in periodization.ids:
            raise ParameterError(
                f"parameter {name}: unknown phase {values[name]!r}; expected one of {', '.join(periodization.ids)}"
            )
    for name, spec in specs.items():
        if spec.type == "periodization" and values[name]:
            try:
                load_periodization(values[name])
            except DataValidationError as exc:
                raise ParameterError(f"parameter {name}: periodization file is invalid:\n{exc}") from None
    return values
