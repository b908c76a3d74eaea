"""Row models of the indicator tables (trade, UN voting, people and money, claims checked).

Each table is registered in :data:`TABLES`, so ``validate`` and every build check it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from russia_korea_briefs import paths
from russia_korea_briefs.data import Table
from russia_korea_briefs.errors import Problem
from russia_korea_briefs.schemas import Row, Slug, Text, Url

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


class TradePublishedRow(Row):
    """A published trade figure as its source gives it (``data/indicators/trade_published.csv``)."""

    year: Year
    basis: Literal[
        "korean-annual", "korean-annual-alt", "korean-partial", "russian", "russian-partial", "cis-total"
    ]
    rok_exports_usd: Usd | None = None
    rok_imports_usd: Usd | None = None
    total_usd: Usd | None = None
    source_title: Annotated[Text, Field(min_length=3)]
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
    rok_exports_usd: Usd | None = None
    rok_imports_usd: Usd | None = None
    total_usd: Usd | None = None
    exports_basis: Literal["kosis", "published", ""] = ""
    imports_basis: Literal["published", "total-minus-exports", ""] = ""
    total_basis: Literal["published", "exports-plus-imports", ""] = ""
    rok_total_trade_usd: Usd | None = None
    source_title: Annotated[Text, Field(min_length=3)]
    source_url: Url
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


class KosisExportRow(Row):
    """ROK exports to the USSR/Russia by year, KOSIS basis, derived from the kdiplo file."""

    year: Year
    rok_exports_usd: Usd
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


class IdealPointRow(Row):
    """Yearly UNGA ideal point of a state (``data/derived/unga_ideal_points.csv``)."""

    year: Year
    country: Literal["RUS", "KOR", "PRK", "USA"]
    ideal_point: Annotated[float, Field(ge=-6, le=6, allow_inf_nan=False)]
    n_votes: Annotated[int, Field(ge=0)]


class FigureRow(Row):
    """A sourced figure about people or money (``data/indicators/other_figures.csv``)."""

    indicator: Slug
    year: Annotated[int, Field(ge=1900, le=2030)]
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Literal["people", "usd", "units", "share"]
    source_title: Annotated[Text, Field(min_length=3)]
    source_url: Url
    note: Text = ""


class ClaimRow(Row):
    """A claim from a popular account, checked against sources (``data/reference/claims.csv``)."""

    id: Slug
    claim: Annotated[Text, Field(min_length=10)]
    verdict: Literal["true", "partly true", "false", "unverified"]
    finding: Annotated[Text, Field(min_length=10)]
    source_title: Annotated[Text, Field(min_length=3)]
    source_url: Url


TABLES = {
    "trade_published": Table(
        "trade_published", paths.INDICATORS_DIR / "trade_published.csv", TradePublishedRow, ("year", "basis", "source_url")
    ),
    "trade": Table("trade", paths.INDICATORS_DIR / "trade.csv", TradeRow, ("year",), _trade_arithmetic),
    "kosis_exports": Table("kosis_exports", paths.DERIVED_DIR / "rok_exports_kosis.csv", KosisExportRow, ("year",)),
    "unga_agreement": Table(
        "unga_agreement", paths.DERIVED_DIR / "unga_agreement.csv", UngaAgreementRow, ("year", "pair")
    ),
    "unga_ideal_points": Table(
        "unga_ideal_points", paths.DERIVED_DIR / "unga_ideal_points.csv", IdealPointRow, ("year", "country")
    ),
    "other_figures": Table(
        "other_figures", paths.INDICATORS_DIR / "other_figures.csv", FigureRow, ("indicator", "year", "source_url")
    ),
    "claims": Table("claims", paths.REFERENCE_DIR / "claims.csv", ClaimRow, ("id",)),
}
