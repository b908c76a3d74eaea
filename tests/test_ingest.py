"""The ingest step: derivations on tiny frames with known answers, raw-file location and md5
checks, the provenance sidecars, and the committed derived files against the raw data."""

from __future__ import annotations

import hashlib
import importlib
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from russia_korea_briefs import ingest, paths
from russia_korea_briefs.data import check_table
from russia_korea_briefs.errors import ConfigError
from russia_korea_briefs.indicator_schemas import TABLES, TradeRow

NAN = float("nan")

# --- UNGA agreement --------------------------------------------------------------------------


def _votes(rows: list[tuple]) -> pd.DataFrame:
    """rows of (rcid, date, RUS, KOR, PRK, USA)."""
    return pd.DataFrame(rows, columns=["rcid", "date", "RUS", "KOR", "PRK", "USA"])


def _pair(result: pd.DataFrame, year: int, pair: str) -> pd.Series:
    hit = result[(result["year"] == year) & (result["pair"] == pair)]
    assert len(hit) == 1, f"expected one row for {year} {pair}, got {len(hit)}"
    return hit.iloc[0]


def test_agreement_strict_and_half_by_hand():
    votes = _votes(
        [
            (1, "2000-10-01", 1, 1, 9, 1),  # RUS-KOR identical (yes, yes)
            (2, "2000-10-02", 1, 2, 9, 3),  # yes/abstain: half agreement; RUS-USA yes/no
            (3, "2000-10-03", 3, 3, 9, 3),  # identical (no, no)
            (4, "2000-10-04", 1, 8, 9, 1),  # KOR absent: not counted for RUS-KOR
        ]
    )
    result = ingest.unga_agreement(votes)
    rk = _pair(result, 2000, "RUS-KOR")
    assert rk["n_votes"] == 3
    assert rk["agree_strict"] == round(2 / 3, 4)  # 0.6667
    assert rk["agree_half"] == round((1 + 0.5 + 1) / 3, 4)  # 0.8333
    ru = _pair(result, 2000, "RUS-USA")
    assert ru["n_votes"] == 4
    assert ru["agree_strict"] == 0.75
    assert ru["agree_half"] == round((1 + 0 + 1 + 1) / 4, 4)  # yes/no counts 0
    # PRK is coded 9 throughout: no row for any pair with PRK
    assert not result["pair"].str.contains("PRK").any()
    assert list(result.columns) == ["year", "pair", "n_votes", "agree_strict", "agree_half"]


