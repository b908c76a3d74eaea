"""Row models of the project's tables: the single statement of what each column allows.

The codebooks in ``data/README.md`` describe the same rules for people; a test keeps the
allowed values of both in step.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
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
)
CONFIDENCE = ("high", "medium", "low")
PRECISIONS = ("day", "month", "year")

#: The period the chronology covers; events outside it are rejected.
CHRONOLOGY_START = date(1979, 1, 1)
CHRONOLOGY_END = date(2024, 12, 31)

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


Url = Annotated[str, AfterValidator(check_url)]
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
        "diplomacy", "summit", "agreement", "economy", "security", "incident", "sanctions", "people"
    ]
    title: Annotated[Text, Field(min_length=3, max_length=120)]
    description: Annotated[Text, Field(min_length=10, max_length=1000)]
    score: Annotated[int, Field(ge=-10, le=10)]
    source_title: Annotated[Text, Field(min_length=3, max_length=300)]
    source_url: Url
    confidence: Literal["high", "medium", "low"]
    note: Text = ""

    @field_validator("date")
    @classmethod
    def _date_in_range(cls, value: str, info: ValidationInfo) -> str:
        precision = info.data.get("date_precision")
        if precision is None:  # the precision itself is invalid and reported
            return value
        day = parse_partial_date(value, precision)
        if not CHRONOLOGY_START <= day <= CHRONOLOGY_END:
            raise ValueError(
                f"date {value} is outside the chronology "
                f"({CHRONOLOGY_START.isoformat()} to {CHRONOLOGY_END.isoformat()})"
            )
        return value

    @property
    def start(self) -> date:
        return parse_partial_date(self.date, self.date_precision)


class SourceRef(Row):
    title: Annotated[Text, Field(min_length=3)]
    url: Url


class PhaseEntry(Row):
    """One phase of a periodization (``data/reference/phases.yaml``)."""

    id: Slug
    name: Annotated[Text, Field(min_length=3, max_length=80)]
    short: Annotated[Text, Field(min_length=2, max_length=24)]
    start: date
    end: date | None = None
    summary: Annotated[Text, Field(min_length=40)]
    boundary_events: list[Slug] = Field(min_length=1)
    sources: list[SourceRef] = []

    @model_validator(mode="after")
    def _ordered(self) -> PhaseEntry:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self
