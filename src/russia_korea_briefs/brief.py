"""What a brief notebook needs, in one call: validated parameters, the data, the house style.

A notebook does ``ctx = brief.open_brief("overview", start=start, end=end, ...)`` and then only
calls functions; the same parameter checks run here as in the build, so a notebook opened in
JupyterLab with a bad value fails with the same clear message.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from russia_korea_briefs import charts, indicators, text
from russia_korea_briefs.data import (
    Periodization,
    event_text_scope,
    load_events,
    load_periodization,
    load_table,
    mask_event_text,
)
from russia_korea_briefs.manifest import load_manifest, standard_briefs


@dataclass
class BriefContext:
    notebook_id: str
    params: dict
    periodization: Periodization

    @cached_property
    def events(self) -> pd.DataFrame:
        """The chronology within the brief's period (the whole chronology for a phase brief)."""
        events = self.all_events
        if "start" in self.params and "end" in self.params:
            events = indicators.in_window(events, self.params["start"], self.params["end"])
        return events.reset_index(drop=True)

    @cached_property
    def all_events(self) -> pd.DataFrame:
        """The whole chronology; the words of events this brief does not show are blanked
        (see :func:`data.event_text_scope`: what the brief reads is what its build hashes)."""
        return mask_event_text(load_events(), event_text_scope(self.notebook_id, self.params))

    @cached_property
    def refs(self) -> text.References:
        return text.References(self.all_events, self.table("claims"), self.table("other_figures"),
                               self.table("reading_list"), self.table("trade_products"), self.table("unga_es11_votes"),
                               self.table("trade_published"))

    def table(self, name: str) -> pd.DataFrame:
        return load_table(name).copy()

    @cached_property
    def trade(self) -> pd.DataFrame:
        return self.table("trade")

    @cached_property
    def agreement(self) -> pd.DataFrame:
        return self.table("unga_agreement")

    @cached_property
    def ideal_points(self) -> pd.DataFrame:
        return self.table("unga_ideal_points")

    @cached_property
    def aggregates(self) -> pd.DataFrame:
        return indicators.phase_aggregates(self.all_events, self.trade, self.agreement, self.periodization_in_period,
                                           last_day=cutoff().isoformat())

    @cached_property
    def periodization_in_period(self) -> Periodization:
        """The phases that overlap the brief's period (all of them without start/end)."""
        from dataclasses import replace
        from datetime import date

        if "start" not in self.params:
            return self.periodization
        start, end = date.fromisoformat(self.params["start"]), date.fromisoformat(self.params["end"])
        kept = tuple(p for p in self.periodization.phases if p.start <= end and (p.end is None or p.end >= start))
        return replace(self.periodization, phases=kept)

    @property
    def period_title(self) -> str:
        return f"{self.params['start'][:4]}–{self.params['end'][:4]}"

    @cached_property
    def changepoints(self) -> tuple[dict[str, pd.Series], list]:
        """The yearly series tested for breaks and the breaks found (computed once per brief)."""
        from russia_korea_briefs import changepoints

        series = changepoint_series(self)
        return series, [changepoints.detect(s, name) for name, s in series.items()]

    def prose(self, source: str) -> text.Html:
        """Paragraphs with ``[[event-id]]`` citations, numbered in the order they appear."""
        return self.refs.prose(source)

    def text(self, name: str, facts: dict | None = None) -> text.Html:
        """The Markdown text ``notebooks/text/<name>.md`` with ``facts`` filled in and its
        citations numbered (see :mod:`russia_korea_briefs.prose`)."""
        from russia_korea_briefs import prose

        return text.Html(prose.render(name, facts or {}, self.refs.marker))

    def judgments(self, name: str, facts: dict | None = None) -> text.Html:
        """Key judgments from ``notebooks/text/<name>.yaml`` (likelihood and confidence stated apart)."""
        from russia_korea_briefs import prose

        return text.Html(prose.judgments(name, facts or {}, self.refs.marker))

    def scenarios(self, name: str, facts: dict | None = None) -> text.Html:
        """Scenarios with likelihoods and indicators from ``notebooks/text/<name>.yaml``."""
        from russia_korea_briefs import prose

        return text.Html(prose.scenarios(name, facts or {}, self.refs.marker))

    @property
    def edition(self) -> str:
        return load_manifest().edition.isoformat()

    @property
    def series(self) -> str:
        return load_manifest().series

    def brief_id_and_command(self) -> tuple[str, str]:
        for b in standard_briefs():
            if b.notebook.id == self.notebook_id and b.params == self.params:
                return b.id, f"python -m russia_korea_briefs build {b.id}"
        base = next(b for b in standard_briefs() if b.notebook.id == self.notebook_id)
        given = {k: v for k, v in self.params.items() if base.params.get(k) != v}
        args = " ".join(shlex.quote(f"--param={k}={v}") for k, v in given.items())
        return "custom", f"python -m russia_korea_briefs build {base.id} {args}"

    def colophon(self) -> text.Html:
        from russia_korea_briefs.data import data_version

        _, command = self.brief_id_and_command()
        return text.colophon(self.params, data_version(self.notebook_id, self.params), self.edition, command)