def test_agreement_years_come_from_the_date_and_reused_rcids_stay_apart():
    votes = _votes(
        [
            (411, "1992-12-03", 1, 1, 1, 3),
            (411, "2023-12-04", 1, 3, 1, 3),  # same rcid, another roll call
            (412, "2023-12-05", 2, 2, 2, 2),  # unanimous abstentions are kept
        ]
    )
    result = ingest.unga_agreement(votes)
    assert _pair(result, 1992, "RUS-KOR")["agree_strict"] == 1.0
    late = _pair(result, 2023, "RUS-KOR")
    assert late["n_votes"] == 2
    assert late["agree_strict"] == 0.5
    assert late["agree_half"] == 0.5  # (0 + 1) / 2
    assert result[["year", "pair"]].equals(result[["year", "pair"]].sort_values(["year", "pair"]))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(1, "1980-10-01", 1, 1, 9, 1)], "KOR has 1 roll calls before it joined the UN"),
        ([(1, "1985-10-01", 1, 9, 2, 1)], "PRK has 1 roll calls before it joined the UN"),
        ([(1, "2000-10-01", 1, 4, 1, 1)], "unexpected vote codes [4]"),
        ([(1, "2000-10-01", 9, 1, 1, 1)], "RUS is coded 9 (not a member)"),
        (
            [(1, "2000-10-01", 1, 1, 1, 1), (1, "2000-10-01", 1, 1, 1, 1)],
            "repeat an rcid on the same date",
        ),
        ([(1, "01/10/2000", 1, 1, 1, 1)], "not YYYY-MM-DD"),
    ],
)
def test_agreement_checks_the_readme_facts(rows, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        ingest.unga_agreement(_votes(rows))


# --- ideal points ----------------------------------------------------------------------------


def test_ideal_points_selects_rounds_and_drops_missing():
    dta = pd.DataFrame(
        {
            "ccode": [365, 365, 365, 732, 710, 2],
            "iso3c": ["RUS", "RUS", "RUS", "KOR", "CHN", "USA"],
            "year": [1945.0, 1946.0, 1947.0, 1991.0, 1991.0, 1991.0],
            "idealpointfp": [-3.0, -3.123456, NAN, 0.55556, 0.1, 2.00004],
            "nvotesfp": [10.0, 25.0, 20.0, 60.0, 50.0, 61.0],
        }
    )
    result = ingest.ideal_points(dta)
    assert list(result.columns) == ["year", "country", "ideal_point", "n_votes"]
    assert result.to_dict("records") == [
        {"year": 1946, "country": "RUS", "ideal_point": -3.1235, "n_votes": 25},
        {"year": 1991, "country": "KOR", "ideal_point": 0.5556, "n_votes": 60},
        {"year": 1991, "country": "USA", "ideal_point": 2.0, "n_votes": 61},
    ]


def test_ideal_points_checks_cow_codes():
    dta = pd.DataFrame(
        {
            "ccode": [364],
            "iso3c": ["RUS"],
            "year": [1990.0],
            "idealpointfp": [-1.0],
            "nvotesfp": [5.0],
        }
    )
    with pytest.raises(AssertionError, match="RUS has COW codes \\[364\\], expected only 365"):
        ingest.ideal_points(dta)


# --- KOSIS exports ---------------------------------------------------------------------------


def _kdiplo(rows: list[tuple]) -> pd.DataFrame:
    """rows of (iso3c, year, export, import, export_kosis, import_kosis, total_export, total_import)."""
    return pd.DataFrame(
        rows,
        columns=[
            "iso3c",
            "year",
            "export",
            "import",
            "export_kosis",
            "import_kosis",
            "total_export",
            "total_import",
        ],
    )


def test_kosis_exports_takes_export_kosis_and_korea_totals():
    frame = _kdiplo(
        [
            ("RUS", 1987, 5.0, 5.0, 5.0, 5.0, 100.0, 90.0),  # before 1988: out
            ("RUS", 1988, 7.0, 7.0, 7.0, 7.0, 110.0, 95.0),
            (
                "RUS",
                1989,
                9.0,
                9.0,
                NAN,
                NAN,
                120.0,
                99.0,
            ),  # no KOSIS figure: left out, no fallback
            ("RUS", 1990, 8.0, 8.0, 8.0, 8.0, 130.0, 101.0),
            ("USA", 1988, 50.0, 40.0, 50.0, 40.0, 110.0, 95.0),
            ("USA", 1990, 55.0, 45.0, 55.0, 45.0, 130.0, 101.0),
        ]
    )
    result = ingest.kosis_exports(frame)
    assert result.to_dict("records") == [
        {
            "year": 1988,
            "rok_exports_usd": 7.0,
            "rok_imports_cow_usd": None,
            "rok_total_exports_usd": 110.0,
            "rok_total_imports_usd": 95.0,
        },
        {
            "year": 1990,
            "rok_exports_usd": 8.0,
            "rok_imports_cow_usd": None,
            "rok_total_exports_usd": 130.0,
            "rok_total_imports_usd": 101.0,
        },
    ]


def test_kosis_exports_notices_if_the_import_copy_defect_is_gone():
    frame = _kdiplo([("RUS", 1990, 8.0, 3.0, 8.0, 3.0, 130.0, 101.0)])
    with pytest.raises(AssertionError, match="import_kosis differs from export_kosis"):
        ingest.kosis_exports(frame)


# --- trade table -----------------------------------------------------------------------------

URL = "https://example.org/"


def _published(rows: list[tuple]) -> pd.DataFrame:
    """rows of (year, basis, exports, imports, total, title)."""
    return pd.DataFrame(
        [
            {
                "year": y,
                "basis": b,
                "rok_exports_usd": e,
                "rok_imports_usd": i,
                "total_usd": t,
                "source_title": title,
                "source_url": URL + title,
                "note": "",
            }
            for y, b, e, i, t, title in rows
        ]
    )


def _kosis(rows: dict[int, float], cow_imports: dict[int, float] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "year": y,
                "rok_exports_usd": v,
                "rok_imports_cow_usd": (cow_imports or {}).get(y),
                "rok_total_exports_usd": 1000.0,
                "rok_total_imports_usd": 900.0,
            }
            for y, v in rows.items()
        ],
        columns=ingest.KOSIS_COLUMNS,
    )


