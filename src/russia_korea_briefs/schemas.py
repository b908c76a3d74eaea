"""Row models of the project's tables: the single statement of what each column allows.

The codebooks in ``data/README.md`` describe the same rules for people; a test keeps the
allowed values of both in step.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

DYADS = ("RUS-ROK", "RUS-DPRK", "ROK-DPRK", "MULTI")
CATEGORIES = (
    "diplomacy",
    "summit",
    "agreement",
    "economy",
    "security",
    "incident",
    "sanctions",
    "people",
    "politics",
)
CONFIDENCE = ("high", "medium", "low")
PRECISIONS = ("day", "month", "year")

class Coverage(BaseModel):
    """How far the evidence runs (``data/reference/coverage.yaml``): events outside it are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chronology_start: date
    information_cutoff: date

    @model_validator(mode="after")
    def _ordered(self) -> Coverage:
        if self.information_cutoff <= self.chronology_start:
            raise ValueError("information_cutoff must come after chronology_start")
        return self


@cache
def coverage() -> Coverage:
    """The edition's coverage, read once; a bad file is a :class:`~.errors.DataValidationError`."""
    from russia_korea_briefs.errors import DataValidationError, Problem
    from russia_korea_briefs.paths import COVERAGE_FILE
    from russia_korea_briefs.tables import display_path, problems_from_validation, read_yaml

    problems: list[Problem] = []
    raw = read_yaml(COVERAGE_FILE, problems)
    shown = display_path(COVERAGE_FILE)
    if not problems:
        try:
            return Coverage.model_validate(raw if isinstance(raw, dict) else {})
        except ValidationError as exc:
            problems = problems_from_validation(exc, shown, None)
    raise DataValidationError(problems)

_DATE_FORMS = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "year": re.compile(r"^\d{4}$"),
}


def check_url(value: str) -> str:
    """Accept only absolute http(s) URLs: no ``javascript:``, ``data:`` or relative links."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def check_text(value: str) -> str:
    """Plain text only: markup characters are allowed but control characters are not."""
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise ValueError("contains control characters")
    return value


def check_not_rejected(value: str) -> str:
    """A URL the source policy does not reject (:func:`russia_korea_briefs.sources.rejection`)."""
    from russia_korea_briefs.sources import rejection

    reason = rejection(value)
    if reason:
        raise ValueError(reason)
    return value


Url = Annotated[str, AfterValidator(check_url)]
#: A URL of a source cited without a row of its own (phase sources, the reading list).
PolicyUrl = Annotated[str, AfterValidator(check_url), AfterValidator(check_not_rejected)]
SourceType = Literal["primary", "wire", "press", "scholarship", "reference", "aggregator"]


def check_cited_url(value: str, info: ValidationInfo) -> str:
    """A cited URL must pass the source policy (:mod:`russia_korea_briefs.sources`).

    Called by each cited row model's ``source_url`` validator; those models declare
    ``source_title`` and ``source_type`` before ``source_url``, so both are known here.
    """
    from russia_korea_briefs.sources import check_cited, rejection

    source_type, title = info.data.get("source_type"), info.data.get("source_title")
    if source_type is None or title is None:  # invalid themselves, and reported on their own column
        objection = rejection(value)
    else:
        objection = check_cited(value, source_type, title)
    if objection:
        raise ValueError(objection)
    return value


Text = Annotated[str, AfterValidator(check_text)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


def parse_partial_date(value: str, precision: str) -> date:
    """The first day a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date can mean."""
    if not _DATE_FORMS[precision].match(value):
        forms = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}
        raise ValueError(f"date {value!r} does not match date_precision {precision!r} ({forms[precision]})")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise ValueError(f"date {value!r} is not a real calendar date ({exc})") from None


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class EventRow(Row):
    """One dated, sourced event of the chronology (``data/reference/events.csv``)."""

    id: Slug
    date_precision: Literal["day", "month", "year"]  # before ``date``: the date check needs it
    date: str
    dyad: Literal["RUS-ROK", "RUS-DPRK", "ROK-DPRK", "MULTI"]
    category: Literal[
        "diplomacy", "summit", "agreement", "economy", "security", "incident", "sanctions", "people", "politics"
    ]
    title: Annotated[Text, Field(min_length=3, max_length=120)]
    description: Annotated[Text, Field(min_length=10, max_length=1000)]
    score: Annotated[int, Field(ge=-10, le=10)]
    source_title: Annotated[Text, Field(min_length=3, max_length=300)]
    source_type: SourceType
    source_url: Url
    confidence: Literal["high", "medium", "low"]
    note: Text = ""

    @field_validator("source_url")
    @classmethod
    def _source_policy(cls, value: str, info: ValidationInfo) -> str:
        return check_cited_url(value, info)

    @field_validator("date")
    @classmethod
    def _date_in_range(cls, value: str, info: ValidationInfo) -> str:
        precision = info.data.get("date_precision")
        if precision is None:  # the precision itself is invalid and reported
            return value
        day = parse_partial_date(value, precision)
        span = coverage()
        if not span.chronology_start <= day <= span.information_cutoff:
            raise ValueError(
                f"date {value} is outside the chronology ({span.chronology_start.isoformat()} to the "
                f"information cut-off {span.information_cutoff.isoformat()}, data/reference/coverage.yaml)"
            )
        return value

    @property
    def start(self) -> date:
        return parse_partial_date(self.date, self.date_precision)


class SourceRef(Row):
    title: Annotated[Text, Field(min_length=3)]
    url: PolicyUrl


class KeyEvent(Row):
    """An event an analyst chose as key to a phase, with a line on why it matters."""

    id: Slug
    why: Annotated[Text, Field(min_length=10, max_length=400)]


class PhaseEntry(Row):
    """One phase of a periodization (``data/reference/phases.yaml``)."""

    id: Slug
    name: Annotated[Text, Field(min_length=3, max_length=80)]
    short: Annotated[Text, Field(min_length=2, max_length=24)]
    start: date
    end: date | None = None
    summary: Annotated[Text, Field(min_length=40)]
    boundary_events: list[Slug] = []  # required for every phase but the first (checked with the file)
    key_events: list[KeyEvent] = []
    sources: list[SourceRef] = []

    @model_validator(mode="after")
    def _ordered(self) -> PhaseEntry:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self
