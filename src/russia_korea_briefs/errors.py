"""Errors the command line turns into one clear message and an exit code (no traceback)."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_BUILD_FAILED = 1
EXIT_USAGE = 2  # bad parameter, unknown brief, bad periodization file
EXIT_DATA = 3  # a data file failed validation
EXIT_BUSY = 4  # another build holds the lock


class BriefsError(Exception):
    """Base class: ``str(err)`` is the whole message shown to the user."""

    exit_code = EXIT_BUILD_FAILED


class ParameterError(BriefsError):
    exit_code = EXIT_USAGE


class ConfigError(BriefsError):
    exit_code = EXIT_USAGE


class WriteError(ConfigError, OSError):
    """A file could not be written (disk full, folder refuses it): a clear message, and still an
    ``OSError`` for code that handles those."""


class BuildBusyError(BriefsError):
    exit_code = EXIT_BUSY


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, located as precisely as the file allows."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f": column {self.column!r}"
        return f"{where}: {self.message}"


class DataValidationError(BriefsError):
    """Every problem found in the data at once."""

    exit_code = EXIT_DATA

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or ""))
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} data problem{'s' if len(lines) != 1 else ''} found:"
        super().__init__("\n".join([head, *("  " + line for line in lines)]))