def _trade(published, kosis, start=2000, end=2007) -> dict[int, dict]:
    table = ingest.trade_table(published, kosis, start=start, end=end)
    assert list(table.columns) == list(TradeRow.model_fields)
    assert list(table["year"]) == list(range(start, end + 1)), "every year present, in order"
    return {int(r["year"]): r for r in table.to_dict("records")}


def test_trade_basis_rules():
    published = _published(
        [
            (2000, "korean-annual", 100.0, 200.0, 300.0, "full"),  # KOSIS within 2%
            (2001, "korean-annual", None, None, 500.0, "total-only"),
            (2002, "korean-annual", 120.0, 80.0, None, "no-total"),
            (2003, "korean-partial", 50.0, 60.0, 110.0, "half-year"),
            (2004, "korean-annual", 20.0, 180.0, 200.0, "old"),  # KOSIS 30 is 50% away
            (2005, "korean-annual", None, 300.0, None, "first"),
            (2005, "korean-annual", None, 310.0, 400.0, "second"),
            (2005, "russian", None, None, 600.0, "moscow"),
            (2005, "korean-annual-alt", 90.0, None, None, "alt"),
            (2007, "korean-annual", 40.0, None, None, "exports-only"),
        ]
    )
    kosis = _kosis({2000: 101.0, 2001: 150.0, 2002: 121.0, 2003: 55.0, 2004: 30.0, 2005: 95.0})
    t = _trade(published, kosis)

    assert (t[2000]["rok_exports_usd"], t[2000]["rok_imports_usd"], t[2000]["total_usd"]) == (
        101.0,
        200.0,
        300.0,
    )
    assert (t[2000]["exports_basis"], t[2000]["imports_basis"], t[2000]["total_basis"]) == (
        "kosis",
        "published",
        "published",
    )
    assert t[2000]["source_title"] == "full"
    assert t[2000]["rok_total_trade_usd"] == 1900.0

    assert t[2001]["rok_imports_usd"] == 350.0
    assert t[2001]["imports_basis"] == "total-minus-exports"

    assert t[2002]["total_usd"] == 121.0 + 80.0
    assert t[2002]["total_basis"] == "exports-plus-imports"

    # a partial year never feeds the annual series, but is mentioned
    assert t[2003]["exports_basis"] == "kosis"
    assert pd.isna(t[2003]["rok_imports_usd"]) and pd.isna(t[2003]["total_usd"])
    assert "Korean partial-year" in t[2003]["note"]
    assert t[2003]["source_title"].startswith("South Korea's trade by partner (KOSIS)")

    # full published row far from KOSIS: its own three figures, KOSIS in the note
    assert (t[2004]["rok_exports_usd"], t[2004]["rok_imports_usd"], t[2004]["total_usd"]) == (
        20.0,
        180.0,
        200.0,
    )
    assert t[2004]["exports_basis"] == "published"
    assert "KOSIS exports" in t[2004]["note"] and "published row's own figures" in t[2004]["note"]

    # first korean-annual row wins per measure; others named in the note
    assert t[2005]["rok_imports_usd"] == 300.0 and t[2005]["total_usd"] == 400.0
    assert t[2005]["source_title"] == "second"  # the source of the total
    assert "Imports from first" in t[2005]["note"]
    assert "Other Korean annual figures (second): imports " in t[2005]["note"]
    assert (
        "Russian side total" in t[2005]["note"]
        and "Korean (alternative) exports" in t[2005]["note"]
    )

    # a gap year stays empty: nothing interpolated
    gap = t[2006]
    assert (
        pd.isna(gap["rok_exports_usd"])
        and pd.isna(gap["rok_imports_usd"])
        and pd.isna(gap["total_usd"])
    )
    assert gap["exports_basis"] == gap["imports_basis"] == gap["total_basis"] == ""
    assert pd.isna(gap["rok_total_trade_usd"])

    # no KOSIS figure: the published exports, with their own source
    assert t[2007]["rok_exports_usd"] == 40.0 and t[2007]["exports_basis"] == "published"
    assert t[2007]["source_title"] == "exports-only"