def open_brief(notebook_id: str, **given) -> BriefContext:
    """Validate ``given`` against the notebook's declared parameters; load data; set the house style."""
    from russia_korea_briefs.params import resolve

    spec = load_manifest().notebooks[notebook_id]
    params = resolve(spec.parameters, given)
    periodization = load_periodization(params.get("periodization") or None)
    charts.apply_house_style()
    return BriefContext(notebook_id, params, periodization)


def cutoff():
    """The information cut-off of this edition (``data/reference/coverage.yaml``)."""
    from russia_korea_briefs.schemas import coverage

    return coverage().information_cutoff


def last_full_year() -> int:
    """The last calendar year wholly before the cut-off: the last year of yearly series."""
    from russia_korea_briefs.ingest import last_full_year as last

    return last()


EVENTS_SOURCE = "project chronology (data/reference/events.csv): each event's own source is listed in the Sources section"


class Figures:
    """The standard figures of the briefs, each with its caption and source line.

    Every method returns a :class:`text.FigureHtml`: the figure's HTML (what the notebook shows)
    together with the table drawn in it (``.data``, also its CSV download and PDF attachment).
    Yearly charts end with the last full year before the information cut-off.
    """

    def __init__(self, ctx: BriefContext, start: str, end: str, highlight: str | None = None, compact: bool = False):
        self.ctx, self.start, self.end, self.highlight = ctx, start, end, highlight
        self.compact = compact  # shorter charts, for the few-page phase briefs

    @property
    def yearly_end(self) -> str:
        """The last day a yearly chart shows: the brief's end, at most the last full year."""
        return min(self.end, f"{last_full_year()}-12-31")

    @property
    def years(self) -> range:
        return range(int(self.start[:4]), int(self.yearly_end[:4]) + 1)

    def _size(self):
        import matplotlib.pyplot as plt

        return plt.rc_context({"figure.figsize": (7.0, 2.4)} if self.compact else {})

    def _show(self, make, caption: str) -> text.FigureHtml:
        """The one way a figure is made: draw it (house style, brief size), then render it with its data."""
        with self._size():
            chart = make()
        return text.figure(chart, caption, credit=f"{self.ctx.series}, edition {self.ctx.edition}")

    def timeline(self) -> text.FigureHtml:
        return self._show(lambda: charts.phase_timeline(
            self.ctx.all_events, self.ctx.periodization, self.start, self.end, source=EVENTS_SOURCE,
            highlight=self.highlight, height=2.3 if self.compact else 2.9,
        ), "Every event of the chronology on its track, with the phases")

    def trade(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        src = ("published Korean figures (KITA, KOTRA, finance ministry, embassy; one source per year in "
               "data/indicators/trade.csv) and " + provenance.source_line("rok_exports_kosis.csv"))
        return self._show(lambda: charts.trade_chart(
            self.ctx.trade, self.ctx.periodization, self.start, self.yearly_end, source=src, highlight=self.highlight,
        ), "South Korea's trade with the USSR/Russia, current US$ billion")

    def unga(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        agreement = indicators.agreement_with_votes(self.ctx.agreement, self.ctx.table("unga_es11_votes"))
        return self._show(lambda: charts.unga_chart(
            agreement, self.ctx.periodization, self.start, self.yearly_end,
            source=provenance.source_line("unga_agreement.csv") + "; ES-11 votes: data/indicators/unga_es11_votes.csv "
            "(hand-coded from published voting records)",
            highlight=self.highlight, measure_label="half credit for abstentions",
            note="1 = always vote alike. The Koreas vote from 1991.",
        ), "Voting agreement in the UN General Assembly")

    def distances(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        return self._show(lambda: charts.ideal_distance_chart(
            indicators.ideal_point_distances(self.ctx.ideal_points), self.ctx.periodization, self.start,
            self.yearly_end, source=provenance.source_line("unga_ideal_points.csv"), highlight=self.highlight,
            note="distance between the states' ideal points estimated from final-passage votes (Bailey, Strezhnev and Voeten).",
        ), "How far apart states stand in the UN General Assembly (ideal-point distance)")

    def scores(self) -> text.FigureHtml:
        frame = pd.DataFrame({d: indicators.net_score_by_year(self.ctx.all_events, d, self.years)
                              for d in ("RUS-ROK", "RUS-DPRK")})
        return self._show(lambda: charts.score_chart(
            frame, self.ctx.periodization, self.start, self.yearly_end, source=EVENTS_SOURCE, highlight=self.highlight,
            note="the sum of the scores (−10 … +10) of a year's events; see the codebook.",
        ), "Net cooperation–conflict score by year: Moscow–Seoul and Moscow–Pyongyang")

    def categories(self) -> text.FigureHtml:
        from russia_korea_briefs.schemas import CATEGORIES

        counts = indicators.category_counts_by_phase(self.ctx.all_events, self.ctx.periodization, CATEGORIES)
        return self._show(lambda: charts.category_phase_chart(
            counts, source=EVENTS_SOURCE, note="all four tracks (Moscow–Seoul, Moscow–Pyongyang, inter-Korean, multilateral).",
        ), "Events by category in each phase")

    def seesaw(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        frame = indicators.seesaw(self.ctx.agreement, self.ctx.all_events, self.years)
        added = indicators.agreement_with_votes(self.ctx.agreement, self.ctx.table("unga_es11_votes"))
        rk = added[added["pair"] == "RUS-KOR"].set_index("year")
        with_votes = rk["agree_half_with_added"].where(rk["n_added"].gt(0) & rk["n_votes"].gt(0))
        frame["unga_rus_kor_with_added"] = with_votes.reindex(frame.index)
        provisional = added[added["pair"].isin(["RUS-KOR", "RUS-PRK"]) & added["agree_half"].notna()]
        frame["unga_provisional"] = provisional.groupby("year")["provisional"].any().reindex(frame.index, fill_value=False)
        return self._show(lambda: charts.seesaw_chart(
            frame, self.ctx.periodization, self.start, self.yearly_end,
            source=provenance.source_line("unga_agreement.csv") + "; " + EVENTS_SOURCE,
        ), "The North Korea seesaw: Moscow's ties with Seoul and with Pyongyang on the same axes")


def changepoint_series(ctx: BriefContext, first: int = 1988, last: int | None = None) -> dict[str, pd.Series]:
    """The yearly series tested for breaks (to the last full year before the cut-off)."""
    years = range(first, (last or last_full_year()) + 1)
    trade = ctx.trade.set_index("year")
    wide = indicators.agreement_wide(ctx.agreement)
    dist = indicators.ideal_point_distances(ctx.ideal_points)
    return {
        "Total trade (US$)": trade["total_usd"].reindex(years),
        "South Korean exports to Russia (KOSIS)": trade["rok_exports_usd"].reindex(years),
        "UNGA agreement Russia–South Korea": wide["RUS-KOR"].reindex(years),
        "Ideal-point distance Russia–South Korea": dist["RUS-KOR"].reindex(years),
        "Net event score Moscow–Seoul": indicators.net_score_by_year(ctx.all_events, "RUS-ROK", years).astype(float),
    }


#: how the change-point chart shows each series: panel title with its unit, and a factor
CHANGEPOINT_DISPLAY = {
    "Total trade (US$)": ("Total trade, US$ billion", 1e-9),
    "South Korean exports to Russia (KOSIS)": ("South Korean exports to Russia (KOSIS), US$ billion", 1e-9),
    "UNGA agreement Russia–South Korea": ("UNGA agreement Russia–South Korea, 0–1 (half credit for abstentions)", 1.0),
    "Ideal-point distance Russia–South Korea": ("Ideal-point distance Russia–South Korea, scale units", 1.0),
    "Net event score Moscow–Seoul": ("Net event score Moscow–Seoul, sum of the year's event scores", 1.0),
}


def changepoint_analysis(ctx: BriefContext) -> tuple[text.FigureHtml, text.Html, list]:
    """(figure, table, results) of the change-point comparison with the periodization."""
    from russia_korea_briefs import changepoints, sections

    series, results = ctx.changepoints
    trade = ctx.trade.set_index("year")
    rus_kor = ctx.agreement[ctx.agreement["pair"] == "RUS-KOR"].set_index("year")
    flags = {
        "Total trade (US$)": trade["imports_basis"].eq("cow") & trade["total_basis"].eq("exports-plus-imports"),
        "UNGA agreement Russia–South Korea": rus_kor["n_votes"] < indicators.PROVISIONAL_VOTES,
    }
    chart = charts.changepoint_chart(
        series, {r.series: r.years for r in results}, ctx.periodization, "1988-01-01", f"{last_full_year()}-12-31",
        source="project tables (trade.csv, unga_agreement.csv, unga_ideal_points.csv, events.csv); breaks by PELT (ruptures)",
        note=f"vermillion lines: first year of a new segment. {changepoints.METHOD}; penalty "
             f"{changepoints.PENALTY_FACTOR:g} × ln(n). Hollow markers: totals built from Correlates of War imports "
             f"(no Korean figure) and UN years with fewer than {indicators.PROVISIONAL_VOTES} roll calls. "
             "Gaps are years without a figure.",
        display=CHANGEPOINT_DISPLAY, flags=flags,
    )
    table = sections.changepoint_table(changepoints.compare(results, ctx.periodization), ctx.periodization)
    figure = text.figure(chart, "Breaks detected in five yearly series, against the phases",
                         credit=f"{ctx.series}, edition {ctx.edition}")
    return figure, table, results


def _figure(ctx: BriefContext, indicator: str, year: int, pick: str = "first") -> float:
    """A value of other_figures.csv (the first row for that indicator and year, or the max)."""
    rows = ctx.table("other_figures")
    rows = rows[(rows["indicator"] == indicator) & (rows["year"] == year)]
    if rows.empty:
        raise AssertionError(f"the overview quotes {indicator} {year}, which other_figures.csv no longer has")
    return float(rows["value"].max() if pick == "max" else rows["value"].iloc[0])


def _published(ctx: BriefContext, year: int, basis: str) -> pd.Series:
    """The one row of trade_published.csv for that year and basis (e.g. a partial year)."""
    rows = ctx.table("trade_published")
    rows = rows[(rows["year"] == year) & (rows["basis"] == basis)]
    if len(rows) != 1:
        raise AssertionError(f"the overview quotes the {basis} trade figure of {year}: trade_published.csv has "
                             f"{len(rows)} such rows, not one")
    return rows.iloc[0]


def _product(ctx: BriefContext, year: int, direction: str, product: str, column: str) -> float:
    rows = ctx.table("trade_products")
    rows = rows[(rows["year"] == year) & (rows["direction"] == direction) & (rows["product"] == product)]
    if rows.empty or rows[column].isna().all():
        raise AssertionError(f"the overview quotes {product} {year} ({column}), which trade_products.csv no longer has")
    return float(rows[column].dropna().iloc[0])


def overview_facts(ctx: BriefContext) -> dict:
    """The values the overview's text quotes and the facts it asserts, computed from the data
    (never typed by hand). A text that asserts a fact lists it in its front matter; a value it
    prints is a ``{{ name }}``. Comparisons on one base come from :func:`text.change`."""
    from russia_korea_briefs import changepoints, provenance, reliability, sources

    wide = indicators.agreement_wide(ctx.agreement)
    added = indicators.agreement_with_votes(ctx.agreement, ctx.table("unga_es11_votes"))
    with_es11 = added.pivot(index="year", columns="pair", values="agree_half_with_added")
    dist = indicators.ideal_point_distances(ctx.ideal_points)
    trade = indicators.yearly_trade(ctx.trade)
    peak_year, peak_value = indicators.trade_peak(ctx.trade)
    rk, rp = wide["RUS-KOR"], wide["RUS-PRK"]
    gap = (rp - rk).loc[1992:2024]
    above = [int(y) for y, g in gap.items() if g > 0]
    clear_since = indicators.last_run_start([int(y) for y, g in gap.items() if g > 0.05], 2024)
    series, results = ctx.changepoints
    breaks = {r.series: r.years for r in results}
    covering_2022 = [name for name, values in series.items() if values.dropna().index.max() >= 2022]
    break_2022 = [r.series for r in results if 2022 in r.years]
    unmatched = changepoints.unmatched_boundaries(results, ctx.periodization)
    events = ctx.all_events
    since = events[events["start"] >= pd.Timestamp("2022-02-24")]
    net_rr = indicators.net_score_by_year(events, "RUS-ROK", range(2014, last_full_year() + 1))
    net_rn = indicators.net_score_by_year(events, "RUS-DPRK", range(2014, last_full_year() + 1))
    coding = ctx.table("score_coding")
    agree = reliability.score_agreement(coding)
    cited = pd.concat([ctx.table(t)[["source_type"]] for t in ("events", "trade_published", "other_figures", "claims",
                                                               "trade_products", "unga_es11_votes")])
    types = cited["source_type"].value_counts()
    es11 = ctx.table("unga_es11_votes")
    claims = ctx.table("claims")["verdict"].value_counts()
    spread = provenance.source_spread(events)
    gaps = [int(y) for y in trade.index if pd.isna(trade.loc[y, "total_usd"]) and 1990 <= y <= last_full_year()]
    full_years = rk.loc[1991:2023]
    part_2024 = _published(ctx, 2024, "korean-partial")  # January–July, the nearest to a 2024 total
    facts = {
        "cutoff": cutoff(), "last_full_year": last_full_year(),
        "n_events": len(events), "n_since_invasion": len(since),
        "n_rus_rok": int((events["dyad"] == "RUS-ROK").sum()), "n_rus_dprk": int((events["dyad"] == "RUS-DPRK").sum()),
        "n_phases": len(ctx.periodization.phases),
        # trade, one base per comparison
        "trade_peak_year": peak_year, "trade_peak": peak_value, "peak_share": trade.loc[peak_year, "russia_share"],
        "max_share": float(trade["russia_share"].max()), "max_share_year": int(trade["russia_share"].idxmax()),
        "exports_2022": trade.loc[2022, "rok_exports_usd"],
        "trade_1990": trade.loc[1990, "total_usd"], "trade_2021": trade.loc[2021, "total_usd"],
        "trade_2022": trade.loc[2022, "total_usd"], "imports_2021": trade.loc[2021, "rok_imports_usd"],
        "imports_2022": trade.loc[2022, "rok_imports_usd"],
        "exports_2021": trade.loc[2021, "rok_exports_usd"], "exports_2024": trade.loc[2024, "rok_exports_usd"],
        "exports_change_2021_2024": trade.loc[2024, "rok_exports_usd"] / trade.loc[2021, "rok_exports_usd"] - 1,
        "exports_part_2024": part_2024["rok_exports_usd"], "imports_part_2024": part_2024["rok_imports_usd"],
        "total_part_2024": part_2024["total_usd"],
        "trade_gap_years": ", ".join(map(str, gaps)) or "none", "n_trade_gaps": len(gaps),
        "n_cow_years": int((ctx.trade["imports_basis"] == "cow").sum()),
        "naphtha_share_2021": _product(ctx, 2021, "rok_imports", "naphtha", "share_of_rok_imports"),
        "anthracite_share_2021": _product(ctx, 2021, "rok_imports", "anthracite", "share_of_rok_imports"),
        "crude_share_2021": _product(ctx, 2021, "rok_imports", "crude oil", "share_of_rok_imports"),
        "uranium_share_2021": _product(ctx, 2021, "rok_imports", "enriched uranium (U-235 enriched)", "share_of_rok_imports"),
        "coal_share_2023": _product(ctx, 2023, "rok_imports", "coal", "share_of_rok_imports"),
        "cars_2021": _product(ctx, 2021, "rok_exports", "cars (passenger cars incl. used)", "value_usd"),
        "cars_2024": _product(ctx, 2024, "rok_exports", "cars (passenger cars incl. used)", "value_usd"),
        "cars_2025": _product(ctx, 2025, "rok_exports", "cars (passenger cars incl. used)", "value_usd"),
        # UN votes
        "rk_2021": rk.get(2021), "rk_2023": rk.get(2023), "rp_2021": rp.get(2021), "rp_2023": rp.get(2023),
        "rk_2022_es11": with_es11.loc[2022, "RUS-KOR"], "rk_2023_es11": with_es11.loc[2023, "RUS-KOR"],
        "rk_2022": rk.get(2022), "rk_min_pre2022": rk.loc[1992:2021].min(), "rk_max_pre2022": rk.loc[1992:2021].max(),
        "n_votes_2024": int(ctx.agreement.query("year == 2024 and pair == 'RUS-KOR'")["n_votes"].iloc[0]),
        "gap_2012": float(gap.loc[2012]), "gap_2013": float(gap.loc[2013]), "gap_2023": float(gap.loc[2023]),
        "prk_clearly_above_since": clear_since, "n_years_prk_above_1999_2008": sum(1999 <= y <= 2008 for y in above),
        "dist_2021": dist.loc[2021, "RUS-KOR"], "dist_2023": dist.loc[2023, "RUS-KOR"],
        "n_es11": len(es11), "n_es11_kor_coded": int(es11["vote_KOR"].isin(["yes", "no", "abstain"]).sum()),
        # change points
        "n_series": len(results), "n_series_covering_2022": len(covering_2022), "n_break_2022": len(break_2022),
        "exports_break": ", ".join(map(str, breaks.get("South Korean exports to Russia (KOSIS)", ()))) or "none",
        "trade_break": ", ".join(map(str, breaks.get("Total trade (US$)", ()))) or "none",
        "n_unmatched": len(unmatched), "n_boundaries": len(ctx.periodization.phases) - 1,
        "unmatched_names": ", ".join(f"{ctx.periodization.get(p).name} ({ctx.periodization.get(p).start.year})" for p in unmatched),
        # scores
        "net_rr_2021": int(net_rr.loc[2021]), "net_rr_2022": int(net_rr.loc[2022]), "net_rr_2024": int(net_rr.loc[2024]),
        "net_rr_2025": int(net_rr.loc[2025]), "net_rn_2021": int(net_rn.loc[2021]), "net_rn_2025": int(net_rn.loc[2025]),
        # people and war figures (other_figures.csv)
        "dprk_troops_est": _figure(ctx, "dprk-troops-sent-to-russia-estimate", 2025),
        "dprk_killed_est_sep_2025": _figure(ctx, "dprk-troops-killed-estimate", 2025, pick="max"),
        "dprk_containers_est": _figure(ctx, "dprk-munitions-containers-to-russia-estimate", 2025),
        "visitors_2019": _figure(ctx, "mutual-visitors-total", 2019),
        "koryo_saram_ansan_2023": _figure(ctx, "goryeoin-residents-in-ansan", 2023),
        # method
        "n_double_coded": agree["n"], "alpha": agree["alpha"], "exact_share": agree["exact"],
        "within_2_share": agree["within_2"], "n_over_3": len(agree["over_threshold"]), "n_gap_3": len(agree["gap_3"]),
        "n_cited": int(types.sum()), "n_primary": int(types.get("primary", 0)), "n_wire": int(types.get("wire", 0)),
        "n_press": int(types.get("press", 0)), "n_scholarship": int(types.get("scholarship", 0)),
        "n_reference": int(types.get("reference", 0)), "n_aggregator": int(types.get("aggregator", 0)),
        "aggregator_share": float(types.get("aggregator", 0) / types.sum()), "aggregator_cap": sources.MAX_AGGREGATOR_SHARE,
        "n_domains": len(spread), "top_domain_share": float(spread.iloc[0] / spread.sum()),
        "n_reading": len(ctx.table("reading_list")), "share_high": float((events["confidence"] == "high").mean()),
        "n_claims": int(claims.sum()), "claims_true": int(claims.get("true", 0)), "claims_partly": int(claims.get("partly true", 0)),
        "claims_false": int(claims.get("false", 0)), "claims_unverified": int(claims.get("unverified", 0)),
    }
    usd, num = text.fmt_usd, text.fmt_num
    cars = ctx.table("trade_products").query("product == 'cars (passenger cars incl. used)'").set_index("year")["value_usd"]
    facts.update({
        "exports_2021_2024": text.change(trade["rok_exports_usd"], 2021, 2024, usd),
        "exports_2021_2022": text.change(trade["rok_exports_usd"], 2021, 2022, usd),
        "trade_2009_2014": text.change(trade["total_usd"], 2009, 2014, usd),
        "trade_2021_2022": text.change(trade["total_usd"], 2021, 2022, usd),
        "imports_2021_2022": text.change(trade["rok_imports_usd"], 2021, 2022, usd),
        "rk_2021_2023": text.change(rk, 2021, 2023, num, percent=False),
        "rp_2021_2023": text.change(rp, 2021, 2023, num, percent=False),
        "dist_2021_2023": text.change(dist["RUS-KOR"], 2021, 2023, num, percent=False),
        "cars_2021_2024": text.change(cars, 2021, 2024, usd),
        "trade_1990_peak": text.change(trade["total_usd"], 1990, peak_year, usd, percent=False),
    })
    # facts the text asserts (front matter ``asserts:``): true or false, recomputed at every build
    facts.update({
        "rk_2023_lowest_full_year": bool(full_years.idxmin() == 2023),
        "imports_above_exports_part_2024": bool(facts["imports_part_2024"] > facts["exports_part_2024"]),
        "exports_2024_below_half_of_2021": bool(facts["exports_2024"] < 0.5 * facts["exports_2021"]),
        "net_rr_negative_2022_to_2024": bool((net_rr.loc[2022:2024] < 0).all()),
        "net_rr_not_negative_2025": bool(net_rr.loc[2025] >= 0),
        "net_rn_peak_2025": bool(net_rn.idxmax() == 2025),
        "prk_above_every_year_since_2013": bool(all(g > 0 for y, g in gap.items() if y >= 2013)),
        "exports_break_not_2022": bool(2022 not in breaks.get("South Korean exports to Russia (KOSIS)", ())),
        "three_series_break_2022": bool(len(break_2022) == 3),
        "no_score_gap_over_3": bool(not agree["over_threshold"]),
    })
    return facts


class PhaseView:
    """What a phase brief shows about one phase."""

    def __init__(self, ctx: BriefContext, phase_id: str, context_years: int = 3):
        from datetime import date

        self.ctx = ctx
        self.phase = ctx.periodization.get(phase_id)
        self.number = ctx.periodization.ids.index(phase_id) + 1
        later = ctx.periodization.phases[self.number:]
        self.next_phase = later[0] if later else None
        last = self.phase.end or cutoff()
        self.last_day = last
        self.window_start = f"{max(self.phase.start.year - context_years, 1979)}-01-01"
        self.window_end = min(date(last.year + context_years, 12, 31), cutoff()).isoformat()
        self.events = indicators.in_window(ctx.all_events, self.phase.start, last)
        self.facts = phase_facts(ctx, phase_id)

    @property
    def period_label(self) -> str:
        end = f"{self.phase.end:%-d %B %Y}" if self.phase.end else f"the information cut-off ({cutoff():%-d %B %Y})"
        return f"{self.phase.start:%-d %B %Y} to {end}"

    def summary(self) -> text.Html:
        counts = self.events["dyad"].value_counts()
        parts = ", ".join(f"{counts.get(d, 0)} {charts.DYAD_LABELS[d]}" for d in charts.DYAD_ORDER)
        return text.Html(
            str(text.paragraph("{s}", s=self.phase.summary))
            + str(text.paragraph(
                "The chronology records {n} events in this phase ({parts}).", n=len(self.events), parts=parts
            ))
        )

    def _boundary(self, phase) -> text.Html:
        items = []
        ev = self.ctx.all_events.set_index("id")
        for eid in phase.boundary_events:
            row = ev.loc[eid]
            items.append(
                f"<li><strong>{text.esc(row['date'])}</strong> · {text.esc(row['title'])}. "
                f"{text.esc(row['description'])}{self.ctx.refs.marker(eid)}</li>"
            )
        return text.Html("<ul>" + "".join(items) + "</ul>")

    def beginning(self) -> text.Html:
        if not self.phase.boundary_events:
            return text.Html(
                "<p>No single event opens this phase: it begins where the chronology does, and what "
                "defines it is a condition (set out in the argument above), not a turning point.</p>"
            )
        return self._boundary(self.phase)

    def ending(self) -> text.Html:
        if self.next_phase is None:
            return text.Html(
                f"<p>The phase is still open at the information cut-off ({cutoff():%-d %B %Y}). What would end it is "
                "discussed under “What to watch next” in the overview brief.</p>"
            )
        lead = text.paragraph("The phase ended when the next one, {name}, began on {d}:",
                              name=self.next_phase.name, d=f"{self.next_phase.start:%-d %B %Y}")
        return text.Html(str(lead) + str(self._boundary(self.next_phase)))

    def key_events(self) -> text.Html:
        """The analyst's key events of the phase (``key_events`` in the periodization), each with
        why it matters; a periodization without them falls back to the largest scores."""
        from russia_korea_briefs import sections

        if not self.phase.key_events:
            return sections.key_events(
                self.events, self.ctx.refs, n=8, dyads=("RUS-ROK", "RUS-DPRK", "ROK-DPRK", "MULTI"), describe=True
            )
        ev = self.ctx.all_events.set_index("id")
        items = []
        for key in self.phase.key_events:
            row = ev.loc[key.id]
            items.append(
                f"<li><strong>{text.esc(row['date'])}</strong> · {text.esc(row['title'])}{self.ctx.refs.marker(key.id)}"
                f'<br><span class="why">{text.esc(key.why)}</span></li>'
            )
        return text.Html('<ul class="key-events">' + "".join(items) + "</ul>")

    def essay(self) -> text.Html:
        """The phase's essay (``notebooks/text/phases/<id>.md``), or the summary alone for a phase of
        another periodization that has none."""
        from russia_korea_briefs import prose

        if not prose.text_path(f"phases/{self.phase.id}").is_file():
            return text.paragraph("No essay has been written for this phase of this periodization.")
        return self.ctx.text(f"phases/{self.phase.id}", self.facts)

    def judgments(self) -> text.Html:
        from russia_korea_briefs import prose

        if not (prose.TEXT_DIR / f"phases/{self.phase.id}-judgments.yaml").is_file():
            return text.paragraph("No judgments have been written for this phase of this periodization.")
        return self.ctx.judgments(f"phases/{self.phase.id}-judgments", self.facts)

    @property
    def short(self) -> bool:
        """Shorter than three years: yearly means and per-year rates would mislead."""
        return (self.last_day - self.phase.start).days < 3 * 365

    def resolution_note(self) -> text.Html:
        if self.short:
            return text.Html(
                f"<p>The phase lasts {(self.last_day - self.phase.start).days // 30} months, too short for yearly "
                "means or per-year rates: the table below counts events and sums their scores by quarter on the "
                "two Moscow tracks. The yearly charts show the phase's band in its context; a year at either end "
                "belongs partly to the neighbouring phase, and UN votes of a year with fewer than 20 roll calls are "
                "provisional (drawn hollow), never a phase figure.</p>"
            )
        return text.Html(
            "<p>The phase's yearly averages beside the same averages for the whole period; the charts show the "
            "phase with up to three years on either side, its band highlighted. A year at either end belongs "
            "partly to the neighbouring phase.</p>"
        )

    def by_quarter(self) -> text.Html:
        """Events and net score by quarter on the Moscow–Seoul and Moscow–Pyongyang tracks."""
        from russia_korea_briefs import sections

        return sections.quarter_table(self.events, self.phase.start, self.last_day,
                                      f"{self.phase.name}: events by quarter")

    def baseline(self) -> text.Html:
        from russia_korea_briefs import sections

        rows = []
        for r in indicators.phase_vs_baseline(self.phase, self.ctx.all_events, self.ctx.trade, self.ctx.agreement,
                                              baseline=(1988, last_full_year())):
            fmt = {"usd": text.fmt_usd, "share": text.fmt_num, "score": lambda v: text.fmt_num(v, 1),
                   "rate": lambda v: text.fmt_num(v, 1)}[r["kind"]]
            rows.append((r["indicator"], fmt(r["phase"]), fmt(r["baseline"])))
        return sections.baseline_table(rows, f"{self.phase.name}: indicators against 1988–{last_full_year()}",
                                       f"Whole period 1988–{last_full_year()}")

    def chronology(self) -> text.Html:
        """Every event of the phase, as a table the HTML brief can filter (track, category, phase, words)."""
        from russia_korea_briefs import sections

        return sections.chronology(self.events, self.ctx.periodization)


def phase_facts(ctx: BriefContext, phase_id: str) -> dict:
    """The values a phase essay may quote (``{{ name }}`` in ``notebooks/text/phases/<id>.md``),
    computed from the data: dates, event counts, trade and UN agreement at the phase's ends."""
    phase = ctx.periodization.get(phase_id)
    last = phase.end or cutoff()
    events = indicators.in_window(ctx.all_events, phase.start, last)
    counts = events["dyad"].value_counts()
    trade = indicators.yearly_trade(ctx.trade)
    first_year, last_year = phase.start.year, min(last.year, last_full_year())
    years = [y for y in range(first_year, last_year + 1) if y in trade.index]
    totals = trade["total_usd"].reindex(years).dropna()
    exports = trade["rok_exports_usd"].reindex(years).dropna()
    agree = indicators.agreement_with_votes(ctx.agreement, ctx.table("unga_es11_votes"))
    rk = agree[(agree["pair"] == "RUS-KOR") & ~agree["provisional"]].set_index("year")["agree_half_with_added"]
    rk = rk.reindex([y for y in years if y in rk.index]).dropna()
    days = (last - phase.start).days + 1
    facts = {
        "phase_name": phase.name,
        "phase_start": phase.start,
        "phase_end": last,
        "phase_open": phase.end is None,
        "phase_years": round(days / 365.25, 1),
        "phase_months": round(days / 30.44),
        "cutoff": cutoff(),
        "n_events": len(events),
        "n_rus_rok": int(counts.get("RUS-ROK", 0)),
        "n_rus_dprk": int(counts.get("RUS-DPRK", 0)),
        "n_multi": int(counts.get("MULTI", 0)),
        "n_rok_dprk": int(counts.get("ROK-DPRK", 0)),
        "mean_score_rus_rok": float(events.loc[events["dyad"] == "RUS-ROK", "score"].mean()) if counts.get("RUS-ROK") else float("nan"),
        "mean_score_rus_dprk": float(events.loc[events["dyad"] == "RUS-DPRK", "score"].mean()) if counts.get("RUS-DPRK") else float("nan"),
    }
    if len(totals):
        facts.update(trade_first_year=int(totals.index[0]), trade_first=float(totals.iloc[0]),
                     trade_last_year=int(totals.index[-1]), trade_last=float(totals.iloc[-1]),
                     trade_peak_year=int(totals.idxmax()), trade_peak=float(totals.max()),
                     trade_fell=bool(totals.iloc[-1] < totals.iloc[0]), trade_rose=bool(totals.iloc[-1] > totals.iloc[0]))
    if len(exports):
        facts.update(exports_first_year=int(exports.index[0]), exports_first=float(exports.iloc[0]),
                     exports_last_year=int(exports.index[-1]), exports_last=float(exports.iloc[-1]),
                     exports_fell=bool(exports.iloc[-1] < exports.iloc[0]))
    if len(rk):
        facts.update(unga_rus_kor_first_year=int(rk.index[0]), unga_rus_kor_first=float(rk.iloc[0]),
                     unga_rus_kor_last_year=int(rk.index[-1]), unga_rus_kor_last=float(rk.iloc[-1]),
                     unga_rus_kor_fell=bool(rk.iloc[-1] < rk.iloc[0]))
    facts["short_phase"] = days < 3 * 365
    return facts
