"""Row models of the indicator tables (trade, UN voting, people and money, claims checked).

Each table is registered in :data:`TABLES`, so ``validate`` and every build check it.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from russia_korea_briefs import paths
from russia_korea_briefs.data import Table
from russia_korea_briefs.errors import Problem
from russia_korea_briefs.schemas import PolicyUrl, Row, Slug, SourceType, Text, Url, check_cited_url


class Cited(Row):
    """A row that cites its source: ``source_title``, ``source_type`` and ``source_url``, checked
    against the source policy (:mod:`russia_korea_briefs.sources`). Subclasses declare their own
    columns before these three."""

    @field_validator("source_url", check_fields=False)
    @classmethod
    def _source_policy(cls, value: str, info: ValidationInfo) -> str:
        return check_cited_url(value, info)

Usd = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1946, le=2030)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

#: exports + imports must equal the total within this share of the total (published figures are rounded)
TRADE_TOLERANCE = 0.02

TRADE_BASES = (
    "korean-annual",  # full calendar year, Korean customs / KITA / KOTRA / ministry basis
    "korean-annual-alt",  # a second Korean full-year figure that disagrees with the first
    "korean-partial",  # part of a year (months named in the note); never used as annual
    "russian",  # Russian customs or officials: another statistical basis
    "russian-partial",
    "cis-total",  # all former-Soviet states together, not Russia alone
)


class TradePublishedRow(Cited):
    """A published trade figure as its source gives it (``data/indicators/trade_published.csv``)."""

    year: Year
    basis: Literal[
        "korean-annual", "korean-annual-alt", "korean-partial", "russian", "russian-partial", "cis-total"
    ]
    rok_exports_usd: Usd | None = None
    rok_imports_usd: Usd | None = None
    total_usd: Usd | None = None
    source_title: Annotated[Text, Field(min_length=3)]
    source_type: SourceType
    source_url: Url
    note: Text = ""

    @model_validator(mode="after")
    def _some_value(self) -> TradePublishedRow:
        if self.rok_exports_usd is None and self.rok_imports_usd is None and self.total_usd is None:
            raise ValueError("give at least one of rok_exports_usd, rok_imports_usd, total_usd")
        return self


class TradeRow(Row):
    """One year of ROK–USSR/Russia trade, Korean basis (``data/indicators/trade.csv``, derived)."""

    year: Year
    partner: Literal["USSR", "Russia"]
    rok_exports_usd: Usd | None = None
    rok_imports_usd: Usd | None = None
    total_usd: Usd | None = None
    exports_basis: Literal["kosis", "published", ""] = ""
    imports_basis: Literal["published", "total-minus-exports", "cow", ""] = ""
    total_basis: Literal["published", "exports-plus-imports", ""] = ""
    rok_total_trade_usd: Usd | None = None
    source_title: Annotated[Text, Field(min_length=3)]
    source_url: PolicyUrl
    note: Text = ""


def _trade_arithmetic(rows, shown: str) -> list[Problem]:
    out = []
    for line, row in rows:
        parts = (row.rok_exports_usd, row.rok_imports_usd, row.total_usd)
        if None in parts or row.total_usd == 0:
            continue
        gap = abs(parts[0] + parts[1] - parts[2]) / parts[2]
        if gap > TRADE_TOLERANCE:
            out.append(
                Problem(
                    shown, line, "total_usd",
                    f"exports + imports = {parts[0] + parts[1]:,.0f} but total = {parts[2]:,.0f} "
                    f"({gap:.1%} apart; allowed {TRADE_TOLERANCE:.0%})",
                )
            )
    return out


#: plausible range of one year's ROK–Russia trade figure, in US dollars (catches figures typed in
#: millions or billions, and stray digits)
TRADE_PLAUSIBLE = (1e6, 1e11)
#: a Korean full-year figure more than this many times its neighbour's (or less than 1/this) is
#: flagged unless the row's note carries JUMP_CHECKED: a typo, or a real break to be explained
TRADE_MAX_JUMP = 3.0
JUMP_CHECKED = "[jump checked]"


#: a published row whose own parts do not add up (as its source printed them) says so with this
SUM_AS_PUBLISHED = "[sum as published]"


def _trade_plausible(rows, shown: str) -> list[Problem]:
    """Published figures that cannot be right: out of range, parts above the total, parts that do
    not add up (unless the note says the source printed them so, :data:`SUM_AS_PUBLISHED`), or a
    jump from the neighbouring year beyond :data:`TRADE_MAX_JUMP`."""
    out = _trade_arithmetic([(line, row) for line, row in rows if SUM_AS_PUBLISHED not in row.note], shown)
    measures = ("rok_exports_usd", "rok_imports_usd", "total_usd")
    lo, hi = TRADE_PLAUSIBLE
    for line, row in rows:
        for col in measures:
            value = getattr(row, col)
            if value is not None and value > 0 and not lo <= value <= hi:
                out.append(Problem(shown, line, col, f"{value:,.0f} US$ is implausible for one year "
                                   f"(expected {lo:,.0f} to {hi:,.0f}): write the figure in dollars"))
        if row.total_usd is not None:
            for col in measures[:2]:
                part = getattr(row, col)
                if part is not None and part > row.total_usd * (1 + TRADE_TOLERANCE):
                    out.append(Problem(shown, line, col, f"{part:,.0f} is more than the total {row.total_usd:,.0f}"))
    annual = sorted(((row.year, line, row) for line, row in rows if row.basis == "korean-annual"),
                    key=lambda t: (t[0], t[1]))
    for col in measures:
        series = [(year, line, getattr(row, col), row) for year, line, row in annual if getattr(row, col)]
        for (y0, _, v0, _), (y1, line1, v1, row1) in itertools.pairwise(series):
            if y1 == y0 or y1 - y0 > 2 or JUMP_CHECKED in row1.note:
                continue
            ratio = v1 / v0
            if ratio > TRADE_MAX_JUMP or ratio < 1 / TRADE_MAX_JUMP:
                out.append(Problem(
                    shown, line1, col,
                    f"{v1:,.0f} in {y1} is {ratio:.2g}× the {y0} figure ({v0:,.0f}): a typo or a unit "
                    f"error? If the jump is real, explain it in the note and add {JUMP_CHECKED!r}",
                ))
    return out


class KosisExportRow(Row):
    """ROK exports to the USSR/Russia by year, KOSIS basis, derived from the kdiplo file."""

    year: Year
    rok_exports_usd: Usd
    rok_imports_cow_usd: Usd | None = None
    rok_total_exports_usd: Usd | None = None
    rok_total_imports_usd: Usd | None = None


PAIRS = ("RUS-KOR", "RUS-PRK", "KOR-USA", "KOR-PRK", "RUS-USA", "PRK-USA")


class UngaAgreementRow(Row):
    """Yearly UNGA voting agreement of a pair of states (``data/derived/unga_agreement.csv``)."""

    year: Year
    pair: Literal["RUS-KOR", "RUS-PRK", "KOR-USA", "KOR-PRK", "RUS-USA", "PRK-USA"]
    n_votes: Annotated[int, Field(ge=1)]
    agree_strict: Share
    agree_half: Share


Vote = Literal["yes", "no", "abstain", "absent", ""]  # empty: no page read states the vote


class Es11VoteRow(Cited):
    """A recorded vote of the UNGA emergency special session on Ukraine (ES-11), hand-coded for
    four states from published voting records (``data/indicators/unga_es11_votes.csv``)."""

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    resolution: Annotated[Text, Field(min_length=3, max_length=200)]
    title: Annotated[Text, Field(min_length=3, max_length=300)]
    vote_RUS: Vote = ""
    vote_KOR: Vote = ""
    vote_PRK: Vote = ""
    vote_USA: Vote = ""
    yes_total: Annotated[int, Field(ge=0, le=200)] | None = None
    no_total: Annotated[int, Field(ge=0, le=200)] | None = None
    abstain_total: Annotated[int, Field(ge=0, le=200)] | None = None
    source_title: Annotated[Text, Field(min_length=3)]
    source_type: SourceType
    source_url: Url
    note: Text = ""

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        from datetime import date

        from russia_korea_briefs.schemas import coverage

        day = date.fromisoformat(value)
        if day > coverage().information_cutoff:
            raise ValueError(f"date {value} is after the information cut-off")
        return value


class IdealPointRow(Row):
    """Yearly UNGA ideal point of a state (``data/derived/unga_ideal_points.csv``)."""

    year: Year
    country: Literal["RUS", "KOR", "PRK", "USA"]
    ideal_point: Annotated[float, Field(ge=-6, le=6, allow_inf_nan=False)]
    n_votes: Annotated[int, Field(ge=0)]


class FigureRow(Cited):
    """A sourced figure about people or money (``data/indicators/other_figures.csv``)."""

    indicator: Slug
    year: Annotated[int, Field(ge=1900, le=2030)]
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Literal["people", "usd", "units", "share"]
    source_title: Annotated[Text, Field(min_length=3)]
    source_type: SourceType
    source_url: Url
    note: Text = ""


class ClaimRow(Cited):
    """A claim from a popular account, checked against sources (``data/reference/claims.csv``)."""

    id: Slug
    claim: Annotated[Text, Field(min_length=10)]
    verdict: Literal["true", "partly true", "false", "unverified"]
    finding: Annotated[Text, Field(min_length=10)]
    source_title: Annotated[Text, Field(min_length=3)]
    source_type: SourceType
    source_url: Url


class ProductRow(Cited):
    """A product South Korea imports from or exports to Russia, with its value and, where
    published, Russia's share of Korea's imports of it (``data/indicators/trade_products.csv``).
    A figure for part of a year or for a multi-year period says so in ``product`` and ``note``."""

    year: Year
    direction: Literal["rok_imports", "rok_exports"]
    product: Annotated[Text, Field(min_length=2, max_length=200)]
    hs_code: Annotated[str, Field(pattern=r"^(\d{2,10})?$")] = ""
    value_usd: Usd | None = None
    share_of_rok_imports: Share | None = None
    source_title: Annotated[Text, Field(min_length=3)]
    source_type: SourceType
    source_url: Url
    note: Text = ""

    @model_validator(mode="after")
    def _some_value(self) -> ProductRow:
        if self.value_usd is None and self.share_of_rok_imports is None:
            raise ValueError("give value_usd, share_of_rok_imports or both")
        if self.direction == "rok_exports" and self.share_of_rok_imports is not None:
            raise ValueError("share_of_rok_imports is for imports only")
        return self


class ScoreCodingRow(Row):
    """One event's two scores: the first coder's and a blind second coder's
    (``data/reference/score_coding.csv``); see :mod:`russia_korea_briefs.reliability`."""

    id: Slug
    first_score: Annotated[int, Field(ge=-10, le=10)]
    second_score: Annotated[int, Field(ge=-10, le=10)]
    second_reason: Annotated[Text, Field(max_length=200)] = ""


class ReadingRow(Row):
    """A work of scholarship or analysis the briefs draw on (``data/reference/reading_list.csv``);
    prose cites it as ``[[reading:id]]``. ``source_url`` is where it was read."""

    id: Slug
    author: Annotated[Text, Field(min_length=2, max_length=300)]
    title: Annotated[Text, Field(min_length=3, max_length=300)]
    publisher: Annotated[Text, Field(min_length=2, max_length=200)]
    year: Annotated[int, Field(ge=1979, le=2030)]
    source_type: Literal["scholarship", "primary"]
    source_url: PolicyUrl
    used_for: Annotated[Text, Field(min_length=10, max_length=600)]


TABLES = {
    "trade_published": Table(
        "trade_published", paths.INDICATORS_DIR / "trade_published.csv", TradePublishedRow,
        ("year", "basis", "source_url"), _trade_plausible,
    ),
    "trade": Table("trade", paths.INDICATORS_DIR / "trade.csv", TradeRow, ("year",), _trade_arithmetic),
    "kosis_exports": Table("kosis_exports", paths.DERIVED_DIR / "rok_exports_kosis.csv", KosisExportRow, ("year",)),
    "unga_agreement": Table(
        "unga_agreement", paths.DERIVED_DIR / "unga_agreement.csv", UngaAgreementRow, ("year", "pair")
    ),
    "unga_es11_votes": Table(
        "unga_es11_votes", paths.INDICATORS_DIR / "unga_es11_votes.csv", Es11VoteRow, ("date", "resolution")
    ),
    "unga_ideal_points": Table(
        "unga_ideal_points", paths.DERIVED_DIR / "unga_ideal_points.csv", IdealPointRow, ("year", "country")
    ),
    "other_figures": Table(
        "other_figures", paths.INDICATORS_DIR / "other_figures.csv", FigureRow, ("indicator", "year", "source_url")
    ),
    "claims": Table("claims", paths.REFERENCE_DIR / "claims.csv", ClaimRow, ("id",)),
    "trade_products": Table(
        "trade_products", paths.INDICATORS_DIR / "trade_products.csv", ProductRow,
        ("year", "direction", "product", "source_url"),
    ),
    "score_coding": Table("score_coding", paths.REFERENCE_DIR / "score_coding.csv", ScoreCodingRow, ("id",)),
    "reading_list": Table("reading_list", paths.REFERENCE_DIR / "reading_list.csv", ReadingRow, ("id",)),
}
