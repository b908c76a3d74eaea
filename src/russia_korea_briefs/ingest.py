"""Derive the project's committed tables from public raw datasets.

Raw files are never committed. :func:`locate_raw` finds each one in the local mirror named by
``$RUSSIA_KOREA_RAW_DIR`` (or ``../shared/data`` beside the project), else downloads it from the
pinned URL in its provenance sidecar (``data/provenance/<name>.yaml``) into ``data/raw/``; the
md5 is checked either way.

The derivations are pure functions of data frames (:func:`unga_agreement`, :func:`ideal_points`,
:func:`kosis_exports`, :func:`trade_table`); :func:`run` reads the raw files, applies them and
writes every derived file with a fixed format, so that a re-run gives byte-identical files.

``python -m russia_korea_briefs.ingest`` regenerates the files; ``--check`` only compares.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from russia_korea_briefs import paths
from russia_korea_briefs.errors import BriefsError, ConfigError, DataValidationError
from russia_korea_briefs.indicator_schemas import TRADE_TOLERANCE

# --- provenance and raw files ----------------------------------------------------------------

#: short name (``data/provenance/<name>.yaml``) of each raw file the ingest reads
UNGA_VOTES = "unga_votes"
UNGA_IDEAL_POINTS = "unga_ideal_points"
KDIPLO_TRADE = "kdiplo_trade"
SOURCES = (UNGA_VOTES, UNGA_IDEAL_POINTS, KDIPLO_TRADE)

#: fields every sidecar must have (``origin.url_download`` may be null: no known download)
REQUIRED_FIELDS = (
    "origin.producer",
    "origin.title",
    "origin.description",
    "origin.citation_full",
    "origin.url_main",
    "origin.url_download",
    "origin.date_accessed",
    "origin.license.name",
    "origin.license.url",
    "derived_license",
    "file.path",
    "file.md5",
    "file.size",
    "derived_tables",
    "derived_by",
    "notes",
)

DOWNLOAD_TIMEOUT = 120  # seconds


@dataclass(frozen=True)
class Provenance:
    """The parts of a provenance sidecar the ingest uses."""

    name: str
    sidecar: Path
    rel_path: str  # path inside the raw mirror, as in shared/data
    md5: str
    size: int
    url_download: str | None
    title: str
    url_main: str
    data: dict

    @property
    def file_name(self) -> str:
        return Path(self.rel_path).name


def _lookup(data: object, dotted: str) -> tuple[bool, object]:
    node = data
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def sidecar_problems(data: object) -> list[str]:
    """Missing or empty required fields of a sidecar (empty list: complete)."""
    out = []
    for field in REQUIRED_FIELDS:
        found, value = _lookup(data, field)
        if not found:
            out.append(f"{field} missing")
        elif value in (None, "", []) and field != "origin.url_download":
            out.append(f"{field} empty")
    return out


def load_provenance(name: str, provenance_dir: Path | None = None) -> Provenance:
    """Read and check ``<provenance_dir>/<name>.yaml``; :class:`ConfigError` when unusable."""
    sidecar = Path(provenance_dir or paths.PROVENANCE_DIR) / f"{name}.yaml"
    if not sidecar.is_file():
        raise ConfigError(
            f"provenance sidecar {sidecar} not found: restore it from version control"
        )
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"provenance sidecar {sidecar} is unreadable: {str(exc).splitlines()[0]}"
        ) from None
    problems = sidecar_problems(data)
    if problems:
        raise ConfigError(f"provenance sidecar {sidecar} is incomplete: {'; '.join(problems)}")
    origin, file = data["origin"], data["file"]
    return Provenance(
        name=name,
        sidecar=sidecar,
        rel_path=str(file["path"]),
        md5=str(file["md5"]).lower(),
        size=int(file["size"]),
        url_download=origin["url_download"] or None,
        title=str(origin["title"]),
        url_main=str(origin["url_main"]),
        data=data,
    )


def md5sum(path: Path) -> str:
    digest = hashlib.md5()  # a checksum to match published md5s, not security
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source(source: str | Provenance) -> Provenance:
    return source if isinstance(source, Provenance) else load_provenance(source)


def locate_raw(source: str | Provenance, cache_dir: Path | None = None) -> Path:
    """The verified local path of a raw file: from the raw mirror, the cache, or a download.

    ``source`` is a sidecar short name (``"unga_votes"`` …) or a loaded :class:`Provenance`.
    Every failure is a one-line :class:`ConfigError` naming the file and what to do.
    """
    prov = _source(source)
    cache_dir = Path(cache_dir or paths.RAW_CACHE_DIR)
    hint = f"set {paths.RAW_DIR_ENV} to a folder holding {prov.rel_path}"
    raw_dir = paths.raw_data_dir()
    if raw_dir is not None:
        local = raw_dir / prov.rel_path
        if local.is_file():
            found = md5sum(local)
            if found != prov.md5:
                raise ConfigError(
                    f"{prov.file_name}: md5 of {local} is {found}, expected {prov.md5} "
                    f"(per {prov.sidecar.name}): replace it with the original file or {hint}"
                )
            return local
    cached = cache_dir / prov.rel_path
    if cached.is_file() and md5sum(cached) == prov.md5:
        return cached
    where = f"not in {raw_dir}" if raw_dir is not None else "no raw data folder found"
    if not prov.url_download:
        raise ConfigError(
            f"{prov.file_name}: {where} and {prov.sidecar.name} gives no download URL: {hint}"
        )
    _download(prov, cached, hint)
    return cached


def _download(prov: Provenance, target: Path, hint: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(  # pinned https URL
                    prov.url_download, timeout=DOWNLOAD_TIMEOUT
                ) as response,
            ):
                while block := response.read(1 << 20):
                    out.write(block)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ConfigError(
                f"{prov.file_name}: download from {prov.url_download} failed ({reason}): "
                f"check the network or {hint}"
            ) from None
        found = md5sum(tmp)
        if found != prov.md5:
            raise ConfigError(
                f"{prov.file_name}: downloaded file from {prov.url_download} has md5 {found}, "
                f"expected {prov.md5} (per {prov.sidecar.name}): the origin changed; {hint}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


# --- checks of the raw data against the README's stated facts --------------------------------


def expect(condition: bool, message: str) -> None:
    """An assertion that survives ``python -O`` and explains itself."""
    if not condition:
        raise AssertionError(message)


# --- UNGA voting agreement -------------------------------------------------------------------

PAIRS = ("RUS-KOR", "RUS-PRK", "KOR-USA", "KOR-PRK", "RUS-USA", "PRK-USA")
COUNTRIES = ("RUS", "KOR", "PRK", "USA")
VOTE_CODES = {1: "yes", 2: "abstain", 3: "no"}
ABSENT, NON_MEMBER = 8, 9
UN_ENTRY_KOREAS = pd.Timestamp("1991-09-17")
AGREEMENT_COLUMNS = ["year", "pair", "n_votes", "agree_strict", "agree_half"]


def unga_agreement(votes: pd.DataFrame) -> pd.DataFrame:
    """Yearly agreement of each pair in :data:`PAIRS` over roll calls where both voted 1/2/3.

    ``votes``: one row per roll call, a ``date`` column (``YYYY-MM-DD``) and one column of vote
    codes per state (1 yes, 2 abstain, 3 no, 8 absent, 9 not a member). Rows are never merged:
    re-used ``rcid`` values (2023) stay separate roll calls.
    """
    missing = [c for c in ("date", *COUNTRIES) if c not in votes.columns]
    expect(not missing, f"UNGA votes: columns {missing} missing")
    dates = pd.to_datetime(votes["date"], format="%Y-%m-%d", errors="coerce")
    expect(
        not dates.isna().any(), f"UNGA votes: {int(dates.isna().sum())} dates are not YYYY-MM-DD"
    )
    codes = votes[list(COUNTRIES)]
    expect(
        not codes.isna().any().any(), "UNGA votes: a RUS/KOR/PRK/USA vote is missing (empty cell)"
    )
    allowed = {*VOTE_CODES, ABSENT, NON_MEMBER}
    bad = sorted({int(c) for c in pd.unique(codes.to_numpy().ravel())} - allowed)
    expect(not bad, f"UNGA votes: unexpected vote codes {bad}; expected 1, 2, 3, 8 or 9")
    before = dates < UN_ENTRY_KOREAS
    for state in ("KOR", "PRK"):
        early = int((before & (votes[state] != NON_MEMBER)).sum())
        expect(
            early == 0,
            f"UNGA votes: {state} has {early} roll calls before it joined the UN (1991-09-17) "
            "not coded 9; the README says ROK/DPRK have no votes before October 1991",
        )
    for state in ("RUS", "USA"):
        gaps = int((votes[state] == NON_MEMBER).sum())
        expect(
            gaps == 0,
            f"UNGA votes: {state} is coded 9 (not a member) on {gaps} roll calls; the README says "
            "the USSR seat passes to Russia in December 1991 without a break",
        )
    if "rcid" in votes.columns:
        dup = int(pd.DataFrame({"rcid": votes["rcid"], "date": dates}).duplicated().sum())
        expect(
            dup == 0,
            f"UNGA votes: {dup} rows repeat an rcid on the same date; cannot keep them apart",
        )

    years = dates.dt.year.to_numpy()
    out = []
    for pair in PAIRS:
        a, b = pair.split("-")
        va, vb = votes[a].to_numpy(), votes[b].to_numpy()
        both = (
            pd.Series(va).isin(list(VOTE_CODES)).to_numpy()
            & pd.Series(vb).isin(list(VOTE_CODES)).to_numpy()
        )
        frame = pd.DataFrame(
            {
                "year": years[both],
                "same": (va[both] == vb[both]).astype(float),
                "half": 1.0 - abs(va[both].astype(float) - vb[both].astype(float)) / 2.0,
            }
        )
        grouped = frame.groupby("year", sort=True).agg(
            n_votes=("same", "size"), agree_strict=("same", "mean"), agree_half=("half", "mean")
        )
        for year, row in grouped.iterrows():
            out.append(
                {
                    "year": int(year),
                    "pair": pair,
                    "n_votes": int(row["n_votes"]),
                    "agree_strict": round(float(row["agree_strict"]), 4),
                    "agree_half": round(float(row["agree_half"]), 4),
                }
            )
    result = pd.DataFrame(out, columns=AGREEMENT_COLUMNS)
    return result.sort_values(["year", "pair"], kind="stable").reset_index(drop=True)


# --- UNGA ideal points -----------------------------------------------------------------------

COW_CODES = {"RUS": 365, "KOR": 732, "PRK": 731, "USA": 2}
IDEAL_POINT_COLUMNS = ["year", "country", "ideal_point", "n_votes"]


def ideal_points(dta: pd.DataFrame) -> pd.DataFrame:
    """``idealpointfp`` and ``nvotesfp`` of RUS, KOR, PRK and USA by year, 1946 onwards."""
    missing = [c for c in ("iso3c", "year", "idealpointfp", "nvotesfp") if c not in dta.columns]
    expect(not missing, f"ideal points: columns {missing} missing")
    sub = dta[dta["iso3c"].isin(COUNTRIES)].copy()
    if "ccode" in sub.columns:
        for iso, code in COW_CODES.items():
            found = set(sub.loc[sub["iso3c"] == iso, "ccode"].dropna().astype(int))
            expect(
                found <= {code},
                f"ideal points: {iso} has COW codes {sorted(found)}, expected only {code} "
                "(RUS = 365 for both the USSR and Russia)",
            )
    sub = sub[sub["idealpointfp"].notna()]
    sub["year"] = sub["year"].astype(float)
    expect(bool((sub["year"] % 1 == 0).all()), "ideal points: a year is not a whole number")
    sub["year"] = sub["year"].astype(int)
    sub = sub[sub["year"] >= 1946]
    dup = sub.duplicated(["iso3c", "year"])
    expect(not dup.any(), f"ideal points: {int(dup.sum())} repeated country-years")
    expect(
        not sub["nvotesfp"].isna().any(),
        "ideal points: nvotesfp missing where idealpointfp is given",
    )
    early = sub[sub["iso3c"].isin(["KOR", "PRK"]) & (sub["year"] < 1991)]
    expect(early.empty, "ideal points: KOR/PRK estimates before 1991, when they joined the UN")
    result = pd.DataFrame(
        {
            "year": sub["year"].astype(int),
            "country": sub["iso3c"].astype(str),
            "ideal_point": [round(float(x), 4) for x in sub["idealpointfp"]],
            "n_votes": sub["nvotesfp"].astype(float).round().astype(int),
        }
    )
    return result.sort_values(["year", "country"], kind="stable").reset_index(drop=True)[
        IDEAL_POINT_COLUMNS
    ]


# --- trade -----------------------------------------------------------------------------------

TRADE_START, TRADE_END = 1988, 2024


def last_full_year() -> int:
    """The last calendar year that ends on or before the information cut-off."""
    from russia_korea_briefs.schemas import coverage

    cutoff = coverage().information_cutoff
    return cutoff.year if (cutoff.month, cutoff.day) == (12, 31) else cutoff.year - 1

KOSIS_COLUMNS = ["year", "rok_exports_usd", "rok_imports_cow_usd", "rok_total_exports_usd", "rok_total_imports_usd"]
#: the last year the partner is the USSR; from the next one it is the Russian Federation
USSR_LAST_YEAR = 1991
TRADE_COLUMNS = [
    "year",
    "partner",
    "rok_exports_usd",
    "rok_imports_usd",
    "total_usd",
    "exports_basis",
    "imports_basis",
    "total_basis",
    "rok_total_trade_usd",
    "source_title",
    "source_url",
    "note",
]
#: KOSIS exports farther than this from a published export figure are a conflict
EXPORT_TOLERANCE = 0.02


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def kosis_exports(kdiplo: pd.DataFrame) -> pd.DataFrame:
    """ROK exports to the USSR/Russia (KOSIS) and Korea's total exports and imports, 1988 on.

    Only ``export_kosis`` feeds the Russia series (a year without it is left out); the Russia
    KOSIS import columns are a copy of the export columns in this file and are never used.
    ``rok_imports_cow_usd`` is the file's Correlates of War import figure (IMF Direction of Trade
    basis, 1991–2014): another statistical basis, used only where no Korean figure exists.
    """
    need = ("iso3c", "year", "export_kosis", "import_kosis", "total_export", "total_import")
    missing = [c for c in need if c not in kdiplo.columns]
    expect(not missing, f"kdiplo trade: columns {missing} missing")
    rus = kdiplo[kdiplo["iso3c"] == "RUS"]
    expect(not rus.empty, "kdiplo trade: no rows for partner RUS")
    expect(not rus["year"].duplicated().any(), "kdiplo trade: repeated years for partner RUS")
    copied = rus["import_kosis"].isna() & rus["export_kosis"].isna() | (
        rus["import_kosis"] == rus["export_kosis"]
    )
    expect(
        bool(copied.all()),
        "kdiplo trade: RUS import_kosis differs from export_kosis in some years; the README says "
        "it is a copy (known defect) - re-check before trusting either column",
    )
    totals = kdiplo[kdiplo["year"] >= TRADE_START].groupby("year")[["total_export", "total_import"]]
    spread = totals.nunique(dropna=True)
    expect(
        bool((spread <= 1).all().all()),
        "kdiplo trade: Korea's total_export/total_import differ between partner rows of one year",
    )
    total = totals.first()
    rus = rus[(rus["year"] >= TRADE_START) & rus["export_kosis"].notna()]
    rows = []
    for _, r in rus.sort_values("year").iterrows():
        year = int(r["year"])
        rows.append(
            {
                "year": year,
                "rok_exports_usd": float(r["export_kosis"]),
                # COW gives 0 for years it does not cover (1988-1990): a gap, not a zero
                "rok_imports_cow_usd": _num(r.get("import_cow")) or None,
                "rok_total_exports_usd": _num(total.loc[year, "total_export"])
                if year in total.index
                else None,
                "rok_total_imports_usd": _num(total.loc[year, "total_import"])
                if year in total.index
                else None,
            }
        )
    return pd.DataFrame(rows, columns=KOSIS_COLUMNS)


BASIS_LABELS = {
    "korean-annual-alt": "Korean (alternative)",
    "korean-partial": "Korean partial-year",
    "russian": "Russian side",
    "russian-partial": "Russian partial-year",
    "cis-total": "all former-Soviet states (CIS)",
}
MEASURES = (("rok_exports_usd", "exports"), ("rok_imports_usd", "imports"), ("total_usd", "total"))


def fmt_usd(value: float) -> str:
    """A short money figure for notes: ``15.1bn``, ``888.8m``, ``20m``."""
    if abs(value) >= 1e9:
        text = f"{value / 1e9:.2f}".rstrip("0").rstrip(".")
        return f"{text}bn"
    text = f"{value / 1e6:.1f}".rstrip("0").rstrip(".")
    return f"{text}m"


def _apart(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1.0)


def _figures(row: dict, columns: Iterable[str] | None = None) -> str:
    wanted = set(columns) if columns is not None else {col for col, _ in MEASURES}
    return ", ".join(
        f"{label} {fmt_usd(row[col])}"
        for col, label in MEASURES
        if row[col] is not None and col in wanted
    )


def trade_table(
    published: pd.DataFrame,
    kosis: pd.DataFrame,
    *,
    kdiplo_title: str = "South Korea's trade by partner (KOSIS), kdiplo data-raw/trade_data.csv",
    kdiplo_url: str = (
        "https://raw.githubusercontent.com/kjayhan/kdiplo/"
        "effe959172fadc9f858a372a8fe6757c67089f22/data-raw/trade_data.csv"
    ),
    tolerance: float = EXPORT_TOLERANCE,
    start: int = TRADE_START,
    end: int = TRADE_END,
) -> pd.DataFrame:
    """One row per year ``start``–``end``: ROK exports, imports and total trade with Russia.

    Only ``korean-annual`` rows of ``published`` feed the series (for each measure the first
    such row in file order wins); every other row is named in the note. Exports are KOSIS when
    known, else published; imports published, else total − exports; total published, else
    exports + imports. Where the published row gives all three and KOSIS differs from its
    exports by more than ``tolerance``, the published row's own figures are used; where a
    published row's own three figures disagree by more than the tolerance, its imports are
    replaced by total − exports. Nothing is interpolated: a year without a figure stays empty.
    """
    pub = published.reset_index(drop=True)
    records = [
        {
            "year": int(r["year"]),
            "basis": str(r["basis"]),
            **{col: _num(r.get(col)) for col, _ in MEASURES},
            "source_title": str(r["source_title"]),
            "source_url": str(r["source_url"]),
        }
        for _, r in pub.iterrows()
    ]
    kosis_by_year = {
        int(r["year"]): r for _, r in kosis.iterrows() if _num(r.get("rok_exports_usd")) is not None
    }
    out = []
    for year in range(start, end + 1):
        annual = [r for r in records if r["year"] == year and r["basis"] == "korean-annual"]
        others = [r for r in records if r["year"] == year and r["basis"] != "korean-annual"]
        first = {col: next((r for r in annual if r[col] is not None), None) for col, _ in MEASURES}
        k = kosis_by_year.get(year)
        k_exp = _num(k["rok_exports_usd"]) if k is not None else None
        notes: list[str] = []

        exp = imp = tot = None
        exp_basis = imp_basis = tot_basis = ""
        exp_src = imp_src = tot_src = None
        full = next((r for r in annual if all(r[col] is not None for col, _ in MEASURES)), None)
        if (
            full is not None
            and full is first["rok_exports_usd"]
            and k_exp is not None
            and _apart(k_exp, full["rok_exports_usd"]) > tolerance
        ):
            exp, exp_basis, exp_src = full["rok_exports_usd"], "published", full
            imp, imp_basis, imp_src = full["rok_imports_usd"], "published", full
            tot, tot_basis, tot_src = full["total_usd"], "published", full
            notes.append(
                f"KOSIS exports {fmt_usd(k_exp)} differ from the published {fmt_usd(exp)} "
                f"by {_apart(k_exp, exp):.0%}: the published row's own figures are used"
            )
        else:
            if k_exp is not None:
                exp, exp_basis = k_exp, "kosis"
                pe = first["rok_exports_usd"]
                if pe is not None and _apart(k_exp, pe["rok_exports_usd"]) > tolerance:
                    notes.append(
                        f"Published exports {fmt_usd(pe['rok_exports_usd'])} differ from KOSIS "
                        f"{fmt_usd(k_exp)} by {_apart(pe['rok_exports_usd'], k_exp):.0%}"
                    )
            elif first["rok_exports_usd"] is not None:
                exp_src = first["rok_exports_usd"]
                exp, exp_basis = exp_src["rok_exports_usd"], "published"
            if first["rok_imports_usd"] is not None:
                imp_src = first["rok_imports_usd"]
                imp, imp_basis = imp_src["rok_imports_usd"], "published"
            if first["total_usd"] is not None:
                tot_src = first["total_usd"]
                tot, tot_basis = tot_src["total_usd"], "published"
        if (
            None not in (exp, imp, tot)
            and imp_basis == "published"
            and tot_basis == "published"
            and _apart(exp + imp, tot) > TRADE_TOLERANCE
        ):
            notes.append(
                f"Published imports {fmt_usd(imp)} do not add up with exports {fmt_usd(exp)} "
                f"and total {fmt_usd(tot)} ({_apart(exp + imp, tot):.1%} apart): imports "
                "taken as total minus exports"
            )
            imp, imp_basis, imp_src = None, "", None
        if imp is None and exp is not None and tot is not None and tot >= exp:
            imp, imp_basis = tot - exp, "total-minus-exports"
        cow_imp = _num(k.get("rok_imports_cow_usd")) if k is not None else None
        if imp is None and cow_imp is not None:
            imp, imp_basis = cow_imp, "cow"
            notes.append("No Korean import figure found: imports from the Correlates of War trade data "
                         "(IMF Direction of Trade basis), via kdiplo")
        if tot is None and exp is not None and imp is not None:
            tot, tot_basis = exp + imp, "exports-plus-imports"
        if year == USSR_LAST_YEAR + 1:
            notes.append("Partner changes from the USSR (to 1991) to the Russian Federation: not comparable "
                         "with 1991 and earlier")

        main_src = tot_src or imp_src or exp_src
        for src, what in ((exp_src, "exports"), (imp_src, "imports"), (tot_src, "total")):
            if src is not None and main_src is not None and src is not main_src:
                notes.append(
                    f"{what.capitalize()} from {src['source_title']} ({src['source_url']})"
                )
        if main_src is None and exp_basis != "kosis":
            notes.append("No figure found")
        if exp_basis == "kosis" and (imp_basis or tot_basis):
            notes.append("Exports: KOSIS via kdiplo")
        for r in annual:  # later korean-annual figures that lost to the first one
            later = [col for col, _ in MEASURES if r[col] is not None and first[col] is not r]
            if later:
                notes.append(
                    f"Other Korean annual figures ({r['source_title']}): {_figures(r, later)}"
                )
        if others:
            notes.append(
                "Other figures: "
                + "; ".join(
                    f"{BASIS_LABELS.get(r['basis'], r['basis'])} {_figures(r)}" for r in others
                )
            )
        if k is None:
            k_tot = None
        else:
            te, ti = _num(k.get("rok_total_exports_usd")), _num(k.get("rok_total_imports_usd"))
            k_tot = te + ti if te is not None and ti is not None else None
        out.append(
            {
                "year": year,
                "partner": "USSR" if year <= USSR_LAST_YEAR else "Russia",
                "rok_exports_usd": exp,
                "rok_imports_usd": imp,
                "total_usd": tot,
                "exports_basis": exp_basis,
                "imports_basis": imp_basis,
                "total_basis": tot_basis,
                "rok_total_trade_usd": k_tot,
                "source_title": main_src["source_title"] if main_src else kdiplo_title,
                "source_url": main_src["source_url"] if main_src else kdiplo_url,
                "note": ". ".join(notes) + ("." if notes else ""),
            }
        )
    return pd.DataFrame(out, columns=TRADE_COLUMNS)


# --- writing ---------------------------------------------------------------------------------

USD_COLUMNS = {
    "rok_exports_usd",
    "rok_imports_cow_usd",
    "rok_imports_usd",
    "total_usd",
    "rok_total_trade_usd",
    "rok_total_exports_usd",
    "rok_total_imports_usd",
}
SHARE_COLUMNS = {"agree_strict", "agree_half", "ideal_point"}


def _cell(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in USD_COLUMNS:
        return f"{float(value):.0f}"
    if column in SHARE_COLUMNS:
        return f"{float(value):.4f}"
    if column in {"year", "n_votes"}:
        return str(int(value))
    return str(value)


def to_csv_text(frame: pd.DataFrame, sort_by: Iterable[str]) -> str:
    """The frame as CSV text in the stable committed format (sorted, ``\\n``, fixed decimals)."""
    rows = frame.sort_values(list(sort_by), kind="stable")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for record in rows.itertuples(index=False):
        writer.writerow([_cell(col, val) for col, val in zip(frame.columns, record, strict=True)])
    return buffer.getvalue()


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` (UTF-8, atomically) unless the file already holds exactly it."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


# --- reading and running ---------------------------------------------------------------------

OUTPUTS = {
    "unga_agreement": paths.DERIVED_DIR / "unga_agreement.csv",
    "unga_ideal_points": paths.DERIVED_DIR / "unga_ideal_points.csv",
    "kosis_exports": paths.DERIVED_DIR / "rok_exports_kosis.csv",
    "trade": paths.INDICATORS_DIR / "trade.csv",
}


def read_votes(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"date": str})


def read_ideal_points(path: Path) -> pd.DataFrame:
    return pd.read_stata(path, convert_categoricals=False)


def read_kdiplo(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def read_published() -> pd.DataFrame:
    """``trade_published.csv``, validated, in file order."""
    from russia_korea_briefs.data import check_table
    from russia_korea_briefs.indicator_schemas import TABLES

    rows, problems = check_table(TABLES["trade_published"])
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame([row.model_dump() for _, row in rows])


def derive_all(log: Callable[[str], object] = print) -> dict[str, str]:
    """The text of every derived file, keyed by table name (nothing is written)."""
    kdiplo_prov = load_provenance(KDIPLO_TRADE)
    log(f"reading {UNGA_VOTES}")
    agreement = unga_agreement(read_votes(locate_raw(UNGA_VOTES)))
    log(f"reading {UNGA_IDEAL_POINTS}")
    points = ideal_points(read_ideal_points(locate_raw(UNGA_IDEAL_POINTS)))
    log(f"reading {KDIPLO_TRADE}")
    kosis = kosis_exports(read_kdiplo(locate_raw(kdiplo_prov)))
    trade = trade_table(
        read_published(),
        kosis,
        kdiplo_title=kdiplo_prov.title,
        kdiplo_url=kdiplo_prov.url_download or kdiplo_prov.url_main,
        end=last_full_year(),
    )
    return {
        "unga_agreement": to_csv_text(agreement, ["year", "pair"]),
        "unga_ideal_points": to_csv_text(points, ["year", "country"]),
        "kosis_exports": to_csv_text(kosis, ["year"]),
        "trade": to_csv_text(trade, ["year"]),
    }


def run(log: Callable[[str], object] = print) -> list[Path]:
    """Regenerate every derived file from the raw files; returns the paths (written or unchanged)."""
    texts = derive_all(log)
    written = []
    for name, text in texts.items():
        path = OUTPUTS[name]
        changed = write_if_changed(path, text)
        log(f"{'wrote    ' if changed else 'unchanged'} {path.relative_to(paths.PROJECT_ROOT)}")
        written.append(path)
    return written


def check(log: Callable[[str], object] = print) -> list[Path]:
    """The committed derived files that differ from a fresh derivation (empty: all up to date)."""
    stale = []
    for name, text in derive_all(log).items():
        path = OUTPUTS[name]
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m russia_korea_briefs.ingest", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only compare the committed files with a fresh derivation",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    try:
        if args.check:
            stale = check(log)
            for path in stale:
                print(f"out of date: {path.relative_to(paths.PROJECT_ROOT)}")
            if stale:
                print("run `python -m russia_korea_briefs.ingest` to regenerate them")
                return 1
            print("derived files are up to date")
            return 0
        run(log)
        return 0
    except BriefsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