def test_trade_imports_fall_back_to_the_cow_basis_only_without_a_korean_figure():
    published = _published([(2000, "korean-annual", None, 250.0, None, "korean-imports")])
    t = _trade(published, _kosis({2000: 100.0, 2001: 110.0}, cow_imports={2000: 240.0, 2001: 260.0}), end=2002)
    assert t[2000]["rok_imports_usd"] == 250.0 and t[2000]["imports_basis"] == "published"
    assert t[2001]["rok_imports_usd"] == 260.0 and t[2001]["imports_basis"] == "cow"
    assert t[2001]["total_usd"] == 370.0 and t[2001]["total_basis"] == "exports-plus-imports"
    assert "Correlates of War" in t[2001]["note"]
    assert pd.isna(t[2002]["rok_imports_usd"]) and t[2002]["imports_basis"] == ""  # no basis at all: a gap


def test_trade_marks_the_change_from_ussr_to_russia():
    t = _trade(_published([]), _kosis({1990: 1.0, 1991: 2.0, 1992: 3.0}), start=1990, end=1993)
    assert [t[y]["partner"] for y in range(1990, 1994)] == ["USSR", "USSR", "Russia", "Russia"]
    assert "Partner changes from the USSR" in t[1992]["note"] and "Partner" not in t[1991]["note"]


def test_trade_published_exports_far_from_kosis_without_full_row_are_noted():
    t = _trade(
        _published([(2000, "korean-annual", 200.0, None, None, "rounded")]),
        _kosis({2000: 176.0}),
        end=2000,
    )
    assert t[2000]["rok_exports_usd"] == 176.0 and t[2000]["exports_basis"] == "kosis"
    assert "Published exports" in t[2000]["note"] and "differ from KOSIS" in t[2000]["note"]


def test_trade_inconsistent_published_row_gets_imports_from_total_minus_exports():
    published = _published([(2000, "korean-annual", 120.0e6, 75.0e6, 190.0e6, "mosf")])
    t = _trade(published, _kosis({2000: 364.6e6}), end=2000)
    assert (t[2000]["rok_exports_usd"], t[2000]["rok_imports_usd"], t[2000]["total_usd"]) == (
        120e6,
        70e6,
        190e6,
    )
    assert (t[2000]["exports_basis"], t[2000]["imports_basis"], t[2000]["total_basis"]) == (
        "published",
        "total-minus-exports",
        "published",
    )
    assert "KOSIS exports 364.6m differ from the published 120m" in t[2000]["note"]
    assert "Published imports 75m do not add up" in t[2000]["note"]


def test_trade_table_passes_the_arithmetic_check(tmp_path):
    published = _published(
        [
            (2000, "korean-annual", 120.0e6, 75.0e6, 190.0e6, "mosf"),
            (2001, "korean-annual", 100.0e6, 200.0e6, 300.0e6, "full"),
        ]
    )
    table = ingest.trade_table(
        published, _kosis({2000: 364.6e6, 2001: 101.5e6}), start=2000, end=2002
    )
    target = tmp_path / "trade.csv"
    target.write_text(ingest.to_csv_text(table, ["year"]), encoding="utf-8")
    _, problems = check_table(TABLES["trade"], target)
    assert problems == []


# --- stable output ---------------------------------------------------------------------------


