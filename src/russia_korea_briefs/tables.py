"""Reading CSV and YAML files into validated rows, collecting every problem with file, line, column.

Validation rules live in pydantic models (one per table, in :mod:`russia_korea_briefs.schemas`);
this module only reads files and turns pydantic's errors into :class:`~.errors.Problem` lines.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from russia_korea_briefs.errors import Problem
from russia_korea_briefs.paths import PROJECT_ROOT

M = TypeVar("M", bound=BaseModel)


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the project when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _describe(err: dict) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    if err["type"] in {"missing", "extra_forbidden"}:
        return msg
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        return f"{msg} (got {shown})"
    return msg


def problems_from_validation(
    exc: ValidationError, file: str, line: int | None, prefix: tuple = ()
) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(str(x) for x in err["loc"] if x != "__root__")
        column = ".".join((*prefix, *loc)) or None
        out.append(Problem(file, line, column, _describe(err)))
    return out


def read_csv_rows(
    path: Path, model: type[M], problems: list[Problem]
) -> list[tuple[int, M]]:
    """Validate every row of a CSV file against ``model``.

    Returns ``(line, row)`` pairs for the valid rows; appends a problem for each invalid
    cell, a missing or unknown column, a short or long row, or an undecodable file.
    """
    shown = display_path(path)
    if not path.is_file():
        problems.append(Problem(shown, None, None, "file not found"))
        return []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(shown, line, None, f"not valid UTF-8 (byte {raw[exc.start]:#04x}); save as UTF-8")
        )
        return []
    if text and not text.endswith("\n"):
        last = text.count("\n") + 1
        problems.append(
            Problem(shown, last, None, "the file does not end with a line break: truncated? (check the last row)")
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(shown, 1, None, "empty file: expected a header row"))
        return []
    except csv.Error as exc:
        problems.append(Problem(shown, 1, None, f"unreadable CSV: {exc}"))
        return []
    fields = model.model_fields
    repeated = sorted({c for c in header if header.count(c) > 1})
    for col in repeated:
        positions = ", ".join(str(i + 1) for i, c in enumerate(header) if c == col)
        problems.append(Problem(shown, 1, col, f"column appears more than once in the header (fields {positions})"))
    if repeated:
        return []
    required = [name for name, f in fields.items() if f.is_required()]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in fields]
    for col in missing:
        problems.append(Problem(shown, 1, col, "required column missing from the header"))
    for col in unknown:
        problems.append(
            Problem(shown, 1, col, f"unknown column; allowed: {', '.join(fields)}")
        )
    if missing or unknown:
        return []
    rows: list[tuple[int, M]] = []
    line = reader.line_num
    data_rows = 0
    while True:
        start_line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(shown, start_line, None, f"unreadable CSV: {exc}"))
            break
        line = start_line
        if not any(v.strip() for v in values):
            continue
        data_rows += 1
        if len(values) != len(header):
            problems.append(
                Problem(
                    shown,
                    line,
                    None,
                    f"row has {len(values)} fields, the header has {len(header)} "
                    "(truncated row or unquoted comma?)",
                )
            )
            continue
        record = {k: v for k, v in zip(header, values, strict=True) if v.strip() != ""}
        try:
            rows.append((line, model.model_validate(record)))
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, shown, line))
    if not data_rows:
        problems.append(Problem(shown, reader.line_num + 1, None, "the table has a header but no rows"))
    return rows


def read_yaml(path: Path, problems: list[Problem]) -> object | None:
    shown = display_path(path)
    if not path.is_file():
        problems.append(Problem(shown, None, None, "file not found"))
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(shown, None, None, "not valid UTF-8; save as UTF-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(shown, line, None, f"malformed YAML: {what}"))
    return None