def test_csv_format_is_fixed_and_sorted():
    frame = pd.DataFrame(
        {
            "year": [2001, 2000],
            "pair": ["RUS-KOR", "RUS-KOR"],
            "n_votes": [3, 4],
            "agree_strict": [0.5, 2 / 3],
            "agree_half": [1.0, NAN],
        }
    )
    text = ingest.to_csv_text(frame, ["year", "pair"])
    assert text == (
        "year,pair,n_votes,agree_strict,agree_half\n"
        "2000,RUS-KOR,4,0.6667,\n"
        "2001,RUS-KOR,3,0.5000,1.0000\n"
    )
    usd = pd.DataFrame({"year": [2000], "rok_exports_usd": [1.2e10], "note": ["a, b"]})
    assert (
        ingest.to_csv_text(usd, ["year"]) == 'year,rok_exports_usd,note\n2000,12000000000,"a, b"\n'
    )


def test_write_if_changed(tmp_path):
    target = tmp_path / "x.csv"
    assert ingest.write_if_changed(target, "a\n") is True
    assert ingest.write_if_changed(target, "a\n") is False
    assert target.read_bytes() == b"a\n"


# --- raw files and md5 -----------------------------------------------------------------------


def _sidecar(folder: Path, name: str, rel: str, md5: str, url: str | None) -> None:
    data = {
        "origin": {
            "producer": "p",
            "title": "t",
            "description": "d",
            "citation_full": "c",
            "url_main": "https://example.org/",
            "url_download": url,
            "date_accessed": "2026-11-22",
            "license": {"name": "CC0", "url": "https://example.org/l"},
        },
        "derived_license": "CC BY 4.0",
        "file": {"path": rel, "md5": md5, "size": 5},
        "derived_tables": ["x.csv"],
        "derived_by": "russia_korea_briefs.ingest:unga_agreement",
        "notes": ["n"],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


GOOD = b"hello"
GOOD_MD5 = hashlib.md5(GOOD).hexdigest()


@pytest.fixture
def raw_env(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    monkeypatch.setenv(paths.RAW_DIR_ENV, str(raw))
    return raw


def test_local_raw_file_is_found_and_checked(tmp_path, raw_env):
    (raw_env / "set").mkdir()
    (raw_env / "set" / "file.csv").write_bytes(GOOD)
    _sidecar(tmp_path / "prov", "demo", "set/file.csv", GOOD_MD5, None)
    prov = ingest.load_provenance("demo", tmp_path / "prov")
    assert ingest.locate_raw(prov, cache_dir=tmp_path / "cache") == raw_env / "set" / "file.csv"


def test_wrong_md5_is_a_one_line_config_error(tmp_path, raw_env):
    (raw_env / "set").mkdir()
    (raw_env / "set" / "file.csv").write_bytes(b"tampered")
    _sidecar(tmp_path / "prov", "demo", "set/file.csv", GOOD_MD5, None)
    prov = ingest.load_provenance("demo", tmp_path / "prov")
    with pytest.raises(ConfigError) as err:
        ingest.locate_raw(prov, cache_dir=tmp_path / "cache")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("file.csv: md5 of")
    assert f"expected {GOOD_MD5}" in message and paths.RAW_DIR_ENV in message


def test_missing_raw_file_without_url_is_a_config_error(tmp_path, raw_env):
    _sidecar(tmp_path / "prov", "demo", "set/file.dta", GOOD_MD5, None)
    prov = ingest.load_provenance("demo", tmp_path / "prov")
    with pytest.raises(
        ConfigError, match=rf"^file\.dta: not in .*no download URL: set {paths.RAW_DIR_ENV}"
    ):
        ingest.locate_raw(prov, cache_dir=tmp_path / "cache")


def test_download_lands_in_the_cache_after_the_md5_check(tmp_path, raw_env):
    origin = tmp_path / "origin.csv"
    origin.write_bytes(GOOD)
    _sidecar(tmp_path / "prov", "demo", "set/file.csv", GOOD_MD5, origin.as_uri())
    prov = ingest.load_provenance("demo", tmp_path / "prov")
    got = ingest.locate_raw(prov, cache_dir=tmp_path / "cache")
    assert got == tmp_path / "cache" / "set" / "file.csv" and got.read_bytes() == GOOD
    origin.unlink()  # now served from the cache
    assert ingest.locate_raw(prov, cache_dir=tmp_path / "cache") == got


def test_download_with_wrong_md5_leaves_nothing(tmp_path, raw_env):
    origin = tmp_path / "origin.csv"
    origin.write_bytes(b"changed upstream")
    _sidecar(tmp_path / "prov", "demo", "set/file.csv", GOOD_MD5, origin.as_uri())
    prov = ingest.load_provenance("demo", tmp_path / "prov")
    with pytest.raises(ConfigError, match=r"^file\.csv: downloaded file .* has md5 .*expected"):
        ingest.locate_raw(prov, cache_dir=tmp_path / "cache")
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_failed_download_is_a_config_error(tmp_path, raw_env):
    missing = (tmp_path / "nowhere.csv").as_uri()
    _sidecar(tmp_path / "prov", "demo", "set/file.csv", GOOD_MD5, missing)
    prov = ingest.load_provenance("demo", tmp_path / "prov")
    with pytest.raises(
        ConfigError, match=rf"^file\.csv: download from .* failed .*{paths.RAW_DIR_ENV}"
    ):
        ingest.locate_raw(prov, cache_dir=tmp_path / "cache")


def test_incomplete_sidecar_is_a_config_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("origin: {title: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="incomplete: origin.producer missing"):
        ingest.load_provenance("bad", tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        ingest.load_provenance("absent", tmp_path)


# --- the committed sidecars and derived files ------------------------------------------------


def _local_raw(name: str) -> Path | None:
    raw_dir = paths.raw_data_dir()
    if raw_dir is None:
        return None
    path = raw_dir / ingest.load_provenance(name).rel_path
    return path if path.is_file() else None


@pytest.mark.parametrize("name", ingest.SOURCES)
def test_sidecar_is_complete_and_matches_the_raw_file(name):
    sidecar = paths.PROVENANCE_DIR / f"{name}.yaml"
    data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    assert ingest.sidecar_problems(data) == []
    prov = ingest.load_provenance(name)
    assert re.fullmatch(r"[0-9a-f]{32}", prov.md5)
    assert data["origin"]["date_accessed"] == "2026-11-22"
    assert data["derived_license"] == "CC BY 4.0"
    url = data["origin"]["url_download"]
    if url is not None:
        assert url.startswith("https://raw.githubusercontent.com/")
        assert re.search(r"/[0-9a-f]{40}/", url), "download URL must be pinned to a commit"
        assert url.endswith("/" + prov.file_name)
    module, _, func = data["derived_by"].partition(":")
    assert callable(getattr(importlib.import_module(module), func))
    for table in data["derived_tables"]:
        assert (paths.DERIVED_DIR / table).is_file() or (paths.INDICATORS_DIR / table).is_file()
    raw = _local_raw(name)
    if raw is None:
        pytest.skip(f"raw file {prov.rel_path} not found locally (set {paths.RAW_DIR_ENV})")
    assert raw.stat().st_size == prov.size
    assert ingest.md5sum(raw) == prov.md5


def test_committed_derived_files_equal_a_fresh_derivation():
    missing = [n for n in ingest.SOURCES if _local_raw(n) is None]
    if missing:
        pytest.skip(
            f"raw files not found locally for {', '.join(missing)} (set {paths.RAW_DIR_ENV})"
        )
    fresh = ingest.derive_all(log=lambda _m: None)
    for name, text in fresh.items():
        path = ingest.OUTPUTS[name]
        assert path.read_bytes() == text.encode("utf-8"), (
            f"{path.name} is stale: run python -m russia_korea_briefs.ingest"
        )
    assert ingest.main(["--check", "--quiet"]) == 0


def test_committed_derived_tables_validate():
    for name in ("trade", "kosis_exports", "unga_agreement", "unga_ideal_points"):
        _, problems = check_table(TABLES[name])
        assert problems == [], [str(p) for p in problems]
